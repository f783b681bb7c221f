import type { Kysely } from "kysely";
import type { Tx } from "../../platform/db/database.js";
import type { DB } from "../../platform/db/schema.js";
import type { Clock } from "../../platform/clock.js";
import { fingerprintOf } from "../../platform/crypto.js";
import { DomainError } from "../../platform/errors.js";
import * as repo from "./requests.repository.js";

/** The refusal of a key reused for another request (another route or another body): nothing is created. */
export const idempotencyKeyReused = () =>
  new DomainError(
    "refused",
    "idempotency_key_reused",
    "Cette clé Idempotency-Key a déjà servi pour une autre requête : utilisez une nouvelle clé pour toute nouvelle demande.",
  );

/**
 * Runs a POST with an Idempotency-Key (IETF Idempotency-Key draft): a retry of the same request (same route, same
 * body) returns the first answer and creates nothing twice; the same key with another body is refused (422).
 */
export async function idempotent<T>(
  deps: { db: Kysely<DB>; clock: Clock },
  spaceId: string,
  key: string | undefined,
  route: string,
  body: unknown,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  if (!key) return deps.db.transaction().execute(work);
  const now = deps.clock.now();
  const fingerprint = fingerprintOf(body);
  const earlier = await repo.findIdempotent(deps.db, spaceId, key);
  if (earlier) sameRequest(earlier, route, fingerprint);
  if (earlier && earlier.status !== 0) return earlier.response as T;
  try {
    return await deps.db.transaction().execute(async (tx) => {
      if (!(await repo.claimIdempotencyKey(tx, spaceId, key, route, fingerprint, now))) throw new IdempotencyConflict();
      const result = await work(tx);
      await repo.storeIdempotentResponse(tx, spaceId, key, 201, result);
      return result;
    });
  } catch (error) {
    if (!(error instanceof IdempotencyConflict)) throw error;
    const first = await repo.findIdempotent(deps.db, spaceId, key);
    if (first) sameRequest(first, route, fingerprint);
    if (!first || first.status === 0)
      throw new DomainError("conflict", "idempotency_key_in_use", "Une requête avec cette clé d'idempotence est en cours ; réessayez.");
    return first.response as T;
  }
}
class IdempotencyConflict extends Error {}

function sameRequest(earlier: { route: string; fingerprint: string | null }, route: string, fingerprint: string): void {
  if (earlier.route !== route || (earlier.fingerprint !== null && earlier.fingerprint !== fingerprint)) throw idempotencyKeyReused();
}
