import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { DB } from "../../platform/db/schema.js";
import type { Tx } from "../../platform/db/database.js";
import type { Clock } from "../../platform/clock.js";
import { DAY, YEAR } from "../../platform/clock.js";
import { DomainError } from "../../platform/errors.js";
import { decodeKeyset, encodeKeyset } from "../../platform/cursor.js";
import { getCompanies } from "../companies/index.js";
import { findActiveSpaceByEmail, getSpaces } from "../spaces/index.js";
import { adhesionQualities, companyEmailsOf, orderedServices, SERVICE_CODES, serviceLabel, type RightsPort, type ServiceCode } from "../adhesions/index.js";
import { appendJournal } from "../journal/index.js";
import { delegationOfferMail, newRightMail, queueMail } from "../mail/index.js";
import * as repo from "./rights.repository.js";
import { canManage, decideGrant, isLive, mayRevoke, type HeldRight } from "./rights.policy.js";
import { sortRights, type MyRight } from "./rights.views.js";

export type RightsDeps = { db: Kysely<DB>; clock: Clock };

/** Tells the company e-mail address about a new right (product §7), in the transaction that creates it. */
async function notifyNewRight(
  tx: Tx,
  at: Date,
  p: { siren: string; spaceId: string; role: string; services: string[]; taxScope: string[] | null; grantedBy: string | null; validUntil: Date | null },
): Promise<void> {
  const email = (await companyEmailsOf(tx, [p.siren])).get(p.siren);
  if (!email) return;
  const company = (await getCompanies(tx, [p.siren])).get(p.siren);
  const [person] = await getSpaces(tx, [p.spaceId]);
  await queueMail(
    tx,
    at,
    newRightMail({
      to: email,
      companyName: company?.name ?? p.siren,
      siren: p.siren,
      person: person ? `${person.first_name} ${person.last_name}` : "Une personne",
      personEmail: person?.connection_email ?? "",
      role: p.role,
      services: orderedServices(p.services).map(serviceLabel),
      taxScope: p.taxScope,
      grantedBy: p.grantedBy,
      validUntil: p.validUntil,
    }),
  );
}

/** The implementation of the adhesions' port: activated adhesions make administrators. */
export const adhesionRightsPort: RightsPort = {
  async grantAdministrator(tx, g) {
    await notifyNewRight(tx, g.at, { siren: g.siren, spaceId: g.spaceId, role: "administrator", services: g.services, taxScope: null, grantedBy: null, validUntil: null });
    await repo.insertRights(
      tx,
      orderedServices(g.services).map((service) => ({
        id: randomUUID(),
        space_id: g.spaceId,
        siren: g.siren,
        service,
        role: "administrator" as const,
        tax_scope: null,
        state: "active" as const,
        valid_from: g.at,
        valid_until: null,
        adhesion_id: g.adhesionId,
        granted_by_right: null,
        granted_by_space: null,
        created_at: g.at,
        revoked_at: null,
      })),
    );
  },
  revokeFromAdhesion: (tx, adhesionId, at) => repo.revokeFromAdhesion(tx, adhesionId, at),
  holdsAnyRight: (db, spaceId, siren, at) => repo.holdsAny(db, spaceId, siren, at),
  isAdministrator: (db, spaceId, siren, service, at) => repo.holdsRole(db, spaceId, siren, service, "administrator", at),
  administersAny: (db, spaceId, siren, at) => repo.holdsRole(db, spaceId, siren, undefined, "administrator", at),
  sirensHeld: async (db, spaceId, sirens, at) => new Set(sirens.length ? (await repo.liveRightsIn(db, spaceId, at, sirens)).map((r) => r.siren) : []),
};

export type { MyRight };
export type MyCompany = { siren: string; name: string; address: string | null; companyEmail: string | null; myRights: MyRight[] };

async function listMyCompaniesIn(deps: RightsDeps, spaceId: string, sirens: string[]): Promise<MyCompany[]> {
  const rights = await repo.liveRightsIn(deps.db, spaceId, deps.clock.now(), sirens);
  const companies = await getCompanies(deps.db, sirens);
  const emails = await companyEmailsOf(deps.db, sirens);
  return sirens.map((s) => ({
    siren: s,
    name: companies.get(s)?.name ?? s,
    address: companies.get(s)?.addressLine ?? null,
    companyEmail: emails.get(s) ?? null,
    myRights: sortRights(rights.filter((r) => r.siren === s)),
  }));
}

