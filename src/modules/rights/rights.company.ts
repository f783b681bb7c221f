/** Who acts for a company (product §5): the people and their rights, revoking one, the back office's view and suspension, and the rights' housekeeping. */
import type { Kysely } from "kysely";
import type { DB } from "../../platform/db/schema.js";
import type { Tx } from "../../platform/db/database.js";
import { DomainError } from "../../platform/errors.js";
import { getCompanies } from "../companies/index.js";
import { getSpaces } from "../spaces/index.js";
import { queueOfficeActionNotices, SERVICE_CODES, type ServiceCode } from "../adhesions/index.js";
import { appendJournal } from "../journal/index.js";
import * as repo from "./rights.repository.js";
import { canManage, isLive, mayRevoke } from "./rights.policy.js";
import { held, type RightsDeps } from "./rights.service.js";
import { DELEGATION_RULES, isLegalRepresentativeAdministrator, revokeCascade, type Verdict } from "./rights.delegations.js";

// Who acts for my company ---------------------------------------------------------------------------------------

export type Representative = {
  person: { firstName: string; lastName: string; connectionEmail: string; entitySiren: string; entityName: string | null };
  rights: {
    id: string;
    service: string;
    role: string;
    taxScope: string[] | null;
    state: string;
    since: Date;
    validUntil: Date | null;
    grantedBy: string | null;
    grantedFrom: string | null;
    revocable: boolean;
    /** The firm's team the right comes from (product §19): « via l'équipe TVA de CABINET GESTION ». */
    team: { id: string; name: string; firmName: string } | null;
  }[];
  lastActivityAt: Date | null;
};

/** The rights held on a company and the people they name (holders and grantors), read once. */
async function rightsOnCompanyWithPeople(db: Kysely<DB>, siren: string) {
  const rights = await repo.rightsOnCompany(db, siren);
  const people = new Map(
    (await getSpaces(db, [...new Set(rights.flatMap((r) => [r.space_id, ...(r.granted_by_space ? [r.granted_by_space] : [])]))])).map((p) => [p.id, p]),
  );
  return { rights, people };
}

/** What every view shows of a right; one whose end date passed reads « expired ». */
function rightFields(r: Awaited<ReturnType<typeof repo.rightsOnCompany>>[number], now: Date) {
  return {
    id: r.id,
    service: r.service,
    role: r.role,
    taxScope: r.tax_scope,
    state: r.valid_until && r.valid_until <= now ? "expired" : r.state,
    since: r.valid_from,
    validUntil: r.valid_until,
  };
}

/** Every person holding a right on the company (administrators and deputies only may see it). */
export async function listRepresentatives(deps: RightsDeps, actorId: string, siren: string): Promise<Representative[]> {
  const now = deps.clock.now();
  const mine = held(await repo.rightsOf(deps.db, actorId, siren));
  if (!mine.some((r) => isLive(r, now))) throw new DomainError("not_found", "not_found", "Entreprise introuvable.");
  if (!canManage(mine, now))
    throw new DomainError("forbidden", "not_company_manager", "Seuls les administrateurs et leurs suppléants voient qui agit pour l'entreprise.");
  const legalRep = await isLegalRepresentativeAdministrator(deps.db, actorId, siren, now);
  const { rights, people } = await rightsOnCompanyWithPeople(deps.db, siren);
  const bySpace = new Map<string, typeof rights>();
  for (const r of rights) bySpace.set(r.space_id, [...(bySpace.get(r.space_id) ?? []), r]);
  const entities = await getCompanies(deps.db, [...new Set([...people.values()].map((p) => p.entity_siren))]);
  const teamIds = [...new Set(rights.flatMap((r) => (r.team_id ? [r.team_id] : [])))];
  const teams = teamIds.length && deps.teamNames ? await deps.teamNames(deps.db, teamIds) : new Map<string, { name: string; firmName: string }>();
  return [...bySpace].map(([spaceId, list]) => {
    const p = people.get(spaceId);
    return {
      person: {
        firstName: p?.first_name ?? "",
        lastName: p?.last_name ?? "",
        connectionEmail: p?.connection_email ?? "",
        entitySiren: p?.entity_siren ?? "",
        entityName: (p && entities.get(p.entity_siren)?.name) ?? null,
      },
      rights: list
        .sort((a, b) => SERVICE_CODES.indexOf(a.service as ServiceCode) - SERVICE_CODES.indexOf(b.service as ServiceCode))
        .map((r) => {
          const g = r.granted_by_space ? people.get(r.granted_by_space) : undefined;
          return {
            ...rightFields(r, now),
            grantedBy: g ? `${g.first_name} ${g.last_name} (${g.connection_email})` : null,
            /** The right this one was granted from: revoking that one revokes this one too. */
            grantedFrom: r.granted_by_right,
            revocable:
              spaceId !== actorId && mayRevoke({ spaceId: actorId, isLegalRepresentativeAdministrator: legalRep }, { grantedBySpace: r.granted_by_space }),
            team: r.team_id && teams.has(r.team_id) ? { id: r.team_id, ...teams.get(r.team_id)! } : null,
          };
        }),
      lastActivityAt: p?.last_sign_in_at ?? null,
    };
  });
}

