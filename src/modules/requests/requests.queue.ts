import { expressionBuilder, sql, type Expression, type SqlBool } from "kysely";
import type { DB, RequestStatus } from "../../platform/db/schema.js";
import { DAY } from "../../platform/clock.js";
import { DomainError } from "../../platform/errors.js";
import { invalidCursor } from "../../platform/cursor.js";
import { getCompanies } from "../companies/index.js";
import * as repo from "./requests.repository.js";
import { frenchQuery } from "./requests.inbox.js";
import type { RequestsDeps } from "./requests.service.js";
import type { RequestSummary } from "./requests.views.js";

/** Who acts in the back office: an agent and the services he belongs to (his requests are theirs). */
export type AgentScope = { id: string; services: string[] };

/** How soon a deadline counts as « bientôt » in the queue. */
export const DUE_SOON_MS = 2 * DAY;

export const QUEUE_SORTS = ["deadline", "receivedAt", "lastActivityAt", "company"] as const;
export type QueueSort = (typeof QUEUE_SORTS)[number];
export const QUEUE_ORIGINS = ["company", "administration", "campaign"] as const;
export type QueueOrigin = (typeof QUEUE_ORIGINS)[number];

export type QueueFilters = {
  service?: string | undefined;
  status?: RequestStatus | undefined;
  tax?: string | undefined;
  nature?: string | undefined;
  /** `me`, `none` or an agent id. */
  assignee?: string | undefined;
  overdue?: boolean | undefined;
  dueSoon?: boolean | undefined;
  siren?: string | undefined;
  /**
   * Words (the requests' text and messages, or words of the company's name), a SIREN (9 digits, spaces allowed)
   * or a partial reference (one token with a digit: « 0000011 », « 75111-00 »).
   */
  q?: string | undefined;
  /**
   * `company`: requests filed by companies; `administration`: threads an agent opened one by one; `campaign`:
   * threads of a campaign. Without it, every origin but the campaign threads the company has not answered (a
   * campaign of thousands would bury the queue; a thread the company answered is work again and comes back).
   */
  origin?: QueueOrigin | undefined;
  sort?: QueueSort | undefined;
  order?: "asc" | "desc" | undefined;
};

/** A line of the queue: what a list shows of a request (its service by code), with its deadline and assignee. */
export type QueueItem = Omit<RequestSummary, "service" | "origin"> &
  DeadlineMarks & { serviceCode: string; assigneeId: string | null; version: number; origin: QueueOrigin };

export type DeadlineMarks = { deadlineAt: Date | null; overdue: boolean; dueSoon: boolean };

/** Where a deadline stands: passed (« En retard »), within `DUE_SOON_MS` (« Bientôt »), or neither. */
export function deadlineMarks(deadline: Date | null, now: Date): DeadlineMarks {
  const left = deadline ? deadline.getTime() - now.getTime() : Infinity;
  return { deadlineAt: deadline, overdue: left < 0, dueSoon: left >= 0 && left < DUE_SOON_MS };
}

/** The column each sort reads (each has its index of a service's open requests, see the queue_sorts migration). */
const SORT_COLUMN = {
  deadline: sql.ref("requests.due_at"),
  receivedAt: sql.ref("requests.received_at"),
  lastActivityAt: sql.ref("requests.last_activity_at"),
  company: sql.ref("requests.company_sort"),
} as const;

/** An instant as PostgreSQL writes it (microseconds and offset kept: a page never skips or repeats a row). */
const PG_INSTANT = /^(infinity|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?[+-]\d\d(:\d\d)?)$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The opaque cursor of the queue: its sort, its order, the last row's key and id (another sort's cursor: 400). */
function encodeCursor(sort: QueueSort, order: string, key: string, id: string) {
  return Buffer.from(JSON.stringify([sort, order, key, id])).toString("base64url");
}

function decodeCursor(cursor: string, sort: QueueSort, order: string): { key: string; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) throw invalidCursor();
  const [s, o, key, id] = parsed as unknown[];
  if (s !== sort || o !== order || typeof key !== "string" || typeof id !== "string" || !UUID.test(id)) throw invalidCursor();
  if (sort === "company" ? key.length > 400 : !PG_INSTANT.test(key)) throw invalidCursor();
  return { key, id };
}

