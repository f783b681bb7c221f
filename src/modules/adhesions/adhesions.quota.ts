import { sql, type Kysely } from "kysely";
import type { DB } from "../../platform/db/schema.js";
import type { Tx } from "../../platform/db/database.js";
import { randomUUID } from "node:crypto";
import { findManagingSie } from "../companies/index.js";
import { appendJournal } from "../journal/index.js";
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
  const bulk =
    me !== undefined && (await deps.rights.administersAny(deps.db, spaceId, me.entity_siren, now)) && !(await repo.findBulkSuspension(deps.db, spaceId));
  return { perDay: bulk ? FLOODING_RULES.bulkPerDay : FLOODING_RULES.standardPerDay, bulk };
}

/**
 * Serialises, until the transaction ends, the requests counted against the same person's allowance or the same
 * SIREN's letters: the second waits, then counts the first's adhesion (always the person first, then the SIREN).
 */
export async function lockQuotas(tx: Tx, spaceId: string, siren: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(727005, hashtext(${spaceId}))`.execute(tx);
  await sql`SELECT pg_advisory_xact_lock(727006, hashtext(${siren}))`.execute(tx);
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

/**
 * Product §14: when 3 oppositions hit the same requester within 30 days, her bulk right is suspended (back to 3
 * adhesions per 24 hours) and the tax office of her own entity gets an alert, once.
 */
export async function suspendBulkRightAfterOppositions(
  tx: Tx,
  now: Date,
  spaceId: string,
  requester: { first_name: string; last_name: string; connection_email: string; entity_siren: string } | undefined,
) {
  const count = await repo.oppositionsAgainst(tx, spaceId, new Date(now.getTime() - FLOODING_RULES.oppositionWindowMs));
  if (count < FLOODING_RULES.oppositionsToSuspend) return;
  if (!(await repo.suspendBulk(tx, spaceId, now, `${count} oppositions en 30 jours`))) return;
  const entitySie = requester ? await findManagingSie(tx, requester.entity_siren) : undefined;
  await repo.insertAlert(tx, {
    id: randomUUID(),
    siren: requester?.entity_siren ?? "000000000",
    service_code: entitySie?.code ?? null,
    kind: "bulk_right_suspended",
    adhesion_id: null,
    data: JSON.stringify({
      requester: requester
        ? { name: `${requester.first_name} ${requester.last_name}`, email: requester.connection_email, entitySiren: requester.entity_siren }
        : null,
      oppositions: count,
    }),
    created_at: now,
    handled_at: null,
  });
  await appendJournal(tx, now, {
    actor: { kind: "system" },
    action: "adhesion.bulk_right_suspended",
    subject: { type: "space", id: spaceId },
    data: { oppositions: count, taxOffice: entitySie?.code ?? null },
  });
}
