/**
 * National scale (`npm run bench -- national`, PostgreSQL server): 1,000,000 companies, 3,000,000 requests and
 * 12,000,000 messages written with COPY into a database of their own (`mp_bench_national`, kept between runs and
 * rebuilt when the scale changes or with BENCH_NATIONAL_FRESH=1), then p50/p95/p99 of the lists, the search and
 * posting, against a primary-key read measured in the same run.
 *
 * The set: 30 services; the measured one (SIE-75111) holds a tenth of the requests, 100,000 of them open. One person
 * holds messagerie on 5,000 companies (a large accounting firm), another on 3. Each request has four messages
 * (company, administration, company, administration) drawn from a Zipf-like vocabulary of 5,000 words.
 */
import pg from "pg";
import { Kysely, PostgresDialect, sql, type LogEvent } from "kysely";
import type { DB } from "../src/platform/db/schema.js";
import { prepareMarkedStatements, openDatabase } from "../src/platform/db/database.js";
import { migrate } from "../src/platform/db/migrate.js";
import { systemClock } from "../src/platform/clock.js";
import { loadConfig } from "../src/platform/config.js";
import { createLogger } from "../src/platform/logger.js";
import { openSession } from "../src/platform/sessions.js";
import { createContext } from "../src/app/context.js";
import { buildHttpApp } from "../src/app/http.js";
import { withLuhnKey } from "../src/modules/companies/index.js";
import { foldOpenCounts, forgetInboxPlans, listRequests, queue, searchForAgent, serviceStats, type AgentScope } from "../src/modules/requests/index.js";
import { activityTriggers, copy, dayDeadlines, prng, requestLine, REQUEST_COLUMNS, uuidOf, esc } from "./data.js";
import { servicesAndAgents, vocabulary } from "./backoffice.js";
import { percentiles, timeEach } from "./measure.js";

/**
 * `holders`: each company's own administrator (one person per company, rights on the messagerie and one other
 * service), so that the rights the measured people's plans read sit among the millions of a real service.
 */
export type NationalScale = { companies: number; requests: number; messagesPerRequest: number; portfolio: number; openInService: number; holders: boolean };
export const NATIONAL: NationalScale = {
  companies: 1_000_000,
  requests: 3_000_000,
  messagesPerRequest: 4,
  portfolio: 5_000,
  openInService: 100_000,
  holders: true,
};

const SERVICE = "SIE-75111";
const SERVICES = [SERVICE, ...Array.from({ length: 29 }, (_, i) => `SIE-9${String(i).padStart(4, "0")}`)];
const DB_NAME = "mp_bench_national";

const say = (text: string) => process.stderr.write(`[national] ${text}\n`);
const fmt = (n: number) => n.toLocaleString("en");

/** COPY with a progress line every tenth (the national set takes minutes). */
const copyWithProgress = (client: pg.PoolClient, table: string, columns: string[], total: number, rows: Iterable<string>, label = table) =>
  copy(client, table, columns, rows, undefined, {
    total,
    report: (n, seconds) => say(`${label}: ${fmt(n)} / ${fmt(total)} (${Math.round((100 * n) / total)} %), ${seconds.toFixed(0)} s`),
  });

