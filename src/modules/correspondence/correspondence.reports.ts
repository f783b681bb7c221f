/** A campaign's follow-up (product §16): progress, figures per Paris day, the report line by line and as CSV. */
import { sql } from "kysely";
import { DomainError } from "../../platform/errors.js";
import { decodeKey, decodeKeysetOrLast, encodeKey, encodeKeyset } from "../../platform/cursor.js";
import { frenchCsv } from "../../platform/csv.js";
import { parisDateTime } from "../../platform/paris.js";
import type { AgentScope } from "../requests/index.js";
import type { CorrespondenceDeps } from "./correspondence.threads.js";

const campaignNotFound = () => new DomainError("not_found", "not_found", "Campagne introuvable parmi celles de vos services.");

async function campaignOf(deps: CorrespondenceDeps, agent: AgentScope, id: string) {
  const c = await deps.db.selectFrom("campaigns").selectAll().where("id", "=", id).executeTakeFirst();
  if (!c || !agent.services.includes(c.service_code)) throw campaignNotFound();
  return c;
}

/** Counts of a campaign's lines by result (the progress). */
async function lineCounts(deps: CorrespondenceDeps, ids: string[]) {
  if (ids.length === 0) return new Map<string, Record<string, number>>();
  const rows = await deps.db
    .selectFrom("campaign_recipients")
    .select(["campaign_id", "status", (eb) => eb.fn.countAll<string>().as("n")])
    .where("campaign_id", "in", ids)
    .groupBy(["campaign_id", "status"])
    .execute();
  const out = new Map<string, Record<string, number>>(ids.map((id) => [id, { pending: 0, thread: 0, letter: 0, refused: 0 }]));
  for (const r of rows) out.get(r.campaign_id)![r.status] = Number(r.n);
  return out;
}

type CampaignRow = Awaited<ReturnType<typeof campaignOf>>;

function campaignHead(c: CampaignRow, counts: Record<string, number>) {
  return {
    id: c.id,
    serviceCode: c.service_code,
    tax: c.tax,
    nature: c.nature,
    subject: c.subject,
    fileName: c.file_name,
    status: c.status,
    publishAt: c.publish_at,
    acknowledgementRequired: c.acknowledgement_required,
    replyDueAt: c.reply_due_at,
    repliesAllowed: c.replies_allowed,
    createdAt: c.created_at,
    startedAt: c.started_at,
    finishedAt: c.finished_at,
    total: c.total,
    done: c.total - (counts.pending ?? 0),
    threads: counts.thread ?? 0,
    letters: counts.letter ?? 0,
    refused: counts.refused ?? 0,
  };
}

/**
 * A campaign with its progress and its figures (product §16): threads published, read, acknowledged, replied to
 * (of which by post: a paper reply an agent recorded), in all and per Paris day.
 */
export async function getCampaign(deps: CorrespondenceDeps, agent: AgentScope, id: string) {
  const c = await campaignOf(deps, agent, id);
  const counts = (await lineCounts(deps, [id])).get(id)!;
  const events = await sql<{ day: string; published: number; read: number; acknowledged: number; replied: number; replied_by_post: number }>`
    WITH t AS (
      SELECT r.received_at, r.acknowledged_at, r.company_replied_at,
        (SELECT min(m.read_by_company_at) FROM messages m WHERE m.request_id = r.id AND m.author_kind = 'agent') AS read_at,
        (SELECT min(m.received_on) FROM messages m WHERE m.request_id = r.id AND m.channel = 'post') AS post_day
      FROM requests r WHERE r.campaign_id = ${id}),
    e AS (
      SELECT to_char(received_at AT TIME ZONE 'Europe/Paris', 'YYYY-MM-DD') AS day, 'published' AS k FROM t
      UNION ALL SELECT to_char(read_at AT TIME ZONE 'Europe/Paris', 'YYYY-MM-DD'), 'read' FROM t WHERE read_at IS NOT NULL
      UNION ALL SELECT to_char(acknowledged_at AT TIME ZONE 'Europe/Paris', 'YYYY-MM-DD'), 'acknowledged' FROM t WHERE acknowledged_at IS NOT NULL
      UNION ALL SELECT to_char(company_replied_at AT TIME ZONE 'Europe/Paris', 'YYYY-MM-DD'), 'replied' FROM t WHERE company_replied_at IS NOT NULL
      -- A reply by post counts on the Paris day the letter arrived.
      UNION ALL SELECT to_char(post_day, 'YYYY-MM-DD'), 'replied_by_post' FROM t WHERE post_day IS NOT NULL)
    SELECT day,
      count(*) FILTER (WHERE k = 'published')::int AS published, count(*) FILTER (WHERE k = 'read')::int AS read,
      count(*) FILTER (WHERE k = 'acknowledged')::int AS acknowledged, count(*) FILTER (WHERE k = 'replied')::int AS replied,
      count(*) FILTER (WHERE k = 'replied_by_post')::int AS replied_by_post
    FROM e GROUP BY 1 ORDER BY 1`.execute(deps.db);
  const perDay = events.rows.map(({ replied_by_post, ...d }) => ({ ...d, repliedByPost: replied_by_post }));
  const sum = (k: "published" | "read" | "acknowledged" | "replied" | "repliedByPost") => perDay.reduce((s, d) => s + d[k], 0);
  return {
    ...campaignHead(c, counts),
    body: c.body,
    figures: {
      published: sum("published"),
      read: sum("read"),
      acknowledged: sum("acknowledged"),
      replied: sum("replied"),
      repliedByPost: sum("repliedByPost"),
      perDay,
    },
  };
}

