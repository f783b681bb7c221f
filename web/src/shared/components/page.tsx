import { useEffect, useId, useLayoutEffect, useRef, type FormEvent, type ReactNode } from "react";
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { Breadcrumb } from "@codegouvfr/react-dsfr/Breadcrumb";
import { useMutation, useQueryClient, type QueryKey } from "@tanstack/react-query";
import { NavigationType, useNavigationType } from "react-router";
import { receivedByPost } from "../../../../src/shared/timeline";
import { ApiError, frenchDate, frenchDateTime, frenchSize, type Message } from "../api/types";
import { useDocumentTitle } from "../title";

/** The first page of a visit keeps the browser's own focus order (skip links first). */
let isFirstPage = true;

/**
 * A page: sets the document title (`documentTitle`, else its heading; `site` after it) and, after a client-side
 * navigation, moves the focus to its heading so that screen readers announce the new page; `trail` gives its
 * breadcrumb (the pages above it, home first). Going back or forward, the focus moves without scrolling: the page
 * is shown at the place it was left (the browser's restoration, or the page's own: shared/scroll.ts).
 */
export function Page({
  title,
  documentTitle,
  site,
  children,
  lead,
  trail,
}: {
  title: string;
  documentTitle?: string;
  site?: string;
  children: ReactNode;
  lead?: ReactNode;
  trail?: { label: string; to: string }[];
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  const arrival = useNavigationType();
  useDocumentTitle(documentTitle ?? title, site);
  useLayoutEffect(() => {
    if (isFirstPage) isFirstPage = false;
    else heading.current?.focus({ preventScroll: arrival === NavigationType.Pop });
    // Only a new title is a new page: the way it was reached is read then, not watched.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [title]);
  return (
    <div className="fr-container fr-my-6w">
      {trail && (
        <Breadcrumb
          className="fr-mt-0 fr-mb-3w"
          homeLinkProps={{ to: "/" }}
          segments={trail.map((t) => ({ label: t.label, linkProps: { to: t.to } }))}
          currentPageLabel={title}
        />
      )}
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

/** The reference of a failure (its request id), to quote to the support: small, apart from the sentence. */
function ErrorReference({ error }: { error: unknown }) {
  const requestId = error instanceof ApiError ? error.requestId : undefined;
  return requestId ? <p className="fr-text--xs fr-mt-1w fr-mb-0">Référence de l'erreur : {requestId}</p> : null;
}

/** The sentence of a failure: the server's (ApiError), or a general one for anything unexpected. */
const messageOf = (error: unknown) =>
  error instanceof Error ? error.message : typeof error === "string" ? error : "Une erreur inattendue est survenue. Réessayez dans un instant.";

/** Shows an API failure with its message, and its reference apart (one alert, never nested). */
export function ErrorAlert({ error }: { error: unknown }) {
  if (!error) return null;
  const message = messageOf(error);
  return (
    <Alert
      className="fr-mb-3w"
      severity="error"
      small
      description={
        <>
          {message}
          <ErrorReference error={error} />
        </>
      }
    />
  );
}

/** Reads the named field errors of a 400 answer (details.issues), by field name (`body.` removed). */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError) || !["invalid_request", "invalid_characters"].includes(error.code)) return {};
  const issues = (error.details?.issues ?? []) as { field: string; message: string }[];
  return Object.fromEntries(issues.map((i) => [i.field.replace(/^(body|querystring)\./, ""), i.message]));
}

/** The id of a form field, so that the error summary links to it. */
export const fieldId = (field: string) => `champ-${field.replace(/[^a-zA-Z0-9_-]/g, "-")}`;

/** A message shown alone under its field starts with a capital (« Ce champ… »), as a sentence does. */
export const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * Refuses a form in the browser before it is sent, as the server would (a 400 naming each field): `issues` gives the
 * message of each field in error (`false` or empty: no error). Thrown from a form's action, it reaches the error
 * summary and the fields as the server's refusal does. Nothing is thrown when every field is right.
 */
export function refuseFields(issues: Record<string, string | false | undefined>): void {
  const named = Object.entries(issues).flatMap(([field, message]) => (message ? [{ field, message }] : []));
  if (named.length === 0) return;
  const sentence = named.length > 1 ? `Le formulaire contient ${named.length} erreurs.` : "Le formulaire contient une erreur.";
  throw new ApiError(400, "invalid_request", sentence, undefined, { issues: named });
}

/**
 * A form's errors, DSFR and RGAA style: an error summary at the top of the form that receives the focus after a
 * refused submit, listing each field in error as a link to it (« Objet : l'objet est vide »), in the order of the
 * fields (the order of `labels`, which names each field as its label does), or the server's sentence when no field
 * is named; and, for each field, the props that put it in its error state (its message, capitalised, tied by
 * `aria-describedby`; `aria-invalid` through `native`). `extra` adds errors the page maps itself (a rule's code
 * shown under its field). A form of one or two fields (a code, a sign-in) takes `{ focus: "field" }`: the focus
 * goes to the first field in error, whose message is read with it, and no summary repeats it; an error that names
 * no field still shows in a summary, which takes the focus. `ids` gives the id of a field that has its own (two forms
 * of one page with a field of the same name, a field a keyboard shortcut reaches).
 */
export function useFormErrors(
  error: unknown,
  labels: Record<string, string>,
  extra: Record<string, string | undefined> = {},
  options: { focus?: "summary" | "field"; ids?: Record<string, string> } = {},
) {
  const idOf = (field: string) => options.ids?.[field] ?? fieldId(field);
  const summaryRef = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const fields: Record<string, string> = { ...fieldErrors(error) };
  for (const [k, v] of Object.entries(extra)) if (v) fields[k] = v;
  const listed = Object.keys(labels).flatMap((k) => (fields[k] ? [[k, fields[k]] as const] : []));
  const onField = options.focus === "field" && listed.length > 0;
  const first = listed[0]?.[0];
  useEffect(() => {
    if (!error) return;
    if (onField && first) document.getElementById(idOf(first))?.focus();
    else summaryRef.current?.focus();
    // A new error moves the focus, once: not every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [error]);
  const links = (
    <ul className="fr-mb-0">
      {listed.map(([k, message]) => (
        <li key={k}>
          <a
            href={`#${idOf(k)}`}
            onClick={(e) => {
              e.preventDefault();
              document.getElementById(idOf(k))?.focus();
            }}
          >
            {labels[k]} : {message}
          </a>
        </li>
      ))}
    </ul>
  );
  // The focus moves to the summary, which is then read: no role="alert" on top (it would be read twice).
  const summary =
    error && !onField ? (
      <div ref={summaryRef} tabIndex={-1} className="fr-mb-3w" aria-labelledby={titleId}>
        {listed.length > 0 ? (
          <Alert
            severity="error"
            role={undefined}
            title={<span id={titleId}>{listed.length > 1 ? `Le formulaire contient ${listed.length} erreurs` : "Le formulaire contient une erreur"}</span>}
            description={
              <>
                {links}
                <ErrorReference error={error} />
              </>
            }
          />
        ) : (
          <Alert
            severity="error"
            role={undefined}
            small
            description={
              <>
                <span id={titleId}>{capitalised(messageOf(error))}</span>
                <ErrorReference error={error} />
              </>
            }
          />
        )}
      </div>
    ) : null;
  /** Props for a DSFR Input (or Select) of `field`: its error state and message when it has one. */
  const props = (field: string) => ({
    ...(fields[field] ? { state: "error" as const, stateRelatedMessage: capitalised(fields[field]) } : {}),
  });
  /** For the native field of `field` (an Input's `nativeInputProps`): its id, and `aria-invalid` while in error. */
  const native = (field: string) => ({ id: idOf(field), ...(fields[field] ? { "aria-invalid": true as const } : {}) });
  return { summary, fields, props, native, id: idOf };
}

/**
 * Runs a form's action as a mutation: prevents the page reload, tracks the busy state (to disable the button),
 * keeps the last error to show, and once it succeeds invalidates the queries it changed (`invalidates`, by prefix)
 * so that every list and page showing them asks the server again.
 */
export function useAction(action: () => Promise<void>, invalidates: QueryKey[] = []) {
  const queryClient = useQueryClient();
  const mutation = useMutation({
    mutationFn: action,
    onSuccess: () => Promise.all(invalidates.map((queryKey) => queryClient.invalidateQueries({ queryKey }))),
  });
  const run = async (e?: FormEvent) => {
    e?.preventDefault();
    // The error is kept by the mutation, for the page to show.
    await mutation.mutateAsync().catch(() => undefined);
  };
  return { run, busy: mutation.isPending, error: mutation.error ?? undefined };
}

/** A message as both sides read it; the company side's also says who, inside the firm, read it (`readBy`). */
type ThreadMessage = Omit<Message, "readBy"> & { readBy?: Message["readBy"] };

/**
 * A thread's messages (plain text, never HTML) and their attachments, as the company side reads it (the
 * administration's read marks on its own messages, and under the administration's ones who read them: « Lu par Lila
 * Rosemonde le 4 décembre 2026 à 14:05 ») or as an agent does (the company's read marks, file hashes).
 */
export function Thread({ messages, side }: { messages: ThreadMessage[]; side: "company" | "agent" }) {
  const agent = side === "agent";
  return (
    <ol className="fr-raw-list">
      {messages.map((m) => {
        const fromCompany = m.author.kind === "person";
        const readMark = agent
          ? !fromCompany && m.readByCompanyAt && ` — lu par l'entreprise le ${frenchDateTime(m.readByCompanyAt)}`
          : fromCompany && m.readByAdministrationAt && ` — lu par l'administration le ${frenchDate(m.readByAdministrationAt)}`;
        return (
          <li key={m.id} className={`fr-card ${agent ? "fr-p-2w" : "fr-p-3w"} fr-mb-2w ${fromCompany ? "" : "fr-background-alt--blue-france"}`}>
            <p className="fr-text--sm fr-mb-1w">
              <strong>{m.author.displayName}</strong> — {frenchDateTime(m.createdAt)}
              {readMark || ""}
            </p>
            {m.paper && (
              <p className="fr-text--sm fr-mb-1w">
                <span className="fr-icon-mail-line fr-icon--sm" aria-hidden="true" /> <strong>{receivedByPost(m.paper.receivedOn)}</strong>
                {m.paper.recordedBy ? ` — enregistré par ${m.paper.recordedBy}` : ""}
              </p>
            )}
            <p style={{ whiteSpace: "pre-wrap" }} className="fr-mb-1w">
              {m.body}
            </p>
            {!agent && !fromCompany && m.readBy && m.readBy.length > 0 && (
              <ul className="fr-raw-list fr-text--xs fr-mb-1w" aria-label="Lu par">
                {m.readBy.map((r) => (
                  <li key={`${r.displayName}-${r.at}`}>
                    <span className="fr-icon-check-line fr-icon--sm" aria-hidden="true" /> Lu par {r.displayName} le {frenchDateTime(r.at)}
                  </li>
                ))}
              </ul>
            )}
            {m.attachments.length > 0 && (
              <ul>
                {m.attachments.map((a) => (
                  <li key={a.id}>
                    <a
                      className="fr-link fr-icon-attachment-line fr-link--icon-left"
                      href={agent ? `/api/v1/backoffice/attachments/${a.id}` : `/api/v1/attachments/${a.id}`}
                      download
                    >
                      {a.name}
                      {agent ? "" : ` (${frenchSize(a.size)})`}
                    </a>
                    {agent && ` (${frenchSize(a.size)}, SHA-256 ${a.sha256.slice(0, 12)}…)`}
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

/** A place to go back to after signing in: a path of this site only (never another origin). */
export function safeReturn(path: string | null | undefined): string | undefined {
  if (!path || !path.startsWith("/") || path.startsWith("//") || path.startsWith("/\\")) return undefined;
  return path;
}
