/** « Suivre mes demandes »: the requests a person may see, filtered, searched in French, keyset-paginated. */
import { sql, type SelectQueryBuilder } from "kysely";
import type { DB, RequestStatus } from "../../platform/db/schema.js";
import { decodeKeyset, encodeKeyset } from "../../platform/cursor.js";
import { getCompanies } from "../companies/index.js";
import { messagerieReach, messagerieScope } from "../rights/index.js";
import { TAX_CODES } from "./requests.catalogue.js";
import * as repo from "./requests.repository.js";
import { type RequestsDeps } from "./requests.service.js";
import { serviceNames, toSummary } from "./requests.views.js";
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
 * Up to this many companies (a portfolio: product §14 speaks of 10,000), the walk is steered by the person's list of
 * companies: the activity index carries each request's company, so the walk skips other companies' requests inside
 * the index (a hashed list, no visit of the table, no rights probe) and the rights are checked on the page's
 * candidates only. Beyond it the person sees so large a share of the companies that the plain walk is as good.
 */
export const STEERED_COMPANIES = 20_000;

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
  const reach = walk
    ? undefined
    : await messagerieReach(deps.db, spaceId, now, options.plan === "per_company" || options.plan === "steered" ? 1_000_000 : STEERED_COMPANIES);
  const reachable = reach && [...new Set(reach.map((r) => r.siren))];
  const plan: InboxPlan = walk ? "walk" : (options.plan ?? (!reachable ? "walk" : reachable.length <= FEW_COMPANIES ? "per_company" : "steered"));
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
  const filtered = <O>(base: SelectQueryBuilder<DB, "requests", O>, scoped = true) => {
    let q = scoped ? base.where(messagerieScope(spaceId, now)) : base;
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
      .limit(limit + 1);
  };
  const shown = deps.db
    .selectFrom("requests")
    .select([
      ...repo.SUMMARY_COLUMNS,
      "requests.followed_by",
      sql<number>`(SELECT count(*)::int FROM messages m WHERE m.request_id = requests.id AND m.author_kind <> 'person' AND m.read_by_company_at IS NULL)`.as(
        "unread",
      ),
    ]);
  /** The rows to show for these ids (those the query `q` keeps), in the order of the ids. */
  const inOrder = async (ids: string[], q: typeof shown = shown) => {
    const found = ids.length ? await q.where("requests.id", "in", ids).execute() : [];
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
  } else if (plan === "steered" && reachable) {
    // Candidates in activity order among the person's companies (filters applied), kept when one of her rights on the
    // company covers the request's tax (the rights just read, at the same instant as the scope would read them: no
    // second reading of thousands of rights), then the page's rows; a batch the taxes thin out is followed by a larger one.
    // The list as one array literal (SIREN are digits): the driver would quote and escape thousands of elements one by one.
    const steer = sql<boolean>`requests.siren = ANY(${`{${reachable.join(",")}}`}::char(9)[])`;
    const scopes = new Map<string, (string[] | null)[]>();
    for (const r of reach) scopes.set(r.siren, [...(scopes.get(r.siren) ?? []), r.taxScope]);
    const covered = (c: { siren: string; tax: string }) => scopes.get(c.siren)?.some((scope) => scope === null || scope.includes(c.tax)) === true;
    rows = [];
    // The page's cursor is in `filtered`; `from` is where the previous batch stopped.
    let from: [Date, string] | undefined;
    for (let batch = limit + 1; rows.length <= limit; batch = Math.min(batch * 4, 2_000)) {
      const page = filtered(deps.db.selectFrom("requests").select(["requests.id", "requests.last_activity_at", "requests.siren", "requests.tax"]), false)
        .where(steer)
        .clearLimit()
        .limit(batch);
      const candidates = await (from ? page.where(sql<boolean>`(requests.last_activity_at, requests.id) < (${from[0]}, ${from[1]}::uuid)`) : page).execute();
      if (candidates.length === 0) break;
      rows.push(...(await inOrder(candidates.filter(covered).map((c) => c.id))));
      if (candidates.length < batch) break;
      const last = candidates[candidates.length - 1]!;
      from = [last.last_activity_at, last.id];
    }
    rows = rows.slice(0, limit + 1);
  } else {
    rows = await filtered(shown).execute();
  }
  const page = rows.slice(0, limit);
  const [companies, services, followers] = await Promise.all([
    getCompanies(deps.db, [...new Set(page.map((r) => r.siren))]),
    serviceNames(deps.db, [...new Set(page.map((r) => r.service_code))]),
    followersOf(
      deps.db,
      page.filter((r) => r.followed_by).map((r) => r.id),
      now,
    ),
  ]);
  const items = page.map((r) => ({
    ...toSummary(r, companies.get(r.siren)?.name, services.get(r.service_code), r.unread),
    followedBy: followers.get(r.id) ?? null,
  }));
  const last = page[page.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.last_activity_at, last.id) : null };
}
