import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { client, ok } from "../../shared/api/client";
import type { QueryOf } from "../../shared/api/types";

/**
 * The company side's requests in the query cache: every key starts with "requests", so that a live event
 * (shared/live.ts) or a change refreshes them all; a request's page is `["requests", "detail", id]`.
 */
export const requestKeys = {
  all: ["requests"] as const,
  list: (filters: Record<string, string>) => ["requests", "list", filters] as const,
  detail: (id: string) => ["requests", "detail", id] as const,
};

type InboxQuery = QueryOf<"/api/v1/requests">;

/** A page of « Suivre mes demandes », 20 at a time, with the filters of the address (empty ones left out). */
export function inboxPage(filters: Record<string, string>, cursor: string | undefined, signal: AbortSignal) {
  // The address may carry anything: the server refuses a value it does not know, and the page says so.
  const query = { limit: 20, ...Object.fromEntries(Object.entries(filters).flatMap(([k, v]) => (v.trim() ? [[k, v.trim()]] : []))) } as InboxQuery;
  if (cursor) query.cursor = cursor;
  return ok(client.GET("/api/v1/requests", { params: { query }, signal }));
}

/** A request and its thread (reading it marks the administration's messages read). */
export function useRequest(id: string, enabled: boolean) {
  return useQuery({
    queryKey: requestKeys.detail(id),
    queryFn: ({ signal }) => ok(client.GET("/api/v1/requests/{id}", { params: { path: { id } }, signal })),
    enabled,
  });
}

/** The company a request is written for (its name and address on the form). */
export function useCompany(siren: string, enabled: boolean) {
  return useQuery({
    queryKey: ["companies", "detail", siren],
    queryFn: ({ signal }) => ok(client.GET("/api/v1/companies/{siren}", { params: { path: { siren } }, signal })),
    enabled: enabled && /^\d{9}$/.test(siren),
    retry: false,
  });
}

/**
 * The colleagues who may follow a request (same entity, a right that covers it), by name; `q` searches words of the
 * name. The first 20: the list says when there are more, and searching narrows it.
 */
export function usePossibleFollowers(id: string, q: string, enabled: boolean) {
  return useQuery({
    queryKey: [...requestKeys.detail(id), "possible-followers", q],
    queryFn: ({ signal }) =>
      ok(client.GET("/api/v1/requests/{id}/possible-followers", { params: { path: { id }, query: { limit: 20, ...(q ? { q } : {}) } }, signal })),
    enabled,
    placeholderData: keepPreviousData,
  });
}
