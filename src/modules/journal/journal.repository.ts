import { sql } from "kysely";
import type { Executor } from "../../platform/db/database.js";
import type { Row } from "../../platform/db/schema.js";

type EntryRow = {
  at: Date;
  actor_kind: Row<"journal">["actor_kind"];
  actor_id: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  data: string;
};

/** Writes entries in one statement (none: nothing); the chainer links them later, as every entry. */
export async function insertEntries(tx: Executor, rows: EntryRow[]): Promise<void> {
  if (rows.length > 0) await tx.insertInto("journal").values(rows).execute();
}

/** One chainer at a time (a transaction-scoped lock, tried, never waited for). */
export async function tryLockChain(tx: Executor): Promise<boolean> {
  const r = await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(727002) AS ok`.execute(tx);
  return r.rows[0]!.ok;
}

export async function findLastChained(tx: Executor): Promise<{ seq: string; hash: string } | undefined> {
  const row = await tx.selectFrom("journal").select(["seq", "hash"]).where("seq", "is not", null).orderBy("seq", "desc").limit(1).executeTakeFirst();
  return row ? { seq: row.seq!, hash: row.hash! } : undefined;
}

/** Committed entries not yet chained, in the order they were written. */
export async function unchained(tx: Executor, limit: number) {
  return tx.selectFrom("journal").selectAll().where("seq", "is", null).orderBy("id").limit(limit).execute();
}

export async function countUnchained(db: Executor): Promise<number> {
  const r = await db
    .selectFrom("journal")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("seq", "is", null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function setChain(tx: Executor, rows: { id: string; seq: string; prev_hash: string; hash: string }[]): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    UPDATE journal SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash
    FROM unnest(${rows.map((r) => r.id)}::bigint[], ${rows.map((r) => r.seq)}::bigint[], ${rows.map((r) => r.prev_hash)}::text[], ${rows.map((r) => r.hash)}::text[])
      AS v(id, seq, prev_hash, hash)
    WHERE journal.id = v.id`.execute(tx);
}

/** Reads the chain in order, a page at a time. */
export async function listChainedAfter(db: Executor, afterSeq: string, limit: number): Promise<Row<"journal">[]> {
  return db.selectFrom("journal").selectAll().where("seq", "is not", null).where("seq", ">", afterSeq).orderBy("seq").limit(limit).execute();
}

export async function entriesAbout(db: Executor, subjectType: string, subjectId: string, action: string) {
  return db
    .selectFrom("journal")
    .select(["at", "actor_kind", "actor_id", "data"])
    .where("subject_type", "=", subjectType)
    .where("subject_id", "=", subjectId)
    .where("action", "=", action)
    .orderBy("at")
    .orderBy("id")
    .execute();
}

/** The entries of one action about one subject, counted per actor, with the latest (e.g. each agent's openings). */
export async function countsAbout(db: Executor, subjectType: string, subjectId: string, action: string) {
  return db
    .selectFrom("journal")
    .select((eb) => ["actor_kind", "actor_id", eb.fn.countAll<string>().as("n"), eb.fn.max("at").as("last_at"), eb.fn.min("at").as("first_at")])
    .where("subject_type", "=", subjectType)
    .where("subject_id", "=", subjectId)
    .where("action", "=", action)
    .groupBy(["actor_kind", "actor_id"])
    .orderBy("last_at")
    .execute();
}

/** Every entry about one subject, oldest first (a request's timeline). */
export async function allAbout(db: Executor, subjectType: string, subjectId: string) {
  return db
    .selectFrom("journal")
    .select(["at", "actor_kind", "actor_id", "action", "data"])
    .where("subject_type", "=", subjectType)
    .where("subject_id", "=", subjectId)
    .orderBy("at")
    .orderBy("id")
    .execute();
}