/** One of the person's companies; any other SIREN answers 404 (existence does not leak). */
export async function getMyCompany(deps: RightsDeps, spaceId: string, siren: string): Promise<MyCompany> {
  const [company] = await listMyCompaniesIn(deps, spaceId, [siren]);
  if (!company || company.myRights.length === 0) throw new DomainError("not_found", "not_found", "Entreprise introuvable.");
  return company;
}

// The gate ---------------------------------------------------------------------------------------------------

/**
 * The single gate every module uses: may this person use this service of this company (for this tax) now?
 * Read fresh from the database on every call: a revoked or suspended right stops on the very next request.
 */
export async function can(db: Kysely<DB> | Tx, q: { spaceId: string; siren: string; service: string; tax?: string }, at: Date): Promise<boolean> {
  return repo.liveRightFor(db, q.spaceId, q.siren, q.service, at, q.tax);
}

function held(rows: Awaited<ReturnType<typeof repo.rightsOf>>): HeldRight[] {
  return rows.map((r) => ({ id: r.id, service: r.service, role: r.role, taxScope: r.tax_scope, state: r.state, validFrom: r.valid_from, validUntil: r.valid_until }));
}

// Delegations ------------------------------------------------------------------------------------------------

export const DELEGATION_RULES = { offerValidityMs: 14 * DAY, keepRevokedMs: YEAR };

export type OfferInput = { email: string; role: "deputy" | "delegate"; services: ServiceCode[]; taxScope?: string[] | undefined; validUntil?: Date | undefined };

function refusal(d: { kind: string; code: string; message: string; details?: Record<string, unknown> }): DomainError {
  const kind = d.kind === "invalid" ? "invalid" : (d.kind as "not_found" | "forbidden" | "refused" | "conflict");
  return new DomainError(kind, d.code, d.message, d.details);
}

/**
 * Offers a deputy role or a delegation on a company to another space (product §7). The person must accept it;
 * the offer expires after 14 days.
 */
export async function offerDelegation(deps: RightsDeps, actorId: string, siren: string, input: OfferInput) {
  const now = deps.clock.now();
  const services = orderedServices(input.services);
  const target = await findActiveSpaceByEmail(deps.db, input.email);
  const actorRights = held(await repo.rightsOf(deps.db, actorId, siren));
  const targetHolds = target ? (await repo.liveRightsOf(deps.db, target.id, now, siren)).map((r) => r.service) : [];
  const taxScope = input.taxScope && input.taxScope.length > 0 ? [...new Set(input.taxScope)].sort() : null;
  const decision = decideGrant(actorRights, { role: input.role, services, taxScope, validUntil: input.validUntil ?? null, isSelf: target?.id === actorId, targetHolds }, now);
  if (!decision.ok) throw refusal(decision);
  if (!target) {
    throw new DomainError("refused", "no_space_for_email", "Aucun espace professionnel actif n'utilise cette adresse de connexion : la personne doit d'abord créer son espace.");
  }
  for (const rightId of Object.values(decision.from)) {
    if ((await repo.chainSpaces(deps.db, rightId)).includes(target.id)) {
      throw new DomainError("conflict", "would_create_cycle", "Cette personne vous a elle-même accordé vos droits : la lui déléguer formerait un cycle.");
    }
  }
  const id = randomUUID();
  const expiresAt = new Date(now.getTime() + DELEGATION_RULES.offerValidityMs);
  const [me] = await getSpaces(deps.db, [actorId]);
  const company = (await getCompanies(deps.db, [siren])).get(siren);
  await deps.db.transaction().execute(async (tx) => {
    await repo.insertOffer(tx, {
      id,
      siren,
      from_space_id: actorId,
      to_space_id: target.id,
      role: input.role,
      services: JSON.stringify(services),
      tax_scope: decision.taxScope ? JSON.stringify(decision.taxScope) : null,
      valid_until: decision.validUntil,
      status: "offered",
      created_at: now,
      expires_at: expiresAt,
      decided_at: null,
    });
    await queueMail(
      tx,
      now,
      delegationOfferMail({
        to: target.connectionEmail,
        firstName: target.firstName,
        companyName: company?.name ?? siren,
        siren,
        from: me ? `${me.first_name} ${me.last_name}` : "Un administrateur",
        role: input.role,
        services: services.map(serviceLabel),
        expiresAt,
      }),
    );
    await appendJournal(tx, now, {
      actor: { kind: "person", id: actorId },
      action: "delegation.offered",
      subject: { type: "delegation", id },
      data: { siren, to: target.id, role: input.role, services, taxScope: decision.taxScope, validUntil: decision.validUntil?.toISOString() ?? null },
    });
  });
  return { id, status: "offered" as const };
}

