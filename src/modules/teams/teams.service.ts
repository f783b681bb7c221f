/**
 * Teams in a firm (product §19): a firm's administrator makes teams of colleagues, each with one grant (role,
 * services, tax scope) on the client companies of the team. Who sees a team, creating it, listing and reading it.
 */
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { DB } from "../../platform/db/schema.js";
import type { Clock } from "../../platform/clock.js";
import { DomainError } from "../../platform/errors.js";
import { decodeKey, decodeKeyset, encodeKey, encodeKeyset } from "../../platform/cursor.js";
import { getCompanies } from "../companies/index.js";
import { getSpaces } from "../spaces/index.js";
import { orderedServices, type ServiceCode } from "../adhesions/index.js";
import { appendJournal } from "../journal/index.js";
import { administers, type TeamGrant, type TeamNamesPort } from "../rights/index.js";
import * as repo from "./teams.repository.js";

export type TeamsDeps = { db: Kysely<DB>; clock: Clock };
type TeamRow = NonNullable<Awaited<ReturnType<typeof repo.findTeam>>>;

export const TEAM_RULES = { maxCompaniesAtOnce: 500 };

export const teamNotFound = () => new DomainError("not_found", "not_found", "Équipe introuvable.");

/** The grant of a team, as the rights module reads it. */
export function grantOf(team: TeamRow): TeamGrant {
  return { teamId: team.id, grantorId: team.owner_space_id, role: team.role, services: team.services, taxScope: team.tax_scope };
}

/** How the team reads to a company and in « qui agit »: « l'équipe TVA de CABINET GESTION ». */
export async function teamLabel(db: Kysely<DB>, team: Pick<TeamRow, "name" | "entity_siren">): Promise<string> {
  const firm = (await getCompanies(db, [team.entity_siren])).get(team.entity_siren);
  return `l'équipe ${team.name} de ${firm?.name ?? `l'entité ${team.entity_siren}`}`;
}

/** The team names port of the rights module: each team's name and its firm's company name. */
export const teamNames: TeamNamesPort = async (db, ids) => {
  const teams = await repo.teamsByIds(db, ids);
  const firms = await getCompanies(db, [...new Set(teams.map((t) => t.entity_siren))]);
  return new Map(teams.map((t) => [t.id, { name: t.name, firmName: firms.get(t.entity_siren)?.name ?? t.entity_siren }]));
};

async function personOf(db: Kysely<DB>, spaceId: string) {
  const [me] = await getSpaces(db, [spaceId]);
  if (!me) throw new DomainError("unauthenticated", "unauthenticated", "Connectez-vous pour continuer.");
  return me;
}

/**
 * A team as the actor may see it: one of her own entity, which she administers, made, or belongs to (invited or
 * active). Anything else — another firm's team included — answers 404, as if it did not exist.
 */
export async function visibleTeam(deps: TeamsDeps, actorId: string, teamId: string) {
  const team = await repo.findTeam(deps.db, teamId);
  const me = await personOf(deps.db, actorId);
  if (!team || team.entity_siren !== me.entity_siren) throw teamNotFound();
  const isOwner = team.owner_space_id === actorId;
  const member = await repo.findMember(deps.db, teamId, actorId);
  if (!isOwner && !member && !(await administers(deps.db, actorId, me.entity_siren, deps.clock.now()))) throw teamNotFound();
  return { team, isOwner, member };
}

/** Only the administrator who made the team manages it (its grant comes from her rights). */
export function assertOwner(v: { isOwner: boolean }): void {
  if (!v.isOwner) {
    throw new DomainError("forbidden", "not_team_manager", "Seul l'administrateur qui a créé cette équipe peut la gérer : ses droits viennent des siens.");
  }
}

/** A team's name as kept: trimmed, inner spaces folded. */
export const cleanName = (name: string) => name.trim().replace(/\s+/g, " ");

export const nameTaken = (name: string) =>
  new DomainError("conflict", "team_name_taken", `Votre entité a déjà une équipe nommée « ${name} » : choisissez un autre nom.`);

export type CreateTeamInput = { name: string; grant: { role: "delegate" | "deputy"; services: ServiceCode[]; taxScope?: string[] | null | undefined } };

/** Creates a team; only a person holding an active administrator right on her own entity (the firm) may. */
export async function createTeam(deps: TeamsDeps, actorId: string, input: CreateTeamInput): Promise<{ id: string }> {
  const now = deps.clock.now();
  const me = await personOf(deps.db, actorId);
  if (!(await administers(deps.db, actorId, me.entity_siren, now))) {
    throw new DomainError(
      "forbidden",
      "not_entity_administrator",
      "Seul un administrateur de votre entité (une habilitation d'administrateur active sur le SIREN de votre cabinet) peut créer une équipe.",
    );
  }
  const name = cleanName(input.name);
  const services = orderedServices(input.grant.services);
  const taxScope = input.grant.taxScope && input.grant.taxScope.length > 0 ? [...new Set(input.grant.taxScope)].sort() : null;
  if (taxScope && !services.includes("messagerie"))
    throw new DomainError("refused", "tax_scope_without_messagerie", "Un périmètre de taxes ne s'applique qu'à la messagerie : ajoutez-la aux services.");
  if (await repo.teamNameTaken(deps.db, me.entity_siren, name)) throw nameTaken(name);
  const id = randomUUID();
  await deps.db.transaction().execute(async (tx) => {
    await repo.insertTeam(tx, {
      id,
      entity_siren: me.entity_siren,
      owner_space_id: actorId,
      name,
      role: input.grant.role,
      services: JSON.stringify(services),
      tax_scope: taxScope ? JSON.stringify(taxScope) : null,
      created_at: now,
    });
    await appendJournal(tx, now, {
      actor: { kind: "person", id: actorId },
      action: "team.created",
      subject: { type: "team", id },
      data: { entity: me.entity_siren, name, role: input.grant.role, services, taxScope },
    });
  });
  return { id };
}

