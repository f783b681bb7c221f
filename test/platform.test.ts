import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { appendJournal, chainJournal, verifyJournal } from "../src/modules/journal/index.js";
import { createWorker, enqueue, retryDelayMs } from "../src/platform/outbox.js";
import { createLogger } from "../src/platform/logger.js";
import { manualClock } from "../src/platform/clock.js";
import { migrate } from "../src/platform/db/migrate.js";
import { openMigratedTestDatabase } from "./helpers/db.js";
import { PREPARED, type Database } from "../src/platform/db/database.js";

let database: Database;
const clock = manualClock(new Date("2026-11-28T09:00:00Z"));
beforeAll(async () => {
  database = await openMigratedTestDatabase();
});
afterAll(async () => database.close());

describe("migrations", () => {
  it("apply once, even when run again", async () => {
    expect(await migrate(database.db)).toEqual([]);
  });
});

describe("prepared statements", () => {
  it("prepares a marked statement once per connection and runs it again with other values, in and out of transactions", async () => {
    const db = database.db;
    const marked = (n: number) => sql<{ n: number }>`${sql.raw(PREPARED)} SELECT ${n}::int + 1 AS n`;
    const text = marked(0).compile(db).sql;
    const preparedOnThisConnection = async (c: typeof db, like: string) =>
      Number((await sql<{ n: string }>`SELECT count(*) AS n FROM pg_prepared_statements WHERE statement LIKE ${like}`.execute(c)).rows[0]?.n);
    await db.connection().execute(async (c) => {
      expect(await preparedOnThisConnection(c, text)).toBe(0);
      expect((await marked(1).execute(c)).rows[0]?.n).toBe(2);
      expect((await marked(41).execute(c)).rows[0]?.n).toBe(42);
      // Named after its text, once on this connection.
      expect(await preparedOnThisConnection(c, text)).toBe(1);
      // An unmarked statement is not prepared.
      await sql`SELECT 7 AS unmarked_statement`.execute(c);
      expect(await preparedOnThisConnection(c, "SELECT 7 AS unmarked_statement")).toBe(0);
    });
    expect(await db.transaction().execute(async (tx) => (await marked(9).execute(tx)).rows[0]?.n)).toBe(10);
  });
});

describe("journal", () => {
  it("chains entries, refuses updates and deletes, and names the first broken entry", async () => {
    const db = database.db;
    for (let i = 0; i < 5; i++) {
      await db.transaction().execute((tx) => appendJournal(tx, clock.now(), { actor: { kind: "system" }, action: "test.entry", data: { i, note: "é" } }));
    }
    expect(await verifyJournal(db)).toMatchObject({ ok: true, entries: 0, unchained: 5 });
    // Before chaining, an entry's content cannot change either.
    await expect(sql`UPDATE journal SET action = 'forged' WHERE seq IS NULL`.execute(db)).rejects.toThrow(/append-only/);
    expect(await chainJournal(db)).toBe(5);
    const verdict = await verifyJournal(db);
    expect(verdict).toMatchObject({ ok: true, entries: 5, unchained: 0 });

    await expect(sql`UPDATE journal SET action = 'forged' WHERE seq = 3`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM journal WHERE seq = 3`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`TRUNCATE journal`.execute(db)).rejects.toThrow(/append-only/);

    // A superuser who disables the trigger can still forge: the chain shows it.
    await sql`ALTER TABLE journal DISABLE TRIGGER journal_append_only`.execute(db);
    await sql`UPDATE journal SET data = '{"i": 99}' WHERE seq = 3`.execute(db);
    await sql`ALTER TABLE journal ENABLE TRIGGER journal_append_only`.execute(db);
    expect(await verifyJournal(db)).toMatchObject({ ok: false, brokenSeq: "3", entries: 2 });
  });

  it("chains entries written concurrently, in the order they were written, without a lock on the writers", async () => {
    const db = database.db;
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        db.transaction().execute((tx) => appendJournal(tx, clock.now(), { actor: { kind: "system" }, action: "test.concurrent", data: { i } })),
      ),
    );
    await Promise.all([chainJournal(db), chainJournal(db), chainJournal(db)]);
    await chainJournal(db);
    const rows = await db.selectFrom("journal").select(["id", "seq"]).where("action", "=", "test.concurrent").orderBy("id").execute();
    expect(rows.every((r) => r.seq !== null)).toBe(true);
    expect(rows.map((r) => Number(r.seq))).toEqual([...rows.map((r) => Number(r.seq))].sort((a, b) => a - b));
  });

  it("writes nothing when the transaction rolls back", async () => {
    const before = (await database.db.selectFrom("journal").select("seq").execute()).length;
    await expect(
      database.db.transaction().execute(async (tx) => {
        await appendJournal(tx, clock.now(), { actor: { kind: "system" }, action: "test.rolled_back" });
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect((await database.db.selectFrom("journal").select("seq").execute()).length).toBe(before);
  });
});

describe("outbox and worker", () => {
  it("delivers each row once with several workers, retries failures with back-off, and sends nothing for a rollback", async () => {
    const db = database.db;
    const delivered: string[] = [];
    let failFirst = true;
    const handlers = {
      test: (job: { payload: Record<string, unknown> }) => {
        const id = String(job.payload.n);
        if (id === "flaky" && failFirst) {
          failFirst = false;
          return Promise.reject(new Error("SMTP down"));
        }
        delivered.push(id);
        return Promise.resolve();
      },
    };
    await db.transaction().execute(async (tx) => {
      for (let n = 0; n < 30; n++) await enqueue(tx, clock.now(), "test", { n });
      await enqueue(tx, clock.now(), "test", { n: "flaky" });
    });
    await expect(
      db.transaction().execute(async (tx) => {
        await enqueue(tx, clock.now(), "test", { n: "never" });
        throw new Error("rollback");
      }),
    ).rejects.toThrow();

    const logger = createLogger("silent");
    const workers = [1, 2, 3].map(() => createWorker({ db, clock, logger, handlers, batchSize: 4 }));
    await Promise.all(workers.map((w) => w.drain()));
    expect(delivered.sort()).toEqual(Array.from({ length: 30 }, (_, n) => String(n)).sort());
    expect(delivered).not.toContain("never");

    // The flaky row waits for its back-off, then goes.
    await workers[0]!.drain();
    expect(delivered).not.toContain("flaky");
    clock.advance(retryDelayMs(1));
    await workers[0]!.drain();
    expect(delivered.filter((d) => d === "flaky")).toHaveLength(1);
    const row = await db
      .selectFrom("outbox")
      .selectAll()
      .where(sql<boolean>`payload->>'n' = 'flaky'`)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "done", attempts: 2 });
  });

  it("doubles the retry delay up to one hour", () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(retryDelayMs(30)).toBe(3_600_000);
  });
});
