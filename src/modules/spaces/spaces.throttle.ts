import { sql } from "kysely";
import type { Executor } from "../../platform/db/database.js";
import { DomainError } from "../../platform/errors.js";
import { HOUR } from "../../platform/clock.js";

/** Failures allowed before the back-off starts (the 5th failure locks for 30 s, then doubling to 1 h). */
export const FREE_FAILURES = 4;

export function lockDurationMs(failures: number): number {
  if (failures <= FREE_FAILURES) return 0;
  return Math.min(30_000 * 2 ** (failures - FREE_FAILURES - 1), HOUR);
}

type Kind = "person" | "agent";

/**
 * Refuses a sign-in while the identifier is locked. The lock is kept per identifier whether or not an account
 * exists, so that it reveals nothing.
 */
export async function assertNotLocked(db: Executor, kind: Kind, identifier: string, now: Date): Promise<void> {
  const row = await db.selectFrom("sign_in_throttle").select("locked_until").where("kind", "=", kind).where("identifier", "=", identifier).executeTakeFirst();
  if (row?.locked_until && row.locked_until > now) {
    const seconds = Math.ceil((row.locked_until.getTime() - now.getTime()) / 1000);
    throw new DomainError(
      "rate_limited",
      "too_many_attempts",
      `Trop de tentatives de connexion. Réessayez dans ${seconds} s.`,
      { retryAfterSeconds: seconds },
      seconds,
    );
  }
}

/** Counts one more failure and sets the back-off; returns the failure count. */
export async function recordFailure(db: Executor, kind: Kind, identifier: string, now: Date): Promise<number> {
  const row = await sql<{ failures: number }>`
    INSERT INTO sign_in_throttle (kind, identifier, failures, last_failure_at) VALUES (${kind}, ${identifier}, 1, ${now})
    ON CONFLICT (kind, identifier) DO UPDATE SET failures = sign_in_throttle.failures + 1, last_failure_at = ${now}
    RETURNING failures`.execute(db);
  const failures = row.rows[0]!.failures;
  const lockMs = lockDurationMs(failures);
  if (lockMs > 0) {
    await db
      .updateTable("sign_in_throttle")
      .set({ locked_until: new Date(now.getTime() + lockMs) })
      .where("kind", "=", kind)
      .where("identifier", "=", identifier)
      .execute();
  }
  return failures;
}

export async function clearFailures(db: Executor, kind: Kind, identifier: string): Promise<void> {
  await db.deleteFrom("sign_in_throttle").where("kind", "=", kind).where("identifier", "=", identifier).execute();
}
