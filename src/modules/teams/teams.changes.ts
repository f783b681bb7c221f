/**
 * What changes a team (product §19): colleagues invited, joining and leaving; companies added and removed. Each
 * change writes or revokes the members' rights set-based in its transaction, tells each company concerned once
 * (its e-mail address) and journals each company's change.
 */
import type { Tx } from "../../platform/db/database.js";
import { DomainError } from "../../platform/errors.js";
import { findActiveSpaceByEmail, getSpaces } from "../spaces/index.js";
import { appendJournalMany as journal } from "../journal/index.js";
import { queueMail, teamInvitationMail } from "../mail/index.js";
import { decideTeamCompanies, grantTeamRights, notifyTeamRights, revokeTeamRights, type TeamCompanyDecision } from "../rights/index.js";
import * as repo from "./teams.repository.js";
import { assertOwner, cleanName, grantOf, nameTaken, TEAM_RULES, teamLabel, teamNotFound, visibleTeam, type TeamsDeps } from "./teams.service.js";

type TeamRow = NonNullable<Awaited<ReturnType<typeof repo.lockTeam>>>;

/** The team under its row lock (changes of one team happen one at a time); gone meanwhile: 404. */
async function locked(tx: Tx, teamId: string): Promise<TeamRow> {
  const team = await repo.lockTeam(tx, teamId);
  if (!team) throw teamNotFound();
  return team;
}

/**
 * Gives the team's grant to these members on these companies (decided afresh from the owner's rights), tells each
 * company once and journals each. Answers the decisions, for the lines' results.
 */
async function grant(deps: TeamsDeps, tx: Tx, team: TeamRow, actorId: string, sirens: string[], members: string[], action: string) {
  const now = deps.clock.now();
  const decisions = await decideTeamCompanies(tx, grantOf(team), sirens, now);
  const accepted = decisions.filter((d): d is Extract<TeamCompanyDecision, { ok: true }> => d.ok);
  const granted = await grantTeamRights(tx, grantOf(team), accepted, members, now);
  await notifyTeamRights(tx, now, {
    grant: grantOf(team),
    teamLabel: await teamLabel(tx, team),
    granted,
    validUntil: new Map(accepted.map((d) => [d.siren, d.validUntil])),
  });
  const bySiren = new Map<string, string[]>();
  for (const g of granted) bySiren.set(g.siren, [...(bySiren.get(g.siren) ?? []), g.spaceId]);
  await journal(
    tx,
    now,
    [...bySiren].map(([siren, people]) => ({
      actor: { kind: "person", id: actorId },
      action,
      subject: { type: "team", id: team.id },
      data: { siren, people, role: team.role, services: team.services, taxScope: team.tax_scope },
    })),
  );
  return decisions;
}

/** Invites a colleague (a person of the same entity) by her connection address; she accepts once. */
export async function inviteMember(deps: TeamsDeps, actorId: string, teamId: string, email: string) {
  const now = deps.clock.now();
  const v = await visibleTeam(deps, actorId, teamId);
  assertOwner(v);
  const found = await findActiveSpaceByEmail(deps.db, email);
  const [target] = found ? await getSpaces(deps.db, [found.id]) : [];
  // No space, or a space of another entity: one answer, so that nothing is learnt about other firms' people.
  if (!found || !target || target.entity_siren !== v.team.entity_siren) {
    throw new DomainError(
      "refused",
      "not_a_colleague",
      "Aucun espace professionnel de votre entité n'utilise cette adresse de connexion : seuls vos collègues peuvent rejoindre l'équipe.",
    );
  }
  if (found.id === v.team.owner_space_id)
    throw new DomainError("refused", "cannot_add_self", "Vous gérez cette équipe : ses droits viennent des vôtres, vous n'avez pas à la rejoindre.");
  return deps.db.transaction().execute(async (tx) => {
    const team = await locked(tx, teamId);
    if (await repo.findMember(tx, teamId, found.id))
      throw new DomainError("conflict", "already_member", "Cette personne fait déjà partie de l'équipe (ou y est déjà invitée).");
    await repo.insertMember(tx, { team_id: teamId, space_id: found.id, state: "invited", invited_at: now, joined_at: null });
    const [owner] = await getSpaces(tx, [team.owner_space_id]);
    await queueMail(
      tx,
      now,
      teamInvitationMail({
        to: found.connectionEmail,
        firstName: found.firstName,
        team: await teamLabel(tx, team),
        from: owner ? `${owner.first_name} ${owner.last_name}` : "Un administrateur de votre entité",
        companies: (await repo.sirensOf(tx, teamId)).length,
      }),
    );
    await journal(tx, now, [
      { actor: { kind: "person", id: actorId }, action: "team.member_invited", subject: { type: "team", id: teamId }, data: { person: found.id } },
    ]);
    return { personId: found.id, state: "invited" as const };
  });
}

