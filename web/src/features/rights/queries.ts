import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { client, ok } from "../../shared/api/client";

/**
 * Rights in the query cache. The offers (delegations) change only by what people do here: their own prefix. Who
 * acts for a company is data about the company: under "companies", with its page and the portfolio.
 */
export const rightsKeys = {
  delegations: ["delegations"] as const,
  representatives: (siren: string) => ["companies", "representatives", siren] as const,
};

/** What a change of rights refreshes: the offers, and every company (portfolio, company pages, who acts). */
export const rightsChanges = [rightsKeys.delegations, ["companies"]];

/** A page of the offers made to me and by me, newest first. */
export function delegationsPage(cursor: string | undefined, signal: AbortSignal) {
  return ok(client.GET("/api/v1/delegations", { params: { query: cursor ? { cursor } : {} }, signal }));
}

/** The people who act for a company, with their rights (administrators and deputies only). */
export function useRepresentatives(siren: string) {
  return useQuery({
    queryKey: rightsKeys.representatives(siren),
    queryFn: ({ signal }) => ok(client.GET("/api/v1/companies/{siren}/representatives", { params: { path: { siren } }, signal })).then((r) => r.items),
  });
}

/** What one may do with an offer, received or given. */
export type DelegationAction =
  | { kind: "accept" | "decline" | "withdraw"; id: string }
  | { kind: "state"; id: string; state: "suspended" | "active" }
  | { kind: "accept-all"; grantorSpaceId: string }
  | { kind: "revoke-batch"; ids: string[] };

async function perform(a: DelegationAction): Promise<void> {
  switch (a.kind) {
    case "accept":
      await ok(client.POST("/api/v1/delegations/{id}/accept", { params: { path: { id: a.id } } }));
      return;
    case "decline":
      await ok(client.POST("/api/v1/delegations/{id}/decline", { params: { path: { id: a.id } } }));
      return;
    case "withdraw":
      await ok(client.DELETE("/api/v1/delegations/{id}", { params: { path: { id: a.id } } }));
      return;
    case "state":
      await ok(client.PATCH("/api/v1/delegations/{id}", { params: { path: { id: a.id } }, body: { state: a.state } }));
      return;
    case "accept-all":
      await ok(client.POST("/api/v1/delegations/accept-all", { body: { grantorSpaceId: a.grantorSpaceId } }));
      return;
    case "revoke-batch":
      await ok(client.POST("/api/v1/delegations/revoke-batch", { body: { ids: a.ids } }));
      return;
  }
}

/** Accept, decline, suspend, reactivate, revoke: once done, the offers and the companies are asked again. */
export function useDelegationAction() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: perform,
    onSuccess: () => Promise.all(rightsChanges.map((queryKey) => queryClient.invalidateQueries({ queryKey }))),
  });
}

/**
 * Revokes rights on a company one after the other; whatever happened (a refusal half-way), the list is asked
 * again, so that it shows what was revoked.
 */
export function useRevokeRights(siren: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (ids: string[]) => {
      for (const rightId of ids) await ok(client.DELETE("/api/v1/companies/{siren}/rights/{rightId}", { params: { path: { siren, rightId } } }));
    },
    onSettled: () => Promise.all(rightsChanges.map((queryKey) => queryClient.invalidateQueries({ queryKey }))),
  });
}
