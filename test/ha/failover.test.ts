import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import pg from "pg";
import { call, seedReferenceData, startTestApp, type TestApp, type CookieJar } from "../helpers/app.js";
import { activeAdministrator } from "../helpers/people.js";
import { openStream, until } from "../helpers/sse.js";
import { haCluster, startAppProcess, type AppProcess } from "../helpers/processes.js";
import { openDatabase } from "../../src/platform/db/database.js";
import { migrate } from "../../src/platform/db/migrate.js";
import { SEED } from "../../src/app/demo.js";
import { manualClock } from "../../src/platform/clock.js";

/**
 * The loss of the database primary (product §17), on a real cluster of `ops/ha/cluster.sh` (etcd, Patroni, three
 * PostgreSQL 15 with a synchronous standby, HAProxy): two application processes behind HAProxy, 8 writers posting
 * messages with an Idempotency-Key. Round 1 kills the primary's PostgreSQL with SIGKILL; round 2 stops Patroni on
 * the new primary. At the end every message that was answered 201 is in the database, none twice, no answer was a
 * 500, and the API wrote again within 30 s of each failure. The figures are printed.
 */
const WRITERS = 8;
// Its own ports (HAProxy 5540, PostgreSQL 5541–5543, Patroni 8541–8543, etcd 2540–2541): never the shared 5432.
const HA_DIR = mkdtempSync("/tmp/mp-ha-");
const cluster = haCluster(HA_DIR, "5540");

type Outcome = { at: number; status: number; key: string; round: number; error?: string };

/**
 * One writer: posts a new message in its own thread, again and again. A 503 (or a connection lost before the
 * answer) is retried with the same Idempotency-Key after 200 ms; an answered 201 is an acknowledged message.
 */