/** The invited colleague accepts: she gets the team's grant on every company of the team, at once. */
export async function joinTeam(deps: TeamsDeps, actorId: string, teamId: string) {
  const now = deps.clock.now();
  const v = await visibleTeam(deps, actorId, teamId);
  if (!v.member) throw new DomainError("not_found", "not_found", "Aucune invitation à cette équipe ne vous est adressée.");
  return deps.db.transaction().execute(async (tx) => {
    const team = await locked(tx, teamId);
    const member = await repo.findMember(tx, teamId, actorId);
    if (!member) throw new DomainError("not_found", "not_found", "Aucune invitation à cette équipe ne vous est adressée.");
    if (member.state === "active") throw new DomainError("conflict", "already_member", "Vous faites déjà partie de cette équipe.");
    await repo.activateMember(tx, teamId, actorId, now);
    const decisions = await grant(deps, tx, team, actorId, await repo.sirensOf(tx, teamId), [actorId], "team.member_rights_granted");
    await journal(tx, now, [{ actor: { kind: "person", id: actorId }, action: "team.member_joined", subject: { type: "team", id: teamId } }]);
    return { state: "active" as const, companies: decisions.filter((d) => d.ok).length };
  });
}

/** A member leaves (herself) or is taken off (by the owner): her rights through the team end at once. */
export async function removeMember(deps: TeamsDeps, actorId: string, teamId: string, personId: string): Promise<void> {
  const now = deps.clock.now();
  const v = await visibleTeam(deps, actorId, teamId);
  if (personId !== actorId) assertOwner(v);
  await deps.db.transaction().execute(async (tx) => {
    await locked(tx, teamId);
    if (!(await repo.findMember(tx, teamId, personId))) throw new DomainError("not_found", "not_found", "Cette personne ne fait pas partie de l'équipe.");
    const { revoked, sirens } = await revokeTeamRights(tx, teamId, { spaceId: personId }, now);
    await repo.deleteMember(tx, teamId, personId);
    await journal(tx, now, [
      {
        actor: { kind: "person", id: actorId },
        action: personId === actorId ? "team.member_left" : "team.member_removed",
        subject: { type: "team", id: teamId },
        data: { person: personId, rightsRevoked: revoked, sirens },
      },
    ]);
  });
}

export type CompanyOutcome = { siren: string; status: "added" | "already_in_team" | "refused"; error?: { code: string; message: string } };

/**
 * Adds client companies to the team (500 at most at once): each line is decided on its own from the owner's rights
 * (`decideGrant`: services held, tax scope, end date); the accepted ones give every active member the team's grant,
 * in one statement, and each company is told once.
 */
