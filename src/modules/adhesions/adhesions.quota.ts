import type { Kysely } from "kysely";
import type { DB } from "../../platform/db/schema.js";
import type { Tx } from "../../platform/db/database.js";
import { getSpaces } from "../spaces/index.js";
import * as repo from "./adhesions.repository.js";
import * as errors from "./adhesions.errors.js";
import type { RightsPort } from "./adhesions.ports.js";

/** The flooding rules of product §4 and §14. */
export const FLOODING_RULES = {
  /** Pending adhesions outside one's portfolio per 24 hours, for anyone… */
  standardPerDay: 3,
  /** …and for a person who administers her own entity (the firm), unless her bulk right is suspended. */
  bulkPerDay: 200,
  windowMs: 24 * 3600_000,
  /** Oppositions against one requester within 30 days that suspend her bulk right. */
  oppositionsToSuspend: 3,
  oppositionWindowMs: 30 * 24 * 3600_000,
};

type QuotaDeps = { db: Kysely<DB> | Tx; rights: RightsPort };

/**
 * How many adhesions outside her portfolio a person may have pending per 24 hours: 200 when she is an active
 * administrator of her own entity (its letter reached the firm's address) and her bulk right stands, else 3.
 */
export async function adhesionAllowance(deps: QuotaDeps, spaceId: string, now: Date): Promise<{ perDay: number; bulk: boolean }> {
  const [me] = await getSpaces(deps.db, [spaceId]);
  const bulk = me !== undefined && (await deps.rights.administersAny(deps.db, spaceId, me.entity_siren, now)) && !(await repo.findBulkSuspension(deps.db, spaceId));
  return { perDay: bulk ? FLOODING_RULES.bulkPerDay : FLOODING_RULES.standardPerDay, bulk };
}

/**
 * Refuses an adhesion to a SIREN outside the person's portfolio once her allowance of the last 24 hours is used
 * (`allowance` when the caller already knows it: a batch reads it once).
 */
export async function assertAdhesionQuota(deps: QuotaDeps, spaceId: string, siren: string, now: Date, allowance?: number): Promise<void> {
  if (await deps.rights.holdsAnyRight(deps.db, spaceId, siren, now)) return;
  const perDay = allowance ?? (await adhesionAllowance(deps, spaceId, now)).perDay;
  const recent = await repo.recentPendingOf(deps.db, spaceId, new Date(now.getTime() - FLOODING_RULES.windowMs));
  if (recent.length < perDay) return;
  const held = await deps.rights.sirensHeld(deps.db, spaceId, [...new Set(recent.map((r) => r.siren))], now);
  const outside = recent.filter((r) => !held.has(r.siren));
  if (outside.length >= perDay) {
    const freeAt = outside[outside.length - perDay]!.created_at.getTime() + FLOODING_RULES.windowMs;
    throw errors.tooManyPendingAdhesions(perDay, Math.max(1, Math.ceil((freeAt - now.getTime()) / 1000)));
  }
}
