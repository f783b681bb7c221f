import { sql } from "kysely";
import type { Executor } from "../../platform/db/database.js";
import type { NewRow } from "../../platform/db/schema.js";

export async function findSpaceByEmail(db: Executor, email: string) {
  return db.selectFrom("spaces").selectAll().where("connection_email", "=", email).executeTakeFirst();
}

export async function findSpaceById(db: Executor, id: string) {
  return db.selectFrom("spaces").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function subscriberNumberExists(db: Executor, n: string): Promise<boolean> {
  return (await db.selectFrom("spaces").select("id").where("subscriber_number", "=", n).executeTakeFirst()) !== undefined;
}

export async function insertSpace(db: Executor, row: NewRow<"spaces">): Promise<void> {
  await db.insertInto("spaces").values(row).execute();
}

export async function deleteSpace(db: Executor, id: string): Promise<void> {
  await db.deleteFrom("spaces").where("id", "=", id).execute();
}

export async function activateSpace(db: Executor, id: string, at: Date): Promise<void> {
  await db.updateTable("spaces").set({ status: "active", verified_at: at }).where("id", "=", id).execute();
}

type CodeTable = "space_email_codes" | "device_challenges";

export async function putCode(db: Executor, table: CodeTable, spaceId: string, codeHash: string, expiresAt: Date): Promise<void> {
  await db
    .insertInto(table)
    .values({ space_id: spaceId, code_hash: codeHash, expires_at: expiresAt, attempts: 0 })
    .onConflict((oc) => oc.column("space_id").doUpdateSet({ code_hash: codeHash, expires_at: expiresAt, attempts: 0 }))
    .execute();
}

/**
 * Consumes one attempt atomically: the row is returned only while attempts remain, so concurrent wrong entries
 * can never get more than `maxAttempts` tries.
 */
export async function takeCodeAttempt(db: Executor, table: CodeTable, spaceId: string, maxAttempts: number) {
  const res = await sql<{ code_hash: string; expires_at: Date; attempts: number }>`
    UPDATE ${sql.table(table)} SET attempts = attempts + 1
    WHERE space_id = ${spaceId} AND attempts < ${maxAttempts}
    RETURNING code_hash, expires_at, attempts`.execute(db);
  return res.rows[0];
}

export async function codeExists(db: Executor, table: CodeTable, spaceId: string): Promise<boolean> {
  return (await db.selectFrom(table).select("space_id").where("space_id", "=", spaceId).executeTakeFirst()) !== undefined;
}

export async function deleteCode(db: Executor, table: CodeTable, spaceId: string): Promise<void> {
  await db.deleteFrom(table).where("space_id", "=", spaceId).execute();
}

export async function findLiveDevice(db: Executor, tokenHash: string, spaceId: string, now: Date) {
  return db
    .selectFrom("devices")
    .select(["token_hash"])
    .where("token_hash", "=", tokenHash)
    .where("space_id", "=", spaceId)
    .where("expires_at", ">", now)
    .executeTakeFirst();
}

export async function insertDevice(db: Executor, row: NewRow<"devices">): Promise<void> {
  await db.insertInto("devices").values(row).execute();
}

export async function touchDevice(db: Executor, tokenHash: string, now: Date): Promise<void> {
  await db.updateTable("devices").set({ last_used_at: now }).where("token_hash", "=", tokenHash).execute();
}

/** Spaces whose address was never verified, created before `before` (deleted after 7 days, product §3). */
export async function deleteUnverifiedSpaces(db: Executor, before: Date): Promise<string[]> {
  const rows = await db.deleteFrom("spaces").where("status", "=", "pending_email_verification").where("created_at", "<", before).returning("id").execute();
  return rows.map((r) => r.id);
}

export async function findSpacesByIds(db: Executor, ids: string[]) {
  if (ids.length === 0) return [];
  return db
    .selectFrom("spaces")
    .select(["id", "first_name", "last_name", "connection_email", "entity_siren", "subscriber_number", "status", "last_sign_in_at"])
    .where("id", "in", ids)
    .execute();
}

export async function touchLastSignIn(db: Executor, id: string, at: Date): Promise<void> {
  await db.updateTable("spaces").set({ last_sign_in_at: at }).where("id", "=", id).execute();
}
