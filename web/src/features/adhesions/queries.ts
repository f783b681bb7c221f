import { useQuery } from "@tanstack/react-query";
import { client, ok } from "../../shared/api/client";

/**
 * Adhesions in the query cache: about companies, so under "companies" (an adhesion asked, activated or cancelled
 * refreshes the portfolio and « mes demandes d'adhésion » with them). A company e-mail link changes only when used.
 */
export const adhesionKeys = {
  all: ["companies", "adhesions"] as const,
  batch: (id: string) => ["companies", "adhesions", "batch", id] as const,
  emailLink: (token: string) => ["company-email-link", token] as const,
};

/** A batch of adhesions: read again every 800 ms while it runs, then left as it ended. */
export function useAdhesionBatch(id: string) {
  return useQuery({
    queryKey: adhesionKeys.batch(id),
    queryFn: ({ signal }) => ok(client.GET("/api/v1/adhesions/batch/{id}", { params: { path: { id } }, signal })),
    refetchInterval: (query) => (query.state.data?.status === "running" && !query.state.error ? 800 : false),
  });
}

/** What a company e-mail link is about, without consuming it (mail scanners open links too). */
export function useCompanyEmailLink(token: string) {
  return useQuery({
    queryKey: adhesionKeys.emailLink(token),
    queryFn: ({ signal }) => ok(client.GET("/api/v1/company-email/link", { params: { query: { token } }, signal })),
  });
}
