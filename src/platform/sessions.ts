import { randomToken, sha256Hex } from "./crypto.js";
import { sql, type RawBuilder } from "kysely";
import { PREPARED, type Executor } from "./db/database.js";
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

type SessionRow = {
  token_hash: string;
  subject_id: string;
  csrf_token: string;
  created_at: Date;
  last_seen_at: Date;
  idle_expires_at: Date;
  absolute_expires_at: Date;
};

const usableToken = (token: string | undefined): token is string => token !== undefined && token.length >= 20 && token.length <= 100;

/** A session row found: null (and deleted) when it expired; its idle deadline moved on when it is time to. */
async function liveSession(db: Executor, kind: SessionKind, row: SessionRow, now: Date): Promise<Session | null> {
  if (row.idle_expires_at <= now || row.absolute_expires_at <= now) {
    await db.deleteFrom("sessions").where("token_hash", "=", row.token_hash).execute();
    return null;
  }
  if (now.getTime() - row.last_seen_at.getTime() >= TOUCH_EVERY_MS) {
    const idle = new Date(Math.min(now.getTime() + SESSION_POLICY[kind].idleMs, row.absolute_expires_at.getTime()));
    await db.updateTable("sessions").set({ last_seen_at: now, idle_expires_at: idle }).where("token_hash", "=", row.token_hash).execute();
  }
  return { tokenHash: row.token_hash, kind, subjectId: row.subject_id, csrfToken: row.csrf_token, createdAt: row.created_at };
}

const SESSION_JSON = (kind: SessionKind, tokenHash: string | null) => sql<string | null>`(
  SELECT json_build_object('token_hash', token_hash, 'subject_id', subject_id, 'csrf_token', csrf_token, 'created_at', created_at,
    'last_seen_at', last_seen_at, 'idle_expires_at', idle_expires_at, 'absolute_expires_at', absolute_expires_at)::text
  FROM sessions WHERE token_hash = ${tokenHash} AND kind = ${kind})`;

function sessionRowOf(json: string | null): SessionRow | null {
  if (json === null) return null;
  const r = JSON.parse(json) as Record<keyof SessionRow, string>;
  return {
    token_hash: r.token_hash,
    subject_id: r.subject_id,
    csrf_token: r.csrf_token,
    created_at: new Date(r.created_at),
    last_seen_at: new Date(r.last_seen_at),
    idle_expires_at: new Date(r.idle_expires_at),
    absolute_expires_at: new Date(r.absolute_expires_at),
  };
}

/**
 * The sessions of a call's two cookies and, when asked, its rate-limit hit counted (`hitStatement`): one round trip
 * where there would be three, for every call a browser makes.
 */
export async function resolveCallSessions(
  db: Executor,
  tokens: { person?: string | undefined; agent?: string | undefined },
  hit: RawBuilder<unknown> | undefined,
  now: Date,
): Promise<{ person: Session | null; agent: Session | null; hits?: number; windowEndsAt?: Date }> {
  const person = usableToken(tokens.person) ? sha256Hex(tokens.person) : null;
  const agent = usableToken(tokens.agent) ? sha256Hex(tokens.agent) : null;
  if (!hit && !person && !agent) return { person: null, agent: null };
  const res = await sql<{ person: string | null; agent: string | null; hits: number | null; window_ends_at: Date | null }>`${sql.raw(PREPARED)}
    ${hit ? sql`WITH hit AS (${hit}) ` : sql``}SELECT ${person ? SESSION_JSON("person", person) : sql`NULL::text`} AS person,
      ${agent ? SESSION_JSON("agent", agent) : sql`NULL::text`} AS agent,
      ${hit ? sql`hit.hits, hit.window_ends_at FROM hit` : sql`NULL::integer AS hits, NULL::timestamptz AS window_ends_at`}`.execute(db);
  const row = res.rows[0]!;
  const [personRow, agentRow] = [sessionRowOf(row.person), sessionRowOf(row.agent)];
  return {
    person: personRow ? await liveSession(db, "person", personRow, now) : null,
    agent: agentRow ? await liveSession(db, "agent", agentRow, now) : null,
    ...(row.hits !== null && row.window_ends_at !== null ? { hits: row.hits, windowEndsAt: row.window_ends_at } : {}),
  };
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
