import { useLayoutEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { ApiError, frenchDate, frenchDateTime, type Message } from "./api";

/** The first page of a visit keeps the browser's own focus order (skip links first). */
let isFirstPage = true;

/**
 * A page: sets the document title and, after a client-side navigation, moves the focus to its heading so that
 * screen readers announce the new page.
 */
export function Page({ title, children, lead }: { title: string; children: ReactNode; lead?: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  // Before the browser paints: whoever sees the heading sees the title that goes with it.
  useLayoutEffect(() => {
    document.title = `${title} — Messagerie Pro`;
    if (isFirstPage) isFirstPage = false;
    else heading.current?.focus();
  }, [title]);
  return (
    <div className="fr-container fr-my-6w">
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      {lead && <p className="fr-text--lead">{lead}</p>}
      {children}
    </div>
  );
}

/** A narrow column for forms. */
export function FormColumn({ children }: { children: ReactNode }) {
  return (
    <div className="fr-grid-row">
      <div className="fr-col-12 fr-col-md-8 fr-col-lg-6">{children}</div>
    </div>
  );
}

/** Shows an API failure with its message and request id (to quote to the support). */
export function ErrorAlert({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const requestId = error instanceof ApiError ? error.requestId : undefined;
  return (
    <div role="alert" className="fr-mb-3w">
      <Alert
        severity="error"
        small
        description={
          <>
            {message}
            {requestId && <span className="fr-text--xs fr-ml-1w">(identifiant : {requestId})</span>}
          </>
        }
      />
    </div>
  );
}

/** Reads the named field errors of a 400 answer (details.issues). */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError) || error.code !== "invalid_request") return {};
  const issues = (error.details?.issues ?? []) as { field: string; message: string }[];
  return Object.fromEntries(issues.map((i) => [i.field.replace(/^body\./, ""), i.message]));
}

/**
 * Runs a form's action: prevents the page reload, tracks the busy state (to disable the button) and keeps the
 * last error to show.
 */
export function useAction(action: () => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = async (e?: FormEvent) => {
    e?.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error };
}

/**
 * A thread's messages (plain text, never HTML) and their attachments, as the company side reads it (the
 * administration's read marks on its own messages) or as an agent does (the company's read marks, file hashes).
 */
export function Thread({ messages, side }: { messages: Message[]; side: "company" | "agent" }) {
  const agent = side === "agent";
  return (
    <ol className="fr-raw-list">
      {messages.map((m) => {
        const fromCompany = m.author.kind === "person";
        const readMark = agent
          ? !fromCompany && m.readByCompanyAt && ` — lu par l'entreprise le ${frenchDateTime(m.readByCompanyAt, true)}`
          : fromCompany && m.readByAdministrationAt && ` — lu par l'administration le ${frenchDate(m.readByAdministrationAt)}`;
        return (
          <li key={m.id} className={`fr-card ${agent ? "fr-p-2w" : "fr-p-3w"} fr-mb-2w ${fromCompany ? "" : "fr-background-alt--blue-france"}`}>
            <p className="fr-text--sm fr-mb-1w">
              <strong>{m.author.displayName}</strong> — {frenchDateTime(m.createdAt, agent)}
              {readMark || ""}
            </p>
            <p style={{ whiteSpace: "pre-wrap" }} className="fr-mb-1w">
              {m.body}
            </p>
            {m.attachments.length > 0 && (
              <ul>
                {m.attachments.map((a) => (
                  <li key={a.id}>
                    <a className="fr-link fr-icon-attachment-line fr-link--icon-left" href={agent ? `/api/v1/backoffice/attachments/${a.id}` : `/api/v1/attachments/${a.id}`} download>
                      {a.name}
                      {agent ? "" : ` (${Math.ceil(a.size / 1024)} Kio)`}
                    </a>
                    {agent && ` (${Math.ceil(a.size / 1024)} Kio, SHA-256 ${a.sha256.slice(0, 12)}…)`}
                  </li>
                ))}
              </ul>
            )}
          </li>
        );
      })}
    </ol>
  );
}