/** What `q` asks for: a SIREN, a partial reference, or words. */
export function queryKind(q: string): { kind: "siren"; siren: string } | { kind: "reference"; part: string } | { kind: "words"; words: string[] } | null {
  const text = q.trim();
  if (!text) return null;
  const digits = text.replace(/\s/g, "");
  if (/^\d{9}$/.test(digits)) return { kind: "siren", siren: digits };
  if (/^[\p{L}\d-]*\d[\p{L}\d-]*$/u.test(text) && text.length >= 2) return { kind: "reference", part: text.toUpperCase() };
  const words = (text.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'-]*/gu) ?? []).slice(0, 10);
  return words.length ? { kind: "words", words } : null;
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function searchCondition(q: string): Expression<SqlBool> | undefined {
  const k = queryKind(q);
  if (!k) return undefined;
  if (k.kind === "siren") return sql<SqlBool>`requests.siren = ${k.siren}`;
  // ILIKE on the column itself: the trigram index of the queue_sorts migration serves it.
  if (k.kind === "reference") return sql<SqlBool>`requests.reference ILIKE ${`%${likeEscape(k.part)}%`}`;
  const query = frenchQuery(q);
  const name = sql.join(
    k.words.map((w) => sql`requests.company_sort LIKE ${`%${likeEscape(w)}%`}`),
    sql` AND `,
  );
  return query
    ? sql<SqlBool>`(requests.search @@ ${query} OR (${name}) OR EXISTS (SELECT 1 FROM messages m WHERE m.request_id = requests.id AND m.search @@ ${query}))`
    : sql<SqlBool>`(${name})`;
}

/**
 * The queue of the agent's services (product §9, §18): open requests sorted by deadline (the most urgent first,
 * by default), date received, last activity or company name, in either order, with the filters of api.md; keyset
 * pagination on (sort key, id). Closed requests only when asked for by state.
 */
export async function queue(deps: RequestsDeps, agent: AgentScope, f: QueueFilters, cursor: string | undefined, limit: number) {
  const now = deps.clock.now();
  const services = servicesIn(agent, f.service);
  const sort = f.sort ?? "deadline";
  const order = f.order ?? "asc";
  const column = SORT_COLUMN[sort];
  let q = deps.db
    .selectFrom("requests")
    .select([
      ...repo.SUMMARY_COLUMNS,
      "requests.assignee_agent_id",
      "requests.version",
      "requests.campaign_id",
      sql<string>`${column}::text`.as("sort_key"),
      sql<Date | null>`NULLIF(requests.due_at, 'infinity')`.as("deadline"),
      sql<number>`(SELECT count(*)::int FROM messages m WHERE m.request_id = requests.id AND m.author_kind = 'person' AND m.read_by_administration_at IS NULL)`.as(
        "unread",
      ),
    ])
    .where("requests.service_code", "in", services)
    .where("requests.archived_at", "is", null);
  q = f.status ? q.where("requests.status", "=", f.status) : q.where("requests.status", "<>", "closed");
  q = q.where(originCondition(f.origin));
  if (f.tax) q = q.where("requests.tax", "=", f.tax);
  if (f.nature) q = q.where("requests.nature", "=", f.nature);
  if (f.siren) q = q.where("requests.siren", "=", f.siren);
  if (f.assignee === "none") q = q.where("requests.assignee_agent_id", "is", null);
  else if (f.assignee) q = q.where("requests.assignee_agent_id", "=", f.assignee === "me" ? agent.id : f.assignee);
  if (f.overdue) q = q.where(sql<boolean>`requests.due_at < ${now}`);
  if (f.dueSoon) q = q.where(sql<boolean>`requests.due_at >= ${now} AND requests.due_at < ${new Date(now.getTime() + DUE_SOON_MS)}`);
  const search = f.q ? searchCondition(f.q) : undefined;
  if (search) q = q.where(search);
  if (cursor) {
    const { key, id } = decodeCursor(cursor, sort, order);
    const typed = sort === "company" ? sql`${key}::text` : sql`${key}::timestamptz`;
    q = q.where(
      order === "asc" ? sql<boolean>`(${column}, requests.id) > (${typed}, ${id}::uuid)` : sql<boolean>`(${column}, requests.id) < (${typed}, ${id}::uuid)`,
    );
  }
  const rows = await q
    .orderBy(column, order)
    .orderBy("requests.id", order)
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const companies = await getCompanies(deps.db, [...new Set(page.map((r) => r.siren))]);
  const items: QueueItem[] = page.map((r) => ({
    id: r.id,
    reference: r.reference,
    siren: r.siren,
    companyName: companies.get(r.siren)?.name ?? r.siren,
    tax: r.tax,
    nature: r.nature,
    subject: r.subject,
    status: r.status,
    serviceCode: r.service_code,
    receivedAt: r.received_at,
    lastActivityAt: r.last_activity_at,
    origin: r.campaign_id ? "campaign" : r.origin,
    ...deadlineMarks(r.deadline ? new Date(r.deadline) : null, now),
    assigneeId: r.assignee_agent_id,
    unreadCount: r.unread,
    version: r.version,
  }));
  const last = page[page.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(sort, order, last.sort_key, last.id) : null };
}

/** The services an agent may look at: all of his, or the one asked for if it is his (else 404). */
/**
 * The requests of an origin, or without one those the queue shows by default: every origin but the campaign
 * threads the company has not answered. The queue and its counters apply the same rule.
 */
export function originCondition(origin: QueueOrigin | undefined): Expression<SqlBool> {
  const e = expressionBuilder<DB, "requests">();
  if (origin === "campaign") return e("requests.campaign_id", "is not", null);
  if (origin) return e.and([e("requests.origin", "=", origin), e("requests.campaign_id", "is", null)]);
  return e.or([e("requests.campaign_id", "is", null), e("requests.company_replied_at", "is not", null)]);
}

export function servicesIn(agent: AgentScope, service: string | undefined): string[] {
  if (!service) return agent.services;
  if (!agent.services.includes(service)) throw new DomainError("not_found", "service_not_found", "Service introuvable parmi les vôtres.");
  return [service];
}
