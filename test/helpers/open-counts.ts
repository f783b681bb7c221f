import { sql, type Kysely } from "kysely";
import type { DB } from "../../src/platform/db/schema.js";

/**
 * The dashboard's open counts kept on write (`service_open_counts`) against a recount of the requests, written here
 * without the migration's functions: per service, the open requests per assignee, and the ones the queue counts (no
 * campaign, or the company answered) per state and per UTC day of their deadline. One statement, so one snapshot:
 * the two sides agree whatever else is running. Answers each key whose figures differ, as text.
 */
async function openCountsMismatches(db: Kysely<DB>): Promise<string[]> {
  const rows = await sql<{ side: string; service_code: string; kind: string; key: string | null; n: number }>`
    WITH kept AS (
      SELECT service_code, kind::text AS kind, coalesce(assignee_agent_id::text, status, due_day::text) AS key, sum(n)::int AS n
      FROM service_open_counts GROUP BY service_code, kind, assignee_agent_id, status, due_day HAVING sum(n) <> 0),
    open AS (SELECT * FROM requests WHERE status <> 'closed' AND archived_at IS NULL),
    queued AS (SELECT * FROM open WHERE campaign_id IS NULL OR company_replied_at IS NOT NULL),
    counted AS (
      SELECT service_code, 'a' AS kind, assignee_agent_id::text AS key, count(*)::int AS n FROM open GROUP BY 1, 2, 3
      UNION ALL
      SELECT service_code, 's', status, count(*)::int FROM queued GROUP BY 1, 2, 3
      UNION ALL
      SELECT service_code, 'd', ((due_at AT TIME ZONE 'UTC')::date)::text, count(*)::int FROM queued WHERE due_at IS NOT NULL GROUP BY 1, 2, 3)
    SELECT 'kept' AS side, * FROM (SELECT * FROM kept EXCEPT ALL SELECT * FROM counted) a
    UNION ALL
    SELECT 'counted', * FROM (SELECT * FROM counted EXCEPT ALL SELECT * FROM kept) b
    ORDER BY 2, 3, 4, 1`.execute(db);
  return rows.rows.map((r) => `${r.side} ${r.service_code} ${r.kind} ${r.key ?? "—"}: ${r.n}`);
}

export async function assertOpenCountsKept(db: Kysely<DB>): Promise<void> {
  const mismatches = await openCountsMismatches(db);
  if (mismatches.length > 0) throw new Error(`the dashboard's open counts differ from the requests:\n${mismatches.join("\n")}`);
}