export type DelegationView = {
  id: string;
  siren: string;
  companyName: string;
  direction: "received" | "given";
  from: { spaceId: string; firstName: string; lastName: string; connectionEmail: string };
  to: { spaceId: string; firstName: string; lastName: string; connectionEmail: string };
  role: "deputy" | "delegate";
  services: string[];
  taxScope: string[] | null;
  validUntil: Date | null;
  status: string;
  /** suspended when the rights it created are « en veille ». */
  rightsState: "active" | "suspended" | "revoked" | null;
  createdAt: Date;
  expiresAt: Date;
};

/** Offers made to me and by me (« habilitations »), a page at a time, newest first. */
export async function listDelegations(
  deps: RightsDeps,
  spaceId: string,
  options: { direction?: "received" | "given" | undefined; pending?: boolean | undefined; limit: number; cursor?: string | undefined } = { limit: 100 },
): Promise<{ items: DelegationView[]; nextCursor: string | null }> {
  const after = options.cursor ? decodeKeyset(options.cursor) : undefined;
  const rows = await repo.offersOf(deps.db, spaceId, { direction: options.direction, pending: options.pending, limit: options.limit + 1, after });
  const offers = rows.slice(0, options.limit);
  const people = new Map((await getSpaces(deps.db, [...new Set(offers.flatMap((o) => [o.from_space_id, o.to_space_id]))])).map((p) => [p.id, p]));
  const companies = await getCompanies(deps.db, [...new Set(offers.map((o) => o.siren))]);
  const rights = await repo.rightsOfOffers(deps.db, offers.filter((o) => o.status === "accepted").map((o) => o.id));
  const person = (id: string) => {
    const p = people.get(id);
    return { spaceId: id, firstName: p?.first_name ?? "", lastName: p?.last_name ?? "", connectionEmail: p?.connection_email ?? "" };
  };
  const items = offers.map((o) => {
    const mine = rights.filter((r) => r.offer_id === o.id);
    const rightsState = mine.length === 0 ? null : mine.some((r) => r.state === "active") ? "active" : mine.some((r) => r.state === "suspended") ? "suspended" : "revoked";
    return {
      id: o.id,
      siren: o.siren,
      companyName: companies.get(o.siren)?.name ?? o.siren,
      direction: o.to_space_id === spaceId ? ("received" as const) : ("given" as const),
      from: person(o.from_space_id),
      to: person(o.to_space_id),
      role: o.role,
      services: o.services,
      taxScope: o.tax_scope,
      validUntil: o.valid_until,
      status: o.status === "offered" && o.expires_at <= deps.clock.now() ? "expired" : o.status,
      rightsState: rightsState as DelegationView["rightsState"],
      createdAt: o.created_at,
      expiresAt: o.expires_at,
    };
  });
  const last = offers[offers.length - 1];
  return { items, nextCursor: rows.length > options.limit && last ? encodeKeyset(last.created_at, last.id) : null };
}

type Verdict = { ok: true } | { ok: false; error: DomainError };
const offerNotFound = () => new DomainError("not_found", "not_found", "Habilitation introuvable.");

