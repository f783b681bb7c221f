/**
 * Back-office benchmarks (issue: queue, search, dashboard) on a PostgreSQL server: a deterministic data set of
 * `requests` requests over 10 services written with COPY, where the measured service (SIE-75111) holds a tenth of
 * them, all open; the other services hold every state. Messages use a vocabulary of a few thousand words with a
 * Zipf-like frequency, so that searches for rare, ordinary and very common words can be told apart.
 */
import pg from "pg";
import { sql } from "kysely";
import { openFreshDatabase } from "../test/helpers/db.js";
import { migrate } from "../src/platform/db/migrate.js";
import { systemClock } from "../src/platform/clock.js";
import { withLuhnKey } from "../src/modules/companies/index.js";
import { queue, QUEUE_SORTS, searchForAgent, serviceStats, type AgentScope } from "../src/modules/requests/index.js";
import { activityTriggers, copy, dayDeadlines, prng, requestLine, REQUEST_COLUMNS, uuidOf, esc } from "./data.js";
import { timeEach } from "./measure.js";

const SERVICE = "SIE-75111";
const SERVICES = [SERVICE, ...Array.from({ length: 9 }, (_, i) => `SIE-9${String(i).padStart(4, "0")}`)];
const COMMON = ["remboursement", "crédit", "TVA", "délai", "paiement", "attestation", "déclaration", "pénalités", "échéancier", "acompte"];

/** Pseudo-words (deterministic), used with a Zipf-like law: word k comes with a weight 1/k. */
export function vocabulary(random: () => number, n: number) {
  const syllables = ["ba", "co", "di", "fu", "ga", "li", "mo", "ne", "pa", "ri", "so", "tu", "va", "ze", "char", "plon", "stri", "vel"];
  const words = new Set<string>(COMMON);
  while (words.size < n) words.add(Array.from({ length: 2 + Math.floor(random() * 3) }, () => syllables[Math.floor(random() * syllables.length)]).join(""));
  const list = [...words];
  const cumulative: number[] = [];
  let total = 0;
  for (let k = 0; k < list.length; k++) cumulative.push((total += 1 / (k + 1)));
  return {
    list,
    /** A word drawn by the law (from `r`, by default the generator the vocabulary was made with). */
    pick(r: () => number = random): string {
      const x = r() * total;
      let lo = 0;
      let hi = cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid]! < x) lo = mid + 1;
        else hi = mid;
      }
      return list[lo]!;
    },
  };
}

/**
 * The services of a data set (the first is the measured one) and 20 agents: the even ones (the first a supervisor)
 * in the measured service, the odd ones spread over the others. Answers the agents' ids.
 */
export async function servicesAndAgents(client: pg.PoolClient, services: string[]): Promise<string[]> {
  for (const code of services) {
    await client.query(
      `INSERT INTO tax_services (code, type, name, address, postal_code, city) VALUES ($1, 'SIE', $1, '1 rue de la Paix', '75002', 'PARIS') ON CONFLICT DO NOTHING`,
      [code],
    );
  }
  const agents = Array.from({ length: 20 }, (_, i) => uuidOf(7, i));
  for (let i = 0; i < agents.length; i++) {
    await client.query(
      `INSERT INTO agents (id, email, name, password_hash, totp_secret_sealed, is_supervisor, created_at) VALUES ($1, $2, $3, 'x', 'x', $4, now())`,
      [agents[i], `agent${i}@dgfip.bench`, `Agent ${i}`, i === 0],
    );
    await client.query(`INSERT INTO agent_services (agent_id, service_code) VALUES ($1, $2)`, [
      agents[i],
      services[i % 2 === 0 ? 0 : 1 + (i % (services.length - 1))],
    ]);
  }
  return agents;
}

