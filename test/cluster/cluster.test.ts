import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { call, seedReferenceData, startTestApp, type CookieJar, type TestApp } from "../helpers/app.js";
import { activeAdministrator } from "../helpers/people.js";
import { openStream, until, type SseEvent } from "../helpers/sse.js";
import { haCluster, ROOT, startAppBalancer, startAppProcess, type AppProcess } from "../helpers/processes.js";
import { dropBucket } from "../helpers/s3.js";
import { fileForm } from "../helpers/upload.js";
import { openDatabase } from "../../src/platform/db/database.js";
import { migrate } from "../../src/platform/db/migrate.js";
import { s3Client } from "../../src/platform/files.s3.js";
import { SEED } from "../../src/app/demo.js";
import { manualClock } from "../../src/platform/clock.js";

/**
 * Beyond one machine (product §17, docs/operations.md): the Patroni cluster of `ops/ha/cluster.sh`, the object store
 * of `ops/object-store/start.sh` (Swift's S3 API), two application processes with their workers behind HAProxy, and
 * a load of writers filing requests and messages with attachments while subscribers hold event streams. During the
 * run one application process is killed with SIGKILL, then the database primary. Asserted: every acknowledged
 * request, message and attachment is there once; every attachment downloads byte-exact through the surviving
 * process; every subscriber, reconnecting with its Last-Event-ID, ends with the last state of every request; no
 * answer is a 500 (503 with Retry-After only); a rate limit hit through both processes stops at its figure.
 */
const WRITERS = 6;
const SUBSCRIBERS = 3;
/** The sign-in limit of the application processes here: small, to be reached through both. */
const SIGN_IN_LIMIT = 10;
const HA_DIR = mkdtempSync("/tmp/mp-cluster-");
// Its own ports (HAProxy 5640, PostgreSQL 5641–5643, Patroni 8641–8643, etcd 2640–2641): never the shared 5432.
const cluster = haCluster(HA_DIR, "5640");

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Outcome = { at: number; status: number; key: string; round: number; retryAfter?: string | null; error?: string };
type Written = { kind: "request" | "message"; requestId: string; createdAt?: string; sha256: string; size: number };

/** One HTTP exchange with the API; status 0 when no answer came (the connection failed or was cut). */
async function send(base: string, jar: CookieJar, method: string, path: string, body: BodyInit | undefined, headers: Record<string, string> = {}) {
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { cookie: jar.header(), "x-csrf-token": jar.csrf ?? "", ...headers },
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // not JSON: kept as the error below
    }
    return { status: res.status, json, retryAfter: res.headers.get("retry-after"), text };
  } catch {
    return { status: 0, json: {}, retryAfter: null, text: "" };
  }
}

let t: TestApp;
let apps: AppProcess[] = [];
let balancer: Awaited<ReturnType<typeof startAppBalancer>> | undefined;
let databaseUrl: string;
let robert: Awaited<ReturnType<typeof activeAdministrator>>;
let ownObjectStore: string | undefined;
const bucket = `mp-cluster-${randomBytes(5).toString("hex")}`;
let s3: Record<string, string>;

