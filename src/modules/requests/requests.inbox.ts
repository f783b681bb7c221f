/** « Suivre mes demandes »: the requests a person may see, filtered, searched in French, keyset-paginated. */
import { sql, type SelectQueryBuilder } from "kysely";
import type { DB, RequestStatus } from "../../platform/db/schema.js";
import { decodeKeyset, encodeKeyset } from "../../platform/cursor.js";
import { PREPARED } from "../../platform/db/database.js";
import { messagerieCovers, messagerieReach, messagerieScope } from "../rights/index.js";
import { TAX_CODES } from "./requests.catalogue.js";
import * as repo from "./requests.repository.js";
import { type RequestsDeps } from "./requests.service.js";
import { toSummary } from "./requests.views.js";
import { followersOf } from "./requests.follow.js";

export type ListFilters = {
  siren?: string | undefined;
  status?: RequestStatus | undefined;
  tax?: string | undefined;
  nature?: string | undefined;
  q?: string | undefined;
  archived?: boolean | undefined;
  /** Only requests with messages of the administration not yet read. */
  unread?: boolean | undefined;
  /** Filed at or after this instant, and before that one. */
  receivedFrom?: Date | undefined;
  receivedBefore?: Date | undefined;
  /** Only the requests this person follows (« suivie par »). */
  followedBy?: string | undefined;
};

/**
 * A French full-text query: every word must match. Snowball's French stemmer gives « crédit » → cred but
 * « crédits » → credit, so each word also matches its singular and plural forms. References match as words too.
 */
