import { useQuery } from "@tanstack/react-query";
import { client, ok } from "../../shared/api/client";
import { useKeysetList } from "../../shared/query";
import type { QueryOf } from "../../shared/api/types";

/**
 * « Mes entreprises » and a company's page in the query cache: every key starts with "companies", so that a live
 * event (shared/live.ts) or a change of rights, adhesions or requests refreshes them. A company's page shares
 * `["companies", "detail", siren]` with the request form (features/requests/queries.ts).
 */
export const companyKeys = {
  all: ["companies"] as const,
  portfolio: (filters: PortfolioFilters) => ["companies", "portfolio", filters] as const,
  detail: (siren: string) => ["companies", "detail", siren] as const,
};

/** The filters of « Mes entreprises », read from the address. */
export type PortfolioFilters = {
  q: string;
  service: string;
  role: string;
  hasUnread: boolean;
  pendingAdhesion: boolean;
  sort: string;
};

type PortfolioQuery = QueryOf<"/api/v1/companies">;

/** The filters as in the address: empty ones and the default sort left out (the table, its CSV, the selection). */
export function portfolioSearch(filters: PortfolioFilters): URLSearchParams {
  const p = new URLSearchParams();
  if (filters.q.trim()) p.set("q", filters.q.trim());
  if (filters.service) p.set("service", filters.service);
  if (filters.role) p.set("role", filters.role);
  if (filters.hasUnread) p.set("hasUnread", "true");
  if (filters.pendingAdhesion) p.set("pendingAdhesion", "true");
  if (filters.sort && filters.sort !== "name") p.set("sort", filters.sort);
  return p;
}

/** The filters read back from an address (« Mes entreprises », or the selection handed to the bulk delegation). */
export function portfolioFiltersOf(params: URLSearchParams): PortfolioFilters {
  return {
    q: params.get("q") ?? "",
    service: params.get("service") ?? "",
    role: params.get("role") ?? "",
    hasUnread: params.get("hasUnread") === "true",
    pendingAdhesion: params.get("pendingAdhesion") === "true",
    sort: params.get("sort") ?? "name",
  };
}

/** The CSV of every company matching the filters (GET /api/v1/companies.csv): a plain link, downloaded by the browser. */
export const portfolioCsvUrl = (filters: PortfolioFilters) => {
  const query = portfolioSearch(filters).toString();
  return `/api/v1/companies.csv${query ? `?${query}` : ""}`;
};

/** A page of « Mes entreprises », 50 at a time, with the filters of the address (empty ones left out). */
function portfolioPage(filters: PortfolioFilters, cursor: string | undefined, signal: AbortSignal) {
  // The address may carry anything: the server refuses a value it does not know, and the page says so.
  const query: PortfolioQuery = {
    limit: 50,
    ...(filters.q ? { q: filters.q } : {}),
    ...(filters.service ? { service: filters.service as PortfolioQuery["service"] } : {}),
    ...(filters.role ? { role: filters.role as PortfolioQuery["role"] } : {}),
    ...(filters.hasUnread ? { hasUnread: "true" as const } : {}),
    ...(filters.pendingAdhesion ? { pendingAdhesion: "true" as const } : {}),
    ...(filters.sort ? { sort: filters.sort as PortfolioQuery["sort"] } : {}),
    ...(cursor ? { cursor } : {}),
  };
  return ok(client.GET("/api/v1/companies", { params: { query }, signal }));
}

/**
 * « Mes entreprises » as a keyset list that also knows how many companies match (`total`, from the server). While
 * other filters are being asked for, the previous list stays on screen.
 */
export function usePortfolio(filters: PortfolioFilters) {
  return useKeysetList(companyKeys.portfolio(filters), (cursor, signal) => portfolioPage(filters, cursor, signal), true, true, PORTFOLIO_KEPT_MS);
}

/**
 * How long the pages of « Mes entreprises » stay in the cache once the page is left: coming back (the back button,
 * after a company's page or its requests) shows every page loaded before, at the place it was read.
 */
const PORTFOLIO_KEPT_MS = 30 * 60_000;

/** My adhesions waiting for their letter's code (« Activations en attente »), soonest expiry first. */
export function usePendingActivations(enabled: boolean) {
  return useKeysetList(
    ["companies", "adhesions", "list", "letter_issued"],
    (cursor, signal) =>
      ok(client.GET("/api/v1/adhesions", { params: { query: { status: "letter_issued", limit: 20, ...(cursor ? { cursor } : {}) } }, signal })),
    enabled,
  );
}

/** A company of the portfolio: its address, its e-mail, my rights on it. */
export function useCompanyDetail(siren: string, enabled: boolean) {
  return useQuery({
    queryKey: companyKeys.detail(siren),
    queryFn: ({ signal }) => ok(client.GET("/api/v1/companies/{siren}", { params: { path: { siren } }, signal })),
    enabled,
  });
}
