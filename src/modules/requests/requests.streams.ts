/**
 * The event streams open, counted in the database whichever process holds them (product §17): the cap of streams
 * per session holds across processes. A process refreshes its streams' rows; the rows of a process that died stop
 * being refreshed and no longer count once stale.
 */
import { randomUUID } from "node:crypto";
import { sql, type Kysely } from "kysely";
import type { DB } from "../../platform/db/schema.js";
import type { Executor } from "../../platform/db/database.js";

/** Streams one session may hold open (tabs), across all processes; a further one closes the oldest. */
export const MAX_STREAMS_PER_SESSION = 5;
/** How often a process refreshes the rows of the streams it holds. */
export const STREAM_REFRESH_MS = 30_000;
/** A row not refreshed for this long belongs to a process that died: it no longer counts, and is purged. */
export const STREAM_STALE_MS = 3 * STREAM_REFRESH_MS;
/** The NOTIFY channel on which a process tells the others which of their streams it evicted. */
export const STREAMS_CHANNEL = "messagerie_streams";

/**
 * Records a new stream of `session` and marks the oldest live ones beyond the cap as evicted; returns the new
 * stream's id and the ids evicted (held by this process or another). The session's openings are serialised by a
 * transaction-scoped advisory lock, so two streams opened at once in two processes never both escape the count.
 */
export async function registerStream(db: Kysely<DB>, session: string, now: Date): Promise<{ id: string; evicted: string[] }> {
  const id = randomUUID();
  const stale = new Date(now.getTime() - STREAM_STALE_MS);
  const evicted = await db.transaction().execute(async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(727004, hashtext(${session}))`.execute(tx);
    await tx.insertInto("event_streams").values({ id, session_key: session, seen_at: now }).execute();
    const res = await sql<{ id: string }>`
      UPDATE event_streams SET evicted = true WHERE id IN (
        SELECT id FROM event_streams WHERE session_key = ${session} AND NOT evicted AND seen_at > ${stale}
        ORDER BY seq DESC OFFSET ${MAX_STREAMS_PER_SESSION})
      RETURNING id`.execute(tx);
    return res.rows.map((r) => r.id);
  });
  return { id, evicted };
}

/**
 * Refreshes the rows of the streams this process holds, writing back any a purge removed (a process cut from the
 * database longer than the staleness); returns the ids another process evicted meanwhile (their NOTIFY may have
 * been missed).
 */
export async function refreshStreams(db: Executor, streams: { id: string; session: string }[], now: Date): Promise<string[]> {
  if (streams.length === 0) return [];
  const res = await sql<{ id: string; evicted: boolean }>`
    INSERT INTO event_streams AS s (id, session_key, seen_at)
    SELECT id, session_key, ${now}::timestamptz
    FROM unnest(${streams.map((s) => s.id)}::uuid[], ${streams.map((s) => s.session)}::text[]) AS held (id, session_key)
    ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at
    RETURNING id, evicted`.execute(db);
  return res.rows.filter((r) => r.evicted).map((r) => r.id);
}

/** Forgets streams that ended (the client left, or the process releases them on shutdown). */
export async function forgetStreams(db: Executor, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.deleteFrom("event_streams").where("id", "in", ids).execute();
}

/** Housekeeping: the rows of streams whose process stopped refreshing them. */
export async function purgeStaleStreams(deps: { db: Executor; clock: { now(): Date } }): Promise<number> {
  const res = await deps.db
    .deleteFrom("event_streams")
    .where("seen_at", "<=", new Date(deps.clock.now().getTime() - STREAM_STALE_MS))
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}
