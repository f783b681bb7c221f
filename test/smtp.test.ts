import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer } from "node:net";
import { SMTPServer } from "smtp-server";
import { simpleParser, type ParsedMail } from "mailparser";
import type { Database } from "../src/platform/db/database.js";
import { createWorker, retryDelayMs } from "../src/platform/outbox.js";
import { createLogger } from "../src/platform/logger.js";
import { manualClock } from "../src/platform/clock.js";
import { deviceCodeMail, mailOutboxHandler, queueMail, smtpTransport } from "../src/modules/mail/index.js";
import { openMigratedTestDatabase } from "./helpers/db.js";

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function startSmtp(port: number, received: ParsedMail[]): Promise<SMTPServer> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, _session, callback) {
      simpleParser(stream).then((mail) => {
        received.push(mail);
        callback();
      }, callback);
    },
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

let database: Database;
beforeAll(async () => {
  database = await openMigratedTestDatabase();
});
afterAll(async () => database.close());

describe("mail delivery over real SMTP", () => {
  it("keeps mails in the outbox while SMTP is down and delivers them once it is back", async () => {
    const port = await freePort();
    const clock = manualClock(new Date("2026-11-28T09:00:00Z"));
    const transport = smtpTransport(`smtp://127.0.0.1:${port}`, "Messagerie Pro <ne-pas-repondre@messagerie.test>");
    const worker = createWorker({ db: database.db, clock, logger: createLogger("silent"), handlers: { mail: mailOutboxHandler(transport) } });
    const expiresAt = new Date("2026-11-28T09:30:00Z");
    await database.db
      .transaction()
      .execute((tx) => queueMail(tx, clock.now(), deviceCodeMail({ to: "lila.rosemonde@gestion.com", firstName: "Lila", code: "482913", expiresAt })));

    // No server listening yet: the attempt fails and the mail waits.
    await worker.drain();
    const waiting = await database.db.selectFrom("outbox").selectAll().executeTakeFirstOrThrow();
    expect(waiting).toMatchObject({ status: "pending", attempts: 1 });
    expect(waiting.last_error).toMatch(/ECONNREFUSED/);

    const received: ParsedMail[] = [];
    const server = await startSmtp(port, received);
    try {
      clock.advance(retryDelayMs(1));
      await worker.drain();
      expect(received).toHaveLength(1);
      const mail = received[0]!;
      expect(mail.subject).toBe("Code de connexion depuis un nouvel appareil");
      expect((mail.to as { text: string }).text).toBe("lila.rosemonde@gestion.com");
      expect(mail.from?.text).toContain("ne-pas-repondre@messagerie.test");
      expect(mail.text).toContain("Code de connexion : 482913");
      expect(mail.html).toContain("482913");
      const done = await database.db.selectFrom("outbox").selectAll().executeTakeFirstOrThrow();
      expect(done).toMatchObject({ status: "done", attempts: 2 });
    } finally {
      transport.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
