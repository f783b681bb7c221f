/** The supervisors' dashboard of a service (product §9, §18): daily series, backlog, first-answer times, per agent. */
import { sql } from "kysely";
import { DAY } from "../../platform/clock.js";
import { PREPARED } from "../../platform/db/database.js";
import { DomainError } from "../../platform/errors.js";
import { parisDay } from "../../shared/dates.js";
import { histogramPercentiles, type Histogram } from "./first-answer-histogram.js";
import type { RequestsDeps } from "./requests.service.js";
import { originCondition, servicesIn, type AgentScope } from "./requests.queue.js";

/** Seconds as hours with one decimal; null stays null (an empty series has no median, never « 0 h »). */
const hours = (seconds: number | string | null) => (seconds === null ? null : Math.round((Number(seconds) / 3600) * 10) / 10);

/**
 * The time to a request's first answer, in seconds: `date_part` answers a float; `extract` would answer a numeric,
 * several times slower to compute and to sort over a year of a large service.
 */
const SECONDS = sql<number>`date_part('epoch', r.first_answer_at - r.received_at)`;

/** The first answers of a service's requests in the period, as the dashboard counts them (index requests_first_answer_by_agent). */
const firstAnswers = (service: string, from: Date, to: Date) =>
  sql<boolean>`r.service_code = ${service} AND r.first_answer_at >= ${from} AND r.first_answer_at < ${to} AND r.first_answer_at IS NOT NULL AND r.origin = 'company'`;

/**
 * The agents who wrote a first answer in the service (at any date), as `agents(id)`: the index is skipped through
 * from one agent to the next, one probe each, instead of read whole (the last row's id is null).
 */
const answeringAgents = (service: string) => sql`
  WITH RECURSIVE agents AS (
    (SELECT r.first_answer_agent_id AS id FROM requests r
     WHERE r.service_code = ${service} AND r.first_answer_at IS NOT NULL AND r.origin = 'company' AND r.first_answer_agent_id IS NOT NULL
     ORDER BY r.first_answer_agent_id LIMIT 1)
    UNION ALL
    SELECT (SELECT r.first_answer_agent_id FROM requests r
            WHERE r.service_code = ${service} AND r.first_answer_at IS NOT NULL AND r.origin = 'company' AND r.first_answer_agent_id > a.id
            ORDER BY r.first_answer_agent_id LIMIT 1)
    FROM agents a WHERE a.id IS NOT NULL)`;

/** Up to this many first answers in the period, their times are read and sorted (exact); beyond, the histogram serves. */
const EXACT_UP_TO = 20_000;

const NO_AGENT = "00000000-0000-0000-0000-000000000000";

type FirstAnswerTimes = {
  exact: boolean;
  count: number;
  median: number | null;
  p90: number | null;
  agents: Map<string, { answered: number; median: number | null }>;
};

/** Exact: each agent's answers of the period are one range of the index, his median sorts them; the service's percentiles sort them all. */
async function exactTimes(deps: RequestsDeps, service: string, from: Date, to: Date): Promise<FirstAnswerTimes> {
  const [answers, times] = await Promise.all([
    // Prepared: its planning (about ten milliseconds over the indexes of requests at national scale) would cost as
    // much as a small service's run.
    sql<{ agent_id: string; answered: number; median: number | null }>`${sql.raw(PREPARED)}${answeringAgents(service)}
      SELECT a.id AS agent_id, f.answered, f.median
      FROM agents a CROSS JOIN LATERAL (
        SELECT count(*)::int AS answered, percentile_cont(0.5) WITHIN GROUP (ORDER BY ${SECONDS}) AS median
        FROM requests r WHERE ${firstAnswers(service, from, to)} AND r.first_answer_agent_id = a.id) f
      WHERE a.id IS NOT NULL AND f.answered > 0`.execute(deps.db),
    // Both percentiles from one sort, over the same ranges of the index (each agent's, and the answers without an
    // agent), read by the index alone. OFFSET 0 keeps each agent's range a probe of the index: flattened, the join
    // would read the service's answers of every year and keep the period's.
    sql<{ n: number; median: number | null; p90: number | null }>`${sql.raw(PREPARED)}${answeringAgents(service)}
      SELECT n::int AS n, p[1] AS median, p[2] AS p90
      FROM (SELECT count(*) AS n, percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY seconds) AS p FROM (
        SELECT f.seconds FROM agents a CROSS JOIN LATERAL (
          SELECT ${SECONDS} AS seconds FROM requests r WHERE ${firstAnswers(service, from, to)} AND r.first_answer_agent_id = a.id OFFSET 0) f
        WHERE a.id IS NOT NULL
        UNION ALL
        SELECT ${SECONDS} FROM requests r WHERE ${firstAnswers(service, from, to)} AND r.first_answer_agent_id IS NULL) u) t`.execute(deps.db),
  ]);
  const t = times.rows[0]!;
  return {
    exact: true,
    count: t.n,
    median: t.median,
    p90: t.p90,
    agents: new Map(answers.rows.map((a) => [a.agent_id, { answered: a.answered, median: a.median }])),
  };
}

