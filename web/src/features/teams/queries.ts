import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { client, ok } from "../../shared/api/client";
import type { Item, Reply } from "../../shared/api/types";

/**
 * Teams in the query cache. A change of a team changes rights: the companies (portfolio, company pages, who acts)
 * are asked again with it.
 */
export const teamKeys = {
  all: ["teams"] as const,
  list: (q: string) => ["teams", "list", q] as const,
  one: (id: string) => ["teams", "one", id] as const,
  companies: (id: string) => ["teams", "companies", id] as const,
};
export const teamChanges = [teamKeys.all, ["companies"]];

export type TeamSummary = Item<Reply<"/api/v1/teams", "get">>;
export type Team = Reply<"/api/v1/teams/{id}", "get">;
export type CompanyLine = Item<Reply<"/api/v1/teams/{id}/companies", "post">>;

/** The teams of my entity I see (first page of 100; `q`: words of the name). */
export function useTeams(q: string) {
  return useQuery({
    queryKey: teamKeys.list(q),
    queryFn: ({ signal }) => ok(client.GET("/api/v1/teams", { params: { query: { limit: 100, ...(q ? { q } : {}) } }, signal })),
  });
}

export function useTeam(id: string) {
  return useQuery({ queryKey: teamKeys.one(id), queryFn: ({ signal }) => ok(client.GET("/api/v1/teams/{id}", { params: { path: { id } }, signal })) });
}

/** The team's companies, 50 at a time (« afficher plus »). */
export function useTeamCompanies(id: string) {
  return useInfiniteQuery({
    queryKey: teamKeys.companies(id),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      ok(client.GET("/api/v1/teams/{id}/companies", { params: { path: { id }, query: pageParam ? { cursor: pageParam } : {} }, signal })),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

/** What one may do to a team from its page. */
export type TeamAction =
  | { kind: "invite"; email: string }
  | { kind: "join" }
  | { kind: "remove-member"; personId: string }
  | { kind: "remove-company"; siren: string }
  | { kind: "rename"; name: string }
  | { kind: "close" };

/** Invite, join, take off a member or a company, rename or close: then the team, the teams and the companies are asked again. */
export function useTeamAction(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (a: TeamAction) => {
      const path = { params: { path: { id } } };
      switch (a.kind) {
        case "invite":
          await ok(client.POST("/api/v1/teams/{id}/members", { ...path, body: { email: a.email } }));
          return;
        case "join":
          await ok(client.POST("/api/v1/teams/{id}/join", path));
          return;
        case "remove-member":
          await ok(client.DELETE("/api/v1/teams/{id}/members/{personId}", { params: { path: { id, personId: a.personId } } }));
          return;
        case "remove-company":
          await ok(client.DELETE("/api/v1/teams/{id}/companies/{siren}", { params: { path: { id, siren: a.siren } } }));
          return;
        case "rename":
          await ok(client.PATCH("/api/v1/teams/{id}", { ...path, body: { name: a.name } }));
          return;
        case "close":
          await ok(client.DELETE("/api/v1/teams/{id}", path));
          return;
      }
    },
    onSuccess: () => Promise.all(teamChanges.map((queryKey) => queryClient.invalidateQueries({ queryKey }))),
  });
}

/** Adds companies (500 at most at once); answers each line's result. */
export async function addTeamCompanies(id: string, sirens: string[]): Promise<CompanyLine[]> {
  return (await ok(client.POST("/api/v1/teams/{id}/companies", { params: { path: { id } }, body: { sirens } }))).items;
}
