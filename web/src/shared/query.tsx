import { keepPreviousData, QueryClient, useInfiniteQuery, type QueryKey } from "@tanstack/react-query";
import { useMemo } from "react";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { ApiError } from "./api/client";

/**
 * The query cache's rules: a refused call (4xx) is not retried, it says why; a network failure or a 5xx is
 * retried twice. Answers stay fresh 5 s (a page opened twice in a row asks once); a query left by every page is
 * cancelled (its AbortSignal) and forgotten after 5 minutes.
 */
export function createQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
        refetchOnWindowFocus: false,
      },
      mutations: { retry: false },
    },
  });
}

/** A page of a keyset list (api.md): its items and the cursor of the next page, null on the last. */
export type KeysetPage<T> = { items: T[]; nextCursor?: string | null };

/**
 * A server-paginated list as an infinite query: the first page when `enabled`, the next ones on demand, each
 * request cancelled when the page is left; invalidating `key` reloads the pages shown. `total` is the first page's
 * count where the route gives one (« 319 entreprises »). With `keepPrevious`, the list shown stays on screen while
 * the list for other filters comes.
 */
export function useKeysetList<T>(
  key: QueryKey,
  page: (cursor: string | undefined, signal: AbortSignal) => Promise<KeysetPage<T> & { total?: number }>,
  enabled = true,
  keepPrevious = false,
  /** How long the loaded pages stay cached once no page shows them (the cache's default otherwise). */
  keptMs?: number,
) {
  const query = useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam, signal }) => page(pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled,
    ...(keepPrevious ? { placeholderData: keepPreviousData } : {}),
    ...(keptMs !== undefined ? { gcTime: keptMs } : {}),
  });
  const items = useMemo(() => query.data?.pages.flatMap((p) => p.items), [query.data]);
  return {
    items,
    total: query.data?.pages[0]?.total,
    error: query.error,
    hasMore: query.hasNextPage,
    loadingMore: query.isFetchingNextPage,
    more: () => void query.fetchNextPage(),
  };
}

/** « Afficher plus » under a keyset list: there while the server has more, busy while the next page comes. */
export function MoreButton({ list, label = "Afficher plus" }: { list: { hasMore: boolean; loadingMore: boolean; more: () => void }; label?: string }) {
  if (!list.hasMore) return null;
  return (
    <Button priority="secondary" onClick={list.more} disabled={list.loadingMore} nativeButtonProps={{ "aria-busy": list.loadingMore }}>
      {list.loadingMore ? "Chargement…" : label}
    </Button>
  );
}
