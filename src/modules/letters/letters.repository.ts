import type { Executor } from "../../platform/db/database.js";
import type { LetterStatus, NewRow } from "../../platform/db/schema.js";

export async function insertLetter(db: Executor, row: NewRow<"letters">) {
  return db.insertInto("letters").values(row).returning(["id", "number"]).executeTakeFirstOrThrow();
}

export async function findLetter(db: Executor, id: string) {
  return db.selectFrom("letters").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function setRenderedPdf(db: Executor, id: string, pdfSealed: string, at: Date): Promise<void> {
  await db.updateTable("letters").set({ pdf_sealed: pdfSealed, rendered_at: at }).where("id", "=", id).execute();
}

/** Letters of the development letter box, newest first, optionally for one SIREN. */
export async function listLetters(db: Executor, siren: string | undefined, limit: number) {
  let q = db.selectFrom("letters").selectAll();
  if (siren) q = q.where("siren", "=", siren);
  return q.orderBy("edited_at", "desc").orderBy("number", "desc").limit(limit).execute();
}

/**
 * Every letter sent to a company (adhesion letters, notices, campaign letters), newest first, with the address it
 * went to: the adhesion desk. Bounded (`limit`), the number breaking ties of one instant.
 */
export async function listLettersOfCompany(db: Executor, siren: string, limit: number) {
  return db
    .selectFrom("letters")
    .select(["id", "adhesion_id", "campaign_id", "number", "kind", "status", "address_lines", "edited_at", "printed_at", "posted_at", "returned_at"])
    .where("siren", "=", siren)
    .orderBy("edited_at", "desc")
    .orderBy("number", "desc")
    .limit(limit)
    .execute();
}

/** Letters of a company, for the adhesion desk and the person's view. */
export async function listLettersOfAdhesions(db: Executor, adhesionIds: string[]) {
  if (adhesionIds.length === 0) return [];
  return db
    .selectFrom("letters")
    .select(["id", "adhesion_id", "number", "kind", "status", "edited_at", "printed_at", "posted_at", "returned_at"])
    .where("adhesion_id", "in", adhesionIds)
    .orderBy("number")
    .execute();
}

export async function voidPendingLetters(db: Executor, adhesionId: string): Promise<number> {
  const res = await db.updateTable("letters").set({ status: "voided" }).where("adhesion_id", "=", adhesionId).where("status", "=", "edited").executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/** A page of the letters waiting to be printed, edited before `before`, in number order. */
export async function pageLettersToPrint(db: Executor, before: Date, afterNumber: string, limit: number) {
  return db
    .selectFrom("letters")
    .select(["id", "number", "siren", "kind", "address_lines", "content_sealed", "edited_at"])
    .where("status", "=", "edited")
    .where("edited_at", "<", before)
    .where("number", ">", afterNumber)
    .orderBy("number")
    .limit(limit)
    .execute();
}

export async function markPrinted(db: Executor, ids: string[], batchId: string, at: Date): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable("letters").set({ status: "printed", printed_at: at, batch_id: batchId }).where("id", "in", ids).where("status", "=", "edited").execute();
}

export async function insertBatch(db: Executor, row: NewRow<"print_batches">): Promise<void> {
  await db.insertInto("print_batches").values(row).execute();
}

export async function findBatch(db: Executor, id: string) {
  return db.selectFrom("print_batches").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function lettersOfBatch(db: Executor, batchId: string, status: LetterStatus) {
  return db.selectFrom("letters").select(["id", "content_sealed"]).where("batch_id", "=", batchId).where("status", "=", status).execute();
}

export async function markPosted(db: Executor, id: string, maskedContent: string, at: Date): Promise<void> {
  await db
    .updateTable("letters")
    .set({ status: "posted", posted_at: at, content_sealed: maskedContent, pdf_sealed: null, rendered_at: null })
    .where("id", "=", id)
    .execute();
}

export async function markBatchPosted(db: Executor, id: string, at: Date): Promise<void> {
  await db.updateTable("print_batches").set({ posted_at: at }).where("id", "=", id).execute();
}

export async function markReturned(db: Executor, id: string, at: Date) {
  return db
    .updateTable("letters")
    .set({ status: "returned", returned_at: at })
    .where("id", "=", id)
    .where("status", "in", ["printed", "posted"])
    .returning(["id", "siren", "adhesion_id"])
    .executeTakeFirst();
}
