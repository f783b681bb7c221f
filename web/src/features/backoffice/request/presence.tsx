import { useCallback, useEffect, useRef, useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { client, ok } from "../../../shared/api/client";
import { backofficeKeys } from "../queries";

/** The page beats this often; the server forgets a presence after 30 s without a beat. */
const BEAT_MS = 10_000;
/** Typing means a keystroke in the reply within this long. */
const TYPING_MS = 8_000;

/**
 * Presence on a request (helpdesk style): this page tells the server the agent has the request open (every 10 s,
 * and at once when typing starts or stops), and shows who else has it open and who is typing; colleagues' changes
 * arrive by the live stream (`presence.updated`). Leaving the page says so.
 */
export function usePresence(id: string) {
  const queryClient = useQueryClient();
  const others = useQuery({
    queryKey: backofficeKeys.presence(id),
    queryFn: ({ signal }) => ok(client.GET("/api/v1/backoffice/requests/{id}/presence", { params: { path: { id } }, signal })),
    // A colleague who closed his laptop sends nothing: his presence lapses on the server, seen at the next refresh.
    refetchInterval: BEAT_MS * 2,
  });
  const lastKey = useRef(0);
  const [typing, setTyping] = useState(false);
  useEffect(() => {
    const beat = (now: boolean) =>
      void ok(client.POST("/api/v1/backoffice/requests/{id}/presence", { params: { path: { id } }, body: { typing: now } }))
        .then((items) => queryClient.setQueryData(backofficeKeys.presence(id), items))
        .catch(() => undefined); // presence is a courtesy: a failed beat is made up by the next one
    beat(typing);
    const timer = setInterval(() => {
      const now = Date.now() - lastKey.current < TYPING_MS;
      if (now !== typing) setTyping(now);
      else beat(now);
    }, BEAT_MS);
    return () => clearInterval(timer);
  }, [id, typing, queryClient]);
  useEffect(() => () => void client.DELETE("/api/v1/backoffice/requests/{id}/presence", { params: { path: { id } } }).catch(() => undefined), [id]);
  /** A keystroke in the reply. */
  const typed = useCallback(() => {
    lastKey.current = Date.now();
    setTyping(true);
  }, []);
  return { others: others.data?.items ?? [], typed };
}

/** « Aussi sur cette demande : Pierre Second (en train d'écrire) », announced politely. */
export function PresenceNotice({ others }: { others: { agent: { id: string; displayName: string }; typing: boolean }[] }) {
  return (
    <div aria-live="polite" data-testid="presence">
      {others.length > 0 && (
        <p className="fr-badge fr-badge--info fr-badge--no-icon fr-mb-2w">
          Aussi sur cette demande : {others.map((o) => `${o.agent.displayName}${o.typing ? " (en train d'écrire une réponse)" : ""}`).join(", ")}
        </p>
      )}
    </div>
  );
}