beforeAll(async () => {
  // The object store: the run's (`.ci/run` starts one) or one of its own.
  let endpoint = process.env.TEST_S3_ENDPOINT;
  if (!endpoint) {
    ownObjectStore = mkdtempSync("/tmp/mp-cluster-s3-");
    const out = execFileSync(join(ROOT, "ops/object-store/start.sh"), {
      env: { ...process.env, OBJECT_STORE_DIR: ownObjectStore, OBJECT_STORE_PORT: "8480" },
      encoding: "utf8",
    });
    endpoint = /S3_ENDPOINT=(\S+)/.exec(out)![1]!;
  }
  s3 = {
    S3_ENDPOINT: endpoint,
    S3_BUCKET: bucket,
    AWS_ACCESS_KEY_ID: process.env.TEST_S3_ACCESS_KEY_ID ?? "test:tester",
    AWS_SECRET_ACCESS_KEY: process.env.TEST_S3_SECRET_ACCESS_KEY ?? "testing",
  };
  process.env.AWS_ACCESS_KEY_ID = s3.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = s3.AWS_SECRET_ACCESS_KEY;

  const out = await cluster("start");
  databaseUrl = /DATABASE_URL=(\S+)/.exec(out)![1]!;
  const database = await openDatabase({ url: databaseUrl, poolSize: 4 });
  await migrate(database.db);
  t = await startTestApp({ S3_ENDPOINT: endpoint, S3_BUCKET: bucket }, { database: { ...database, url: databaseUrl }, clock: manualClock(new Date()) });
  await seedReferenceData(t.ctx);
  // Robert signs in before the application processes start (their workers would share his device-code mail).
  robert = await activeAdministrator(t, SEED.martin.siren, { quality: "legal_representative", companyEmail: "robert.lambda@martindistribution.com" });
  // Both processes start at once, as a deployment does: each checks the bucket (and creates it, in development).
  // The balancer is on loopback: its X-Forwarded-For gives the client's address.
  const env = { ...s3, SIGNIN_RATE_PER_MINUTE: String(SIGN_IN_LIMIT), TRUST_PROXY: "127.0.0.1" };
  apps = await Promise.all([startAppProcess(databaseUrl, "a", env), startAppProcess(databaseUrl, "b", env)]);
  balancer = await startAppBalancer(apps.map((a) => a.base));
}, 300_000);

afterAll(async () => {
  balancer?.stop();
  for (const a of apps) a.child.kill("SIGKILL");
  await t?.close().catch(() => {});
  await cluster("destroy").catch((e: unknown) => console.error(e));
  rmSync(HA_DIR, { recursive: true, force: true });
  if (s3) await dropBucket(s3Client({ endpoint: s3.S3_ENDPOINT!, region: "us-east-1", forcePathStyle: true }), bucket).catch(() => {});
  if (ownObjectStore) execFileSync(join(ROOT, "ops/object-store/stop.sh"), { env: { ...process.env, OBJECT_STORE_DIR: ownObjectStore } });
}, 120_000);

