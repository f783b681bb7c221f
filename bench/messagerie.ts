import { sql } from "kysely";
import autocannon from "autocannon";
import type { FastifyInstance } from "fastify";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { openFreshDatabase } from "../test/helpers/db.js";
import { loadConfig } from "../src/platform/config.js";
import { createLogger } from "../src/platform/logger.js";
import { createContext } from "../src/app/context.js";
import { buildHttpApp } from "../src/app/http.js";
import { systemClock } from "../src/platform/clock.js";
import { listRequests } from "../src/modules/requests/index.js";
import { generateDataSet } from "./data.js";
import { postgresCpuMs, timeEach } from "./measure.js";

/**
 * The inbox of a person acting for `portfolio` companies, at a given number of requests: first page and page 50
 * (by cursor), p50/p95/p99, and the plan of the first page.
 */
export async function benchInbox(adminUrl: string, requests: number, portfolio = 5_000) {
  const database = await openFreshDatabase(adminUrl, { prefix: "mp_bench_inbox" });
  try {
    const url = database.url!;
    const { spaceId, sirens } = await generateDataSet(url, { companies: 100_000, portfolio, requests, quiet: true });
    const deps = { db: database.db, clock: systemClock, receiptKeys: undefined as never };
    const first = await timeEach(100, () => listRequests(deps, spaceId, {}, 50));
    // The inbox filtered by one company of the portfolio (« mes entreprises » → its requests).
    const oneCompany = await timeEach(200, (i) => listRequests(deps, spaceId, { siren: sirens[(i * 7919) % sirens.length]! }, 50));
    let cursor: string | null = null;
    for (let i = 0; i < 49; i++) {
      const page: Awaited<ReturnType<typeof listRequests>> = await listRequests(deps, spaceId, {}, 50, cursor ?? undefined);
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    const page50 = cursor ? await timeEach(100, () => listRequests(deps, spaceId, {}, 50, cursor)) : null;
    const plan = await sql<{ "QUERY PLAN": string }>`
      EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
      SELECT requests.id FROM requests
      WHERE EXISTS (SELECT 1 FROM rights g WHERE g.space_id = ${spaceId} AND g.siren = requests.siren AND g.service = 'messagerie' AND g.state = 'active'
                      AND g.valid_from <= now() AND (g.valid_until IS NULL OR g.valid_until > now()) AND (g.tax_scope IS NULL OR g.tax_scope ? requests.tax))
        AND requests.archived_at IS NULL
      ORDER BY requests.last_activity_at DESC, requests.id DESC LIMIT 51`.execute(database.db);
    return { requests, portfolio, first, page50, oneCompany, plan: plan.rows.map((r) => r["QUERY PLAN"]) };
  } finally {
    await database.close();
  }
}

/**
 * Posting a message (authenticated, CSRF, visibility, state move, journal, live event) against a bare route doing one INSERT and
 * COMMIT through the same server and pool, with autocannon.
 */
export async function benchPostMessage(adminUrl: string | undefined, seconds: number, connections: number) {
  const database = await openFreshDatabase(adminUrl, { prefix: "mp_bench_post" });
  const config = loadConfig({ NODE_ENV: "test", LOG_LEVEL: "silent", API_RATE_PER_MINUTE: "100000000", SIGNIN_RATE_PER_MINUTE: "100000000" });
  const ctx = await createContext(config, { database, logger: createLogger("silent") });
  let app: FastifyInstance | undefined;
  try {
    const { DEMO_SERVICES, SEED } = await import("../src/app/demo.js");
    const { makeCompany, makeTaxService, makeSimplifiedAdministrator } = await import("../src/app/factories.js");
    const { signIn, verifyDevice } = await import("../src/modules/spaces/index.js");
    const { readQueuedCode } = await import("../src/app/factories.js");
    const { fileRequest } = await import("../src/modules/requests/index.js");
    for (const s of DEMO_SERVICES) await makeTaxService(ctx, s);
    await makeCompany(ctx, { ...SEED.martin, streetName: "DE LA ROQUETTE", postalCode: "75011", communeName: "PARIS 11", communeCode: "75111" });
    const email = "robert.lambda@martindistribution.com";
    const { spaceId } = await makeSimplifiedAdministrator(
      { ...ctx, publicUrl: "http://localhost" },
      { email, password: "Vingt-Trois-Lapins-Bleus", firstName: "Robert", lastName: "Lambda", siren: SEED.martin.siren },
    );
    await signIn(ctx, { email, password: "Vingt-Trois-Lapins-Bleus", ip: "127.0.0.1" });
    const session = await verifyDevice(ctx, { email, code: await readQueuedCode(ctx.db, email, /Code de connexion : (\d{6})/), ip: "127.0.0.1" });
    const ids: string[] = [];
    for (let i = 0; i < connections; i++) {
      const r = await fileRequest({ db: ctx.db, clock: ctx.clock, receiptKeys: ctx.receiptKeys }, spaceId, {
        siren: SEED.martin.siren,
        tax: "TVA",
        nature: "question",
        subject: `Mesure ${i}`,
        body: "Bonjour",
        uploadIds: [],
      });
      ids.push(r.id);
    }
    await sql`CREATE TABLE IF NOT EXISTS bench_inserts (id uuid PRIMARY KEY, body text NOT NULL, created_at timestamptz NOT NULL)`.execute(ctx.db);
    app = await buildHttpApp(ctx, { webDir: "/nonexistent" });
    app.post("/bench/insert", async () => {
      await ctx.db.transaction().execute((tx) =>
        tx
          .insertInto("bench_inserts" as never)
          .values({ id: randomUUID(), body: "Bonjour, voici ma réponse.", created_at: new Date() } as never)
          .execute(),
      );
      return { ok: true };
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const headers = { cookie: `mp_session=${session.token}`, "x-csrf-token": session.csrfToken, "content-type": "application/json" };
    const body = JSON.stringify({ body: "Bonjour, voici ma réponse.", uploadIds: [] });
    // The load comes from a worker thread (not the server's event loop). Each connection posts to its own request
    // (bench/post-request.cjs), as the bare route inserts its own rows: the measure is the posting path, not ten
    // connections queuing on the same row locks.
    process.env.BENCH_POST_IDS = ids.join(",");
    const setupRequest = fileURLToPath(new URL("./post-request.cjs", import.meta.url));
    // Each run with the CPU it cost per request: PostgreSQL's processes (when on this machine) and this process (the
    // server and autocannon's worker thread, the same load generator for both routes).
    const run = async (paths: string[]) => {
      const pg0 = postgresCpuMs();
      const node0 = process.cpuUsage();
      const result = await new Promise<autocannon.Result>((resolve, reject) => {
        const requests =
          paths[0] === "/bench/insert"
            ? [{ method: "POST" as const, path: paths[0], headers, body }]
            : [{ method: "POST" as const, path: paths[0]!, headers, body, setupRequest }];
        autocannon({ url: base, connections, duration: seconds, workers: 1, requests }, (e: Error | null, r) => (e ? reject(e) : resolve(r)));
      });
      const node = process.cpuUsage(node0);
      const pg1 = postgresCpuMs();
      const n = Math.max(1, result.requests.total);
      return Object.assign(result, {
        cpu: { postgres: pg0 === null || pg1 === null ? null : (pg1 - pg0) / n, node: (node.user + node.system) / 1000 / n },
      });
    };
    const probe = await fetch(`${base}/api/v1/requests/${ids[0]}/messages`, { method: "POST", headers, body });
    if (probe.status !== 201) throw new Error(`the measured route answers ${probe.status}: ${await probe.text()}`);
    // Three rounds, the order alternating, so that a checkpoint or a neighbour's burst does not fall on one side
    // only; the ratio is the median of the rounds' ratios.
    const rounds: { bare: Awaited<ReturnType<typeof run>>; post: Awaited<ReturnType<typeof run>> }[] = [];
    for (let i = 0; i < 3; i++) {
      const first = i % 2 === 0 ? await run(["/bench/insert"]) : await run(ids.map((id) => `/api/v1/requests/${id}/messages`));
      const second = i % 2 === 0 ? await run(ids.map((id) => `/api/v1/requests/${id}/messages`)) : await run(["/bench/insert"]);
      rounds.push(i % 2 === 0 ? { bare: first, post: second } : { bare: second, post: first });
    }
    const mean = (f: (r: (typeof rounds)[number]) => number) => rounds.reduce((s, r) => s + f(r), 0) / rounds.length;
    const meanCpu = (xs: (number | null)[]) => (xs.some((x) => x === null) ? null : xs.reduce<number>((a, x) => a + x!, 0) / xs.length);
    const ratios = rounds.map((r) => r.post.requests.average / r.bare.requests.average).sort((a, b) => a - b);
    return {
      bare: {
        rps: mean((r) => r.bare.requests.average),
        p99: Math.max(...rounds.map((r) => r.bare.latency.p99)),
        non2xx: rounds.reduce((s, r) => s + r.bare.non2xx, 0),
      },
      post: {
        rps: mean((r) => r.post.requests.average),
        p99: Math.max(...rounds.map((r) => r.post.latency.p99)),
        non2xx: rounds.reduce((s, r) => s + r.post.non2xx, 0),
      },
      ratios,
      ratio: ratios[1]!,
      // CPU per request, mean of the rounds (null: PostgreSQL's processes are not visible from here).
      cpu: {
        bare: { postgres: meanCpu(rounds.map((r) => r.bare.cpu.postgres)), node: mean((r) => r.bare.cpu.node) },
        post: { postgres: meanCpu(rounds.map((r) => r.post.cpu.postgres)), node: mean((r) => r.post.cpu.node) },
      },
    };
  } finally {
    await app?.close();
    await ctx.close();
  }
}
