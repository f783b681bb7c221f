import { sql } from "kysely";
import type { Executor } from "../../platform/db/database.js";
import type { Row } from "../../platform/db/schema.js";

/** Serialises appends: the chain needs the previous hash, so one writer at a time (per transaction). */
export async function lockChain(tx: Executor): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(727002)`.execute(tx);
}

export async function findLastEntry(tx: Executor): Promise<{ seq: string; hash: string } | undefined> {
  return tx.selectFrom("journal").select(["seq", "hash"]).orderBy("seq", "desc").limit(1).executeTakeFirst();
}

export async function insertEntry(tx: Executor, row: Omit<Row<"journal">, "data"> & { data: string }): Promise<void> {
  await tx.insertInto("journal").values(row).execute();
}

/** Reads the journal in chain order, a page at a time. */
export async function listEntriesAfter(db: Executor, afterSeq: string, limit: number): Promise<Row<"journal">[]> {
  return db
    .selectFrom("journal")
    .selectAll()
    .where("seq", ">", afterSeq)
    .orderBy("seq")
    .limit(limit)
    .execute();
}
