import { sql, type Expression, type SqlBool } from "kysely";
import type { Executor } from "../../platform/db/database.js";
import { invalidCursor } from "../../platform/cursor.js";
import { getCompanies, type CompanySummary } from "../companies/index.js";
import { companyEmailsOf } from "../adhesions/index.js";
import { liveRightsIn, softwareLimits } from "./rights.repository.js";
import { actingSoftware } from "../../platform/acting.js";
import { sortRights, type MyRight } from "./rights.views.js";

/**
 * « Mes entreprises » at 10,000 companies (product §14): keyset pages over `portfolio_entries` (one row per person
 * and company, kept by triggers), searched, filtered and sorted there; the page's live rights are then read fresh.
 */

export const PORTFOLIO_SORTS = ["name", "siren", "lastActivity", "unread", "openRequests"] as const;
export type PortfolioSort = (typeof PORTFOLIO_SORTS)[number];

export type PortfolioFilters = {
  /** A SIREN prefix (digits) or words of the name (each a prefix of a word, accents and case folded). */
  q?: string | undefined;
  service?: string | undefined;
  role?: string | undefined;
  hasUnread?: boolean | undefined;
  pendingAdhesion?: boolean | undefined;
};

export type PortfolioItem = {
  siren: string;
  name: string;
  address: string | null;
  companyEmail: string | null;
  rights: MyRight[];
  unreadCount: number;
  openRequests: number;
  lastActivityAt: Date | null;
  pendingAdhesions: number;
};

/** The folding of `portfolio_fold` (the migration), on the query side. */
export function foldName(text: string): string {
  return text
    .toLowerCase()
    .replace(/œ/g, "oe")
    .replace(/æ/g, "ae")
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
}

/** Where a page ends, and the total counted on the first page (carried along: later pages count nothing). */
type Cursor = { sort: PortfolioSort; key: string | number; siren: string; total: number };

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.sort, c.key, c.siren, c.total])).toString("base64url");
}

/** Decodes and checks a cursor fully: a crafted one is refused (400), never passed to the database as is. */
function decodeCursor(text: string, sort: PortfolioSort): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) throw invalidCursor();
  const [s, key, siren, total] = parsed as [unknown, unknown, unknown, unknown];
  if (s !== sort || typeof siren !== "string" || !/^\d{9}$/.test(siren)) throw invalidCursor();
  if (typeof total !== "number" || !Number.isInteger(total) || total < 0 || total >= 2 ** 31) throw invalidCursor();
  const valid =
    (sort === "name" && typeof key === "string" && key.length <= 400 && !key.includes("\u0000")) ||
    (sort === "siren" && key === siren) ||
    ((sort === "unread" || sort === "openRequests") && typeof key === "number" && Number.isInteger(key) && key >= 0 && key < 2 ** 31) ||
    (sort === "lastActivity" && typeof key === "string" && (key === "-infinity" || (/^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(key) && !Number.isNaN(Date.parse(key)))));
  if (!valid) throw invalidCursor();
  return { sort, key, siren, total };
}

const ORDER: Record<PortfolioSort, ReturnType<typeof sql>> = {
  name: sql`e.name_key, e.siren`,
  siren: sql`e.siren`,
  lastActivity: sql`activity.at DESC, e.siren DESC`,
  unread: sql`e.unread DESC, e.siren DESC`,
  openRequests: sql`e.open_requests DESC, e.siren DESC`,
};

function afterCursor(c: Cursor): Expression<SqlBool> {
  switch (c.sort) {
    case "name":
      return sql<SqlBool>`(e.name_key, e.siren) > (${c.key}, ${c.siren})`;
    case "siren":
      return sql<SqlBool>`e.siren > ${c.siren}`;
    case "lastActivity":
      return sql<SqlBool>`(activity.at, e.siren) < (${c.key}::timestamptz, ${c.siren})`;
    case "unread":
      return sql<SqlBool>`(e.unread, e.siren) < (${c.key}::integer, ${c.siren})`;
    case "openRequests":
      return sql<SqlBool>`(e.open_requests, e.siren) < (${c.key}::integer, ${c.siren})`;
  }
}

