import { enqueue, enqueueMany, type OutboxHandler } from "../../platform/outbox.js";
import type { Tx } from "../../platform/db/database.js";
import type { Mail } from "./mail.templates.js";
import type { MailTransport } from "./mail.delivery.js";

export const MAIL_OUTBOX_KIND = "mail";

/** Queues a mail in the caller's transaction: it leaves only if the change commits. */
export async function queueMail(tx: Tx, at: Date, mail: Mail): Promise<void> {
  await enqueue(tx, at, MAIL_OUTBOX_KIND, mail);
}

/** Many mails in one statement, in the caller's transaction. */
export async function queueMails(tx: Tx, at: Date, mails: Mail[]): Promise<void> {
  await enqueueMany(tx, at, MAIL_OUTBOX_KIND, mails);
}

/** The worker's handler for mail rows. */
export function mailOutboxHandler(transport: MailTransport): OutboxHandler {
  return async (job) => {
    await transport.send(job.payload as Mail);
  };
}