/** The campaigns of the agent's services, newest first (paginated). */
export async function listCampaigns(deps: CorrespondenceDeps, agent: AgentScope, cursor: string | undefined, limit: number) {
  const after = cursor ? decodeKeysetOrLast(cursor) : undefined;
  if (agent.services.length === 0) return { items: [], nextCursor: null };
  let q = deps.db.selectFrom("campaigns").selectAll().where("service_code", "in", agent.services);
  if (after) {
    const { at, id } = after;
    if (at) q = q.where((eb) => eb.or([eb("created_at", "<", at), eb.and([eb("created_at", "=", at), eb("id", "<", id)])]));
  }
  const rows = await q
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const counts = await lineCounts(
    deps,
    page.map((c) => c.id),
  );
  const last = page[page.length - 1];
  return {
    items: page.map((c) => campaignHead(c, counts.get(c.id)!)),
    nextCursor: rows.length > limit && last ? encodeKeyset(last.created_at, last.id) : null,
  };
}

export type RecipientFilter = { status?: "pending" | "thread" | "letter" | "refused" | undefined; q?: string | undefined };

/** The report line by line (paginated by line number; searchable by SIREN, reference or company name). */
export async function campaignRecipients(
  deps: CorrespondenceDeps,
  agent: AgentScope,
  id: string,
  f: RecipientFilter,
  cursor: string | undefined,
  limit: number,
) {
  const afterLine = cursor ? Number(decodeKey(cursor, /^\d{1,7}$/)) : undefined;
  await campaignOf(deps, agent, id);
  let q = deps.db
    .selectFrom("campaign_recipients as cr")
    .leftJoin("companies as c", "c.siren", "cr.siren")
    .leftJoin("requests as r", "r.id", "cr.request_id")
    .select([
      "cr.line",
      "cr.siren",
      "c.name",
      "cr.status",
      "cr.error_code",
      "cr.error_message",
      "r.id as request_id",
      "r.reference",
      "r.acknowledged_at",
      "r.company_replied_at",
      sql<Date | null>`(SELECT min(m.read_by_company_at) FROM messages m WHERE m.request_id = r.id AND m.author_kind = 'agent')`.as("read_at"),
    ])
    .where("cr.campaign_id", "=", id);
  if (f.status) q = q.where("cr.status", "=", f.status);
  const term = f.q?.trim();
  if (term) {
    const like = `%${term.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    q = q.where((eb) => eb.or([eb("cr.siren", "like", like), eb("r.reference", "like", like), eb("c.name", "ilike", like)]));
  }
  if (afterLine !== undefined) q = q.where("cr.line", ">", afterLine);
  const rows = await q
    .orderBy("cr.line")
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({
      line: r.line,
      siren: r.siren,
      companyName: r.name,
      status: r.status,
      requestId: r.request_id,
      reference: r.reference,
      readAt: r.read_at ? new Date(r.read_at) : null,
      acknowledgedAt: r.acknowledged_at,
      repliedAt: r.company_replied_at,
      error: r.error_code ? { code: r.error_code, message: r.error_message ?? r.error_code } : null,
    })),
    nextCursor: rows.length > limit && last ? encodeKey(String(last.line)) : null,
  };
}

const RESULT_LABELS = { pending: "en attente", thread: "message publié", letter: "courrier postal", refused: "non adressé" } as const;
const parisDateTimeOrNull = (d: Date | null) => (d ? parisDateTime(d) : null);

/** The report of a campaign, every line, as a CSV for French spreadsheets (read a page at a time). */
export async function campaignReportCsv(deps: CorrespondenceDeps, agent: AgentScope, id: string): Promise<string> {
  const rows: (string | number | null)[][] = [];
  let cursor: string | undefined;
  do {
    const page = await campaignRecipients(deps, agent, id, {}, cursor, 5_000);
    for (const r of page.items) {
      rows.push([
        r.line,
        r.siren,
        r.companyName,
        RESULT_LABELS[r.status],
        r.reference,
        parisDateTimeOrNull(r.readAt),
        parisDateTimeOrNull(r.acknowledgedAt),
        parisDateTimeOrNull(r.repliedAt),
        r.error?.message ?? null,
      ]);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return frenchCsv(["ligne", "siren", "entreprise", "résultat", "référence", "lu le", "accusé de réception le", "réponse le", "motif"], rows);
}