/** Revokes one right on the company (what one granted; anything for a legal-representative administrator). */
export async function revokeRight(deps: RightsDeps, actorId: string, siren: string, rightId: string): Promise<void> {
  const now = deps.clock.now();
  const notFound = () => new DomainError("not_found", "not_found", "Habilitation introuvable.");
  const mine = held(await repo.rightsOf(deps.db, actorId, siren));
  if (!mine.some((r) => isLive(r, now))) throw notFound();
  const legalRep = await isLegalRepresentativeAdministrator(deps.db, actorId, siren, now);
  // The state is read under the row lock: of two concurrent revocations, the second finds it revoked (404).
  const verdict = await deps.db.transaction().execute(async (tx): Promise<Verdict> => {
    const right = await repo.lockRight(tx, rightId);
    if (!right || right.siren !== siren || right.state === "revoked") return { ok: false, error: notFound() };
    if (!canManage(mine, now) || !mayRevoke({ spaceId: actorId, isLegalRepresentativeAdministrator: legalRep }, { grantedBySpace: right.granted_by_space })) {
      return {
        ok: false,
        error: new DomainError(
          "forbidden",
          "not_yours_to_revoke",
          "Vous ne pouvez révoquer que les habilitations que vous avez accordées (le représentant légal peut toutes les révoquer).",
        ),
      };
    }
    const n = await revokeCascade(tx, [rightId], now);
    if (right.offer_id && (await repo.rightsOfOffer(tx, right.offer_id)).every((r) => r.state === "revoked"))
      await repo.setOfferStatus(tx, right.offer_id, "revoked", now);
    await appendJournal(tx, now, {
      actor: { kind: "person", id: actorId },
      action: "right.revoked",
      subject: { type: "right", id: rightId },
      data: { siren, holder: right.space_id, service: right.service, role: right.role, rightsRevoked: n },
    });
    return { ok: true };
  });
  if (!verdict.ok) throw verdict.error;
}

// Jobs -------------------------------------------------------------------------------------------------------------

/**
 * Housekeeping: offers past 14 days expire; rights past their end date are closed (the gate already ignores
 * them); records of rights revoked more than a year ago are purged (OPALE). Each step is journaled.
 */