/** Writes the national set into `url` (an empty, migrated database); answers the people and agent to measure. */
export async function generateNational(url: string, s: NationalScale) {
  const pool = new pg.Pool({ connectionString: url, max: 3 });
  const client = await pool.connect();
  const random = prng(20261203);
  const vocab = vocabulary(random, 5_000);
  const sentence = (n: number) => Array.from({ length: n }, () => vocab.pick()).join(" ");
  const now = Date.parse("2026-12-01T09:00:00Z");
  const iso = (t: number) => new Date(t).toISOString();
  try {
    await client.query("SET maintenance_work_mem = '1GB'");
    const agents = await servicesAndAgents(client, SERVICES);
    const sirens = Array.from({ length: s.companies }, (_, i) => withLuhnKey(String(10_000_000 + i * 7).slice(-8)));
    await copyWithProgress(
      client,
      "companies",
      ["siren", "name", "is_active", "diffusion", "updated_at"],
      s.companies,
      (function* () {
        for (let i = 0; i < sirens.length; i++) yield `${sirens[i]}\tSOCIETE ${i}\tt\tO\t2026-11-28T09:00:00Z\n`;
      })(),
    );

    // The firm's holder (5,000 companies, one in every companies/portfolio) and a person of 3 companies outside it.
    const firm = uuidOf(1, 1);
    const trio = uuidOf(1, 2);
    const every = Math.floor(s.companies / s.portfolio);
    const portfolio = Array.from({ length: s.portfolio }, (_, i) => sirens[i * every]!);
    const three = [sirens[1]!, sirens[2]!, sirens[3]!];
    for (const [id, email, n, siren] of [
      [firm, "portefeuille@gestion.com", "10000000000009", sirens[0]!],
      [trio, "trois@entreprises.fr", "10000000000017", sirens[1]!],
    ] as const) {
      await client.query(
        `INSERT INTO spaces (id, subscriber_number, mode, connection_email, password_hash, first_name, last_name, phone, entity_siren, status, created_at, verified_at)
         VALUES ($1, $2, 'expert', $3, 'x', 'Mesure', 'National', '0100000000', $4, 'active', now(), now())`,
        [id, n, email, siren],
      );
    }
    await activityTriggers(client, "DISABLE");
    const rights = [...portfolio.map((siren) => [firm, siren] as const), ...three.map((siren) => [trio, siren] as const)];
    await copyWithProgress(
      client,
      "rights",
      ["id", "space_id", "siren", "service", "role", "state", "valid_from", "created_at"],
      rights.length,
      (function* () {
        for (let i = 0; i < rights.length; i++)
          yield `${uuidOf(2, i)}\t${rights[i]![0]}\t${rights[i]![1]}\tmessagerie\tdelegate\tactive\t2026-01-01T00:00:00Z\t2026-01-01T00:00:00Z\n`;
      })(),
    );

    // Messages' indexes are built after the load, at once (much faster than 12 M insertions into a text index).
    const indexes = (
      await client.query<{ indexname: string; indexdef: string }>(
        `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'messages' AND indexname <> 'messages_pkey'`,
      )
    ).rows;
    for (const i of indexes) await client.query(`DROP INDEX ${i.indexname}`);

    const taxes = ["TVA", "IS", "CFE-CVAE", "TS", "PAS", "TF", "AUTRE"];
    const natures = ["question", "reclamation", "delai_paiement", "attestation", "changement_situation", "autre"];
    const open = ["received", "in_progress", "awaiting_user", "answered"];
    const receivedAt = new Float64Array(s.requests);
    const serviceOf = new Uint8Array(s.requests);
    const measuredOpenEvery = Math.max(1, Math.round(s.requests / 10 / s.openInService));
    const deadlines = dayDeadlines();
    await copyWithProgress(
      client,
      "requests",
      REQUEST_COLUMNS,
      s.requests,
      (function* () {
        for (let i = 0; i < s.requests; i++) {
          const measured = i % 10 === 0;
          const service = measured ? 0 : 1 + Math.floor(random() * (SERVICES.length - 1));
          serviceOf[i] = service;
          // The measured service: one request in `measuredOpenEvery` is open; elsewhere one in ten.
          const isOpen = measured ? (i / 10) % measuredOpenEvery === 0 : random() < 0.1;
          const status = isOpen ? open[Math.floor(random() * open.length)]! : "closed";
          const received = now - Math.floor(random() * 3 * 365 * 86_400_000);
          receivedAt[i] = received;
          const nature = natures[Math.floor(random() * natures.length)]!;
          const d = deadlines(nature, received);
          const answeredAt = status === "received" ? null : received + Math.floor(random() * 10 * 86_400_000);
          const assignee = status === "received" || random() < 0.3 ? null : agents[Math.floor(random() * agents.length)]!;
          // Requests land on every company; the two measured people's companies get theirs like any other.
          const siren = sirens[Math.floor(random() * sirens.length)]!;
          yield requestLine({
            id: uuidOf(3, i),
            reference: `2026-${SERVICES[service]}-${String(i + 1).padStart(7, "0")}`,
            siren: siren,
            tax: taxes[Math.floor(random() * taxes.length)]!,
            nature,
            subject: sentence(6),
            status,
            service: SERVICES[service]!,
            author: firm,
            received,
            answeredAt,
            deadlines: d,
            assignee,
          });
        }
      })(),
    );
    // The three companies of the small holder get a few requests each (like any company: about three), open ones
    // among them (posting is measured there), taken from companies outside the two portfolios: before the companies'
    // own administrators are written (they hold a right on every company).
    for (let k = 0; k < three.length; k++) {
      await client.query(
        `UPDATE requests SET siren = $1 WHERE id IN (
           SELECT id FROM requests r WHERE status <> 'closed' AND NOT EXISTS (SELECT 1 FROM rights g WHERE g.siren = r.siren) ORDER BY id LIMIT 3 OFFSET $2)`,
        [three[k], 1000 + k * 3],
      );
    }
    if (s.holders) await companyHolders(client);

    // Messages: two COPY streams at once (two server processes compute the text vectors), split by request.
    const total = s.requests * s.messagesPerRequest;
    const messagesOf = (part: number, parts: number) =>
      (function* () {
        const r = prng(7_000 + part);
        const words = (n: number) => Array.from({ length: n }, () => vocab.pick(r)).join(" ");
        for (let i = part; i < s.requests; i += parts) {
          const service = SERVICES[serviceOf[i]!]!;
          let at = receivedAt[i]!;
          for (let m = 0; m < s.messagesPerRequest; m++) {
            const agent = m % 2 === 1;
            const body = agent ? `Réponse : ${words(15)}.` : `Bonjour, ${words(25)}.`;
            yield `${uuidOf(4 + m, i)}\t${uuidOf(3, i)}\t${agent ? "agent" : "person"}\t${agent ? "\\N" : firm}\t${esc(body)}\t${"0".repeat(64)}\t${iso(at)}\t${agent ? "\\N" : iso(at)}\t${service}\n`;
            at += 3_600_000 + Math.floor(r() * 86_400_000);
          }
        }
      })();
    const second = await pool.connect();
    try {
      const columns = ["id", "request_id", "author_kind", "author_space_id", "body", "body_sha256", "created_at", "read_by_company_at", "service_code"];
      await Promise.all([
        copyWithProgress(client, "messages", columns, total / 2, messagesOf(0, 2), "messages (first half)"),
        copyWithProgress(second, "messages", columns, total / 2, messagesOf(1, 2), "messages (second half)"),
      ]);
      say(`building the ${indexes.length} indexes of messages`);
      await second.query("SET maintenance_work_mem = '1GB'");
      // Two at a time, one per connection.
      const queue = [...indexes];
      await Promise.all(
        [client, second].map(async (c) => {
          for (let i = queue.shift(); i; i = queue.shift()) {
            const t0 = performance.now();
            await c.query(i.indexdef);
            say(`index ${i.indexname}: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
          }
        }),
      );
    } finally {
      second.release();
    }
    await activityTriggers(client, "ENABLE");
    say("portfolio_rebuild()");
    await client.query("SELECT portfolio_rebuild()");
    say("VACUUM ANALYZE");
    await client.query("VACUUM ANALYZE");
    return { firm, trio, portfolio, three, agent: agents[0]! };
  } finally {
    client.release();
    await pool.end();
  }
}

/**
 * Each company's administrator: a person per company (ids of prefix 11), holding the messagerie and « déclarer la
 * TVA » on it (rights of prefix 12), written in one statement each from the companies loaded.
 */
async function companyHolders(client: pg.PoolClient) {
  say("company holders: spaces");
  await client.query(`
    INSERT INTO spaces (id, subscriber_number, mode, connection_email, password_hash, first_name, last_name, phone, entity_siren, status, created_at, verified_at)
    SELECT ('0000000b-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid, lpad((20000000000000 + n)::text, 14, '0'), 'simplified',
           'dirigeant.' || c.siren || '@entreprise.test', 'x', 'Dirigeant', 'Mesure', '0100000000', c.siren, 'active', now(), now()
      FROM (SELECT siren, row_number() OVER (ORDER BY siren)::int AS n FROM companies) c`);
  say("company holders: rights");
  await client.query(`
    INSERT INTO rights (id, space_id, siren, service, role, state, valid_from, created_at)
    SELECT ('0000000c-0000-4000-8000-' || lpad(to_hex(2 * n + k), 12, '0'))::uuid, ('0000000b-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid,
           c.siren, (ARRAY['messagerie', 'tva_declarer'])[k + 1], 'administrator', 'active', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'
      FROM (SELECT siren, row_number() OVER (ORDER BY siren)::int AS n FROM companies) c CROSS JOIN generate_series(0, 1) AS k`);
}

/** The national database: reused when it holds this scale, else rebuilt. */
async function nationalDatabase(adminUrl: string, s: NationalScale) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const url = new URL(adminUrl);
  url.pathname = `/${DB_NAME}`;
  let reuse = false;
  try {
    const exists = (await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [DB_NAME])).rowCount === 1;
    if (exists && process.env.BENCH_NATIONAL_FRESH !== "1") {
      const c = new pg.Client({ connectionString: url.toString() });
      await c.connect();
      try {
        const meta = await c.query<{ scale: NationalScale }>(`SELECT scale FROM bench_national_meta`).catch(() => ({ rows: [] as { scale: NationalScale }[] }));
        // jsonb keeps its keys in an order of its own: compare field by field.
        const was = meta.rows[0]?.scale;
        reuse = !!was && (Object.keys(s) as (keyof NationalScale)[]).every((k) => was[k] === s[k]);
      } finally {
        await c.end();
      }
    }
    if (!reuse) {
      await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${DB_NAME}`);
    }
  } finally {
    await admin.end();
  }
  return { url: url.toString(), reuse };
}

export async function benchNational(adminUrl: string, s: NationalScale = NATIONAL) {
  const { url, reuse } = await nationalDatabase(adminUrl, s);
  const database = await openDatabase({ url, poolSize: 4 });
  let generated: { seconds: number; bytes: number } | undefined;
  try {
    await migrate(database.db);
    if (!reuse) {
      const t0 = performance.now();
      await generateNational(url, s);
      await sql`CREATE TABLE bench_national_meta (scale jsonb NOT NULL, seconds real NOT NULL)`.execute(database.db);
      await sql`INSERT INTO bench_national_meta VALUES (${JSON.stringify(s)}, ${(performance.now() - t0) / 1000})`.execute(database.db);
    }
    const meta = (await sql<{ seconds: number }>`SELECT seconds FROM bench_national_meta`.execute(database.db)).rows[0]!;
    const size = (await sql<{ bytes: string }>`SELECT pg_database_size(current_database()) AS bytes`.execute(database.db)).rows[0]!;
    generated = { seconds: meta.seconds, bytes: Number(size.bytes) };
    const people = await sql<{
      space_id: string;
      siren: string;
    }>`SELECT space_id, siren FROM rights WHERE service = 'messagerie' ORDER BY space_id, siren`.execute(database.db);
    const firm = uuidOf(1, 1);
    const trio = uuidOf(1, 2);
    const portfolio = people.rows.filter((r) => r.space_id === firm).map((r) => r.siren);
    const agent: AgentScope = { id: uuidOf(7, 0), services: [SERVICE] };

    // The measured statements run through a pool that logs each one: the slowest statement of each measure is the
    // one whose plan is shown.
    const slowest = new Map<string, { ms: number; sql: string; parameters: readonly unknown[] }>();
    let current = "";
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    prepareMarkedStatements(pool);
    const db = new Kysely<DB>({
      dialect: new PostgresDialect({ pool }),
      log: (e: LogEvent) => {
        if (e.level !== "query" || !current) return;
        const was = slowest.get(current);
        if (!was || e.queryDurationMillis > was.ms) slowest.set(current, { ms: e.queryDurationMillis, sql: e.query.sql, parameters: e.query.parameters });
      },
    });
    const deps = { db, clock: systemClock, receiptKeys: undefined as never };
    const measure = async (name: string, n: number, run: (i: number) => Promise<unknown>) => {
      current = name;
      const p = await timeEach(n, run);
      current = "";
      return p;
    };
    const openCount = Number(
      (await sql<{ n: string }>`SELECT count(*) AS n FROM requests WHERE service_code = ${SERVICE} AND status <> 'closed'`.execute(db)).rows[0]!.n,
    );
    const ids = (await sql<{ id: string }>`SELECT id FROM requests TABLESAMPLE SYSTEM (1) LIMIT 500`.execute(db)).rows.map((r) => r.id);
    const results: Record<string, { p50: number; p95: number; p99: number }> = {};
    results.baseline = await measure("", 300, (i) =>
      db
        .selectFrom("requests")
        .select(["id", "status"])
        .where("id", "=", ids[i % ids.length]!)
        .executeTakeFirst(),
    );
    results.portfolioInbox = await measure("portfolioInbox", 100, () => listRequests(deps, firm, {}, 50));
    results.portfolioInboxFresh = await measure("portfolioInboxFresh", 100, () => {
      forgetInboxPlans();
      return listRequests(deps, firm, {}, 50);
    });
    let cursor: string | null = null;
    for (let i = 0; i < 20; i++) cursor = (await listRequests(deps, firm, {}, 50, cursor ?? undefined)).nextCursor;
    results.portfolioInboxPage20 = await measure("portfolioInboxPage20", 100, () => listRequests(deps, firm, {}, 50, cursor ?? undefined));
    results.trioInbox = await measure("trioInbox", 200, () => listRequests(deps, trio, {}, 50));
    results.companyInbox = await measure("companyInbox", 200, (i) => listRequests(deps, firm, { siren: portfolio[(i * 7919) % portfolio.length]! }, 50));
    results.agentQueue = await measure("agentQueue", 100, () => queue(deps, agent, {}, undefined, 50));
    results.agentQueueFiltered = await measure("agentQueueFiltered", 120, (i) =>
      queue(deps, agent, [{ tax: "TVA" }, { status: "received" as const }, { assignee: "none" }, { overdue: true }][i % 4]!, undefined, 50),
    );
    const vocab = vocabulary(prng(20261203), 5_000).list;
    results.searchOrdinary = await measure("searchOrdinary", 40, (i) => searchForAgent(deps, agent, vocab[50 + (i % 5)]!, undefined, 20));
    results.searchTwoWords = await measure("searchTwoWords", 40, (i) => searchForAgent(deps, agent, `${vocab[i % 3]} ${vocab[50 + (i % 5)]}`, undefined, 20));
    results.searchRare = await measure("searchRare", 40, (i) => searchForAgent(deps, agent, vocab[2_500 + i]!, undefined, 20));
    const to = new Date("2026-12-01T00:00:00+01:00");
    const year = () => serviceStats(deps, agent, SERVICE, new Date(to.getTime() - 365 * 86_400_000), to);
    await foldOpenCounts(deps);
    results.dashboard = await measure("dashboard", 30, year);
    // Between two folds (10 minutes) a busy service appends rows to its open counts: 10,000 here, 2,500 open
    // requests reassigned and set back, each change its -1 and its +1. Measured so, then folded again.
    const moved = (
      await sql<{ id: string; assignee_agent_id: string | null }>`
        SELECT id, assignee_agent_id FROM requests WHERE service_code = ${SERVICE} AND status <> 'closed' AND archived_at IS NULL
        ORDER BY id LIMIT 2500`.execute(db)
    ).rows;
    const other = uuidOf(7, 2); // an agent of the service (bench/backoffice.ts)
    await sql`UPDATE requests SET assignee_agent_id = ${other} WHERE id = ANY(${moved.map((m) => m.id)}::uuid[])`.execute(db);
    await sql`UPDATE requests r SET assignee_agent_id = m.assignee_agent_id
      FROM unnest(${moved.map((m) => m.id)}::uuid[], ${moved.map((m) => m.assignee_agent_id)}::uuid[]) AS m (id, assignee_agent_id) WHERE r.id = m.id`.execute(
      db,
    );
    results.dashboardUnfolded = await measure("dashboardUnfolded", 30, year);
    await foldOpenCounts(deps);

    // Posting a message over HTTP, the whole route (session, CSRF, visibility, state, journal, live event).
    const config = loadConfig({ NODE_ENV: "test", LOG_LEVEL: "silent", API_RATE_PER_MINUTE: "100000000", DATABASE_URL: url });
    const served = await openDatabase({ url, poolSize: 4 });
    const ctx = await createContext(config, { database: served, logger: createLogger("silent") });
    const app = await buildHttpApp(ctx, { webDir: "/nonexistent" });
    await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
      const session = await openSession(ctx.db, "person", trio, new Date());
      const threads = (
        await sql<{
          id: string;
        }>`SELECT r.id FROM requests r JOIN rights g ON g.siren = r.siren AND g.space_id = ${trio} WHERE r.status <> 'closed' ORDER BY r.id`.execute(db)
      ).rows.map((r) => r.id);
      const post = (i: number) =>
        fetch(`${base}/api/v1/requests/${threads[i % threads.length]}/messages`, {
          method: "POST",
          headers: { cookie: `mp_session=${session.token}`, "x-csrf-token": session.csrfToken, "content-type": "application/json" },
          body: JSON.stringify({ body: `Message de mesure ${i}`, uploadIds: [] }),
        }).then(async (r) => {
          if (r.status !== 201) throw new Error(`posting answered ${r.status}: ${await r.text()}`);
        });
      const health = (_i: number) => fetch(`${base}/api/v1/health/live`).then((r) => r.text());
      results.httpBaseline = await timeEach(200, health);
      results.post = await timeEach(200, post);
    } finally {
      await app.close();
      await ctx.close();
    }

    // The plans of the two slowest measures (by p95), from the exact statement that took longest in each.
    const ranked = Object.entries(results)
      .filter(([k]) => slowest.has(k))
      .sort((a, b) => b[1].p95 - a[1].p95)
      .slice(0, 2);
    const plans: { name: string; statementMs: number; plan: string[] }[] = [];
    for (const [name] of ranked) {
      const s = slowest.get(name)!;
      const client = await pool.connect();
      try {
        const text = s.sql.replace(/^\/\* prepared \*\/\s*/, "");
        const r = await client.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, s.parameters as unknown[]);
        plans.push({ name, statementMs: s.ms, plan: r.rows.map((x) => x["QUERY PLAN"]) });
      } finally {
        client.release();
      }
    }
    await db.destroy();
    return { scale: s, reused: reuse, generated, openInService: openCount, portfolio: portfolio.length, results, plans };
  } finally {
    await database.close();
  }
}

export { percentiles };