/** Accepts an offer made to me: the rights are created from the granter's, and the company is told. */
export async function acceptDelegation(deps: RightsDeps, spaceId: string, id: string) {
  const now = deps.clock.now();
  const verdict = await deps.db.transaction().execute(async (tx): Promise<Verdict> => {
    const offer = await repo.lockOffer(tx, id);
    if (!offer || offer.to_space_id !== spaceId) return { ok: false, error: offerNotFound() };
    if (offer.status !== "offered") return { ok: false, error: new DomainError("conflict", "offer_not_pending", "Cette proposition a déjà reçu une réponse ou a été retirée.") };
    if (offer.expires_at <= now) {
      await repo.setOfferStatus(tx, id, "expired", now);
      return { ok: false, error: new DomainError("gone", "offer_expired", "Cette proposition a expiré (14 jours) : demandez-en une nouvelle.") };
    }
    if (offer.valid_until && offer.valid_until <= now) {
      await repo.setOfferStatus(tx, id, "expired", now);
      return { ok: false, error: new DomainError("gone", "offer_expired", "La date de fin de cette habilitation est déjà passée.") };
    }
    // The granter's rights are read again: what he no longer holds cannot be passed on.
    const decision = decideGrant(
      held(await repo.rightsOf(tx, offer.from_space_id, offer.siren)),
      {
        role: offer.role,
        services: offer.services,
        taxScope: offer.tax_scope,
        validUntil: offer.valid_until,
        isSelf: false,
        targetHolds: (await repo.liveRightsOf(tx, spaceId, now, offer.siren)).map((r) => r.service),
      },
      now,
    );
    if (!decision.ok) {
      const code = decision.code === "already_holds_right" ? decision.code : "grantor_right_gone";
      return { ok: false, error: new DomainError("conflict", code, code === "grantor_right_gone" ? "La personne qui vous propose cette habilitation ne détient plus ces droits." : decision.message) };
    }
    await repo.insertRights(
      tx,
      offer.services.map((service) => ({
        id: randomUUID(),
        space_id: spaceId,
        siren: offer.siren,
        service,
        role: offer.role,
        tax_scope: service === "messagerie" && offer.tax_scope ? JSON.stringify(offer.tax_scope) : null,
        state: "active" as const,
        valid_from: now,
        valid_until: decision.validUntil,
        adhesion_id: null,
        granted_by_right: decision.from[service]!,
        granted_by_space: offer.from_space_id,
        created_at: now,
        revoked_at: null,
        offer_id: offer.id,
        suspended_by: null,
      })),
    );
    await repo.setOfferStatus(tx, id, "accepted", now);
    const [grantor] = await getSpaces(tx, [offer.from_space_id]);
    await notifyNewRight(tx, now, {
      siren: offer.siren,
      spaceId,
      role: offer.role,
      services: offer.services,
      taxScope: offer.tax_scope,
      grantedBy: grantor ? `${grantor.first_name} ${grantor.last_name} (${grantor.connection_email})` : null,
      validUntil: decision.validUntil,
    });
    await appendJournal(tx, now, { actor: { kind: "person", id: spaceId }, action: "delegation.accepted", subject: { type: "delegation", id }, data: { siren: offer.siren, services: offer.services } });
    return { ok: true };
  });
  if (!verdict.ok) throw verdict.error;
  return { status: "accepted" as const };
}

export async function declineDelegation(deps: RightsDeps, spaceId: string, id: string) {
  const now = deps.clock.now();
  const verdict = await deps.db.transaction().execute(async (tx): Promise<Verdict> => {
    const offer = await repo.lockOffer(tx, id);
    if (!offer || offer.to_space_id !== spaceId) return { ok: false, error: offerNotFound() };
    if (offer.status !== "offered") return { ok: false, error: new DomainError("conflict", "offer_not_pending", "Cette proposition a déjà reçu une réponse ou a été retirée.") };
    await repo.setOfferStatus(tx, id, "declined", now);
    await appendJournal(tx, now, { actor: { kind: "person", id: spaceId }, action: "delegation.declined", subject: { type: "delegation", id } });
    return { ok: true };
  });
  if (!verdict.ok) throw verdict.error;
  return { status: "declined" as const };
}

/** Whether the actor is an administrator of the company who declared himself its legal representative. */
async function isLegalRepresentativeAdministrator(db: Kysely<DB> | Tx, actorId: string, siren: string, at: Date): Promise<boolean> {
  const rows = (await repo.rightsOf(db, actorId, siren)).filter((r) => r.role === "administrator" && r.adhesion_id && isLive(held([r])[0]!, at));
  const qualities = await adhesionQualities(db, [...new Set(rows.map((r) => r.adhesion_id!))]);
  return [...qualities.values()].includes("legal_representative");
}

/** Revokes rights and every right granted from them (cascade); returns how many. */
function revokeCascade(tx: Tx, ids: string[], at: Date): Promise<number> {
  return repo.revokeWithDescendants(tx, ids, at);
}

/**
 * Suspends (« met en veille ») or reactivates the rights of an accepted delegation. Suspension cascades to the
 * rights granted from them, marked as suspended by this one, so that reactivation brings back exactly those.
 */
