import { keepPreviousData, QueryClient, useInfiniteQuery, type QueryKey } from "@tanstack/react-query";
import { useEffect, useMemo, useRef } from "react";
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

/** Whether an element takes the focus by itself (a link, a button, a field): others get `tabindex="-1"` first. */
const FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";

/**
 * « Afficher plus » under a keyset list: there while the server has more, busy while the next page comes. As an
 * accessible « load more » does, the focus then moves to the first item loaded (the element whose id `itemId`
 * gives, the first in the page's order when the list is shown in several groups), so that a keyboard or screen
 * reader user goes on from there; the button stays enabled while busy (`aria-disabled`, a click ignored), so that
 * the focus never falls to the page's <body>.
 */
export function MoreButton<T>({
  list,
  label = "Afficher plus",
  itemId,
  className,
}: {
  list: { items?: T[] | undefined; hasMore: boolean; loadingMore: boolean; more: () => void };
  label?: string;
  itemId: (item: T) => string;
  className?: string;
}) {
  /** The number of items shown when « Afficher plus » was pressed, and whether the next page has started coming. */
  const asked = useRef<{ before: number; came: boolean } | undefined>(undefined);
  const { items, loadingMore } = list;
  useEffect(() => {
    if (!asked.current) return;
    if (loadingMore) {
      asked.current.came = true;
      return;
    }
    const { before, came } = asked.current;
    // A page that came between two renders is seen by its items only.
    if (!came && (items?.length ?? 0) <= before) return;
    asked.current = undefined;
    const target = (items ?? [])
      .slice(before)
      .map((item) => document.getElementById(itemId(item)))
      .filter((el): el is HTMLElement => el !== null)
      .sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1))[0];
    if (!target) return;
    if (!target.matches(FOCUSABLE)) target.setAttribute("tabindex", "-1");
    target.focus();
  }, [items, loadingMore, itemId]);
  if (!list.hasMore) return null;
  return (
    <Button
      priority="secondary"
      className={className}
      onClick={() => {
        if (list.loadingMore) return;
        asked.current = { before: items?.length ?? 0, came: false };
        list.more();
      }}
      nativeButtonProps={{ "aria-busy": loadingMore, "aria-disabled": loadingMore }}
    >
      {loadingMore ? "Chargement…" : label}
    </Button>
  );
}