describe("a cluster that loses an application process, then its database primary", () => {
  it("a rate limit reached through both processes stops at its figure", async () => {
    // Wrong passwords from one address (a new identifier each time: the per-identifier lock is another rule),
    // alternately through each process: the (SIGN_IN_LIMIT + 1)th is refused.
    const statuses: number[] = [];
    for (let i = 0; i < SIGN_IN_LIMIT + 4; i++) {
      const res = await fetch(`${apps[i % 2]!.base}/api/v1/session`, {
        method: "POST",
        // One client of its own (Robert's sign-in above came from the loopback address, and counted there).
        headers: { "content-type": "application/json", "x-forwarded-for": "198.51.100.77" },
        body: JSON.stringify({ email: `personne${i}@exemple.fr`, password: "pas-le-bon-mot-de-passe" }),
      });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
      } else await res.body?.cancel();
    }
    console.log("sign-in attempts through both processes:", statuses.join(" "));
    expect(statuses.slice(0, SIGN_IN_LIMIT).filter((s) => s === 429)).toEqual([]);
    expect(statuses.slice(SIGN_IN_LIMIT)).toEqual(Array(4).fill(429));
  });

  it("kill -9 of an application process, then of the database primary: nothing acknowledged is lost or doubled, every file byte-exact, every stream caught up, no 500", async () => {
    const base = balancer!.base;
    const threads: string[] = [];
    for (let i = 0; i < WRITERS; i++) {
      const filed = await call(t.app, "POST", "/api/v1/requests", {
        jar: robert.jar,
        body: { siren: SEED.martin.siren, tax: "TVA", nature: "question", subject: `Fil ${i} de la grappe`, body: "Bonjour", uploadIds: [] },
      });
      expect(filed.status).toBe(201);
      threads.push(filed.body.id as string);
    }

    // Subscribers: event streams through the balancer, reopened as a browser's EventSource does, with Last-Event-ID.
    const state = { stop: false, round: 0, streamsStop: false };
    const subscribers = Array.from({ length: SUBSCRIBERS }, () => ({ events: [] as SseEvent[], connections: 0, lastId: undefined as string | undefined }));
    // The first streams open on the process that will be killed (all but one), so that they must come back on the
    // other one; every reconnection goes through the balancer.
    const listening = subscribers.map(async (s, i) => {
      while (!state.streamsStop) {
        try {
          const to = s.connections === 0 && i < SUBSCRIBERS - 1 ? apps[0]!.base : base;
          const stream = await openStream(to, robert.jar.header(), "/api/v1/events", s.lastId ? { "last-event-id": s.lastId } : {});
          s.connections++;
          let seen = 0;
          const follow = setInterval(() => {
            for (; seen < stream.events.length; seen++) {
              s.events.push(stream.events[seen]!);
              if (stream.events[seen]!.id) s.lastId = stream.events[seen]!.id;
            }
            if (state.streamsStop) stream.close();
          }, 20);
          await stream.finished;
          clearInterval(follow);
          for (; seen < stream.events.length; seen++) {
            s.events.push(stream.events[seen]!);
            if (stream.events[seen]!.id) s.lastId = stream.events[seen]!.id;
          }
        } catch {
          // no answer: the balancer or the process is away for a moment
        }
        if (!state.streamsStop) await sleep(300);
      }
    });
    await until(() => subscribers.every((s) => s.connections > 0), 10_000);

    // Writers: an upload, then a message in the writer's thread with it (one time in four, a new request with it).
    const log: Outcome[] = [];
    const written = new Map<string, Written>();
    const writer = async (index: number) => {
      let n = 0;
      while (!state.stop) {
        const key = `grappe-w${index}-${++n}`;
        // A text file (the accepted types are checked on their content): random lines, unique to this write.
        const content = Buffer.from(
          `${key}\n${randomBytes(10_000 + Math.floor(Math.random() * 90_000))
            .toString("hex")
            .replace(/(.{64})/g, "$1\n")}`,
        );
        let uploadId: string | undefined;
        for (;;) {
          const round = state.round;
          let res: Awaited<ReturnType<typeof send>>;
          if (!uploadId) {
            const form = fileForm(`${key}.txt`, content, "text/plain");
            res = await send(base, robert.jar, "POST", "/api/v1/uploads", form.body, { "content-type": form.type });
            log.push({ at: Date.now(), status: res.status, key: `${key}/upload`, round, retryAfter: res.retryAfter });
            if (res.status === 201) {
              uploadId = res.json.uploadId as string;
              continue;
            }
          } else {
            const newRequest = n % 4 === 0;
            const payload = newRequest
              ? {
                  siren: SEED.martin.siren,
                  tax: "TVA",
                  nature: "question",
                  subject: `Demande ${key}`,
                  body: `Demande ${key} pendant la panne`,
                  uploadIds: [uploadId],
                }
              : { body: `Message ${key} pendant la panne`, uploadIds: [uploadId] };
            res = await send(
              base,
              robert.jar,
              "POST",
              newRequest ? "/api/v1/requests" : `/api/v1/requests/${threads[index]}/messages`,
              JSON.stringify(payload),
              { "content-type": "application/json", "idempotency-key": key },
            );
            log.push({ at: Date.now(), status: res.status, key, round, retryAfter: res.retryAfter });
            if (res.status === 201) {
              written.set(key, {
                kind: newRequest ? "request" : "message",
                requestId: newRequest ? (res.json.id as string) : threads[index]!,
                sha256: sha256(content),
                size: content.length,
              });
              break;
            }
          }
          const last = log.at(-1)!;
          if (res.status !== 503 && res.status !== 0) {
            last.error = res.text.slice(0, 300);
            break;
          }
          if (state.stop) break;
          await sleep(200);
        }
      }
    };
    const running = Array.from({ length: WRITERS }, (_, i) => writer(i));

    const rounds: { round: number; how: string; failedAt: number; backAt: number }[] = [];
    const ofWriter = (i: number) => (o: Outcome) => o.key.startsWith(`grappe-w${i}-`) && !o.key.endsWith("/upload");
    /** Waits for every writer to have a write acknowledged after `since`: when the service wrote again for everyone. */
    const recovery = async (round: number, how: string, failedAt: number, since: number) => {
      const everyone = () => Array.from({ length: WRITERS }, (_, i) => i).every((i) => log.some((o) => ofWriter(i)(o) && o.status === 201 && o.at > since));
      const ok = await until(everyone, Math.max(0, failedAt + 30_000 - Date.now()));
      const backAt = ok
        ? Math.max(
            ...Array.from({ length: WRITERS }, (_, i) => Math.min(...log.filter((o) => ofWriter(i)(o) && o.status === 201 && o.at > since).map((o) => o.at))),
          )
        : Infinity;
      rounds.push({ round, how, failedAt, backAt });
    };
    let survivor: AppProcess;
    try {
      await sleep(4_000);
      // Round 1: an application process dies (SIGKILL: no shutdown, its streams and requests cut).
      state.round = 1;
      const [victim, other] = apps as [AppProcess, AppProcess];
      survivor = other;
      let failedAt = Date.now();
      victim.child.kill("SIGKILL");
      await victim.exited;
      await recovery(1, "kill -9 of an application process", failedAt, failedAt);
      await sleep(3_000);

      // Round 2: the database primary's PostgreSQL is killed with SIGKILL.
      state.round = 2;
      failedAt = Date.now();
      const killed = await cluster("kill-primary");
      let promotedAt = Infinity;
      for (const end = failedAt + 30_000; Date.now() < end; await sleep(200)) {
        const now = await cluster("primary").catch(() => "");
        if (now && now !== killed) {
          promotedAt = Date.now();
          break;
        }
      }
      await recovery(2, `kill -9 of the database primary (${killed})`, failedAt, promotedAt);
      await sleep(2_000);
    } finally {
      state.stop = true;
      await Promise.all(running);
    }

    // What the database holds, through HAProxy's route to the current primary.
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    let messageCount: Map<string, number>;
    let requestCount: Map<string, number>;
    let files: { key: string; id: string; sha256: string; size: number }[];
    let lastActivity: Map<string, string>;
    try {
      const messages = await client.query<{ key: string; n: string }>(
        "SELECT substring(body FROM 'grappe-w[0-9]+-[0-9]+') AS key, count(*) AS n FROM messages WHERE body LIKE '% grappe-w% pendant la panne' GROUP BY 1",
      );
      messageCount = new Map(messages.rows.map((r) => [r.key, Number(r.n)]));
      const requests = await client.query<{ key: string; n: string }>(
        "SELECT substring(subject FROM 'grappe-w[0-9]+-[0-9]+') AS key, count(*) AS n FROM requests WHERE subject LIKE 'Demande grappe-w%' GROUP BY 1",
      );
      requestCount = new Map(requests.rows.map((r) => [r.key, Number(r.n)]));
      const attached = await client.query<{ key: string; id: string; sha256: string; size: number }>(
        `SELECT substring(m.body FROM 'grappe-w[0-9]+-[0-9]+') AS key, a.id, u.sha256, u.size
           FROM attachments a JOIN messages m ON m.id = a.message_id JOIN uploads u ON u.id = a.upload_id
          WHERE m.body LIKE '% grappe-w% pendant la panne'`,
      );
      files = attached.rows;
      const activity = await client.query<{ id: string; at: Date }>("SELECT id, last_activity_at AS at FROM requests WHERE id = ANY($1)", [
        [...new Set([...threads, ...[...written.values()].map((w) => w.requestId)])],
      ]);
      lastActivity = new Map(activity.rows.map((r) => [r.id, r.at.toISOString()]));
    } finally {
      await client.end();
    }

    // Every attachment, downloaded through the surviving process, byte-exact.
    const started = Date.now();
    let downloaded = 0;
    const mismatched: string[] = [];
    for (const f of files) {
      const res = await fetch(`${survivor!.base}/api/v1/attachments/${f.id}`, { headers: { cookie: robert.jar.header() } });
      const bytes = Buffer.from(await res.arrayBuffer());
      downloaded += bytes.length;
      if (res.status !== 200 || sha256(bytes) !== f.sha256 || bytes.length !== f.size) mismatched.push(`${f.key}: ${res.status}`);
    }
    const downloadSeconds = (Date.now() - started) / 1000;

    // Every subscriber ends with the last state of every request (what it missed, replayed after reconnecting).
    const caughtUp = (s: (typeof subscribers)[number]) =>
      [...lastActivity].every(([id, at]) => s.events.some((e) => e.data.id === id && e.data.lastActivityAt === at));
    await until(() => subscribers.every(caughtUp), 30_000);
    state.streamsStop = true;
    await Promise.all(listening);

    const acked = [...written.keys()];
    const lost = acked.filter((k) => (written.get(k)!.kind === "message" ? !messageCount.has(k) : !requestCount.has(k)));
    const doubled = [...messageCount, ...requestCount].filter(([, n]) => n > 1).map(([k]) => k);
    const unacknowledgedButWritten = [...messageCount.keys(), ...requestCount.keys()].filter((k) => !written.has(k));
    const filesByKey = new Map(files.map((f) => [f.key, f]));
    const wrongFiles = acked.filter((k) => filesByKey.get(k)?.sha256 !== written.get(k)!.sha256);
    const errors = log.filter((o) => o.status >= 500 && o.status !== 503);
    const unexpected = log.filter((o) => o.status !== 201 && o.status !== 503 && o.status !== 0 && o.status < 500);
    const without = log.filter((o) => o.status === 503 && !(Number(o.retryAfter) > 0));
    const figures = rounds.map(({ round, how, failedAt, backAt }) => {
      const mine = log.filter((o) => o.round === round);
      return {
        round: `${round}: ${how}`,
        "writes acknowledged": mine.filter((o) => o.status === 201 && !o.key.endsWith("/upload")).length,
        "uploads acknowledged": mine.filter((o) => o.status === 201 && o.key.endsWith("/upload")).length,
        "503": mine.filter((o) => o.status === 503).length,
        "no answer": mine.filter((o) => o.status === 0).length,
        "every writer back after (s)": Number(((backAt - failedAt) / 1000).toFixed(1)),
      };
    });
    console.log("\ncluster figures\n");
    console.table(figures);
    console.table([
      {
        "writes acknowledged": acked.length,
        "of which requests": [...written.values()].filter((w) => w.kind === "request").length,
        "MB of attachments": Number((files.reduce((n, f) => n + f.size, 0) / 1e6).toFixed(1)),
        lost: lost.length,
        doubled: doubled.length,
        "written, answer lost": unacknowledgedButWritten.length,
        "500s": errors.length,
        "503 without Retry-After": without.length,
        "download MB/s (survivor)": Number((downloaded / 1e6 / downloadSeconds).toFixed(1)),
      },
    ]);
    console.table(subscribers.map((s, i) => ({ subscriber: i + 1, connections: s.connections, events: s.events.length, "caught up": caughtUp(s) })));
    for (const o of [...errors, ...unexpected].slice(0, 5)) console.log(o);
    if (errors.length || mismatched.length) for (const a of apps) console.log(a.output.join("").slice(-6_000));

    expect(acked.length).toBeGreaterThan(WRITERS);
    expect(lost).toEqual([]);
    expect(doubled).toEqual([]);
    expect(wrongFiles).toEqual([]);
    expect(mismatched).toEqual([]);
    expect(errors).toEqual([]);
    expect(unexpected).toEqual([]);
    expect(without).toEqual([]);
    expect(figures).toHaveLength(2);
    for (const f of figures) expect(f["every writer back after (s)"]).toBeLessThanOrEqual(30);
    // The streams held by the killed process were cut and reopened on the survivor.
    for (const s of subscribers.slice(0, SUBSCRIBERS - 1)) expect(s.connections).toBeGreaterThan(1);
    expect(subscribers.filter((s) => !caughtUp(s))).toEqual([]);
    // The survivor is ready, without a restart.
    expect((await fetch(`${survivor!.base}/api/v1/health/ready`)).status).toBe(200);
  }, 300_000);
});
