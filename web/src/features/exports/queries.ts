import { useQuery } from "@tanstack/react-query";
import type { paths } from "../../api.gen";
import { client, ok } from "../../shared/api/client";

/** My exports: only my own requests for them change them, never a live event. */
export const exportKeys = {
  all: ["exports"] as const,
};

/** What an export is asked for (companies, tax, dates; none means all). */
export type ExportRequest = NonNullable<paths["/api/v1/exports"]["post"]["requestBody"]>["content"]["application/json"];

/** My exports of the last 7 days; while one is being prepared, its progress is read again every second. */
export function useExports(enabled: boolean) {
  return useQuery({
    queryKey: exportKeys.all,
    queryFn: ({ signal }) => ok(client.GET("/api/v1/exports", { signal })).then((r) => r.items),
    enabled,
    refetchInterval: (query) => (query.state.data?.some((j) => j.status === "running") && !query.state.error ? 1000 : false),
  });
}
