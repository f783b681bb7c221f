import { useQuery } from "@tanstack/react-query";
import { client, ok } from "../../shared/api/client";
import { useKeysetList } from "../../shared/query";

/**
 * Software in the query cache. What a person allowed (her grants, a consent being asked) changes only by her
 * hand: keys under "software". The software acting for a company is data about the company, under "companies",
 * so that a change of rights (a person who loses them takes her software with her) refreshes it.
 */
export const softwareKeys = {
  all: ["software"] as const,
  interaction: (uid: string) => ["software", "interaction", uid] as const,
  authorized: ["software", "authorized"] as const,
  company: (siren: string) => ["companies", "software", siren] as const,
};

/** The consent being asked (who asks, for what): read once, it does not change while the page is open. */
export function useInteraction(uid: string, enabled: boolean) {
  return useQuery({
    queryKey: softwareKeys.interaction(uid),
    queryFn: ({ signal }) => ok(client.GET("/api/v1/oauth/interactions/{uid}", { params: { path: { uid } }, signal })),
    enabled,
    staleTime: Infinity,
  });
}

/** « Logiciels autorisés »: the person's grants, 50 at a time. */
export function useAuthorizedSoftware(enabled: boolean) {
  return useKeysetList(
    softwareKeys.authorized,
    (cursor, signal) => ok(client.GET("/api/v1/authorized-software", { params: { query: { limit: 50, ...(cursor ? { cursor } : {}) } }, signal })),
    enabled,
  );
}

/** The software acting for a company (administrators and deputies), 50 at a time. */
export function useCompanySoftware(siren: string) {
  return useKeysetList(softwareKeys.company(siren), (cursor, signal) =>
    ok(client.GET("/api/v1/companies/{siren}/software", { params: { path: { siren }, query: { limit: 50, ...(cursor ? { cursor } : {}) } }, signal })),
  );
}