export async function generateBackofficeData(url: string, requests: number) {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const client = await pool.connect();
  const random = prng(424242);
  const vocab = vocabulary(random, 5_000);
  const sentence = (n: number) => Array.from({ length: n }, () => vocab.pick()).join(" ");
  const now = Date.parse("2026-11-28T09:00:00Z");
  try {
    await client.query("BEGIN");
    const agents = await servicesAndAgents(client, SERVICES);
    const companies = 100_000;
    const sirens = Array.from({ length: companies }, (_, i) => withLuhnKey(String(30_000_000 + i * 17).slice(-8)));
    await copy(
      client,
      "companies",
      ["siren", "name", "is_active", "diffusion", "updated_at"],
      (function* () {
        for (let i = 0; i < sirens.length; i++) yield `${sirens[i]}\tSOCIETE ${i}\tt\tO\t2026-11-28T09:00:00Z\n`;
      })(),
    );
    const spaceId = uuidOf(1, 1);
    await client.query(
      `INSERT INTO spaces (id, subscriber_number, mode, connection_email, password_hash, first_name, last_name, phone, entity_siren, status, created_at, verified_at)
       VALUES ($1, '10000000000009', 'expert', 'portefeuille@gestion.com', 'x', 'Porte', 'Feuille', '0100000000', $2, 'active', now(), now())`,
      [spaceId, sirens[0]],
    );
    await activityTriggers(client, "DISABLE");
    const taxes = ["TVA", "IS", "CFE-CVAE", "TS", "PAS", "TF", "AUTRE"];
    const natures = ["question", "reclamation", "delai_paiement", "attestation", "changement_situation", "autre"];
    const open = ["received", "in_progress", "awaiting_user", "answered"];
    const all = [...open, "closed"];
    const messages: string[] = [];
    const iso = (t: number) => new Date(t).toISOString();
    const deadlines = dayDeadlines();
    await copy(
      client,
      "requests",
      REQUEST_COLUMNS,
      (function* () {
        for (let i = 0; i < requests; i++) {
          const id = uuidOf(3, i);
          const service = SERVICES[i % SERVICES.length]!;
          const status = service === SERVICE ? open[Math.floor(random() * open.length)]! : all[Math.floor(random() * all.length)]!;
          const received = now - Math.floor(random() * 365 * 86_400_000);
          const nature = natures[Math.floor(random() * natures.length)]!;
          const d = deadlines(nature, received);
          const answeredAt = status === "received" ? null : received + Math.floor(random() * 10 * 86_400_000);
          const assignee = status === "received" || random() < 0.3 ? null : agents[Math.floor(random() * agents.length)]!;
          messages.push(
            `${uuidOf(4, i)}\t${id}\tperson\t${spaceId}\t${esc(`Bonjour, ${sentence(25)}.`)}\t${"0".repeat(64)}\t${iso(received)}\t${iso(received)}\t${service}\n`,
          );
          if (answeredAt)
            messages.push(`${uuidOf(5, i)}\t${id}\tagent\t\\N\t${esc(`Réponse : ${sentence(15)}.`)}\t${"0".repeat(64)}\t${iso(answeredAt)}\t\\N\t${service}\n`);
          yield requestLine({
            id,
            reference: `2026-${service}-${String(i + 1).padStart(7, "0")}`,
            siren: sirens[Math.floor(random() * sirens.length)]!,
            tax: taxes[Math.floor(random() * taxes.length)]!,
            nature,
            subject: sentence(6),
            status,
            service: service,
            author: spaceId,
            received,
            answeredAt,
            deadlines: d,
            assignee,
          });
        }
      })(),
    );
    await copy(
      client,
      "messages",
      ["id", "request_id", "author_kind", "author_space_id", "body", "body_sha256", "created_at", "read_by_company_at", "service_code"],
      messages,
    );
    await activityTriggers(client, "ENABLE");
    await client.query("SELECT portfolio_rebuild()");
    await client.query("COMMIT");
    // The steady state of a live database (autovacuum has run): statistics and the visibility map.
    await client.query("VACUUM ANALYZE");
    return { agents, vocabulary: vocab.list, messages: messages.length };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
    await pool.end();
  }
}

