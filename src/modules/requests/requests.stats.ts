/** The supervisors' dashboard of a service (product §9, §18): daily series, backlog, first-answer times, per agent. */
import { sql } from "kysely";
import { DAY } from "../../platform/clock.js";
import { PREPARED } from "../../platform/db/database.js";
import { DomainError } from "../../platform/errors.js";
import { parisDay } from "../../shared/dates.js";
import type { RequestsDeps } from "./requests.service.js";
import { queueCounts } from "./requests.backoffice.js";
import { servicesIn, type AgentScope } from "./requests.queue.js";

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

/**
 * Per agent over the period: the requests whose first answer he wrote (their sum is the service's « traitées »),
 * the median time to that first answer, and the open requests assigned to him now. Only agents with a figure
 * appear; the caller adds the service's other agents with zeros.
 */
async function agentFigures(deps: RequestsDeps, service: string, from: Date, to: Date) {
  const [answers, assigned] = await Promise.all([
    // Each agent's answers of the period are one range of the index: his median sorts his answers only. Prepared: its
    // planning (about ten milliseconds over the indexes of requests at national scale) would cost as much as a small service's run.
    sql<{ agent_id: string; answered: number; median: number | null }>`${sql.raw(PREPARED)}${answeringAgents(service)}
      SELECT a.id AS agent_id, f.answered, f.median
      FROM agents a CROSS JOIN LATERAL (
        SELECT count(*)::int AS answered, percentile_cont(0.5) WITHIN GROUP (ORDER BY ${SECONDS}) AS median
        FROM requests r WHERE ${firstAnswers(service, from, to)} AND r.first_answer_agent_id = a.id) f
      WHERE a.id IS NOT NULL AND f.answered > 0`.execute(deps.db),
    deps.db
      .selectFrom("requests")
      .select(["assignee_agent_id", sql<number>`count(*)::int`.as("n")])
      .where("service_code", "=", service)
      .where("status", "<>", "closed")
      .where("archived_at", "is", null)
      .where("assignee_agent_id", "is not", null)
      .groupBy("assignee_agent_id")
      .execute(),
  ]);
  const out = new Map<string, { agentId: string; answered: number; medianFirstAnswerHours: number | null; openAssigned: number }>();
  const of = (agentId: string) => {
    let row = out.get(agentId);
    if (!row) out.set(agentId, (row = { agentId, answered: 0, medianFirstAnswerHours: null, openAssigned: 0 }));
    return row;
  };
  for (const a of answers.rows) Object.assign(of(a.agent_id), { answered: a.answered, medianFirstAnswerHours: hours(a.median) });
  for (const a of assigned) of(a.assignee_agent_id!).openAssigned = a.n;
  return [...out.values()];
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
  // The daily series come from the rollup kept on write (whole Paris days: the period's bounds are day starts).
  const [series, times, counts, agents] = await Promise.all([
    sql<{ day: string; received: number; answered: number }>`
      SELECT to_char(day, 'YYYY-MM-DD') AS day, received, answered
      FROM service_daily_stats WHERE service_code = ${service} AND day >= ${parisDay(from)}::date AND day < ${parisDay(to)}::date`.execute(deps.db),
    // Exact percentiles, both from one sort, over the same ranges of the index (each agent's, and the answers without
    // an agent), read by the index alone. OFFSET 0 keeps each agent's range a probe of the index: flattened, the join
    // would read the service's answers of every year and keep the period's. Prepared, as the figures per agent.
    sql<{ n: number; median: number | null; p90: number | null }>`${sql.raw(PREPARED)}${answeringAgents(service)}
      SELECT n::int AS n, p[1] AS median, p[2] AS p90
      FROM (SELECT count(*) AS n, percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY seconds) AS p FROM (
        SELECT f.seconds FROM agents a CROSS JOIN LATERAL (
          SELECT ${SECONDS} AS seconds FROM requests r WHERE ${firstAnswers(service, from, to)} AND r.first_answer_agent_id = a.id OFFSET 0) f
        WHERE a.id IS NOT NULL
        UNION ALL
        SELECT ${SECONDS} FROM requests r WHERE ${firstAnswers(service, from, to)} AND r.first_answer_agent_id IS NULL) u) t`.execute(deps.db),
    queueCounts(deps, agent, service),
    agentFigures(deps, service, from, to),
  ]);
  const days: { date: string; received: number; answered: number }[] = [];
  const rec = new Map(series.rows.map((r) => [r.day, r.received]));
  const ans = new Map(series.rows.map((r) => [r.day, r.answered]));
  for (let t = from.getTime(); t < to.getTime(); t += DAY) {
    const date = parisDay(new Date(t));
    if (days[days.length - 1]?.date === date) continue;
    days.push({ date, received: rec.get(date) ?? 0, answered: ans.get(date) ?? 0 });
  }
  const time = times.rows[0]!;
  return {
    service,
    from,
    to,
    generatedAt: now,
    days,
    totals: { received: days.reduce((s, d) => s + d.received, 0), answered: days.reduce((s, d) => s + d.answered, 0) },
    backlog: counts.byStatus,
    overdue: counts.overdue,
    firstAnswer: {
      count: time.n,
      medianHours: hours(time.median),
      p90Hours: hours(time.p90),
    },
    agents,
  };
}