export function frenchQuery(text: string) {
  const words = (text.match(/[\p{L}\p{N}][\p{L}\p{N}'-]*/gu) ?? []).slice(0, 10);
  if (words.length === 0) return undefined;
  return sql`(${sql.join(
    words.map((w) => {
      const forms = [...new Set([w, `${w}s`, w.replace(/s$/i, "")])].filter(Boolean);
      return sql`(${sql.join(
        forms.map((f) => sql`plainto_tsquery('messagerie_fr', ${f})`),
        sql` || `,
      )})`;
    }),
    sql` && `,
  )})`;
}

/** How the inbox finds its page: see FEW_COMPANIES and STEERED_COMPANIES (tests compare the three). */
export type InboxPlan = "walk" | "per_company" | "steered";

/** The inbox's cursor: (last activity, id). */
export const encodeCursor = encodeKeyset;
export function decodeCursor(cursor: string): [Date, string] {
  const { at, id } = decodeKeyset(cursor);
  return [at, id];
}

/**
 * Beyond this many companies, the inbox walks the requests by activity and keeps the visible ones; up to it, it reads
 * each (company, tax) of the person's rights by its own index and merges them. The walk is right for a portfolio
 * (most requests it passes are hers); for a person of a few companies it would pass every other company's newer
 * requests first — a campaign of the administration writes 100,000 of them in a minute.
 */
export const FEW_COMPANIES = 25;
/**
 * Up to this many companies in her portfolio (product §14 speaks of 10,000), the walk is steered by the person's
 * companies: the activity index carries each request's company, so the walk skips other companies' requests inside
 * the index (a probe in her companies and tax-scoped (company, tax) pairs, hashed once per statement: no visit of the
 * table, no rights probe). Beyond it she sees so large a share of the companies that the plain walk, which probes the
 * rights for each request it passes, costs less than hashing all of hers.
 */
export const STEERED_COMPANIES = 20_000;

/**
 * The plan last chosen for a portfolio, per person, kept by this process for a minute: her next pages and refreshes
 * skip the round trip that reads her reach. Only a portfolio's plans are kept (steered, walk): both read her rights
 * inside their own statement, so a hint grown stale (rights withdrawn meanwhile) may give a slower plan, never another
 * page; a kept plan that walks to the end of the requests is dropped. A person of few companies is read each time:
 * her rights are the per-company plan's input.
 */
const PLAN_HINT_MS = 60_000;
const PLAN_HINTS_MAX = 10_000;
const planHints = new Map<string, { plan: "steered" | "walk"; until: number }>();

/** The portfolio plan this process keeps for the person, while it holds. */
export function hintedInboxPlan(spaceId: string, now: Date): "steered" | "walk" | undefined {
  const hint = planHints.get(spaceId);
  if (hint && hint.until > now.getTime()) return hint.plan;
  if (hint) planHints.delete(spaceId);
  return undefined;
}

/** Forgets every kept plan: the next call of each person chooses afresh (what a measure of that first call needs). */
export function forgetInboxPlans(): void {
  planHints.clear();
}

function rememberPlan(spaceId: string, plan: "steered" | "walk", now: Date): void {
  planHints.delete(spaceId);
  planHints.set(spaceId, { plan, until: now.getTime() + PLAN_HINT_MS });
  // The oldest hint goes first (a Map keeps the order of insertion).
  if (planHints.size > PLAN_HINTS_MAX) planHints.delete(planHints.keys().next().value!);
}

/**
 * The inbox (« Suivre mes demandes »): every request the person may see, across companies and taxes, by last
 * activity, keyset-paginated (no OFFSET), with French full-text search over references, subjects and messages.
 */
export async function listRequests(
  deps: RequestsDeps,
  spaceId: string,
  filters: ListFilters,
  limit: number,
  cursor?: string,
  options: { plan?: InboxPlan } = {},
) {
  const now = deps.clock.now();
  const after = cursor ? decodeCursor(cursor) : undefined;
  // The requests a person follows are read by their own index (the follower's, by activity): the walk, narrowed to them.
  const walk = options.plan === "walk" || (options.plan === undefined && filters.followedBy !== undefined);
  // Up to FEW_COMPANIES, her rights themselves (a few rows); beyond, the size of her portfolio decides between the
  // steered walk and the plain one (a decision this process then keeps a minute).
  const hinted = walk || options.plan ? undefined : hintedInboxPlan(spaceId, now);
  const { reach, portfolio } =
    walk || hinted || options.plan === "steered"
      ? { reach: undefined, portfolio: 0 }
      : await messagerieReach(deps.db, spaceId, now, options.plan === "per_company" ? 1_000_000 : FEW_COMPANIES);
  const plan: InboxPlan = walk ? "walk" : (options.plan ?? hinted ?? (reach ? "per_company" : portfolio <= STEERED_COMPANIES ? "steered" : "walk"));
  if (!walk && !options.plan && !hinted && plan !== "per_company") rememberPlan(spaceId, plan, now);
  const pairs =
    plan === "per_company" && reach
      ? [
          ...new Set(
            reach
              .filter((r) => !filters.siren || r.siren === filters.siren)
              .flatMap((r) => (r.taxScope ?? TAX_CODES).filter((tax) => !filters.tax || tax === filters.tax).map((tax) => `${r.siren}|${tax}`)),
          ),
        ].map((p) => p.split("|") as [string, string])
      : undefined;
  const filtered = <O>(base: SelectQueryBuilder<DB, "requests", O>, scope = messagerieScope(spaceId, now)) => {
    let q = base.where(scope);
    q = filters.archived ? q.where("requests.archived_at", "is not", null) : q.where("requests.archived_at", "is", null);
    if (filters.siren) q = q.where("requests.siren", "=", filters.siren);
    if (filters.status) q = q.where("requests.status", "=", filters.status);
    if (filters.tax) q = q.where("requests.tax", "=", filters.tax);
    if (filters.nature) q = q.where("requests.nature", "=", filters.nature);
    if (filters.followedBy) q = q.where("requests.followed_by", "=", filters.followedBy);
    if (filters.unread) {
      q = q.where(
        sql<boolean>`EXISTS (SELECT 1 FROM messages m WHERE m.request_id = requests.id AND m.author_kind <> 'person' AND m.read_by_company_at IS NULL)`,
      );
    }
    if (filters.receivedFrom) q = q.where("requests.received_at", ">=", filters.receivedFrom);
    if (filters.receivedBefore) q = q.where("requests.received_at", "<", filters.receivedBefore);
    const query = filters.q ? frenchQuery(filters.q) : undefined;
    if (query) {
      q = q.where(
        sql<boolean>`(requests.search @@ ${query}
          OR EXISTS (SELECT 1 FROM messages m WHERE m.request_id = requests.id AND m.search @@ ${query}))`,
      );
    }
    if (after) q = q.where(sql<boolean>`(requests.last_activity_at, requests.id) < (${after[0]}, ${after[1]}::uuid)`);
    return q
      .orderBy("requests.last_activity_at", "desc")
      .orderBy("requests.id", "desc")
      .limit(sql.lit(Math.trunc(limit) + 1));
  };
  // The company's and the service's names come with the rows (keys, a page of probes): no round trip of their own.
  const shown = deps.db
    .selectFrom("requests")
    .leftJoin("companies", "companies.siren", "requests.siren")
    .leftJoin("tax_services", "tax_services.code", "requests.service_code")
    .select([
      ...repo.SUMMARY_COLUMNS,
      "companies.name as company_name",
      "tax_services.name as service_name",
      "requests.followed_by",
      sql<number>`(SELECT count(*)::int FROM messages m WHERE m.request_id = requests.id AND m.author_kind <> 'person' AND m.read_by_company_at IS NULL)`.as(
        "unread",
      ),
    ]);
  /** The rows to show for these ids, in the order of the ids. */
  const inOrder = async (ids: string[]) => {
    const found = ids.length ? await shown.where("requests.id", "in", ids).execute() : [];
    const order = new Map(ids.map((id, i) => [id, i]));
    return found.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  };
  let rows: Awaited<ReturnType<typeof shown.execute>>;
  if (pairs) {
    if (pairs.length === 0) return { items: [], nextCursor: null };
    // Each (company, tax) read newest first by the inbox index, at most a page each, merged; then the page's rows.
    const perPair = filtered(deps.db.selectFrom("requests").select(["requests.id", "requests.last_activity_at"])).where(
      sql<boolean>`requests.siren = p.siren AND requests.tax = p.tax`,
    );
    const merged = await sql<{ id: string }>`
      SELECT r.id FROM unnest(${pairs.map((p) => p[0])}::char(9)[], ${pairs.map((p) => p[1])}::text[]) AS p(siren, tax)
      CROSS JOIN LATERAL (${perPair}) AS r
      ORDER BY r.last_activity_at DESC, r.id DESC LIMIT ${limit + 1}`.execute(deps.db);
    rows = await inOrder(merged.rows.map((r) => r.id));
  } else if (plan === "steered") {
    // One statement: the walk by activity, each request passed tested inside the activity index (an index-only scan)
    // against her companies and (company, tax) pairs hashed once (messagerieCovers); then the page's rows by their
    // keys. No list of thousands of companies travels or is planned, and taxes that thin out the requests only make
    // the walk go on.
    const walked = filtered(deps.db.selectFrom("requests").select(["requests.id", "requests.last_activity_at"]), messagerieCovers(spaceId, now)).as("w");
    // Prepared, its limit written in it: the plan (the same whatever the person) is made once per connection, not at
    // each call (a generic plan with the limit as a parameter would assume a tenth of the requests and be refused).
    const query = shown.innerJoin(walked, "w.id", "requests.id").orderBy("w.last_activity_at", "desc").orderBy("w.id", "desc");
    rows = (await sql<(typeof rows)[number]>`${sql.raw(PREPARED)} ${query}`.execute(deps.db)).rows;
  } else {
    rows = await filtered(shown).execute();
  }
  // A kept plan that came back with less than a full page walked to the end of the requests: her last page, or rights
  // withdrawn meanwhile (a walk for a few companies passes every other company's requests). Chosen afresh next time.
  if (hinted && rows.length <= limit) planHints.delete(spaceId);
  const page = rows.slice(0, limit);
  const followers = await followersOf(
    deps.db,
    page.filter((r) => r.followed_by).map((r) => r.id),
    now,
  );
  const items = page.map((r) => ({
    ...toSummary(r, r.company_name ?? undefined, r.service_name ?? undefined, r.unread),
    followedBy: followers.get(r.id) ?? null,
  }));
  const last = page[page.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.last_activity_at, last.id) : null };
}