export async function setDelegationState(deps: RightsDeps, actorId: string, id: string, state: "suspended" | "active") {
  const now = deps.clock.now();
  const verdict = await deps.db.transaction().execute(async (tx): Promise<Verdict> => {
    const offer = await repo.lockOffer(tx, id);
    if (!offer || (offer.from_space_id !== actorId && offer.to_space_id !== actorId && !(await isLegalRepresentativeAdministrator(tx, actorId, offer.siren, now)))) {
      return { ok: false, error: offerNotFound() };
    }
    if (offer.from_space_id !== actorId && !(await isLegalRepresentativeAdministrator(tx, actorId, offer.siren, now))) {
      return { ok: false, error: new DomainError("forbidden", "not_yours_to_manage", "Seul l'auteur de cette habilitation, ou le représentant légal, peut la mettre en veille ou la réactiver.") };
    }
    if (offer.status !== "accepted") return { ok: false, error: new DomainError("conflict", "delegation_not_active", "Cette habilitation n'est pas en vigueur.") };
    const rights = (await repo.rightsOfOffer(tx, id)).filter((r) => r.state !== "revoked");
    if (rights.length === 0) return { ok: false, error: new DomainError("conflict", "delegation_not_active", "Cette habilitation n'est plus en vigueur.") };
    if (state === "suspended") {
      for (const r of rights.filter((x) => x.state === "active")) {
        await repo.suspendIds(tx, [r.id], r.id);
        await repo.suspendIds(tx, (await repo.descendantsOf(tx, [r.id])).filter((d) => d.state === "active").map((d) => d.id), r.id);
      }
    } else {
      // Reactivating never gives more than the granter holds now.
      const grantorLive = (await repo.rightsOf(tx, offer.from_space_id, offer.siren)).filter((r) => r.state === "active").map((r) => r.id);
      if (rights.some((r) => r.granted_by_right && !grantorLive.includes(r.granted_by_right))) {
        return { ok: false, error: new DomainError("conflict", "grantor_right_inactive", "Les droits dont cette habilitation découle ne sont plus actifs : elle ne peut pas être réactivée.") };
      }
      const own = rights.filter((r) => r.state === "suspended" && r.suspended_by === r.id).map((r) => r.id);
      const cascaded = (await repo.descendantsOf(tx, own)).filter((d) => d.state === "suspended" && d.suspended_by !== null && own.includes(d.suspended_by)).map((d) => d.id);
      await repo.reactivateIds(tx, [...own, ...cascaded]);
    }
    await appendJournal(tx, now, { actor: { kind: "person", id: actorId }, action: state === "suspended" ? "delegation.suspended" : "delegation.reactivated", subject: { type: "delegation", id }, data: { siren: offer.siren } });
    return { ok: true };
  });
  if (!verdict.ok) throw verdict.error;
  return { status: state };
}

/** Withdraws an offer not yet answered, or revokes an accepted delegation and what was granted from it. */
export async function revokeDelegation(deps: RightsDeps, actorId: string, id: string): Promise<void> {
  const now = deps.clock.now();
  const verdict = await deps.db.transaction().execute(async (tx): Promise<Verdict> => {
    const offer = await repo.lockOffer(tx, id);
    const legalRep = offer ? await isLegalRepresentativeAdministrator(tx, actorId, offer.siren, now) : false;
    if (!offer || (offer.from_space_id !== actorId && offer.to_space_id !== actorId && !legalRep)) return { ok: false, error: offerNotFound() };
    if (offer.from_space_id !== actorId && !legalRep) {
      return { ok: false, error: new DomainError("forbidden", "not_yours_to_revoke", "Seul l'auteur de cette habilitation, ou le représentant légal, peut la révoquer.") };
    }
    if (offer.status === "offered") {
      await repo.setOfferStatus(tx, id, "cancelled", now);
    } else if (offer.status === "accepted") {
      const rights = (await repo.rightsOfOffer(tx, id)).map((r) => r.id);
      const n = await revokeCascade(tx, rights, now);
      await repo.setOfferStatus(tx, id, "revoked", now);
      await appendJournal(tx, now, { actor: { kind: "person", id: actorId }, action: "delegation.revoked", subject: { type: "delegation", id }, data: { siren: offer.siren, rightsRevoked: n } });
      return { ok: true };
    } else {
      return { ok: false, error: new DomainError("conflict", "delegation_not_active", "Cette habilitation n'est plus en vigueur.") };
    }
    await appendJournal(tx, now, { actor: { kind: "person", id: actorId }, action: "delegation.cancelled", subject: { type: "delegation", id }, data: { siren: offer.siren } });
    return { ok: true };
  });
  if (!verdict.ok) throw verdict.error;
}