export async function addCompanies(deps: TeamsDeps, actorId: string, teamId: string, sirens: string[]): Promise<CompanyOutcome[]> {
  if (sirens.length > TEAM_RULES.maxCompaniesAtOnce)
    throw new DomainError("too_large", "too_many_companies", `Ajoutez ${TEAM_RULES.maxCompaniesAtOnce} entreprises au plus à la fois.`);
  const v = await visibleTeam(deps, actorId, teamId);
  assertOwner(v);
  const wanted = [...new Set(sirens)];
  return deps.db.transaction().execute(async (tx) => {
    const team = await locked(tx, teamId);
    const present = await repo.sirensIn(tx, teamId, wanted);
    const fresh = wanted.filter((s) => !present.has(s));
    const decisions = new Map((await decideTeamCompanies(tx, grantOf(team), fresh, deps.clock.now())).map((d) => [d.siren, d]));
    const accepted = fresh.filter((s) => decisions.get(s)?.ok);
    await repo.insertCompanies(tx, teamId, accepted, deps.clock.now());
    await grant(deps, tx, team, actorId, accepted, await repo.activeMemberIds(tx, teamId), "team.company_added");
    return wanted.map((siren): CompanyOutcome => {
      if (present.has(siren)) return { siren, status: "already_in_team" };
      const d = decisions.get(siren)!;
      return d.ok ? { siren, status: "added" } : { siren, status: "refused", error: { code: d.code, message: d.message } };
    });
  });
}

/** A company leaves the team: the members' rights on it through the team end at once. */
export async function removeCompany(deps: TeamsDeps, actorId: string, teamId: string, siren: string): Promise<void> {
  const now = deps.clock.now();
  const v = await visibleTeam(deps, actorId, teamId);
  assertOwner(v);
  await deps.db.transaction().execute(async (tx) => {
    await locked(tx, teamId);
    if (!(await repo.deleteCompany(tx, teamId, siren))) throw new DomainError("not_found", "not_found", "Cette entreprise ne fait pas partie de l'équipe.");
    const { revoked } = await revokeTeamRights(tx, teamId, { siren }, now);
    await journal(tx, now, [
      {
        actor: { kind: "person", id: actorId },
        action: "team.company_removed",
        subject: { type: "team", id: teamId },
        data: { siren, rightsRevoked: revoked },
      },
    ]);
  });
}

/** Renames the team (its manager only); the name stays unique in the firm. The rights it gave now read the new name. */
export async function renameTeam(deps: TeamsDeps, actorId: string, teamId: string, newName: string): Promise<{ name: string }> {
  const now = deps.clock.now();
  const v = await visibleTeam(deps, actorId, teamId);
  assertOwner(v);
  const name = cleanName(newName);
  return deps.db.transaction().execute(async (tx) => {
    const team = await locked(tx, teamId);
    if (team.name === name) return { name };
    if (await repo.teamNameTaken(tx, team.entity_siren, name, teamId)) throw nameTaken(name);
    await repo.renameTeam(tx, teamId, name);
    await journal(tx, now, [
      { actor: { kind: "person", id: actorId }, action: "team.renamed", subject: { type: "team", id: teamId }, data: { from: team.name, to: name } },
    ]);
    return { name };
  });
}

/**
 * Closes the team (its manager only): every right it gave ends at once, with the delegations made from them; its
 * members and companies go. The rights keep their origin in the history; the name is free again.
 */
export async function closeTeam(deps: TeamsDeps, actorId: string, teamId: string): Promise<{ rightsRevoked: number; companies: number }> {
  const now = deps.clock.now();
  const v = await visibleTeam(deps, actorId, teamId);
  assertOwner(v);
  return deps.db.transaction().execute(async (tx) => {
    const team = await locked(tx, teamId);
    const { revoked, sirens } = await revokeTeamRights(tx, teamId, {}, now);
    const companies = (await repo.sirensOf(tx, teamId)).length;
    await repo.closeTeam(tx, teamId, now);
    await journal(tx, now, [
      {
        actor: { kind: "person", id: actorId },
        action: "team.closed",
        subject: { type: "team", id: teamId },
        data: { name: team.name, rightsRevoked: revoked, sirens, companies },
      },
    ]);
    return { rightsRevoked: revoked, companies };
  });
}
