import { useQueryClient, type QueryClient, type QueryKey } from "@tanstack/react-query";
import { useCallback, useEffect, useSyncExternalStore } from "react";

/** What the server pushes about a request: `request.updated`, `message.created`, `note.added`, with the request's id. */
export type LiveEvent = { id: string };

/**
 * The queries a person is editing over: while held, a live event about them does not refresh them (the draft and
 * the thread it answers stay as the person sees them); the page says « Nouveau message reçu » and the person
 * chooses when to see it. Keys are compared as JSON.
 */
const held = new Map<string, { key: QueryKey; pending: boolean; listeners: Set<() => void> }>();
const hash = (key: QueryKey) => JSON.stringify(key);
const startsWith = (key: QueryKey, prefix: QueryKey) => prefix.every((part, i) => hash([key[i]]) === hash([part]));

/**
 * The request a query is about, when it is about one: `["requests", "detail", id]` on the company side,
 * `["backoffice", "request", id]` in the back office. Such a query is refreshed only by events about its own
 * request (reading a request is recorded on the company side: « consultée par le service »).
 */
export function requestOf(key: QueryKey): string | undefined {
  const one = (key[0] === "requests" && key[1] === "detail") || (key[0] === "backoffice" && key[1] === "request");
  return one && typeof key[2] === "string" ? key[2] : undefined;
}

/**
 * Applies one live event to the cache: every query under `prefixes` is invalidated (refetched if on screen),
 * except a held query about the event's request, which is only marked « nouveau » for its page to offer.
 */
export function applyLiveEvent(queryClient: QueryClient, prefixes: QueryKey[], event: LiveEvent) {
  for (const entry of held.values()) {
    if (prefixes.some((p) => startsWith(entry.key, p)) && (requestOf(entry.key) ?? event.id) === event.id && !entry.pending) {
      entry.pending = true;
      entry.listeners.forEach((l) => l());
    }
  }
  const concerned = (key: QueryKey) => !held.has(hash(key)) && (requestOf(key) ?? event.id) === event.id;
  const promises = prefixes.map((prefix) => queryClient.invalidateQueries({ predicate: (q) => startsWith(q.queryKey, prefix) && concerned(q.queryKey) }));
  return Promise.all(promises);
}

/**
 * Keeps the live updates of `path` (server-sent events, reconnecting by themselves; on reconnection the browser
 * sends the last event id and the server first replays what was missed) flowing into the query cache: one
 * stream, mounted once per side.
 */
export function useLiveInvalidation(path: string, prefixes: QueryKey[], enabled: boolean) {
  const queryClient = useQueryClient();
  const scope = JSON.stringify(prefixes);
  useEffect(() => {
    if (!enabled || typeof EventSource === "undefined") return;
    const source = new EventSource(path);
    const keys = JSON.parse(scope) as QueryKey[];
    const handler = (e: MessageEvent<string>) => {
      let event: LiveEvent;
      try {
        event = JSON.parse(e.data) as LiveEvent;
      } catch {
        return; // a malformed event is ignored
      }
      void applyLiveEvent(queryClient, keys, event);
    };
    source.addEventListener("request.updated", handler);
    source.addEventListener("message.created", handler);
    // The back office's own: an internal note (the request changed), who else has a request open (its presence).
    source.addEventListener("note.added", handler);
    source.addEventListener("presence.updated", (e: MessageEvent<string>) => {
      let id: unknown;
      try {
        id = (JSON.parse(e.data) as Partial<LiveEvent>).id;
      } catch {
        return;
      }
      if (typeof id === "string") void queryClient.invalidateQueries({ queryKey: ["backoffice", "presence", id], exact: true });
    });
    // Too many tabs of one session: the server closed the oldest stream; it must not reopen it.
    source.addEventListener("stream.closed", () => source.close());
    return () => source.close();
  }, [path, scope, enabled, queryClient]);
}

/**
 * The one rule for drafts: while `editing` (a reply or a form holds text the person typed), the query `key` is
 * held — live events do not refresh it; `pending` tells that something new arrived and `show()` refreshes it when
 * the person asks. Once nothing is being edited, a pending update is shown at once.
 */
export function useDraftHold(key: QueryKey, editing: boolean) {
  const queryClient = useQueryClient();
  const id = hash(key);
  useEffect(() => {
    if (!editing) return;
    const entry = held.get(id) ?? { key, pending: false, listeners: new Set<() => void>() };
    held.set(id, entry);
    return () => {
      held.delete(id);
      if (entry.pending) void queryClient.invalidateQueries({ queryKey: entry.key, exact: true });
      entry.listeners.forEach((l) => l());
    };
    // `key` is identified by its hash.
  }, [id, editing, queryClient]); // eslint-disable-line react-hooks/exhaustive-deps
  const subscribe = useCallback(
    (listener: () => void) => {
      const entry = held.get(id);
      entry?.listeners.add(listener);
      return () => entry?.listeners.delete(listener);
    },
    // The entry appears once editing starts: subscribe again then.
    [id, editing], // eslint-disable-line react-hooks/exhaustive-deps
  );
  const pending = useSyncExternalStore(subscribe, () => held.get(id)?.pending ?? false);
  const show = useCallback(() => {
    const entry = held.get(id);
    if (entry) entry.pending = false;
    entry?.listeners.forEach((l) => l());
    return queryClient.invalidateQueries({ queryKey: key, exact: true });
  }, [id, queryClient]); // eslint-disable-line react-hooks/exhaustive-deps
  return { pending, show };
}
