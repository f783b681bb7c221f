import { DomainError } from "../../platform/errors.js";
import { type RightsDeps } from "./rights.service.js";
import { acceptDelegation, offerDelegation, revokeDelegation, type OfferInput } from "./rights.delegations.js";
import type { PortfolioFilters } from "./rights.portfolio.js";
import { selectedSirens } from "./rights.selection.js";

/** Bulk delegation (product §14): one offer per company, each decided and notified on its own. */
export const DELEGATION_BATCH_RULES = { maxCompanies: 500, maxAcceptedAtOnce: 5_000 };

export type BatchOutcome = { siren: string; status: "offered" | "refused"; id?: string; error?: { code: string; message: string } };

/**
 * Offers the same delegation (role, services, tax scope, end date) on many of the actor's companies to one
 * person. Each offer is its own transaction and is notified to its company's e-mail address; a refusal on one
 * company (a right the actor does not hold there, say) is that line's result and stops nothing.
 */
export async function offerDelegations(deps: RightsDeps, actorId: string, sirens: string[], input: OfferInput): Promise<BatchOutcome[]> {
  if (sirens.length > DELEGATION_BATCH_RULES.maxCompanies) {
    throw new DomainError("too_large", "too_many_companies", `Une délégation groupée porte sur ${DELEGATION_BATCH_RULES.maxCompanies} entreprises au plus.`);
  }
  const outcomes: BatchOutcome[] = [];
  for (const siren of [...new Set(sirens)]) {
    try {
      const offered = await offerDelegation(deps, actorId, siren, input);
      outcomes.push({ siren, status: "offered", id: offered.id });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      // Not the actor's company: the same words as a company that does not exist (nothing leaks).
      const message = error.kind === "not_found" ? "Vous n'avez pas de droit sur cette entreprise." : error.message;
      outcomes.push({ siren, status: "refused", error: { code: error.code, message } });
    }
  }
  return outcomes;
}

/**
 * The same, on « the selection »: every company of the actor's portfolio matching the filters of « Mes
 * entreprises », resolved here (refused beyond 500 with the bulk delegation's own error, before any offer).
 */
export async function offerDelegationsToSelection(deps: RightsDeps, actorId: string, filters: PortfolioFilters, input: OfferInput): Promise<BatchOutcome[]> {
  const sirens = await selectedSirens(deps.db, actorId, deps.clock.now(), filters, DELEGATION_BATCH_RULES.maxCompanies);
  return offerDelegations(deps, actorId, sirens, input);
}

/** Accepts every pending offer one grantor made to me; answers how many were accepted. */
export async function acceptAllFrom(
  deps: RightsDeps,
  spaceId: string,
  grantorSpaceId: string,
): Promise<{ accepted: number; failed: { id: string; siren: string; error: { code: string; message: string } }[] }> {
  const offers = await deps.db
    .selectFrom("delegation_offers")
    .select(["id", "siren"])
    .where("to_space_id", "=", spaceId)
    .where("from_space_id", "=", grantorSpaceId)
    .where("status", "=", "offered")
    .where("expires_at", ">", deps.clock.now())
    .orderBy("created_at")
    .limit(DELEGATION_BATCH_RULES.maxAcceptedAtOnce)
    .execute();
  let accepted = 0;
  const failed: { id: string; siren: string; error: { code: string; message: string } }[] = [];
  for (const offer of offers) {
    try {
      await acceptDelegation(deps, spaceId, offer.id);
      accepted++;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      failed.push({ id: offer.id, siren: offer.siren, error: { code: error.code, message: error.message } });
    }
  }
  return { accepted, failed };
}

/** Revokes several delegations at once (each with its cascade); each id gets its result. */
export async function revokeDelegations(
  deps: RightsDeps,
  actorId: string,
  ids: string[],
): Promise<{ id: string; status: "revoked" | "refused"; error?: { code: string; message: string } }[]> {
  const results: { id: string; status: "revoked" | "refused"; error?: { code: string; message: string } }[] = [];
  for (const id of [...new Set(ids)]) {
    try {
      await revokeDelegation(deps, actorId, id);
      results.push({ id, status: "revoked" });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      results.push({ id, status: "refused", error: { code: error.code, message: error.message } });
    }
  }
  return results;
}