/** The conditions of a person's entries at an instant: live rights or a pending adhesion, then the filters. */
export function portfolioConditions(spaceId: string, at: Date, f: PortfolioFilters): Expression<SqlBool>[] {
  const where: Expression<SqlBool>[] = [
    sql<SqlBool>`e.space_id = ${spaceId}`,
    sql<SqlBool>`((cardinality(e.services) > 0 AND e.rights_from <= ${at} AND (e.rights_until IS NULL OR e.rights_until > ${at})) OR e.pending_adhesions > 0)`,
  ];
  const q = f.q?.trim() ?? "";
  const digits = q.replace(/\s+/g, "");
  if (/^\d{1,9}$/.test(digits)) {
    // The same prefix as a range of nine-digit SIREN, which an index on the SIREN reads (a LIKE on char(9) is a
    // LIKE on its text, which none does).
    where.push(sql<SqlBool>`e.siren LIKE ${`${digits}%`}`, sql<SqlBool>`e.siren BETWEEN ${digits.padEnd(9, "0")} AND ${digits.padEnd(9, "9")}`);
  } else if (q) {
    const words = foldName(q).split(" ").filter(Boolean).slice(0, 8);
    if (words.length) {
      // The person's word index (`portfolio_words`, the migration) finds the entries holding every word as a prefix
      // of one of their name's words, intersected inside the index: the search reads its matches, not the whole
      // portfolio. The same test in plain words follows, what the index's answer is checked against.
      where.push(sql<SqlBool>`portfolio_words(e.space_id, e.name_key) @@ portfolio_words_query(${spaceId}::uuid, ${words}::text[])`);
    }
    // Folded words hold only letters and digits: nothing in them is a LIKE wildcard.
    for (const word of words) {
      where.push(sql<SqlBool>`(' ' || e.name_key) LIKE ${`% ${word}%`}`);
    }
  }
  const software = actingSoftware();
  if (software && software.spaceId === spaceId) {
    // A software sees only the companies it was granted, where the person holds live rights (product §15).
    where.push(sql<SqlBool>`(cardinality(e.services) > 0 AND e.rights_from <= ${at} AND (e.rights_until IS NULL OR e.rights_until > ${at}))`);
    const limits = softwareLimits(software, sql.ref("e.siren"));
    if (limits) where.push(limits);
  }
  if (f.service) where.push(sql<SqlBool>`${f.service} = ANY (e.services)`);
  if (f.role) where.push(sql<SqlBool>`${f.role} = ANY (e.roles)`);
  if (f.hasUnread) where.push(sql<SqlBool>`e.unread > 0`);
  if (f.pendingAdhesion) where.push(sql<SqlBool>`e.pending_adhesions > 0`);
  return where;
}

type EntryRow = {
  siren: string;
  name_key: string;
  unread: number;
  open_requests: number;
  last_activity_at: Date;
  pending_adhesions: number;
  last_activity_text: string;
  total: number | null;
};

/**
 * The company's last activity within the taxes the person sees, read from its live requests: one probe of the
 * requests_inbox index per tax in which it has any (its company_activity rows). Not kept in the entry (a company
 * reply would rewrite every holder's row) nor in company_activity (every reply of a company would queue on that row).
 * For the rows of a page it is a few index probes; sorting by it reads it for every entry of the person.
 */
const ACTIVITY = sql`LEFT JOIN LATERAL (
  SELECT coalesce(max(latest.at), '-infinity'::timestamptz) AS at FROM company_activity a
  CROSS JOIN LATERAL (
    SELECT r.last_activity_at AS at FROM requests r WHERE r.siren = a.siren AND r.tax = a.tax AND r.archived_at IS NULL
    ORDER BY r.last_activity_at DESC, r.id DESC LIMIT 1) latest
  WHERE a.siren = e.siren AND 'messagerie' = ANY (e.services) AND (e.messagerie_taxes IS NULL OR a.tax = ANY (e.messagerie_taxes))
) activity ON true`;

/**
 * A page of the person's companies. The sorts and filters read only the person's entries, through indexes that
 * lead with the person: a page costs the same at 100 companies as at 10,000. `total` counts the matches.
 */
