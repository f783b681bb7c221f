import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { DB } from "../../platform/db/schema.js";
import type { Tx } from "../../platform/db/database.js";
import { DAY, YEAR } from "../../platform/clock.js";
import { DomainError } from "../../platform/errors.js";
import { getCompanies } from "../companies/index.js";
import { findActiveSpaceByEmail, getSpaces } from "../spaces/index.js";
import { adhesionQualities, orderedServices, serviceLabel, type ServiceCode } from "../adhesions/index.js";
import { appendJournal } from "../journal/index.js";
import { delegationOfferMail, queueMail } from "../mail/index.js";
import * as repo from "./rights.repository.js";
import { decideGrant, isLive } from "./rights.policy.js";

import { held, notifyNewRight, type RightsDeps } from "./rights.service.js";

// Delegations ------------------------------------------------------------------------------------------------

export const DELEGATION_RULES = { offerValidityMs: 14 * DAY, keepRevokedMs: YEAR };

export type OfferInput = {
  email: string;
  role: "deputy" | "delegate";
  services: ServiceCode[];
  taxScope?: string[] | undefined;
  validUntil?: Date | undefined;
};

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
  const decision = decideGrant(
    actorRights,
    { role: input.role, services, taxScope, validUntil: input.validUntil ?? null, isSelf: target?.id === actorId, targetHolds },
    now,
  );
  if (!decision.ok) throw refusal(decision);
  if (!target) {
    throw new DomainError(
      "refused",
      "no_space_for_email",
      "Aucun espace professionnel actif n'utilise cette adresse de connexion : la personne doit d'abord créer son espace.",
    );
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

export type Verdict = { ok: true } | { ok: false; error: DomainError };
const offerNotFound = () => new DomainError("not_found", "not_found", "Habilitation introuvable.");

/** Accepts an offer made to me: the rights are created from the granter's, and the company is told. */
export async function acceptDelegation(deps: RightsDeps, spaceId: string, id: string) {
  const now = deps.clock.now();
  const verdict = await deps.db.transaction().execute(async (tx): Promise<Verdict> => {
    const offer = await repo.lockOffer(tx, id);
    if (!offer || offer.to_space_id !== spaceId) return { ok: false, error: offerNotFound() };
    if (offer.status !== "offered")
      return { ok: false, error: new DomainError("conflict", "offer_not_pending", "Cette proposition a déjà reçu une réponse ou a été retirée.") };
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
      return {
        ok: false,
        error: new DomainError(
          "conflict",
          code,
          code === "grantor_right_gone" ? "La personne qui vous propose cette habilitation ne détient plus ces droits." : decision.message,
        ),
      };
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
    await appendJournal(tx, now, {
      actor: { kind: "person", id: spaceId },
      action: "delegation.accepted",
      subject: { type: "delegation", id },
      data: { siren: offer.siren, services: offer.services },
    });
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
    if (offer.status !== "offered")
      return { ok: false, error: new DomainError("conflict", "offer_not_pending", "Cette proposition a déjà reçu une réponse ou a été retirée.") };
    await repo.setOfferStatus(tx, id, "declined", now);
    await appendJournal(tx, now, { actor: { kind: "person", id: spaceId }, action: "delegation.declined", subject: { type: "delegation", id } });
    return { ok: true };
  });
  if (!verdict.ok) throw verdict.error;
  return { status: "declined" as const };
}

/** Whether the actor is an administrator of the company who declared himself its legal representative. */
export async function isLegalRepresentativeAdministrator(db: Kysely<DB> | Tx, actorId: string, siren: string, at: Date): Promise<boolean> {
  const rows = (await repo.rightsOf(db, actorId, siren)).filter((r) => r.role === "administrator" && r.adhesion_id && isLive(held([r])[0]!, at));
  const qualities = await adhesionQualities(db, [...new Set(rows.map((r) => r.adhesion_id!))]);
  return [...qualities.values()].includes("legal_representative");
}

/** Revokes rights and every right granted from them (cascade); returns how many. */
export function revokeCascade(tx: Tx, ids: string[], at: Date): Promise<number> {
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
    if (
      !offer ||
      (offer.from_space_id !== actorId && offer.to_space_id !== actorId && !(await isLegalRepresentativeAdministrator(tx, actorId, offer.siren, now)))
    ) {
      return { ok: false, error: offerNotFound() };
    }
    if (offer.from_space_id !== actorId && !(await isLegalRepresentativeAdministrator(tx, actorId, offer.siren, now))) {
      return {
        ok: false,
        error: new DomainError(
          "forbidden",
          "not_yours_to_manage",
          "Seul l'auteur de cette habilitation, ou le représentant légal, peut la mettre en veille ou la réactiver.",
        ),
      };
    }
    if (offer.status !== "accepted")
      return { ok: false, error: new DomainError("conflict", "delegation_not_active", "Cette habilitation n'est pas en vigueur.") };
    const rights = (await repo.rightsOfOffer(tx, id)).filter((r) => r.state !== "revoked");
    if (rights.length === 0) return { ok: false, error: new DomainError("conflict", "delegation_not_active", "Cette habilitation n'est plus en vigueur.") };
    if (state === "suspended") {
      for (const r of rights.filter((x) => x.state === "active")) {
        await repo.suspendIds(tx, [r.id], r.id);
        await repo.suspendIds(
          tx,
          (await repo.descendantsOf(tx, [r.id])).filter((d) => d.state === "active").map((d) => d.id),
          r.id,
        );
      }
    } else {
      // Reactivating never gives more than the granter holds now.
      const grantorLive = (await repo.rightsOf(tx, offer.from_space_id, offer.siren)).filter((r) => r.state === "active").map((r) => r.id);
      if (rights.some((r) => r.granted_by_right && !grantorLive.includes(r.granted_by_right))) {
        return {
          ok: false,
          error: new DomainError(
            "conflict",
            "grantor_right_inactive",
            "Les droits dont cette habilitation découle ne sont plus actifs : elle ne peut pas être réactivée.",
          ),
        };
      }
      const own = rights.filter((r) => r.state === "suspended" && r.suspended_by === r.id).map((r) => r.id);
      const cascaded = (await repo.descendantsOf(tx, own))
        .filter((d) => d.state === "suspended" && d.suspended_by !== null && own.includes(d.suspended_by))
        .map((d) => d.id);
      await repo.reactivateIds(tx, [...own, ...cascaded]);
    }
    await appendJournal(tx, now, {
      actor: { kind: "person", id: actorId },
      action: state === "suspended" ? "delegation.suspended" : "delegation.reactivated",
      subject: { type: "delegation", id },
      data: { siren: offer.siren },
    });
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
      return {
        ok: false,
        error: new DomainError("forbidden", "not_yours_to_revoke", "Seul l'auteur de cette habilitation, ou le représentant légal, peut la révoquer."),
      };
    }
    if (offer.status === "offered") {
      await repo.setOfferStatus(tx, id, "cancelled", now);
    } else if (offer.status === "accepted") {
      const rights = (await repo.rightsOfOffer(tx, id)).map((r) => r.id);
      const n = await revokeCascade(tx, rights, now);
      await repo.setOfferStatus(tx, id, "revoked", now);
      await appendJournal(tx, now, {
        actor: { kind: "person", id: actorId },
        action: "delegation.revoked",
        subject: { type: "delegation", id },
        data: { siren: offer.siren, rightsRevoked: n },
      });
      return { ok: true };
    } else {
      return { ok: false, error: new DomainError("conflict", "delegation_not_active", "Cette habilitation n'est plus en vigueur.") };
    }
    await appendJournal(tx, now, {
      actor: { kind: "person", id: actorId },
      action: "delegation.cancelled",
      subject: { type: "delegation", id },
      data: { siren: offer.siren },
    });
    return { ok: true };
  });
  if (!verdict.ok) throw verdict.error;
}