/** Queue pages, search and dashboard on the generated set; with the plans of the queue's first page and the search. */
export async function benchBackoffice(adminUrl: string, requests: number) {
  const database = await openFreshDatabase(adminUrl, { prefix: "mp_bench_bo" });
  try {
    await migrate(database.db);
    const t0 = performance.now();
    const data = await generateBackofficeData(database.url!, requests);
    const generatedS = (performance.now() - t0) / 1000;
    const deps = { db: database.db, clock: systemClock, receiptKeys: undefined as never };
    const agent: AgentScope = { id: data.agents[0]!, services: [SERVICE] };
    const openCount = Number(
      (await sql<{ n: string }>`SELECT count(*) AS n FROM requests WHERE service_code = ${SERVICE} AND status <> 'closed'`.execute(database.db)).rows[0]!.n,
    );

    const queueFirst = await timeEach(100, () => queue(deps, agent, {}, undefined, 50));
    const filters = [
      { tax: "TVA" },
      { status: "received" as const },
      { assignee: "none" },
      { assignee: "me" },
      { overdue: true },
      { nature: "reclamation", tax: "IS" },
    ];
    const queueFiltered = await timeEach(120, (i) => queue(deps, agent, filters[i % filters.length]!, undefined, 50));
    const perFilter: Record<string, { p50: number; p95: number; p99: number }> = {};
    for (const f of filters) perFilter[JSON.stringify(f)] = await timeEach(30, () => queue(deps, agent, f, undefined, 50));
    let cursor: string | null | undefined;
    for (let i = 0; i < 49; i++) cursor = (await queue(deps, agent, {}, cursor ?? undefined, 50)).nextCursor;
    const queuePage50 = await timeEach(100, () => queue(deps, agent, {}, cursor!, 50));

    // Issue 24: each sort's first page in both orders, and the search by SIREN, partial reference, company name.
    const queueSorts: Record<string, { p50: number; p95: number; p99: number }> = {};
    for (const sort of QUEUE_SORTS)
      for (const order of ["asc", "desc"] as const)
        queueSorts[`${sort} ${order}`] = await timeEach(60, () => queue(deps, agent, { sort, order }, undefined, 50));
    const sample = (
      await sql<{
        siren: string;
        reference: string;
      }>`SELECT siren, reference FROM requests WHERE service_code = ${SERVICE} AND status <> 'closed' ORDER BY id LIMIT 200`.execute(database.db)
    ).rows;
    const queueSearch: Record<string, { p50: number; p95: number; p99: number; matches: number }> = {};
    for (const [kind, pick] of [
      ["SIREN", (i: number) => sample[i % sample.length]!.siren],
      ["partial reference (its 7 last characters)", (i: number) => sample[i % sample.length]!.reference.slice(-7)],
      ["partial reference (service and number)", (i: number) => sample[i % sample.length]!.reference.slice(-13)],
      ["words of the company's name", (i: number) => `societe ${sample[i % sample.length]!.siren.slice(0, 2)}`],
    ] as const) {
      const matches = (await queue(deps, agent, { q: pick(0) }, undefined, 100)).items.length;
      queueSearch[kind] = { ...(await timeEach(60, (i) => queue(deps, agent, { q: pick(i) }, undefined, 50))), matches };
    }

    // Words of the vocabulary by rank (Zipf-like): the most frequent, one of rank 50, one of rank 2,500.
    const count = async (word: string) =>
      Number(
        (
          await sql<{
            n: string;
          }>`SELECT count(*) AS n FROM messages m WHERE m.service_code = ${SERVICE} AND m.search @@ plainto_tsquery('messagerie_fr', ${word})`.execute(
            database.db,
          )
        ).rows[0]!.n,
      );
    const words: Record<string, { word: string; ndoc: number }> = {};
    for (const [kind, rank] of [
      ["common", 0],
      ["ordinary", 50],
      ["rare", 2_500],
    ] as const)
      words[kind] = { word: data.vocabulary[rank]!, ndoc: await count(data.vocabulary[rank]!) };
    const search: Record<string, { p50: number; p95: number; p99: number; matches: number }> = {};
    for (const [kind, w] of Object.entries(words)) {
      const r = await searchForAgent(deps, agent, w.word, undefined, 20);
      search[kind] = { ...(await timeEach(40, () => searchForAgent(deps, agent, w.word, undefined, 20))), matches: r.total };
    }
    const twoWords = `${words.common!.word} ${words.ordinary!.word}`;
    search.twoWords = {
      ...(await timeEach(40, () => searchForAgent(deps, agent, twoWords, undefined, 20))),
      matches: (await searchForAgent(deps, agent, twoWords, undefined, 20)).total,
    };
    search.reference = { ...(await timeEach(40, () => searchForAgent(deps, agent, `2026-${SERVICE}-0000011`, undefined, 20))), matches: 1 };

    const explain = async (q: ReturnType<typeof sql>) =>
      (await sql<{ "QUERY PLAN": string }>`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${q}`.execute(database.db)).rows.map((r) => r["QUERY PLAN"]);
    const to = new Date("2026-11-29T00:00:00+01:00");
    const from = new Date(to.getTime() - 365 * 86_400_000);
    const stats = await timeEach(30, () => serviceStats(deps, agent, SERVICE, from, to));
    const statsPlan = await explain(sql`
      SELECT count(*), percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY extract(epoch FROM first_answer_at - received_at))
      FROM requests WHERE service_code = ${SERVICE} AND first_answer_at >= ${from} AND first_answer_at < ${to} AND origin = 'company'`);

    const queuePlan = await explain(
      sql`SELECT id FROM requests WHERE service_code IN (${SERVICE}) AND archived_at IS NULL AND status <> 'closed' ORDER BY due_at, id LIMIT 51`,
    );
    const searchPlan = await explain(sql`
      SELECT m.request_id, ts_rank(m.search, plainto_tsquery('messagerie_fr', ${words.ordinary!.word})) FROM messages m
      WHERE m.service_code IN (${SERVICE}) AND m.search @@ plainto_tsquery('messagerie_fr', ${words.ordinary!.word})
      ORDER BY m.created_at DESC LIMIT 1000`);
    return {
      requests,
      messages: data.messages,
      openInService: openCount,
      generatedS,
      queueFirst,
      queueFiltered,
      perFilter,
      queuePage50,
      queueSorts,
      queueSearch,
      search,
      words,
      stats,
      queuePlan,
      searchPlan,
      statsPlan,
    };
  } finally {
    await database.close();
  }
}