/**
 * From the monthly histogram: the period's whole Paris months are read from it, the days before the first whole
 * month and after the last one (at most two months' worth) from the requests, bucketed the same way. Each agent's
 * median and the service's percentiles are placed in their bucket (within 5 %).
 */
async function histogramTimes(deps: RequestsDeps, service: string, from: Date, to: Date): Promise<FirstAnswerTimes> {
  const cells = await sql<{ agent_key: string; bucket: number; n: number }>`${sql.raw(PREPARED)}${answeringAgents(service)},
    whole AS (
      SELECT date_trunc('month', (${from}::timestamptz AT TIME ZONE 'Europe/Paris') + interval '1 month' - interval '1 microsecond')::date AS first,
             date_trunc('month', ${to}::timestamptz AT TIME ZONE 'Europe/Paris')::date AS last),
    edges AS (
      SELECT ${from}::timestamptz AS lo, least(first::timestamp AT TIME ZONE 'Europe/Paris', ${to}::timestamptz) AS hi FROM whole
      UNION ALL
      SELECT greatest(last::timestamp AT TIME ZONE 'Europe/Paris', first::timestamp AT TIME ZONE 'Europe/Paris', ${from}::timestamptz), ${to}::timestamptz FROM whole)
    SELECT agent_key::text, bucket, sum(n)::int AS n FROM (
      SELECT m.agent_key, m.bucket, m.answers AS n
      FROM service_first_answer_months m, whole w WHERE m.service_code = ${service} AND m.month >= w.first AND m.month < w.last
      UNION ALL
      SELECT a.id, first_answer_bucket(f.seconds), 1 FROM agents a CROSS JOIN edges e CROSS JOIN LATERAL (
        SELECT ${SECONDS} AS seconds FROM requests r
        WHERE ${firstAnswers(service, from, to)} AND r.first_answer_agent_id = a.id AND r.first_answer_at >= e.lo AND r.first_answer_at < e.hi OFFSET 0) f
      WHERE a.id IS NOT NULL
      UNION ALL
      SELECT ${NO_AGENT}::uuid, first_answer_bucket(${SECONDS}), 1 FROM requests r, edges e
      WHERE ${firstAnswers(service, from, to)} AND r.first_answer_agent_id IS NULL AND r.first_answer_at >= e.lo AND r.first_answer_at < e.hi) c
    GROUP BY 1, 2`.execute(deps.db);
  const all: Histogram = new Map();
  const byAgent = new Map<string, Histogram>();
  for (const c of cells.rows) {
    if (c.n === 0) continue;
    all.set(c.bucket, (all.get(c.bucket) ?? 0) + c.n);
    if (c.agent_key === NO_AGENT) continue;
    let h = byAgent.get(c.agent_key);
    if (!h) byAgent.set(c.agent_key, (h = new Map<number, number>()));
    h.set(c.bucket, (h.get(c.bucket) ?? 0) + c.n);
  }
  const [median, p90] = histogramPercentiles(all, [0.5, 0.9]);
  const agents = new Map<string, { answered: number; median: number | null }>();
  for (const [agentId, h] of byAgent) {
    const answered = [...h.values()].reduce((s, n) => s + n, 0);
    if (answered > 0) agents.set(agentId, { answered, median: histogramPercentiles(h, [0.5])[0]! });
  }
  return { exact: false, count: [...all.values()].reduce((s, n) => s + n, 0), median: median!, p90: p90!, agents };
}

/** The first-answer times of a service over a period: exact when they are few, from the histogram beyond (or as `read` says). */
export function firstAnswerTimes(deps: RequestsDeps, service: string, from: Date, to: Date, read: "exact" | "histogram") {
  return read === "exact" ? exactTimes(deps, service, from, to) : histogramTimes(deps, service, from, to);
}

/**
 * Per agent over the period: the requests whose first answer he wrote (their sum is the service's « traitées »),
 * the median time to that first answer, and the open requests assigned to him now. Only agents with a figure
 * appear; the caller adds the service's other agents with zeros.
 */
function agentFigures(times: FirstAnswerTimes, open: Map<string, number>) {
  const out = new Map<string, { agentId: string; answered: number; medianFirstAnswerHours: number | null; openAssigned: number }>();
  const of = (agentId: string) => {
    let row = out.get(agentId);
    if (!row) out.set(agentId, (row = { agentId, answered: 0, medianFirstAnswerHours: null, openAssigned: 0 }));
    return row;
  };
  for (const [agentId, a] of times.agents) Object.assign(of(agentId), { answered: a.answered, medianFirstAnswerHours: hours(a.median) });
  for (const [agentId, n] of open) of(agentId).openAssigned = n;
  return [...out.values()];
}

/**
 * The service's open requests now, from the counts kept on write (`service_open_counts`, one statement): all of each
 * agent's, and the ones the queue counts (threads of a campaign the company has not answered stay out) by state and
 * overdue. The overdue ones are the counted days before today's (UTC) and, of today's, the requests whose deadline is
 * already past: a range of the queue's index.
 */
