/**
 * A request's timeline in words, as agents read it: on the request's page and in its printable transcript. Shared
 * by the server and the web UI (no dependency), so that the screen and the paper tell the same story.
 */
import { AGENT_REQUEST_STATUS_LABELS, type RequestStatusCode } from "./labels.js";
import { frenchCalendarDay } from "./dates.js";

export type TimelineStep = { kind: string; actor: { kind: string; displayName: string }; details: Record<string, unknown> };

export { frenchCalendarDay };

/** « Reçu par courrier le 2 décembre 2026 »: how a reply received by post is marked, on screen and on paper. */
export const receivedByPost = (day: string) => `Reçu par courrier le ${frenchCalendarDay(day)}`;

const status = (s: unknown) => AGENT_REQUEST_STATUS_LABELS[s as RequestStatusCode] ?? String(s);
const str = (x: unknown) => (typeof x === "string" || typeof x === "number" ? String(x) : x instanceof Date ? x.toISOString() : "");

/** One step of the timeline, in words; `dateTime` shows an instant (an ISO string or a date) in Paris time. */
export function describeTimelineStep(i: TimelineStep, dateTime: (at: string) => string): string {
  const d = i.details;
  const who = i.actor.displayName;
  switch (i.kind) {
    case "received":
      return `Demande reçue (${who})`;
    case "opened":
      return Number(d.count) > 1 ? `Ouverte par ${who}, ${str(d.count)} fois, dernière le ${dateTime(str(d.lastAt))}` : `Ouverte par ${who}`;
    case "assigned":
      return `Attribuée à ${str(d.to)} par ${who}`;
    case "unassigned":
      return `Attribution retirée par ${who}`;
    case "message":
      if (d.channel === "post")
        return `Réponse de l'entreprise reçue par courrier le ${frenchCalendarDay(str(d.receivedOn))}, enregistrée par ${who} : « ${str(d.excerpt)} »`;
      return `Message de ${who} : « ${str(d.excerpt)} »`;
    case "note":
      return `Note interne de ${who} : « ${str(d.excerpt)} »`;
    case "state_changed":
      return `État : ${status(d.from)} → ${status(d.to)}`;
    case "transferred":
      return `Transférée de ${str(d.from)} à ${str(d.to)} par ${who} — motif : ${str(d.reason)}`;
    case "closed":
      return `Clôturée par ${who}`;
    case "read":
      return `Lue par l'entreprise (${who})`;
    case "acknowledged":
      return `Accusé de réception donné par ${who}`;
    case "reopened":
      return `Rouverte par ${who}`;
    case "extended":
      return `Délai légal prolongé par ${who}${d.legalDeadline ? ` jusqu'au ${dateTime(str(d.legalDeadline))}` : ""}`;
    default:
      return `${i.kind} (${who})`;
  }
}
