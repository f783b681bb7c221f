import { sql } from "kysely";
import type { Executor } from "../../platform/db/database.js";
import type { AdhesionStatus, NewRow, Row } from "../../platform/db/schema.js";

export const PENDING: AdhesionStatus[] = ["awaiting_company_email", "letter_issued"];

export async function insertAdhesion(db: Executor, row: NewRow<"adhesions">): Promise<void> {
  await db.insertInto("adhesions").values(row).execute();
}

export async function findAdhesion(db: Executor, id: string) {
  return db.selectFrom("adhesions").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Locks the adhesion row for the rest of the transaction (activation attempts are serialised on it). */
export async function lockAdhesion(db: Executor, id: string) {
  return db.selectFrom("adhesions").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
}

/** A person's adhesions, newest first, after a keyset position. */
/** Which of the person's adhesions a list shows: pending, ended, or those waiting for their letter's code. */
export type AdhesionListStatus = "pending" | "ended" | "letter_issued";

/**
 * A page of the person's adhesions: newest first; those waiting for their letter's code (`letter_issued`) soonest
 * expiry first (the index `adhesions_awaiting_code`), after `after` in that order.
 */
export async function listAdhesionsOf(
  db: Executor,
  spaceId: string,
  o: { status?: AdhesionListStatus | undefined; limit: number; after?: { at: Date; id: string } | undefined },
) {
  let q = db.selectFrom("adhesions").selectAll().where("space_id", "=", spaceId);
  if (o.status === "letter_issued") {
    q = q.where("status", "=", "letter_issued");
    if (o.after) q = q.where(sql<boolean>`(code_expires_at, id) > (${o.after.at}, ${o.after.id}::uuid)`);
    return q.orderBy("code_expires_at", "asc").orderBy("id", "asc").limit(o.limit).execute();
  }
  if (o.status) q = q.where("status", o.status === "pending" ? "in" : "not in", PENDING);
  if (o.after) q = q.where(sql<boolean>`(created_at, id) < (${o.after.at}, ${o.after.id}::uuid)`);
  return q.orderBy("created_at", "desc").orderBy("id", "desc").limit(o.limit).execute();
}

export async function countAdhesionsOf(db: Executor, spaceId: string, status?: AdhesionListStatus): Promise<number> {
  let q = db
    .selectFrom("adhesions")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("space_id", "=", spaceId);
  if (status === "letter_issued") q = q.where("status", "=", "letter_issued");
  else if (status) q = q.where("status", status === "pending" ? "in" : "not in", PENDING);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

export async function updateAdhesion(db: Executor, id: string, set: Partial<Row<"adhesions">>): Promise<void> {
  await db
    .updateTable("adhesions")
    .set(set as never)
    .where("id", "=", id)
    .execute();
}

export async function hasActiveAdhesion(db: Executor, siren: string): Promise<boolean> {
  const row = await db.selectFrom("adhesions").select("id").where("siren", "=", siren).where("status", "=", "active").limit(1).executeTakeFirst();
  return row !== undefined;
}

/** Which of these companies have an active adhesion that includes the messagerie. */
export async function withActiveMessagerie(db: Executor, sirens: string[]): Promise<string[]> {
  if (sirens.length === 0) return [];
  const rows = await db
    .selectFrom("adhesions")
    .select("siren")
    .distinct()
    .where("siren", "in", sirens)
    .where("status", "=", "active")
    .where(sql<boolean>`services @> '["messagerie"]'::jsonb`)
    .execute();
  return rows.map((r) => r.siren);
}

export async function findPendingOf(db: Executor, spaceId: string, siren: string) {
  return db
    .selectFrom("adhesions")
    .select(["id", "status", "created_at"])
    .where("space_id", "=", spaceId)
    .where("siren", "=", siren)
    .where("status", "in", PENDING)
    .executeTakeFirst();
}

/** The person's pending adhesions created since `since`, with their SIREN. */
export async function recentPendingOf(db: Executor, spaceId: string, since: Date) {
  return db
    .selectFrom("adhesions")
    .select(["siren", "created_at"])
    .where("space_id", "=", spaceId)
    .where("status", "in", PENDING)
    .where("created_at", ">=", since)
    .orderBy("created_at")
    .execute();
}

/**
 * Letters sent (or about to be) to a SIREN since `since`: activation letters issued plus adhesions still waiting
 * for their company e-mail link, whose letter will follow. Returns their dates, oldest first.
 */
export async function lettersPromisedTo(db: Executor, siren: string, since: Date): Promise<Date[]> {
  const rows = await sql<{ at: Date }>`
    SELECT coalesce(letter_issued_at, created_at) AS at FROM adhesions
    WHERE siren = ${siren}
      AND ((letter_issued_at IS NOT NULL AND letter_issued_at >= ${since})
        OR (status = 'awaiting_company_email' AND created_at >= ${since}))
    ORDER BY 1`.execute(db);
  return rows.rows.map((r) => new Date(r.at));
}

export async function findBlock(db: Executor, spaceId: string, siren: string, now: Date) {
  return db
    .selectFrom("adhesion_blocks")
    .select("until")
    .where("space_id", "=", spaceId)
    .where("siren", "=", siren)
    .where("until", ">", now)
    .executeTakeFirst();
}

export async function putBlock(db: Executor, spaceId: string, siren: string, until: Date, reason: string): Promise<void> {
  await db
    .insertInto("adhesion_blocks")
    .values({ space_id: spaceId, siren, until, reason })
    .onConflict((oc) => oc.columns(["space_id", "siren"]).doUpdateSet({ until, reason }))
    .execute();
}

export async function findByOppositionHash(db: Executor, siren: string, hash: string) {
  return db.selectFrom("adhesions").selectAll().where("siren", "=", siren).where("opposition_hash", "=", hash).forUpdate().executeTakeFirst();
}

/**
 * Counts one opposition attempt on a SIREN for the day before its code is checked, in one statement: the count is
 * taken only while fewer than `max` are counted, so concurrent attempts through any number of processes never pass
 * the figure. Returns the attempts counted (this one included), or null when the day's allowance is spent.
 */
export async function claimOppositionAttempt(db: Executor, siren: string, day: string, max: number): Promise<number | null> {
  const res = await sql<{ failures: number }>`
    INSERT INTO opposition_failures AS f (siren, day, failures) VALUES (${siren}, ${day}, 1)
    ON CONFLICT (siren, day) DO UPDATE SET failures = f.failures + 1 WHERE f.failures < ${max}
    RETURNING failures`.execute(db);
  return res.rows[0]?.failures ?? null;
}

/** Gives back the attempt of a right code (only wrong codes count against the day's allowance). */
export async function refundOppositionAttempt(db: Executor, siren: string, day: string): Promise<void> {
  await sql`UPDATE opposition_failures SET failures = failures - 1 WHERE siren = ${siren} AND day = ${day} AND failures > 0`.execute(db);
}

export async function insertOpposition(db: Executor, row: NewRow<"oppositions">): Promise<void> {
  await db.insertInto("oppositions").values(row).execute();
}

export async function insertAlert(db: Executor, row: NewRow<"tax_office_alerts">): Promise<void> {
  await db.insertInto("tax_office_alerts").values(row).execute();
}

// Company e-mail addresses ------------------------------------------------------------------------------

export async function findCompanyEmail(db: Executor, siren: string) {
  return db.selectFrom("company_emails").selectAll().where("siren", "=", siren).executeTakeFirst();
}

export async function findCompanyEmails(db: Executor, sirens: string[]) {
  if (sirens.length === 0) return [];
  return db.selectFrom("company_emails").select(["siren", "email"]).where("siren", "in", sirens).execute();
}

export async function setCompanyEmail(db: Executor, siren: string, email: string, at: Date): Promise<void> {
  await db
    .insertInto("company_emails")
    .values({ siren, email, verified_at: at, updated_at: at })
    .onConflict((oc) => oc.column("siren").doUpdateSet({ email, verified_at: at, updated_at: at }))
    .execute();
}

export async function insertLink(db: Executor, row: NewRow<"company_email_links">): Promise<void> {
  await db.insertInto("company_email_links").values(row).execute();
}

export async function lockLinkByHash(db: Executor, tokenHash: string) {
  return db.selectFrom("company_email_links").selectAll().where("token_hash", "=", tokenHash).forUpdate().executeTakeFirst();
}

export async function findLinkByHash(db: Executor, tokenHash: string) {
  return db.selectFrom("company_email_links").selectAll().where("token_hash", "=", tokenHash).executeTakeFirst();
}

export async function consumeLink(db: Executor, id: string, at: Date): Promise<void> {
  await db.updateTable("company_email_links").set({ consumed_at: at }).where("id", "=", id).execute();
}

/** Pending change of address for a company (the latest unconsumed, unexpired link of purpose change). */
export async function pendingChangeOf(db: Executor, siren: string, now: Date) {
  return db
    .selectFrom("company_email_links")
    .select(["email", "expires_at", "created_at"])
    .where("siren", "=", siren)
    .where("purpose", "=", "change")
    .where("consumed_at", "is", null)
    .where("expires_at", ">", now)
    .orderBy("created_at", "desc")
    .limit(1)
    .executeTakeFirst();
}

/** Adhesions whose activation code or company-e-mail link has run out (housekeeping). */
export async function expireStale(db: Executor, now: Date, linkLifetimeMs: number) {
  const codes = await db
    .updateTable("adhesions")
    .set({ status: "expired", ended_at: now, code_hash: null })
    .where("status", "=", "letter_issued")
    .where("code_expires_at", "<=", now)
    .returning(["id", "space_id", "siren"])
    .execute();
  const links = await db
    .updateTable("adhesions")
    .set({ status: "expired", ended_at: now })
    .where("status", "=", "awaiting_company_email")
    .where("created_at", "<=", new Date(now.getTime() - linkLifetimeMs))
    .returning(["id", "space_id", "siren"])
    .execute();
  return [...codes, ...links];
}

export async function findQualities(db: Executor, ids: string[]) {
  if (ids.length === 0) return [];
  return db.selectFrom("adhesions").select(["id", "quality"]).where("id", "in", ids).execute();
}

// The adhesion desk of the back office ----------------------------------------------------------------------------

export async function listAdhesionsOfCompany(db: Executor, siren: string) {
  return db.selectFrom("adhesions").selectAll().where("siren", "=", siren).orderBy("created_at", "desc").execute();
}

export async function listOppositionsOf(db: Executor, siren: string) {
  return db.selectFrom("oppositions").selectAll().where("siren", "=", siren).orderBy("created_at", "desc").execute();
}

export async function listAlertsOf(db: Executor, siren: string) {
  return db.selectFrom("tax_office_alerts").selectAll().where("siren", "=", siren).orderBy("created_at", "desc").execute();
}

export async function findBulkSuspension(db: Executor, spaceId: string) {
  return db.selectFrom("bulk_suspensions").select(["since", "reason"]).where("space_id", "=", spaceId).executeTakeFirst();
}

export async function suspendBulk(db: Executor, spaceId: string, since: Date, reason: string): Promise<boolean> {
  const r = await db
    .insertInto("bulk_suspensions")
    .values({ space_id: spaceId, since, reason })
    .onConflict((oc) => oc.column("space_id").doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
}

/** Oppositions against a requester since an instant. */
export async function oppositionsAgainst(db: Executor, spaceId: string, since: Date): Promise<number> {
  const r = await db
    .selectFrom("oppositions")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("requester_space_id", "=", spaceId)
    .where("created_at", ">=", since)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
