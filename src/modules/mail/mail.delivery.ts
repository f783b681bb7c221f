import nodemailer from "nodemailer";
import type { Executor } from "../../platform/db/database.js";
import type { Clock } from "../../platform/clock.js";
import type { Mail } from "./mail.templates.js";

/** Something that hands a mail over for delivery; throws when it cannot (the outbox retries). */
export type MailTransport = { send(mail: Mail): Promise<void>; close(): void };

/** A real SMTP server (nodemailer). */
export function smtpTransport(url: string, from: string): MailTransport {
  const transporter = nodemailer.createTransport(url);
  return {
    async send(mail) {
      await transporter.sendMail({
        from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        attachments: mail.attachments?.map((a) => ({ filename: a.filename, contentType: a.contentType, content: Buffer.from(a.contentBase64, "base64") })),
      });
    },
    close: () => transporter.close(),
  };
}

/** The development mail catcher: keeps every mail in the database, browsable at /dev/mail. */
export function catcherTransport(db: Executor, clock: Clock): MailTransport {
  return {
    async send(mail) {
      await db
        .insertInto("caught_mails")
        .values({
          to_addr: mail.to.toLowerCase(),
          subject: mail.subject,
          // The catcher keeps the text; attachments are listed by name.
          text: mail.attachments?.length ? `${mail.text}\n\n[pièces jointes : ${mail.attachments.map((a) => a.filename).join(", ")}]` : mail.text,
          html: mail.html ?? null,
          sent_at: clock.now(),
        })
        .execute();
    },
    close: () => {},
  };
}
