import type { Tx } from "../../platform/db/database.js";
import { DomainError } from "../../platform/errors.js";
import * as repo from "./requests.repository.js";
import type { Kysely } from "kysely";
import type { DB } from "../../platform/db/schema.js";
import type { Clock } from "../../platform/clock.js";

/** Runs a POST with an Idempotency-Key: a retry returns the first answer and creates nothing twice. */
export async function idempotent<T>(deps: { db: Kysely<DB>; clock: Clock }, spaceId: string, key: string | undefined, route: string, work: (tx: Tx) => Promise<T>): Promise<T> {
  if (!key) return deps.db.transaction().execute(work);
  const now = deps.clock.now();
  const earlier = await repo.findIdempotent(deps.db, spaceId, key);
  if (earlier && earlier.status !== 0) return replay<T>(earlier, route);
  try {
    return await deps.db.transaction().execute(async (tx) => {
      if (!(await repo.claimIdempotencyKey(tx, spaceId, key, route, now))) throw new IdempotencyConflict();
      const result = await work(tx);
      await repo.storeIdempotentResponse(tx, spaceId, key, 201, result);
      return result;
    });
  } catch (error) {
    if (!(error instanceof IdempotencyConflict)) throw error;
    const first = await repo.findIdempotent(deps.db, spaceId, key);
    if (!first || first.status === 0) throw new DomainError("conflict", "idempotency_key_in_use", "Une requête avec cette clé d'idempotence est en cours ; réessayez.");
    return replay<T>(first, route);
  }
}
class IdempotencyConflict extends Error {}
function replay<T>(earlier: { route: string; response: Record<string, unknown> }, route: string): T {
  if (earlier.route !== route) throw new DomainError("conflict", "idempotency_key_reused", "Cette clé d'idempotence a déjà servi pour une autre opération.");
  return earlier.response as T;
}

