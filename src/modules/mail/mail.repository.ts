import type { Executor } from "../../platform/db/database.js";

/** Caught mails, newest first, optionally for one recipient. */
export async function listCaughtMails(db: Executor, to: string | undefined, limit: number) {
  let q = db.selectFrom("caught_mails").select(["id", "to_addr", "subject", "text", "html", "sent_at"]);
  if (to) q = q.where("to_addr", "=", to.toLowerCase());
  return q.orderBy("id", "desc").limit(limit).execute();
}
