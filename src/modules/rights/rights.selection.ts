import { sql } from "kysely";
import type { Executor } from "../../platform/db/database.js";
import { DomainError } from "../../platform/errors.js";
import { frenchCsvStream } from "../../platform/csv.js";
import { parisDateTime } from "../../platform/paris.js";
import { ROLE_LABELS } from "../../shared/labels.js";
import { serviceLabel } from "../adhesions/index.js";
import { pagePortfolio, portfolioConditions, type PortfolioFilters, type PortfolioItem, type PortfolioSort } from "./rights.portfolio.js";

/**
 * « Mes entreprises » beyond one page (product §14, §19): every company matching the filters, as a CSV file or as
 * the companies of a bulk delegation. Both read the same conditions as the table, so what is exported or delegated
 * is exactly what the table shows for those filters — and never another person's company.
 */

/** Rows read at a time for the CSV: keyset pages, so that 10,000 companies never sit in memory at once. */
const CSV_PAGE = 500;

const CSV_HEADER = [
  "SIREN",
  "Entreprise",
  "Services détenus",
  "Messages non lus",
  "Demandes en cours",
  "Adhésions en attente",
  "Dernière activité (heure de Paris)",
];

function csvRow(c: PortfolioItem): (string | number | null)[] {
  const services = c.rights.map((r) => `${serviceLabel(r.service)} (${ROLE_LABELS[r.role] ?? r.role})`).join(", ");
  return [c.siren, c.name, services, c.unreadCount, c.openRequests, c.pendingAdhesions, c.lastActivityAt ? parisDateTime(c.lastActivityAt) : null];
}

async function* pagesOf(db: Executor, spaceId: string, at: Date, filters: PortfolioFilters, sort: PortfolioSort): AsyncGenerator<(string | number | null)[][]> {
  let cursor: string | undefined;
  do {
    const page = await pagePortfolio(db, spaceId, at, { filters, sort, limit: CSV_PAGE, cursor });
    yield page.items.map(csvRow);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

/**
 * The person's companies matching the filters as a CSV for French spreadsheets (semicolons, UTF-8 with a BOM,
 * formulas neutralised), in the table's order, written page after page as it is read.
 */
export function portfolioCsv(db: Executor, spaceId: string, at: Date, filters: PortfolioFilters, sort: PortfolioSort): AsyncGenerator<string> {
  return frenchCsvStream(CSV_HEADER, pagesOf(db, spaceId, at, filters, sort));
}

/**
 * The SIREN of the person's companies matching the filters, for a bulk delegation to « the selection »: refused
 * (413 `too_many_companies`, the bulk delegation's own refusal) beyond `max`, with how many matched and what to do.
 */
export async function selectedSirens(db: Executor, spaceId: string, at: Date, filters: PortfolioFilters, max: number): Promise<string[]> {
  const rows = await sql<{ siren: string; total: number }>`
    SELECT e.siren, count(*) OVER ()::integer AS total FROM portfolio_entries e
    WHERE ${sql.join(portfolioConditions(spaceId, at, filters), sql` AND `)}
    ORDER BY e.siren LIMIT ${max + 1}`.execute(db);
  const total = rows.rows[0]?.total ?? 0;
  if (total > max) {
    throw new DomainError(
      "too_large",
      "too_many_companies",
      `La sélection compte ${total} entreprises : une délégation groupée porte sur ${max} entreprises au plus. Affinez les filtres (recherche, service, rôle, messages non lus) pour en retenir ${max} au plus.`,
      { selected: total, max },
    );
  }
  return rows.rows.map((r) => r.siren);
}