async function openNow(deps: RequestsDeps, service: string, now: Date) {
  const rows = await sql<{ kind: "a" | "s" | "o"; assignee_agent_id: string | null; status: string | null; n: number }>`${sql.raw(PREPARED)}
    WITH c AS (
      SELECT kind, assignee_agent_id, status, due_day, sum(n)::int AS n
      FROM service_open_counts WHERE service_code = ${service} GROUP BY kind, assignee_agent_id, status, due_day),
    today AS (SELECT (${now}::timestamptz AT TIME ZONE 'UTC')::date AS day)
    SELECT kind::text AS kind, assignee_agent_id, status, n FROM c WHERE kind IN ('a', 's') AND n <> 0
    UNION ALL
    SELECT 'o', NULL, NULL,
      (SELECT coalesce(sum(n), 0)::int FROM c, today WHERE c.kind = 'd' AND c.due_day < today.day)
      + (SELECT count(*)::int FROM requests, today
         WHERE requests.service_code = ${service} AND requests.status <> 'closed' AND requests.archived_at IS NULL AND ${originCondition(undefined)}
           AND requests.due_at >= (today.day::timestamp AT TIME ZONE 'UTC') AND requests.due_at < ${now})`.execute(deps.db);
  const byAssignee = new Map<string, number>();
  const backlog = { received: 0, in_progress: 0, awaiting_user: 0, answered: 0 };
  let overdue = 0;
  for (const r of rows.rows) {
    if (r.kind === "a" && r.assignee_agent_id !== null) byAssignee.set(r.assignee_agent_id, r.n);
    else if (r.kind === "s" && r.status !== null && r.status in backlog) backlog[r.status as keyof typeof backlog] = r.n;
    else if (r.kind === "o") overdue = r.n;
  }
  return { byAssignee, backlog, overdue };
}

/**
 * Folds the counts appended to a service's open requests since the last fold (housekeeping): one row per key remains.
 * A service another process is folding at the moment is left to it (two folds at once would be right, but each would
 * write its own row per key).
 */
export async function foldOpenCounts(deps: Pick<RequestsDeps, "db">) {
  const services = await sql<{ service_code: string }>`
    SELECT DISTINCT service_code FROM service_open_counts WHERE NOT folded`.execute(deps.db);
  let rows = 0;
  for (const s of services.rows) {
    const folded = await sql<{ n: number }>`
      SELECT CASE WHEN pg_try_advisory_xact_lock(727007, hashtext(${s.service_code})) THEN service_open_counts_fold(${s.service_code}) ELSE 0 END AS n`.execute(
      deps.db,
    );
    rows += folded.rows[0]!.n;
  }
  return { services: services.rows.length, rows };
}

/**
 * The dashboard of a service over a period (product §9): daily series, backlog, first-answer times, overdue. The
 * threads the administration opened are not requests received nor answered: they stay out of the series.
 */
export async function serviceStats(deps: RequestsDeps, agent: AgentScope, service: string, from: Date, to: Date) {
  servicesIn(agent, service);
  if (!(from < to)) throw new DomainError("invalid", "invalid_period", "La période est vide : la date de début doit précéder la date de fin.");
  if (to.getTime() - from.getTime() > 366 * DAY + DAY) throw new DomainError("invalid", "period_too_long", "La période ne peut dépasser un an.");
  const now = deps.clock.now();
  // The daily series come from the rollup kept on write (whole Paris days: the period's bounds are day starts); their
  // count of first answers chooses how the times are read.
  const series = await sql<{ day: string; received: number; answered: number }>`
    SELECT to_char(day, 'YYYY-MM-DD') AS day, received, answered
    FROM service_daily_stats WHERE service_code = ${service} AND day >= ${parisDay(from)}::date AND day < ${parisDay(to)}::date`.execute(deps.db);
  const answered = series.rows.reduce((s, r) => s + r.answered, 0);
  const [time, open] = await Promise.all([
    firstAnswerTimes(deps, service, from, to, answered <= EXACT_UP_TO ? "exact" : "histogram"),
    openNow(deps, service, now),
  ]);
  const agents = agentFigures(time, open.byAssignee);
  const days: { date: string; received: number; answered: number }[] = [];
  const rec = new Map(series.rows.map((r) => [r.day, r.received]));
  const ans = new Map(series.rows.map((r) => [r.day, r.answered]));
  for (let t = from.getTime(); t < to.getTime(); t += DAY) {
    const date = parisDay(new Date(t));
    if (days[days.length - 1]?.date === date) continue;
    days.push({ date, received: rec.get(date) ?? 0, answered: ans.get(date) ?? 0 });
  }
  return {
    service,
    from,
    to,
    generatedAt: now,
    days,
    totals: { received: days.reduce((s, d) => s + d.received, 0), answered: days.reduce((s, d) => s + d.answered, 0) },
    backlog: open.backlog,
    overdue: open.overdue,
    firstAnswer: {
      count: time.count,
      medianHours: hours(time.median),
      p90Hours: hours(time.p90),
      exact: time.exact,
    },
    agents,
  };
}