// Who acts for my company ---------------------------------------------------------------------------------------

export type Representative = {
  person: { firstName: string; lastName: string; connectionEmail: string; entitySiren: string; entityName: string | null };
  rights: { id: string; service: string; role: string; taxScope: string[] | null; state: string; since: Date; validUntil: Date | null; grantedBy: string | null; grantedFrom: string | null; revocable: boolean }[];
  lastActivityAt: Date | null;
};

/** The rights held on a company and the people they name (holders and grantors), read once. */
async function rightsOnCompanyWithPeople(db: Kysely<DB>, siren: string) {
  const rights = await repo.rightsOnCompany(db, siren);
  const people = new Map((await getSpaces(db, [...new Set(rights.flatMap((r) => [r.space_id, ...(r.granted_by_space ? [r.granted_by_space] : [])]))])).map((p) => [p.id, p]));
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
  if (!canManage(mine, now)) throw new DomainError("forbidden", "not_company_manager", "Seuls les administrateurs et leurs suppléants voient qui agit pour l'entreprise.");
  const legalRep = await isLegalRepresentativeAdministrator(deps.db, actorId, siren, now);
  const { rights, people } = await rightsOnCompanyWithPeople(deps.db, siren);
  const bySpace = new Map<string, typeof rights>();
  for (const r of rights) bySpace.set(r.space_id, [...(bySpace.get(r.space_id) ?? []), r]);
  const entities = await getCompanies(deps.db, [...new Set([...people.values()].map((p) => p.entity_siren))]);
  return [...bySpace].map(([spaceId, list]) => {
    const p = people.get(spaceId);
    return {
      person: { firstName: p?.first_name ?? "", lastName: p?.last_name ?? "", connectionEmail: p?.connection_email ?? "", entitySiren: p?.entity_siren ?? "", entityName: (p && entities.get(p.entity_siren)?.name) ?? null },
      rights: list
        .sort((a, b) => SERVICE_CODES.indexOf(a.service as ServiceCode) - SERVICE_CODES.indexOf(b.service as ServiceCode))
        .map((r) => {
          const g = r.granted_by_space ? people.get(r.granted_by_space) : undefined;
          return {
            ...rightFields(r, now),
            grantedBy: g ? `${g.first_name} ${g.last_name} (${g.connection_email})` : null,
            /** The right this one was granted from: revoking that one revokes this one too. */
            grantedFrom: r.granted_by_right,
            revocable: spaceId !== actorId && mayRevoke({ spaceId: actorId, isLegalRepresentativeAdministrator: legalRep }, { grantedBySpace: r.granted_by_space }),
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
      return { ok: false, error: new DomainError("forbidden", "not_yours_to_revoke", "Vous ne pouvez révoquer que les habilitations que vous avez accordées (le représentant légal peut toutes les révoquer).") };
    }
    const n = await revokeCascade(tx, [rightId], now);
    if (right.offer_id && (await repo.rightsOfOffer(tx, right.offer_id)).every((r) => r.state === "revoked")) await repo.setOfferStatus(tx, right.offer_id, "revoked", now);
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
    for (const o of offers) await appendJournal(tx, now, { actor: { kind: "system" }, action: "delegation.expired", subject: { type: "delegation", id: o.id }, data: { siren: o.siren } });
    const ended = await repo.newlyExpired(tx, new Date(0), now);
    await repo.revokeIds(tx, ended.map((r) => r.id), now);
    for (const r of ended) await appendJournal(tx, now, { actor: { kind: "system" }, action: "right.expired", subject: { type: "right", id: r.id }, data: { siren: r.siren, holder: r.space_id, service: r.service } });
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
 * impostor. Journaled.
 */
export async function suspendRightByAgent(deps: Pick<RightsDeps, "db" | "clock">, agentId: string, rightId: string, reason: string, competentFor: (ex: Kysely<DB>, siren: string) => Promise<boolean>) {
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
    return { ok: true };
  });
  if (!verdict.ok) throw verdict.error;
  return { state: "suspended" as const };
}
