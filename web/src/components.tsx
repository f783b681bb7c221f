import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { ApiError } from "./api";

/** The first page of a visit keeps the browser's own focus order (skip links first). */
let isFirstPage = true;

/**
 * A page: sets the document title and, after a client-side navigation, moves the focus to its heading so that
 * screen readers announce the new page.
 */
export function Page({ title, children, lead }: { title: string; children: ReactNode; lead?: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
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
