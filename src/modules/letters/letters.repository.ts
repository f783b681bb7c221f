import type { Executor } from "../../platform/db/database.js";

/** Letters of the development letter box, newest first, optionally for one SIREN. */
export async function listCaughtLetters(db: Executor, siren: string | undefined, limit: number) {
  let q = db.selectFrom("caught_letters").select(["id", "siren", "kind", "address_lines", "fields", "edited_at", "pdf"]);
  if (siren) q = q.where("siren", "=", siren);
  return q.orderBy("id", "desc").limit(limit).execute();
}
