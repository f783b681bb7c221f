import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { client, ok } from "../../shared/api/client";
import { useKeysetList } from "../../shared/query";

/**
 * « Mon espace » in the query cache. The adhesions are about companies: their keys start with "companies", so that
 * a change of a company (an activation, a delegation accepted) refreshes them with the portfolio. The notification
 * choice changes only here.
 */
export const accountKeys = {
  adhesions: ["companies", "adhesions"] as const,
  adhesionList: (status: "pending" | "ended") => ["companies", "adhesions", "list", status] as const,
  notifications: ["notification-preferences"] as const,
};

/**
 * My adhesions in one state, newest first, page after page (« Afficher plus… »), with their total (the sentence
 * above the list counts them).
 */
export function useAdhesions(status: "pending" | "ended", enabled: boolean) {
  return useKeysetList(
    accountKeys.adhesionList(status),
    (cursor, signal) => ok(client.GET("/api/v1/adhesions", { params: { query: { status, ...(cursor ? { cursor } : {}) } }, signal })),
    enabled,
  );
}

type NotificationMode = "immediate" | "daily";

/** Immediate notices or one daily digest: the choice read, and a change saved (the answer is the choice kept). */
export function useNotificationChoice() {
  const queryClient = useQueryClient();
  const choice = useQuery({
    queryKey: accountKeys.notifications,
    queryFn: ({ signal }) => ok(client.GET("/api/v1/notification-preferences", { signal })),
  });
  const change = useMutation({
    mutationFn: (mode: NotificationMode) => ok(client.PUT("/api/v1/notification-preferences", { body: { mode } })),
    onSuccess: (saved) => queryClient.setQueryData(accountKeys.notifications, saved),
  });
  return { mode: choice.data?.mode, choose: (mode: NotificationMode) => change.mutate(mode) };
}
