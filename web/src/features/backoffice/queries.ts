import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { client, ok } from "../../shared/api/client";
import type { paths } from "../../api.gen";
import type { QueryOf } from "../../shared/api/types";

/**
 * The back office in the query cache: every key starts with "backoffice", so that the agent's live stream
 * (shared/live.ts, mounted by the Layout) and every change refresh them; a request's page is
 * `["backoffice", "request", id]` (the key its reply draft holds).
 */
export const backofficeKeys = {
  all: ["backoffice"] as const,
  queue: (filters: QueueFilters) => ["backoffice", "queue", filters] as const,
  counts: (service: string, origin: string) => ["backoffice", "counts", service, origin] as const,
  request: (id: string) => ["backoffice", "request", id] as const,
  /** Who else has the request open (refreshed by `presence.updated` only). */
  presence: (id: string) => ["backoffice", "presence", id] as const,
  search: (q: string) => ["backoffice", "search", q] as const,
  company: (siren: string) => ["backoffice", "company", siren] as const,
  stats: (period: StatsQuery) => ["backoffice", "stats", period] as const,
  /** The answer templates of my services (the templates page). */
  templates: ["backoffice", "templates"] as const,
  /**
   * What shows a template: the templates page, and every request page (its template picker has the templates
   * of the request's service, filled in).
   */
  templateViews: [
    ["backoffice", "templates"],
    ["backoffice", "request"],
  ] as const,
  /** What lists requests (a request leaving my services leaves them all). */
  lists: [
    ["backoffice", "queue"],
    ["backoffice", "counts"],
    ["backoffice", "search"],
    ["backoffice", "company"],
  ] as const,
};

/** The queue's filters and sort as the form and the address hold them (empty ones are left out of the call). */
export type QueueFilters = {
  service: string;
  status: string;
  tax: string;
  nature: string;
  assignee: string;
  overdue: boolean;
  dueSoon: boolean;
  q: string;
  origin: string;
  sort: string;
  order: string;
};
export type StatsQuery = QueryOf<"/api/v1/backoffice/stats">;
type QueueOrigin = NonNullable<QueryOf<"/api/v1/backoffice/requests/counts">["origin"]>;

/** A page of the queue of my services, with the filters and the sort applied. */
export function queuePage(filters: QueueFilters, cursor: string | undefined, signal: AbortSignal) {
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(filters)) {
    if (v === true) query[k] = "true";
    else if (typeof v === "string" && v.trim()) query[k] = v.trim();
  }
  if (cursor) query.cursor = cursor;
  return ok(client.GET("/api/v1/backoffice/requests", { params: { query }, signal }));
}

/** The counters above the queue (per state, overdue, due soon, unassigned, mine), for the service and origin of the list. */
export function useQueueCounts(service: string, origin: string) {
  const query = { ...(service ? { service } : {}), ...(origin ? { origin: origin as QueueOrigin } : {}) };
  return useQuery({
    queryKey: backofficeKeys.counts(service, origin),
    queryFn: ({ signal }) => ok(client.GET("/api/v1/backoffice/requests/counts", { params: { query }, signal })),
  });
}

/**
 * A request as an agent works it: thread, notes, company context, templates (each reading is journaled).
 * `enabled` false until an agent is signed in (a page's title reads it before its session is known).
 */
export function useAgentRequest(id: string, enabled = true) {
  return useQuery({
    queryKey: backofficeKeys.request(id),
    queryFn: ({ signal }) => ok(client.GET("/api/v1/backoffice/requests/{id}", { params: { path: { id } }, signal })),
    enabled,
  });
}

/** The full-text search over my services' requests; nothing is asked while `q` is empty. */
export function useAgentSearch(q: string) {
  return useQuery({
    queryKey: backofficeKeys.search(q),
    queryFn: ({ signal }) => ok(client.GET("/api/v1/backoffice/search", { params: { query: { q } }, signal })),
    enabled: q.trim() !== "",
  });
}

/**
 * The adhesion desk of a company: adhesions, letters (newest first), rights, oppositions, alerts, requests. Every
 * desk action invalidates `backofficeKeys.all`, this key with it: a re-issued letter shows at once.
 */
export function useDesk(siren: string, enabled = true) {
  return useQuery({
    queryKey: backofficeKeys.company(siren),
    queryFn: ({ signal }) => ok(client.GET("/api/v1/backoffice/companies/{siren}", { params: { path: { siren } }, signal })),
    enabled,
  });
}

/**
 * The companies whose desk the agent opens (his SIEs'), by SIREN prefix or words of the name: the first ten of
 * a keyset-paginated search (`more` when others follow — the agent types more to find them).
 */
export const searchDesks = (q: string, signal: AbortSignal) =>
  ok(client.GET("/api/v1/backoffice/companies", { params: { query: { purpose: "desk", limit: 10, q } }, signal })).then((r) => ({
    items: r.items,
    total: r.items.length,
    more: r.nextCursor !== null,
  }));

/** The supervisors' figures for a service and a period. */
export function useStats(period: StatsQuery) {
  return useQuery({
    queryKey: backofficeKeys.stats(period),
    queryFn: ({ signal }) => ok(client.GET("/api/v1/backoffice/stats", { params: { query: period }, signal })),
    // Another period: the figures shown stay until the new ones come.
    placeholderData: keepPreviousData,
  });
}

/** What the bulk actions choose from: my colleagues (with their services) and the services to transfer to. */
export function useBulkOptions(enabled: boolean) {
  return useQuery({
    queryKey: ["backoffice", "bulk-options"],
    queryFn: ({ signal }) => ok(client.GET("/api/v1/backoffice/requests/bulk/options", { signal })),
    enabled,
    staleTime: 5 * 60_000,
  });
}

/** The answer templates of my services, with the placeholders they may use (name → meaning). */
export function useTemplates() {
  return useQuery({
    queryKey: backofficeKeys.templates,
    queryFn: ({ signal }) => ok(client.GET("/api/v1/backoffice/templates", { signal })),
  });
}

export type PaperReply = NonNullable<paths["/api/v1/backoffice/requests/{id}/paper-reply"]["post"]["requestBody"]>["content"]["application/json"];

/** Records an answer the company sent by post (date received, scans, internal note); the back office is then refreshed. */
export function usePaperReply(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: PaperReply) => ok(client.POST("/api/v1/backoffice/requests/{id}/paper-reply", { params: { path: { id } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: backofficeKeys.all }),
  });
}
