import { useEffect, useRef, useState } from "react";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { ApiError } from "../../../shared/api/client";
import { AGENT_STATUS_LABELS, dateTime, type AgentRequest as Detail } from "../shared/backoffice";

/**
 * The request as it was when the agent started his reply: the version his reply answers (sent with it: the server
 * refuses it, 409, once the request changed), and what it held, to tell him what changed since.
 */
export type DraftBase = { version: number; messageIds: string[]; noteIds: string[]; assigneeId: string | null; status: Detail["status"] };
export const baseOf = (r: Detail): DraftBase => ({
  version: r.version,
  messageIds: r.messages.map((m) => m.id),
  noteIds: r.notes.map((n) => n.id),
  assigneeId: r.assignee?.id ?? null,
  status: r.status,
});

export const isStale = (e: unknown) => e instanceof ApiError && e.code === "stale_version";

/** What changed on the request since the reply was started, in words (oldest first). */
export function changesSince(base: DraftBase, r: Detail): string[] {
  const cut = (s: string) => (s.length > 140 ? `${s.slice(0, 140)}…` : s);
  const out = [
    ...r.messages
      .filter((m) => !base.messageIds.includes(m.id))
      .map(
        (m) =>
          `${m.author.kind === "person" ? "Message de l'entreprise" : "Réponse"} de ${m.author.displayName}, le ${dateTime(m.createdAt)} : « ${cut(m.body)} »`,
      ),
    ...r.notes.filter((n) => !base.noteIds.includes(n.id)).map((n) => `Note interne de ${n.author.name}, le ${dateTime(n.createdAt)} : « ${cut(n.body)} »`),
  ];
  if ((r.assignee?.id ?? null) !== base.assigneeId) out.push(r.assignee ? `Attribuée à ${r.assignee.name}.` : "Elle n'est plus attribuée.");
  if (r.status !== base.status) out.push(`État : ${AGENT_STATUS_LABELS[r.status]} (était : ${AGENT_STATUS_LABELS[base.status]}).`);
  if (out.length === 0) out.push("La demande a été modifiée par un collègue.");
  return out;
}

/** The reply's base, kept while a reply is being written; `rebase` takes the request as it now is. */
export function useDraftBase() {
  const [base, setBase] = useState<DraftBase>();
  const [conflict, setConflict] = useState(false);
  return { base, setBase, conflict, setConflict };
}

/**
 * « Votre réponse n'est pas partie »: the request changed since the reply was started; what changed, and the choice
 * between sending it anyway and reviewing the request as it now is (the draft is kept either way).
 */
export function ConflictPanel({ base, r, anyway, review, busy }: { base: DraftBase; r: Detail; anyway: () => void; review: () => void; busy: boolean }) {
  const heading = useRef<HTMLHeadingElement>(null);
  return (
    <div role="alert" className="fr-alert fr-alert--warning fr-mb-2w" data-testid="reply-conflict">
      <h3 className="fr-alert__title" ref={heading} tabIndex={-1}>
        Votre réponse n'a pas été envoyée : la demande a changé depuis que vous avez commencé à l'écrire
      </h3>
      <ul>
        {changesSince(base, r).map((c, i) => (
          <li key={i} style={{ whiteSpace: "pre-wrap" }}>
            {c}
          </li>
        ))}
      </ul>
      <p>Votre brouillon est conservé.</p>
      <Button onClick={anyway} disabled={busy}>
        Envoyer quand même
      </Button>{" "}
      <Button priority="secondary" onClick={review}>
        Revoir
      </Button>
    </div>
  );
}

/** « Votre réponse a été envoyée »: announced (aria-live) and focused, so that the agent knows where he is. */
export function SentNotice({ text }: { text: string | undefined }) {
  const ref = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (text) ref.current?.focus();
  }, [text]);
  return (
    <div aria-live="polite">
      {text && (
        <p ref={ref} tabIndex={-1} className="fr-alert fr-alert--success fr-alert--sm fr-mb-2w">
          {text}
        </p>
      )}
    </div>
  );
}