function writer(
  index: number,
  base: () => string,
  jar: CookieJar,
  requestId: string,
  state: { stop: boolean; round: number },
  log: Outcome[],
  acked: Map<string, string>,
) {
  return (async () => {
    let n = 0;
    while (!state.stop) {
      const key = `bascule-w${index}-${++n}`;
      for (;;) {
        const round = state.round;
        let status = 0;
        let error: string | undefined;
        try {
          const res = await fetch(`${base()}/api/v1/requests/${requestId}/messages`, {
            method: "POST",
            headers: { "content-type": "application/json", cookie: jar.header(), "x-csrf-token": jar.csrf!, "idempotency-key": key },
            body: JSON.stringify({ body: `Message ${key} pendant la bascule` }),
            signal: AbortSignal.timeout(15_000),
          });
          status = res.status;
          const body = (await res.json()) as { id?: string; createdAt?: string; error?: { code: string; message: string } };
          if (status === 201) acked.set(key, body.createdAt!);
          else error = body.error ? `${body.error.code}: ${body.error.message}` : JSON.stringify(body);
        } catch {
          status = 0; // no answer at all (the application process is not reachable, or the answer was cut)
        }
        log.push({ at: Date.now(), status, key, round, ...(error ? { error } : {}) });
        if (status === 201 || state.stop) break;
        if (status !== 503 && status !== 0) {
          // Anything else is a failure, reported below; many of them end the run early.
          if (log.filter((o) => o.status !== 201 && o.status !== 503 && o.status !== 0).length > 50) state.stop = true;
          break;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  })();
}

let t: TestApp;
let apps: AppProcess[] = [];
let databaseUrl: string;
let robert: Awaited<ReturnType<typeof activeAdministrator>>;

beforeAll(async () => {
  const out = await cluster("start");
  databaseUrl = /DATABASE_URL=(\S+)/.exec(out)![1]!;
  const database = await openDatabase({ url: databaseUrl, poolSize: 4 });
  await migrate(database.db);
  // The application processes run on the real clock: the sessions opened here must be current for them.
  t = await startTestApp({}, { database: { ...database, url: databaseUrl }, clock: manualClock(new Date()) });
  await seedReferenceData(t.ctx);
  // Robert signs in before the application processes start: their workers share the outbox, and one of them could
  // take his device-code mail while the test's own worker drains it (the drain waits only for its own rounds).
  robert = await activeAdministrator(t, SEED.martin.siren, { quality: "legal_representative", companyEmail: "robert.lambda@martindistribution.com" });
  apps = await Promise.all([startAppProcess(databaseUrl, "a"), startAppProcess(databaseUrl, "b")]);
}, 240_000);

afterAll(async () => {
  for (const a of apps) a.child.kill("SIGKILL");
  await t?.close().catch(() => {});
  await cluster("destroy").catch((e: unknown) => console.error(e));
  rmSync(HA_DIR, { recursive: true, force: true });
}, 120_000);

describe("the loss of the database primary", () => {
  it("kill -9 of the primary, then Patroni stopped on the next: writers go on, nothing acknowledged is lost, no 500, no duplicate", async () => {
    const threads: string[] = [];
    for (let i = 0; i < WRITERS; i++) {
      const filed = await call(t.app, "POST", "/api/v1/requests", {
        jar: robert.jar,
        body: { siren: SEED.martin.siren, tax: "TVA", nature: "question", subject: `Fil ${i} de la bascule`, body: "Bonjour", uploadIds: [] },
      });
      expect(filed.status).toBe(201);
      threads.push(filed.body.id as string);
    }
    // A live stream on process A: after both failovers it must still receive what process B writes.
    const stream = await openStream(apps[0]!.base, robert.jar.header());

    const state = { stop: false, round: 0 };
    const log: Outcome[] = [];
    const acked = new Map<string, string>();
    const running = threads.map((id, i) => writer(i, () => apps[i % 2]!.base, robert.jar, id, state, log, acked));

    const rounds: { round: number; how: string; failedAt: number; node: string; promotedAt: number; backAt: number }[] = [];
    const ofWriter = (i: number) => (o: Outcome) => o.key.startsWith(`bascule-w${i}-`);
    /**
     * Waits for another node to be the primary, then for every writer to have a message acknowledged after that:
     * returns when the API wrote again for everyone (or Infinity past 30 s).
     */
    const failover = async (round: number, how: string, node: string, failedAt: number) => {
      let promotedAt = Infinity;
      for (const end = failedAt + 30_000; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
        const now = await cluster("primary").catch(() => "");
        if (now && now !== node) {
          promotedAt = Date.now();
          break;
        }
      }
      const everyone = () => threads.every((_, i) => log.some((o) => ofWriter(i)(o) && o.status === 201 && o.at > promotedAt));
      const ok = Number.isFinite(promotedAt) && (await until(everyone, Math.max(0, failedAt + 30_000 - Date.now())));
      const backAt = ok
        ? Math.max(...threads.map((_, i) => Math.min(...log.filter((o) => ofWriter(i)(o) && o.status === 201 && o.at > promotedAt).map((o) => o.at))))
        : Infinity;
      rounds.push({ round, how, failedAt, node, promotedAt, backAt });
    };
    try {
      await new Promise((r) => setTimeout(r, 3_000));
      // Round 1: the primary's postmaster is killed with SIGKILL.
      state.round = 1;
      let failedAt = Date.now();
      const killed = await cluster("kill-primary");
      await failover(1, "kill -9 PostgreSQL", killed, failedAt);
      // The killed node rejoins as a standby; a synchronous standby is there again before the next round.
      await cluster("wait-healthy", "90");
      await new Promise((r) => setTimeout(r, 2_000));

      // Round 2: Patroni is stopped on the new primary (it shuts PostgreSQL down and hands the leader key over).
      state.round = 2;
      const primary = await cluster("primary");
      failedAt = Date.now();
      const stopping = cluster("stop-patroni", primary);
      await failover(2, "Patroni stopped", primary, failedAt);
      await stopping;
      await new Promise((r) => setTimeout(r, 2_000));
    } finally {
      state.stop = true;
      await Promise.all(running);
    }

    // What the database holds, read through HAProxy from the current primary.
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    let found: Map<string, number>;
    try {
      const rows = await client.query<{ body: string; n: string }>(
        "SELECT body, count(*) AS n FROM messages WHERE request_id = ANY($1) AND body LIKE 'Message bascule-w%' GROUP BY body",
        [threads],
      );
      found = new Map(rows.rows.map((r) => [/Message (bascule-w\d+-\d+) /.exec(r.body)![1]!, Number(r.n)]));
    } finally {
      await client.end();
    }
    const lost = [...acked.keys()].filter((k) => !found.has(k));
    const duplicates = [...found.values()].filter((n) => n > 1).length;
    const errors = log.filter((o) => o.status >= 500 && o.status !== 503);
    const unexpected = log.filter((o) => o.status !== 201 && o.status !== 503 && o.status !== 0 && o.status < 500);
    const figures = rounds.map(({ round, how, failedAt, node, promotedAt, backAt }) => {
      const mine = log.filter((o) => o.round === round);
      const unavailable = mine.filter((o) => o.status === 503 || o.status === 0);
      const span = unavailable.length ? (Math.max(...unavailable.map((o) => o.at)) - Math.min(...unavailable.map((o) => o.at))) / 1000 : 0;
      return {
        round: `${round}: ${how} (${node})`,
        acknowledged: mine.filter((o) => o.status === 201).length,
        "503": mine.filter((o) => o.status === 503).length,
        "no answer": mine.filter((o) => o.status === 0).length,
        "seconds of 503": Number(span.toFixed(1)),
        "new primary after (s)": Number(((promotedAt - failedAt) / 1000).toFixed(1)),
        "every writer back after (s)": Number(((backAt - failedAt) / 1000).toFixed(1)),
      };
    });
    // A key retried after a 503 whose 201 carries a time before that 503: the first attempt had committed (the
    // answer was lost with the connection) and the retry was answered from the Idempotency-Key, not written again.
    const firstFailure = new Map<string, number>();
    for (const o of log) if (o.status !== 201 && !firstFailure.has(o.key)) firstFailure.set(o.key, o.at);
    const retried = [...acked.keys()].filter((k) => firstFailure.has(k));
    const replayed = retried.filter((k) => Date.parse(acked.get(k)!) < firstFailure.get(k)!);
    const totals = {
      acknowledged: acked.size,
      "retried with the same key": retried.length,
      "answered by replay": replayed.length,
      found: [...acked.keys()].filter((k) => found.has(k)).length,
      lost: lost.length,
      duplicates,
      "500s": errors.length,
      "other errors": unexpected.length,
      attempts: log.length,
    };
    console.log("\nfailover figures\n");
    console.table(figures);
    console.table([totals]);
    const statuses = new Map<string, number>();
    for (const o of log) statuses.set(`round ${o.round}: ${o.status}`, (statuses.get(`round ${o.round}: ${o.status}`) ?? 0) + 1);
    console.log(Object.fromEntries(statuses));
    for (const o of [...errors, ...unexpected].slice(0, 5)) console.log(o);
    if (figures.some((f) => !(f["every writer back after (s)"] <= 30)) || errors.length) for (const a of apps) console.log(a.output.join("").slice(-6_000));

    expect(lost).toEqual([]);
    expect(duplicates).toBe(0);
    expect(errors).toEqual([]);
    expect(unexpected).toEqual([]);
    expect(figures).toHaveLength(2);
    for (const f of figures) expect(f["every writer back after (s)"]).toBeLessThanOrEqual(30);
    expect(acked.size).toBeGreaterThan(0);

    // Live updates survived both failovers: what process B writes now reaches the stream opened on process A.
    try {
      const res = await fetch(`${apps[1]!.base}/api/v1/requests/${threads[1]}/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie: robert.jar.header(), "x-csrf-token": robert.jar.csrf! },
        body: JSON.stringify({ body: "Après les deux bascules" }),
      });
      expect(res.status).toBe(201);
      const later = (await res.json()) as { createdAt: string };
      expect(await until(() => stream.events.some((e) => e.data.id === threads[1] && e.id === later.createdAt), 30_000)).toBe(true);
    } finally {
      stream.close();
    }
    // The outbox workers resumed: a request filed now through process B has its mails delivered.
    const since = new Date();
    const res = await fetch(`${apps[1]!.base}/api/v1/requests`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: robert.jar.header(), "x-csrf-token": robert.jar.csrf! },
      body: JSON.stringify({ siren: SEED.martin.siren, tax: "TVA", nature: "question", subject: "Après la bascule", body: "Bonjour", uploadIds: [] }),
    });
    expect(res.status).toBe(201);
    const outbox = async () => {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      try {
        return (
          await c.query<{ done: string; total: string }>(
            "SELECT count(*) FILTER (WHERE status = 'done') AS done, count(*) AS total FROM outbox WHERE created_at >= $1",
            [since],
          )
        ).rows[0]!;
      } finally {
        await c.end();
      }
    };
    let rows = await outbox();
    for (const end = Date.now() + 30_000; Date.now() < end && !(Number(rows.total) > 0 && rows.done === rows.total); rows = await outbox())
      await new Promise((r) => setTimeout(r, 250));
    expect(Number(rows.total)).toBeGreaterThan(0);
    expect(rows.done).toBe(rows.total);

    // Both processes are ready again, without a restart.
    for (const a of apps) expect((await fetch(`${a.base}/api/v1/health/ready`)).status).toBe(200);
  }, 300_000);
});