export type TeamSummary = {
  id: string;
  name: string;
  grant: { role: "deputy" | "delegate"; services: string[]; taxScope: string[] | null };
  owner: { id: string; displayName: string };
  /** My place: `owner` (I manage it), `invited`, `active`, or null (an administrator of the entity looking on). */
  myState: "owner" | "invited" | "active" | null;
  activeMembers: number;
  invitedMembers: number;
  companies: number;
  createdAt: Date;
};

async function summaries(deps: TeamsDeps, actorId: string, teams: TeamRow[]): Promise<TeamSummary[]> {
  const ids = teams.map((t) => t.id);
  const counts = await repo.teamCounts(deps.db, ids);
  const mine = new Map((await repo.membershipsOf(deps.db, actorId, ids)).map((m) => [m.team_id, m.state]));
  const owners = new Map((await getSpaces(deps.db, [...new Set(teams.map((t) => t.owner_space_id))])).map((s) => [s.id, s]));
  return teams.map((t) => {
    const o = owners.get(t.owner_space_id);
    const c = counts.get(t.id)!;
    return {
      id: t.id,
      name: t.name,
      grant: { role: t.role, services: t.services, taxScope: t.tax_scope },
      owner: { id: t.owner_space_id, displayName: o ? `${o.first_name} ${o.last_name}` : "" },
      myState: t.owner_space_id === actorId ? "owner" : (mine.get(t.id) ?? null),
      activeMembers: c.active,
      invitedMembers: c.invited,
      companies: c.companies,
      createdAt: t.created_at,
    };
  });
}

/** The teams of my entity I see (all of them when I administer it), newest first, a page at a time. */
export async function listTeams(deps: TeamsDeps, actorId: string, o: { q?: string | undefined; limit: number; cursor?: string | undefined }) {
  const after = o.cursor ? decodeKeyset(o.cursor) : undefined;
  const me = await personOf(deps.db, actorId);
  const all = await administers(deps.db, actorId, me.entity_siren, deps.clock.now());
  const rows = await repo.teamsOf(deps.db, { entitySiren: me.entity_siren, spaceId: actorId, all, q: o.q, limit: o.limit + 1, after });
  const page = rows.slice(0, o.limit);
  const last = page[page.length - 1];
  return {
    items: await summaries(deps, actorId, page),
    nextCursor: rows.length > o.limit && last ? encodeKeyset(last.created_at, last.id) : null,
    /** Whether I may create teams (an administrator of my entity). */
    canCreate: all,
  };
}

/** One team: its grant, its members (invited or active) and how many companies it has. */
export async function getTeam(deps: TeamsDeps, actorId: string, teamId: string) {
  const { team } = await visibleTeam(deps, actorId, teamId);
  const [summary] = await summaries(deps, actorId, [team]);
  const members = await repo.membersOf(deps.db, teamId);
  const people = new Map(
    (
      await getSpaces(
        deps.db,
        members.map((m) => m.space_id),
      )
    ).map((s) => [s.id, s]),
  );
  return {
    ...summary!,
    firmName: (await getCompanies(deps.db, [team.entity_siren])).get(team.entity_siren)?.name ?? team.entity_siren,
    members: members.map((m) => {
      const p = people.get(m.space_id);
      return {
        id: m.space_id,
        displayName: p ? `${p.first_name} ${p.last_name}` : "",
        email: p?.connection_email ?? "",
        state: m.state,
        invitedAt: m.invited_at,
        joinedAt: m.joined_at,
      };
    }),
  };
}

/** The team's companies by SIREN, a page at a time; `q`: the start of a SIREN. */
export async function listTeamCompanies(
  deps: TeamsDeps,
  actorId: string,
  teamId: string,
  o: { q?: string | undefined; limit: number; cursor?: string | undefined },
) {
  // A crafted cursor is refused (400) before anything is read.
  const after = o.cursor ? decodeKey(o.cursor, /^\d{9}$/) : undefined;
  await visibleTeam(deps, actorId, teamId);
  const rows = await repo.pageCompanies(deps.db, teamId, { prefix: o.q, after, limit: o.limit + 1 });
  const page = rows.slice(0, o.limit);
  const companies = await getCompanies(
    deps.db,
    page.map((r) => r.siren),
  );
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({ siren: r.siren, name: companies.get(r.siren)?.name ?? r.siren, addedAt: r.added_at })),
    nextCursor: rows.length > o.limit && last ? encodeKey(last.siren) : null,
  };
}
