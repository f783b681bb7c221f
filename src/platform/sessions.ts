import { randomToken, sha256Hex } from "./crypto.js";
import type { Executor } from "./db/database.js";
import { HOUR, MINUTE } from "./clock.js";

export type SessionKind = "person" | "agent";

/** Idle and absolute lifetimes (product §13). */
export const SESSION_POLICY: Record<SessionKind, { idleMs: number; absoluteMs: number }> = {
  person: { idleMs: 30 * MINUTE, absoluteMs: 12 * HOUR },
  agent: { idleMs: 15 * MINUTE, absoluteMs: 12 * HOUR },
};

/** Activity is written back at most this often, so that reads do not turn every request into a write. */
const TOUCH_EVERY_MS = 30_000;

export type Session = { tokenHash: string; kind: SessionKind; subjectId: string; csrfToken: string; createdAt: Date };

/**
 * Opens a session: a 256-bit opaque token (only its hash is stored) and a separate CSRF token.
 * Any session the browser held before is destroyed by the caller (rotation at sign-in).
 */
export async function openSession(db: Executor, kind: SessionKind, subjectId: string, now: Date): Promise<{ token: string; csrfToken: string }> {
  const token = randomToken();
  const csrfToken = randomToken();
  const policy = SESSION_POLICY[kind];
  await db
    .insertInto("sessions")
    .values({
      token_hash: sha256Hex(token),
      kind,
      subject_id: subjectId,
      csrf_token: csrfToken,
      created_at: now,
      last_seen_at: now,
      idle_expires_at: new Date(now.getTime() + policy.idleMs),
      absolute_expires_at: new Date(now.getTime() + policy.absoluteMs),
    })
    .execute();
  return { token, csrfToken };
}

/** Finds the live session of a token, extending its idle deadline; null when unknown or expired. */
export async function resolveSession(db: Executor, kind: SessionKind, token: string, now: Date): Promise<Session | null> {
  if (token.length < 20 || token.length > 100) return null;
  const tokenHash = sha256Hex(token);
  const row = await db
    .selectFrom("sessions")
    .select(["token_hash", "subject_id", "csrf_token", "created_at", "last_seen_at", "idle_expires_at", "absolute_expires_at"])
    .where("token_hash", "=", tokenHash)
    .where("kind", "=", kind)
    .executeTakeFirst();
  if (!row) return null;
  if (row.idle_expires_at <= now || row.absolute_expires_at <= now) {
    await db.deleteFrom("sessions").where("token_hash", "=", tokenHash).execute();
    return null;
  }
  if (now.getTime() - row.last_seen_at.getTime() >= TOUCH_EVERY_MS) {
    const idle = new Date(Math.min(now.getTime() + SESSION_POLICY[kind].idleMs, row.absolute_expires_at.getTime()));
    await db.updateTable("sessions").set({ last_seen_at: now, idle_expires_at: idle }).where("token_hash", "=", tokenHash).execute();
  }
  return { tokenHash, kind, subjectId: row.subject_id, csrfToken: row.csrf_token, createdAt: row.created_at };
}

export async function closeSession(db: Executor, token: string): Promise<void> {
  await db.deleteFrom("sessions").where("token_hash", "=", sha256Hex(token)).execute();
}

/** Removes expired sessions (housekeeping job). */
export async function purgeExpiredSessions(db: Executor, now: Date): Promise<number> {
  const res = await db
    .deleteFrom("sessions")
    .where((eb) => eb.or([eb("idle_expires_at", "<=", now), eb("absolute_expires_at", "<=", now)]))
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}
