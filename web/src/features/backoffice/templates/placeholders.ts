import { calendarDayPlus, frenchCalendarDay, parisDay } from "../../../../../src/shared/dates";

/**
 * The placeholders of an answer template as the form handles them: the same reading as the server's (every
 * `{{…}}`, spaces inside allowed, `{{entreprise}}` read as `{{raison_sociale}}`), to preview a template with example
 * values and to point out an unknown placeholder before the server refuses it.
 */
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const ALIASES: Record<string, string> = { entreprise: "raison_sociale" };
const nameOf = (raw: string) => ALIASES[raw.trim()] ?? raw.trim();

/** The five placeholders of product §18, offered first. */
export const MAIN_PLACEHOLDERS = ["raison_sociale", "siren", "reference", "service", "agent"];

/** A part of the preview: text as written, or a placeholder with the value it takes (`known` false: left as typed). */
export type PreviewPart = { text: string; placeholder?: string; known?: boolean };

/** The template's text with each placeholder filled from `values`; unknown ones stay as typed, marked. */
export function preview(body: string, values: Record<string, string>): PreviewPart[] {
  const parts: PreviewPart[] = [];
  let last = 0;
  for (const m of body.matchAll(PLACEHOLDER)) {
    if (m.index > last) parts.push({ text: body.slice(last, m.index) });
    const name = nameOf(m[1]!);
    const value = values[name];
    parts.push(value === undefined ? { text: m[0], placeholder: name, known: false } : { text: value, placeholder: name, known: true });
    last = m.index + m[0].length;
  }
  if (last < body.length) parts.push({ text: body.slice(last) });
  return parts;
}

/** The placeholders of a text the server does not know (each once, as typed between the braces). */
export function unknownPlaceholders(body: string, known: Record<string, string>): string[] {
  return [...new Set([...body.matchAll(PLACEHOLDER)].map((m) => m[1]!.trim()))].filter((n) => !(nameOf(n) in known));
}

/** `insert` put in place of the selection [start, end) of `text`; returns the new text and where the cursor goes. */
export function insertAt(text: string, start: number, end: number, insert: string): { text: string; cursor: number } {
  const from = Math.max(0, Math.min(start, text.length));
  const to = Math.max(from, Math.min(end, text.length));
  return { text: text.slice(0, from) + insert + text.slice(to), cursor: from + insert.length };
}

/** The example the preview fills placeholders with: a sample company, a reference of the service, the agent. */
export function sampleValues(service: { code: string; name: string } | undefined, agentName: string, now = new Date()): Record<string, string> {
  // The dates as the server fills them (shared/dates.ts: « 4 décembre 2026 »), on the Paris calendar.
  const today = parisDay(now);
  const year = today.slice(0, 4);
  return {
    raison_sociale: "MARTIN DISTRIBUTION",
    siren: "123 456 789",
    reference: `${year}-${service?.code ?? "SIE-75111"}-0000123`,
    service: service?.name ?? "votre service",
    agent: agentName,
    objet: "Remboursement du crédit de TVA",
    date_reception: frenchCalendarDay(today),
    date_limite: frenchCalendarDay(calendarDayPlus(today, 7)),
  };
}