export async function pagePortfolio(
  db: Executor,
  spaceId: string,
  at: Date,
  options: { filters: PortfolioFilters; sort: PortfolioSort; limit: number; cursor?: string | undefined },
): Promise<{ items: PortfolioItem[]; nextCursor: string | null; total: number }> {
  const where = portfolioConditions(spaceId, at, options.filters);
  const cursor = options.cursor ? decodeCursor(options.cursor, options.sort) : undefined;
  const byCounters = countersAnswer(options.filters);
  // The total: on later pages, the one counted on the first; unfiltered (or unread only), the person's counters;
  // searched or filtered otherwise, the matches counted by the page's own scan (a window over the rows found).
  const countHere = !cursor && !byCounters;
  const [rows, counted] = await Promise.all([
    sql<EntryRow>`
      SELECT e.siren, e.name_key, e.unread, e.open_requests, activity.at AS last_activity_at, e.pending_adhesions,
             CASE WHEN activity.at = '-infinity' THEN '-infinity' ELSE to_char(activity.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END AS last_activity_text,
             ${countHere ? sql`count(*) OVER ()::integer` : sql`NULL::integer`} AS total
      FROM portfolio_entries e ${ACTIVITY} WHERE ${sql.join(cursor ? [...where, afterCursor(cursor)] : where, sql` AND `)}
      ORDER BY ${ORDER[options.sort]} LIMIT ${options.limit + 1}`.execute(db),
    cursor || !byCounters ? undefined : portfolioTotals(db, spaceId, at).then((t) => t[byCounters]),
  ]);
  const total = cursor ? cursor.total : (counted ?? rows.rows[0]?.total ?? 0);
  const page = rows.rows.slice(0, options.limit);
  const sirens = page.map((r) => r.siren);
  const [rights, companies, emails] = sirens.length
    ? await Promise.all([liveRightsIn(db, spaceId, at, sirens), getCompanies(db, sirens), companyEmailsOf(db, sirens)])
    : [[], new Map<string, CompanySummary & { addressLine: string | null }>(), new Map<string, string>()];
  const items = page.map((r) => ({
    siren: r.siren,
    name: companies.get(r.siren)?.name ?? r.siren,
    address: companies.get(r.siren)?.addressLine ?? null,
    companyEmail: emails.get(r.siren) ?? null,
    rights: sortRights(rights.filter((x) => x.siren === r.siren)),
    unreadCount: r.unread,
    openRequests: r.open_requests,
    lastActivityAt: r.last_activity_text === "-infinity" ? null : r.last_activity_at,
    pendingAdhesions: r.pending_adhesions,
  }));
  const last = page[page.length - 1];
  let nextCursor: string | null = null;
  if (rows.rows.length > options.limit && last) {
    const key = {
      name: last.name_key,
      siren: last.siren,
      lastActivity: last.last_activity_text,
      unread: last.unread,
      openRequests: last.open_requests,
    }[options.sort];
    nextCursor = encodeCursor({ sort: options.sort, key, siren: last.siren, total });
  }
  return { items, nextCursor, total };
}

/** Which of the person's counters gives the total of a list, if one does. */
function countersAnswer(f: PortfolioFilters): "companies" | "withUnread" | undefined {
  // The counters are the person's: a software limited to some companies counts its own matches.
  if (actingSoftware()) return undefined;
  if (f.q?.trim() || f.service || f.role || f.pendingAdhesion) return undefined;
  return f.hasUnread ? "withUnread" : "companies";
}

/**
 * The person's number of companies and unread messages over all of them (the page header), without counting rows:
 * the per-person counters kept by triggers, less the few entries whose rights have ended or not yet begun.
 */
export async function portfolioTotals(db: Executor, spaceId: string, at: Date): Promise<{ companies: number; unread: number; withUnread: number }> {
  const r = await sql<{ companies: number; unread: number; withUnread: number }>`
    SELECT coalesce(c.entries, 0) - coalesce(x.entries, 0) AS companies, coalesce(c.unread, 0) - coalesce(x.unread, 0) AS unread,
           coalesce(c.with_unread, 0) - coalesce(x.with_unread, 0) AS "withUnread"
    FROM (SELECT 1) AS one
    LEFT JOIN portfolio_counts c ON c.space_id = ${spaceId}
    LEFT JOIN (
      SELECT count(*)::integer AS entries, coalesce(sum(o.unread), 0)::integer AS unread, count(*) FILTER (WHERE o.unread > 0)::integer AS with_unread
      FROM (
        -- Not yet begun, or ended: two disjoint ranges, each read from its own index (portfolio_from, portfolio_until),
        -- so that the cost is the few entries out of their dates, not the whole portfolio.
        SELECT e.unread FROM portfolio_entries e
        WHERE e.space_id = ${spaceId} AND e.pending_adhesions = 0 AND e.rights_from > ${at}
        UNION ALL
        SELECT e.unread FROM portfolio_entries e
        WHERE e.space_id = ${spaceId} AND e.pending_adhesions = 0 AND e.rights_until IS NOT NULL AND e.rights_until <= ${at}
          AND (e.rights_from IS NULL OR e.rights_from <= ${at})
      ) AS o
    ) AS x ON true`.execute(db);
  return r.rows[0] ?? { companies: 0, unread: 0, withUnread: 0 };
}
