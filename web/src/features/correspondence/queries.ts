import { useQuery } from "@tanstack/react-query";
import { client, ok } from "../../shared/api/client";
import type { QueryOf } from "../../shared/api/types";
import { useKeysetList } from "../../shared/query";

/**
 * What the administration writes first, in the query cache: back-office data, so every key starts with
 * "backoffice" (the back office's live events refresh them all, and so does every write of an agent).
 */
export const correspondenceKeys = {
  all: ["backoffice"] as const,
  threads: ["backoffice", "threads"] as const,
  awaiting: (filters: AwaitingFilters) => ["backoffice", "threads", "awaiting", filters] as const,
  scheduled: ["backoffice", "threads", "scheduled"] as const,
  campaigns: ["backoffice", "campaigns"] as const,
  campaignList: ["backoffice", "campaigns", "list"] as const,
  campaign: (id: string) => ["backoffice", "campaigns", "detail", id] as const,
  recipients: (id: string, filters: RecipientFilters) => ["backoffice", "campaigns", "detail", id, "recipients", filters] as const,
};

/** The companies of the agent's competence (the server searches; the list shows the first ten). */
export const searchCompetence = (q: string, signal: AbortSignal) =>
  ok(client.GET("/api/v1/backoffice/companies", { params: { query: { limit: 10, q } }, signal })).then((r) => ({
    items: r.items,
    total: r.items.length,
    more: r.nextCursor !== null,
  }));

/** The name of a company of the agent's competence given by its SIREN (the SIREN itself when none). */
export const lookupCompetence = (siren: string, signal: AbortSignal) =>
  ok(client.GET("/api/v1/backoffice/companies", { params: { query: { limit: 1, q: siren } }, signal })).then(
    (r) => r.items[0] ?? { siren, name: siren, place: null },
  );

type AwaitingQuery = QueryOf<"/api/v1/backoffice/threads">;
export type AwaitingFilters = { waiting: "" | NonNullable<AwaitingQuery["waiting"]>; overdue: boolean };

/** What companies owe the administration, 50 at a time, overdue first. */
export function useAwaiting(filters: AwaitingFilters) {
  return useKeysetList(correspondenceKeys.awaiting(filters), (cursor, signal) =>
    ok(
      client.GET("/api/v1/backoffice/threads", {
        params: {
          query: {
            limit: 50,
            ...(filters.waiting ? { waiting: filters.waiting } : {}),
            ...(filters.overdue ? { overdue: "true" as const } : {}),
            ...(cursor ? { cursor } : {}),
          },
        },
        signal,
      }),
    ),
  );
}

/** The messages written to be published later, soonest first, 20 at a time. */
export function useScheduled() {
  return useKeysetList(correspondenceKeys.scheduled, (cursor, signal) =>
    ok(client.GET("/api/v1/backoffice/threads/scheduled", { params: { query: { limit: 20, ...(cursor ? { cursor } : {}) } }, signal })),
  );
}

/** The campaigns of the agent's services, newest first, 20 at a time. */
export function useCampaigns() {
  return useKeysetList(correspondenceKeys.campaignList, (cursor, signal) =>
    ok(client.GET("/api/v1/backoffice/campaigns", { params: { query: { limit: 20, ...(cursor ? { cursor } : {}) } }, signal })),
  );
}

/** One campaign: while the worker writes it, its progress is read again every two seconds. */
export function useCampaign(id: string) {
  return useQuery({
    queryKey: correspondenceKeys.campaign(id),
    queryFn: ({ signal }) => ok(client.GET("/api/v1/backoffice/campaigns/{id}", { params: { path: { id } }, signal })),
    refetchInterval: (query) => (query.state.data?.status === "running" ? 2_000 : false),
  });
}

type RecipientQuery = QueryOf<"/api/v1/backoffice/campaigns/{id}/recipients">;
export type RecipientFilters = { status: "" | NonNullable<RecipientQuery["status"]>; q: string };

/** The report of a finished campaign, line by line, 50 at a time, by result or searched. */
export function useRecipients(id: string, filters: RecipientFilters, enabled: boolean) {
  return useKeysetList(
    correspondenceKeys.recipients(id, filters),
    (cursor, signal) =>
      ok(
        client.GET("/api/v1/backoffice/campaigns/{id}/recipients", {
          params: {
            path: { id },
            query: {
              limit: 50,
              ...(filters.status ? { status: filters.status } : {}),
              ...(filters.q ? { q: filters.q } : {}),
              ...(cursor ? { cursor } : {}),
            },
          },
          signal,
        }),
      ),
    enabled,
  );
}