export async function runRightsHousekeeping(deps: RightsDeps): Promise<{ offers: number; expired: number; purged: number }> {
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (tx) => {
    const offers = await repo.expireOffers(tx, now);
    for (const o of offers)
      await appendJournal(tx, now, {
        actor: { kind: "system" },
        action: "delegation.expired",
        subject: { type: "delegation", id: o.id },
        data: { siren: o.siren },
      });
    const ended = await repo.newlyExpired(tx, new Date(0), now);
    await repo.revokeIds(
      tx,
      ended.map((r) => r.id),
      now,
    );
    for (const r of ended)
      await appendJournal(tx, now, {
        actor: { kind: "system" },
        action: "right.expired",
        subject: { type: "right", id: r.id },
        data: { siren: r.siren, holder: r.space_id, service: r.service },
      });
    const purged = await repo.purgeRevoked(tx, new Date(now.getTime() - DELEGATION_RULES.keepRevokedMs));
    if (purged.length > 0) {
      await appendJournal(tx, now, { actor: { kind: "system" }, action: "rights.purged", data: { count: purged.length, ids: purged.map((r) => r.id) } });
    }
    return { offers: offers.length, expired: ended.length, purged: purged.length };
  });
}

// The back office (adhesion desk, product §9) ----------------------------------------------------------------------

/** Whether the person administers the company (administrator or deputy with a live right). */
export async function managesCompany(db: Kysely<DB> | Tx, spaceId: string, siren: string, at: Date): Promise<boolean> {
  return canManage(held(await repo.rightsOf(db, spaceId, siren)), at);
}

export type CompanyRightView = {
  id: string;
  holder: { id: string; name: string; connectionEmail: string };
  service: string;
  role: string;
  taxScope: string[] | null;
  state: string;
  since: Date;
  validUntil: Date | null;
  grantedBy: string | null;
};

/** Every right held on a company (for the agents of its tax office). */
export async function rightsOfCompany(deps: Pick<RightsDeps, "db" | "clock">, siren: string): Promise<CompanyRightView[]> {
  const now = deps.clock.now();
  const { rights, people } = await rightsOnCompanyWithPeople(deps.db, siren);
  return rights.map((r) => {
    const p = people.get(r.space_id);
    const g = r.granted_by_space ? people.get(r.granted_by_space) : undefined;
    return {
      ...rightFields(r, now),
      holder: { id: r.space_id, name: p ? `${p.first_name} ${p.last_name}` : "", connectionEmail: p?.connection_email ?? "" },
      grantedBy: g ? `${g.first_name} ${g.last_name}` : null,
    };
  });
}

/**
 * An agent of the company's tax office suspends a right (and what was granted from it), e.g. on a suspected
 * impostor. Journaled; the company and the holder get a content-free notice.
 */
export async function suspendRightByAgent(
  deps: Pick<RightsDeps, "db" | "clock">,
  agentId: string,
  rightId: string,
  reason: string,
  competentFor: (ex: Kysely<DB>, siren: string) => Promise<boolean>,
) {
  const now = deps.clock.now();
  const notFound = () => new DomainError("not_found", "not_found", "Habilitation introuvable.");
  const known = await repo.findRight(deps.db, rightId);
  if (!known || !(await competentFor(deps.db, known.siren))) throw notFound();
  const verdict = await deps.db.transaction().execute(async (tx): Promise<Verdict> => {
    const right = await repo.lockRight(tx, rightId);
    if (!right) return { ok: false, error: notFound() };
    if (right.state !== "active") return { ok: false, error: new DomainError("conflict", "right_not_active", "Cette habilitation n'est pas active.") };
    await repo.suspendIds(tx, [rightId], rightId);
    const cascaded = (await repo.descendantsOf(tx, [rightId])).filter((d) => d.state === "active").map((d) => d.id);
    await repo.suspendIds(tx, cascaded, rightId);
    await appendJournal(tx, now, {
      actor: { kind: "agent", id: agentId },
      action: "right.suspended",
      subject: { type: "right", id: rightId },
      data: { siren: right.siren, holder: right.space_id, service: right.service, role: right.role, cascaded: cascaded.length, reason },
    });
    await queueOfficeActionNotices(tx, now, right.siren, right.space_id);
    return { ok: true };
  });
  if (!verdict.ok) throw verdict.error;
  return { state: "suspended" as const };
}
