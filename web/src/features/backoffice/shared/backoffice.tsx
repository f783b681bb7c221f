import type { ReactNode } from "react";
import { Link, Navigate, useLocation } from "react-router";
import { Badge } from "@codegouvfr/react-dsfr/Badge";
import { frenchDateTime, type Item, type Reply, type RequestSummary } from "../../../shared/api/types";
import { Page } from "../../../shared/components/page";
import { useSession } from "../../../shared/session";
import { AGENT_SITE_TITLE } from "../../../shared/title";

export type AgentRef = { id: string; name: string };
export type Status = RequestSummary["status"];

export type QueueItem = Item<Reply<"/api/v1/backoffice/requests", "get">>;
export type QueueCounts = Reply<"/api/v1/backoffice/requests/counts", "get">;
export type AgentRequest = Reply<"/api/v1/backoffice/requests/{id}", "get">;

export type Segment = { text: string; match: boolean };

/** Labels of the states as agents read them, and of adhesions and letters: the shared catalogue. */
export { AGENT_REQUEST_STATUS_LABELS as AGENT_STATUS_LABELS, ADHESION_STATUS_LABELS, LETTER_STATUS_LABELS } from "../../../shared/api/types";
import { AGENT_REQUEST_STATUS_LABELS as AGENT_STATUS_LABELS } from "../../../shared/api/types";
import { frenchDate } from "../../../../../src/shared/dates";

export function StatusBadge({ status }: { status: Status }) {
  const severity = status === "awaiting_user" ? "warning" : status === "answered" ? "success" : status === "closed" ? undefined : "info";
  return (
    <Badge small severity={severity} noIcon>
      {AGENT_STATUS_LABELS[status]}
    </Badge>
  );
}

/** The deadline, with « en retard » or « bientôt » standing out (text, not colour alone). */
export function Deadline({ at, overdue, dueSoon }: { at: string | null; overdue: boolean; dueSoon?: boolean }) {
  if (!at) return <span className="fr-text--sm">—</span>;
  const date = frenchDate(at);
  return (
    <span>
      {date}{" "}
      {overdue ? (
        <Badge small severity="error">
          En retard
        </Badge>
      ) : dueSoon ? (
        <Badge small severity="warning">
          Bientôt
        </Badge>
      ) : null}
    </span>
  );
}

/** A date and time in the back office: the same style as everywhere (« 28 novembre 2026 à 10:24 »). */
export const dateTime = frenchDateTime;

/** Highlighted excerpt: the matches in <mark>, everything as text (never HTML). */
export function Excerpt({ segments }: { segments: Segment[] }) {
  return <>{segments.map((s, i) => (s.match ? <mark key={i}>{s.text}</mark> : <span key={i}>{s.text}</span>))}</>;
}

/**
 * Every back-office page: signed-in agents only, with the back-office navigation. Its tab reads « `documentTitle`
 * (else `title`) — Messagerie Pro (agents) »: a page about one thing names it (« Demande MP-… — objet »).
 */
export function AgentPage({
  title,
  documentTitle,
  lead,
  children,
}: {
  title: string;
  documentTitle?: string;
  lead?: ReactNode;
  children: (agent: NonNullable<ReturnType<typeof useSession>["agent"]>) => ReactNode;
}) {
  const { agent } = useSession();
  const location = useLocation();
  const named = { title, documentTitle: documentTitle ?? title, site: AGENT_SITE_TITLE };
  if (agent === undefined) return <Page {...named}>Chargement…</Page>;
  if (agent === null) return <Navigate to="/agent/connexion" replace />;
  const links = [
    { to: "/agent", label: "File d'attente" },
    { to: "/agent/recherche", label: "Recherche" },
    { to: "/agent/entreprises", label: "Guichet entreprises" },
    { to: "/agent/ecrire", label: "Écrire à une entreprise" },
    { to: "/agent/attente", label: "En attente des entreprises" },
    { to: "/agent/modeles", label: "Modèles de réponse" },
    ...(agent.isSupervisor
      ? [
          { to: "/agent/campagnes", label: "Campagnes" },
          { to: "/agent/tableau-de-bord", label: "Tableau de bord" },
        ]
      : []),
  ];
  return (
    <Page {...named} lead={lead}>
      <nav className="fr-mb-3w" aria-label="Espace agent">
        <ul className="fr-btns-group fr-btns-group--inline fr-btns-group--sm">
          {links.map((l) => (
            <li key={l.to}>
              <Link
                className={`fr-btn fr-btn--sm ${location.pathname === l.to ? "" : "fr-btn--secondary"}`}
                to={l.to}
                aria-current={location.pathname === l.to ? "page" : undefined}
              >
                {l.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {children(agent)}
    </Page>
  );
}
