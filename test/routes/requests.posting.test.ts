import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { call, seedReferenceData, startTestApp, type TestApp } from "../helpers/app.js";
import { activeAdministrator, signedInPerson, robertOfMartin } from "../helpers/people.js";
import { SEED } from "../../src/app/demo.js";
import { openDatabase } from "../../src/platform/db/database.js";
import { sha256Hex } from "../../src/platform/crypto.js";
import { journalRow } from "../../src/modules/journal/index.js";
import { postReply } from "../../src/modules/requests/requests.posting.js";

// Replies that arrive together leave as one statement (src/modules/requests/requests.posting.ts): each must still land
// whole, with its own outcome, as if posted alone.

let t: TestApp;
type Person = Awaited<ReturnType<typeof signedInPerson>>;
let robert: Person;
let lila: Person;

const file = async (who: Person, tax = "TVA") => {
  const r = await call(t.app, "POST", "/api/v1/requests", {
    jar: who.jar,
    body: { siren: SEED.martin.siren, tax, nature: "question", subject: `Question ${randomUUID().slice(0, 8)}`, body: "Bonjour.", uploadIds: [] },
  });
  expect(r.status).toBe(201);
  return r.body.id as string;
};
const reply = (who: Person, id: string, body: string) =>
  call(t.app, "POST", `/api/v1/requests/${id}/messages`, { jar: who.jar, body: { body, uploadIds: [] } });
/** The replies of a request: its messages after the one that opened it. */
const messagesOf = async (id: string) =>
  (await t.ctx.db.selectFrom("messages").select(["id", "body", "author_space_id", "created_at"]).where("request_id", "=", id).orderBy("seq").execute()).slice(
    1,
  );
const requestRow = (id: string) =>
  t.ctx.db.selectFrom("requests").select(["status", "version", "last_activity_at"]).where("id", "=", id).executeTakeFirstOrThrow();
const postedEntries = (id: string) =>
  t.ctx.db.selectFrom("journal").select(["actor_id", "data"]).where("subject_id", "=", id).where("action", "=", "message.posted").execute();

/** A reply handed to the batching directly (moves of its own: « received » leads to « in progress »). */
const direct = (requestId: string, id: string, db = t.ctx.db) => {
  const now = t.ctx.clock.now();
  return postReply(db, {
    m: { id, requestId, authorSpaceId: robert.spaceId, body: `Réponse ${id}`, bodySha256: sha256Hex(`Réponse ${id}`), at: now },
    moves: [
      { from: "received", to: "in_progress" },
      { from: "in_progress", to: "in_progress" },
    ],
    journalOf: (status) =>
      journalRow(now, {
        actor: { kind: "person", id: robert.spaceId },
        action: "message.posted",
        subject: { type: "request", id: requestId },
        data: { messageId: id, status },
      }),
  });
};

beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
  robert = await robertOfMartin(t);
  const chief = await activeAdministrator(t, SEED.martin.siren, { entitySiren: SEED.gestion.siren, email: "cabinet.comptable@gestion.com" });
  lila = await signedInPerson(t, { siren: SEED.gestion.siren, email: "lila.rosemonde@gestion.com", firstName: "Lila", lastName: "Rosemonde" });
  const offer = await call(t.app, "POST", `/api/v1/companies/${SEED.martin.siren}/delegations`, {
    jar: chief.jar,
    body: { email: lila.email, role: "delegate", services: ["messagerie"], taxScope: ["TVA"] },
  });
  expect((await call(t.app, "POST", `/api/v1/delegations/${offer.body.id}/accept`, { jar: lila.jar })).status).toBe(200);
});
afterAll(async () => t.close());

