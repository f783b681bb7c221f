import { useEffect } from "react";

/**
 * Calls `onChange` when the server pushes an event about a request (server-sent events, reconnecting by itself;
 * on reconnection the browser sends the last event id and the server first replays what was missed).
 */
export function useRequestEvents(onChange: (data: { id: string }) => void, enabled = true, path = "/api/v1/events") {
  useEffect(() => {
    if (!enabled || typeof EventSource === "undefined") return;
    const source = new EventSource(path);
    const handler = (e: MessageEvent<string>) => {
      try {
        onChange(JSON.parse(e.data) as { id: string });
      } catch {
        /* a malformed event is ignored */
      }
    };
    source.addEventListener("request.updated", handler);
    source.addEventListener("message.created", handler);
    // Too many tabs of one session: the server closed the oldest stream; it must not reopen it.
    source.addEventListener("stream.closed", () => source.close());
    return () => source.close();
  }, [onChange, enabled, path]);
}