describe("replies posted at the same moment", () => {
  it("each land whole, with its own answer: moved, refused as not visible, closed or taking no reply", async () => {
    const open = [];
    for (let i = 0; i < 24; i++) open.push(await file(robert));
    // Half of them wait for the company (an agent asked): a reply moves those back « in progress », the others stay.
    const waiting = open.filter((_, i) => i % 2 === 1);
    await sql`UPDATE requests SET status = 'awaiting_user' WHERE id = ANY(${waiting}::uuid[])`.execute(t.ctx.db);
    const corporateTax = await file(robert, "IS");
    const closed = await file(robert);
    expect((await call(t.app, "POST", `/api/v1/requests/${closed}/close`, { jar: robert.jar })).status).toBe(200);
    const silent = await file(robert);
    await sql`UPDATE requests SET replies_allowed = false WHERE id = ${silent}`.execute(t.ctx.db);
    const before = new Map(await Promise.all([...open, corporateTax, closed, silent].map(async (id) => [id, await requestRow(id)] as const)));
    // What a person may type, array syntax and quoting included: each body must come back byte for byte.
    const tricky = 'Guillemets " et \\ barre, {accolades}, virgule, NULL,\nligne suivante — « é » 🙂';

    const calls = [
      ...open.map((id, i) => ({ who: robert, id, body: i === 3 ? tricky : `Réponse ${i}` })),
      { who: robert, id: open[0]!, body: "Deuxième réponse à la même demande" },
      { who: lila, id: open[1]!, body: "Réponse de Lila" },
      { who: lila, id: corporateTax, body: "Lila n'a pas le droit sur l'IS" },
      { who: robert, id: randomUUID(), body: "Demande inconnue" },
      { who: robert, id: closed, body: "Demande close" },
      { who: robert, id: silent, body: "Fil sans réponse" },
    ];
    const answers = await Promise.all(calls.map((c) => reply(c.who, c.id, c.body)));

    expect(answers.slice(0, 26).map((a) => a.status)).toEqual(Array(26).fill(201));
    expect(answers.slice(26).map((a) => [a.status, a.body.error.code])).toEqual([
      [404, "not_found"],
      [404, "not_found"],
      [409, "request_closed"],
      [409, "replies_not_allowed"],
    ]);

    for (const [i, id] of open.entries()) {
      const mine = calls.filter((c) => c.id === id && c.who === robert);
      const theirs = calls.filter((c) => c.id === id && c.who === lila);
      const posted = await messagesOf(id);
      expect(posted.map((m) => m.body).sort()).toEqual([...mine, ...theirs].map((c) => c.body).sort());
      // Each message is the one its answer named, by its author, with its own journal entry.
      const ids = answers.flatMap((a, k) => (calls[k]!.id === id ? [a.body.id as string] : []));
      expect(posted.map((m) => m.id).sort()).toEqual([...ids].sort());
      const entries = await postedEntries(id);
      expect(entries.map((e) => (e.data as { messageId: string }).messageId).sort()).toEqual([...ids].sort());
      for (const m of posted) {
        const entry = entries.find((e) => (e.data as { messageId: string }).messageId === m.id)!;
        expect(entry.actor_id).toBe(m.author_space_id);
        expect(entry.data).toMatchObject({ sha256: sha256Hex(m.body), attachments: [] });
      }
      const row = await requestRow(id);
      const reached = i % 2 === 1 ? "in_progress" : "received";
      expect(row.status).toBe(reached);
      expect(entries.map((e) => (e.data as { status: string }).status)).toEqual(posted.map(() => reached));
      expect(row.version).toBe(before.get(id)!.version + posted.length);
      expect(row.last_activity_at.getTime()).toBe(Math.max(...posted.map((m) => m.created_at.getTime())));
      if (i === 3) expect(posted[0]!.body).toBe(tricky);
    }
    // Nothing written where the reply was refused.
    for (const id of [corporateTax, closed, silent]) {
      expect(await messagesOf(id)).toHaveLength(0);
      expect(await requestRow(id)).toEqual(before.get(id));
      expect(await postedEntries(id)).toHaveLength(0);
    }
  });

  it("handed over together, they leave in one statement: the replies that wait for the one in flight share one transaction", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await file(robert));
    const messageIds = ids.map(() => randomUUID());
    const results = await Promise.all(ids.map((id, i) => direct(id, messageIds[i]!)));
    expect(results).toEqual(Array(10).fill({ status: "in_progress", moved: true, repliesAllowed: true }));
    const writers = await sql<{ id: string; xid: string }>`SELECT id, xmin::text AS xid FROM messages WHERE id = ANY(${messageIds}::uuid[])`.execute(t.ctx.db);
    const xid = new Map(writers.rows.map((r) => [r.id, r.xid]));
    expect(new Set(messageIds.slice(1).map((id) => xid.get(id))).size).toBe(1);
    expect(new Set(messageIds.map((id) => xid.get(id))).size).toBe(2);
    for (const [i, id] of ids.entries()) expect((await messagesOf(id)).map((m) => m.id)).toEqual([messageIds[i]]);
  });

  it("a batch the server refuses is rolled back whole, and each of its replies is posted on its own", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await file(robert));
    // A reply whose message id is already used (the request's opening message): the statement that carries it fails
    // on the primary key.
    const clash = await file(robert);
    const existing = await t.ctx.db.selectFrom("messages").select("id").where("request_id", "=", clash).executeTakeFirstOrThrow();
    const before = await requestRow(clash);
    const post = direct;
    // Handed over in one go: the first leaves at once, the nine others wait for it and leave together, the clashing one
    // among them.
    const results = await Promise.allSettled([...ids.map((id) => post(id, randomUUID())), post(clash, existing.id)]);
    expect(results.slice(0, 10).map((r) => r.status)).toEqual(Array(10).fill("fulfilled"));
    expect(results.slice(0, 10).map((r) => (r as PromiseFulfilledResult<{ status: string; moved: boolean }>).value)).toEqual(
      Array(10).fill({ status: "in_progress", moved: true, repliesAllowed: true }),
    );
    const refused = results[10] as PromiseRejectedResult;
    expect(refused.status).toBe("rejected");
    expect((refused.reason as { code: string }).code).toBe("23505");
    for (const id of ids) expect(await messagesOf(id)).toHaveLength(1);
    expect(await requestRow(clash)).toEqual(before);
    expect(await postedEntries(clash)).toHaveLength(0);
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)("the statement of a batch", () => {
  it("never waits for a request another transaction holds: that reply waits on its own, the others land", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await file(robert));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = t.ctx.db.transaction().execute(async (tx) => {
      await sql`SELECT 1 FROM requests WHERE id = ${ids[2]} FOR UPDATE`.execute(tx);
      locked();
      await released;
    });
    await isLocked;
    const settled = new Set<number>();
    const posts = ids.map((id, i) => direct(id, randomUUID()).then((r) => (settled.add(i), r)));
    // Every reply but the held one lands while the lock is held (the batch skipped that request).
    await Promise.all(posts.filter((_, i) => i !== 2));
    expect([...settled].sort()).toEqual([0, 1, 3, 4, 5]);
    // And the lane is free: a reply handed over now lands too.
    const later = await file(robert);
    expect(await direct(later, randomUUID())).toMatchObject({ moved: true });
    expect(settled.has(2)).toBe(false);
    release();
    await holder;
    expect(await posts[2]).toEqual({ status: "in_progress", moved: true, repliesAllowed: true });
    for (const id of ids) expect(await messagesOf(id)).toHaveLength(1);
  });

  it("keeps one generic plan on its connection (planning it for each batch would cost more than running it)", async () => {
    const database = await openDatabase({ url: t.databaseUrl!, poolSize: 1 });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) ids.push(await file(robert));
      // A service's table, not a test's: on a few rows any plan is cheap, and PostgreSQL would keep the generic one
      // whatever the arrays' length.
      const columns = await sql<{ name: string }>`
        SELECT column_name AS name FROM information_schema.columns
        WHERE table_name = 'requests' AND table_schema = current_schema() AND is_generated = 'NEVER' AND column_name NOT IN ('id', 'reference')`.execute(
        database.db,
      );
      const cols = sql.join(columns.rows.map((c) => sql.ref(c.name)));
      await sql`INSERT INTO requests (id, reference, ${cols})
        SELECT gen_random_uuid(), reference || '-' || g, ${cols} FROM requests, generate_series(1, 5000) g WHERE id = ${ids[0]}`.execute(database.db);
      await sql`ANALYZE requests`.execute(database.db);
      for (const id of ids) await direct(id, randomUUID(), database.db);
      const plans = await sql<{ generic_plans: string; custom_plans: string }>`
        SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%FOR NO KEY UPDATE SKIP LOCKED%'`.execute(database.db);
      expect(plans.rows).toHaveLength(1);
      expect(Number(plans.rows[0]!.generic_plans)).toBeGreaterThanOrEqual(3);
    } finally {
      await database.close();
    }
  });
});
