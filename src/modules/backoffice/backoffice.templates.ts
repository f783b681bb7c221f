import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { DB } from "../../platform/db/schema.js";
import type { Clock } from "../../platform/clock.js";
import { DomainError } from "../../platform/errors.js";
import { appendJournal } from "../journal/index.js";
import { type AgentScope } from "../requests/index.js";
import * as repo from "./agents.repository.js";

/** What the answer templates need: the database and the clock (the journal dates each change). */
type TemplatesDeps = { db: Kysely<DB>; clock: Clock };

/**
 * The placeholders a template may use, with their meaning (shown to whoever writes templates): the five of product
 * §18 first, then the request's subject and dates.
 */
export const TEMPLATE_VARIABLES: Record<string, string> = {
  raison_sociale: "raison sociale de l'entreprise",
  siren: "SIREN de l'entreprise",
  reference: "référence de la demande",
  service: "nom du service",
  agent: "nom de l'agent qui répond",
  objet: "objet de la demande",
  date_reception: "date de réception (ex. : 4 décembre 2026)",
  date_limite: "échéance de réponse (ex. : 4 décembre 2026)",
};

/** Names the templates written before keep: `{{entreprise}}` reads as `{{raison_sociale}}`. */
const TEMPLATE_ALIASES: Record<string, string> = { entreprise: "raison_sociale" };

/** Every `{{…}}` of a text, spaces inside the braces allowed (`{{ siren }}`). */
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const variableOf = (name: string) => TEMPLATE_ALIASES[name] ?? name;

/** Fills the placeholders of an answer template from the request (unknown ones stay as typed). */
export function renderTemplate(body: string, vars: Record<string, string>): string {
  return body.replace(PLACEHOLDER, (whole, name: string) => vars[variableOf(name.trim())] ?? whole);
}

/** A template's text uses known placeholders only: else 422, naming each unknown one and the possible ones. */
export function checkTemplateVariables(body: string): void {
  const unknown = [...new Set([...body.matchAll(PLACEHOLDER)].map((m) => m[1]!.trim()))].filter((v) => !(variableOf(v) in TEMPLATE_VARIABLES));
  if (unknown.length === 0) return;
  const braces = (names: string[]) => names.map((n) => `{{${n}}}`).join(", ");
  throw new DomainError(
    "refused",
    "unknown_template_variable",
    `${unknown.length > 1 ? "Variables inconnues" : "Variable inconnue"} dans le modèle : ${braces(unknown)}. Variables possibles : ${braces(Object.keys(TEMPLATE_VARIABLES))}.`,
    { variables: unknown },
  );
}

// Answer templates -----------------------------------------------------------------------------------------------

type Supervisor = AgentScope & { isSupervisor: boolean };
type TemplateInput = { title: string; body: string };
const templateOut = (t: { id: string; service_code: string; title: string; body: string; created_at: Date }) => ({
  id: t.id,
  serviceCode: t.service_code,
  title: t.title,
  body: t.body,
  createdAt: t.created_at,
});
const templateNotFound = () => new DomainError("not_found", "not_found", "Modèle introuvable parmi ceux de vos services.");

export async function listTemplates(deps: Pick<TemplatesDeps, "db">, agent: AgentScope, service: string | undefined) {
  if (service && !agent.services.includes(service)) throw new DomainError("not_found", "service_not_found", "Service introuvable parmi les vôtres.");
  const rows = await repo.templatesOf(deps.db, service ? [service] : agent.services);
  return rows.map(templateOut);
}

/**
 * The one rule for writing templates (creating, editing, deleting): a service outside the agent's is 404 (`missing`
 * says what he was looking for), a plain agent of his own service is 403; then the placeholders are checked.
 */
function mayWriteTemplates(agent: Supervisor, serviceCode: string, missing: () => DomainError, input?: TemplateInput): void {
  if (!agent.services.includes(serviceCode)) throw missing();
  if (!agent.isSupervisor) throw new DomainError("forbidden", "supervisor_only", "Seuls les superviseurs du service gèrent ses modèles de réponse.");
  if (input) checkTemplateVariables(input.body);
}

/** Two templates of a service never share a title (a unique key): 409 naming it. */
async function uniqueTitle<T>(title: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if ((error as { code?: string }).code === "23505")
      throw new DomainError("conflict", "template_exists", `Un modèle de ce service s'appelle déjà « ${title} » : choisissez un autre titre.`);
    throw error;
  }
}

/** Supervisors write their services' templates (journaled). */
export async function createTemplate(deps: TemplatesDeps, agent: Supervisor, input: TemplateInput & { serviceCode: string }) {
  mayWriteTemplates(agent, input.serviceCode, () => new DomainError("not_found", "service_not_found", "Service introuvable parmi les vôtres."), input);
  const now = deps.clock.now();
  const row = { id: randomUUID(), service_code: input.serviceCode, title: input.title.trim(), body: input.body, created_by: agent.id, created_at: now };
  await uniqueTitle(row.title, () =>
    deps.db.transaction().execute(async (tx) => {
      await repo.insertTemplate(tx, row);
      await appendJournal(tx, now, {
        actor: { kind: "agent", id: agent.id },
        action: "template.created",
        subject: { type: "template", id: row.id },
        data: { service: row.service_code, title: row.title },
      });
    }),
  );
  return templateOut(row);
}

/**
 * A supervisor edits a template of his service: its title and text (journaled, with the title it had). The service
 * stays: naming another one is refused (write the template in that service instead).
 */
export async function updateTemplate(deps: TemplatesDeps, agent: Supervisor, id: string, input: TemplateInput & { serviceCode?: string }) {
  const t = await repo.findTemplate(deps.db, id);
  if (!t) throw templateNotFound();
  mayWriteTemplates(agent, t.service_code, templateNotFound, input);
  if (input.serviceCode !== undefined && input.serviceCode !== t.service_code)
    throw new DomainError(
      "refused",
      "template_service_fixed",
      "Le service d'un modèle ne change pas : créez le modèle dans l'autre service, puis supprimez celui-ci.",
    );
  const now = deps.clock.now();
  const title = input.title.trim();
  const updated = await uniqueTitle(title, () =>
    deps.db.transaction().execute(async (tx) => {
      const row = await repo.updateTemplate(tx, id, { title, body: input.body });
      if (!row) throw templateNotFound();
      await appendJournal(tx, now, {
        actor: { kind: "agent", id: agent.id },
        action: "template.updated",
        subject: { type: "template", id },
        data: { service: t.service_code, title, ...(title !== t.title ? { previousTitle: t.title } : {}) },
      });
      return row;
    }),
  );
  return templateOut(updated);
}

export async function deleteTemplate(deps: TemplatesDeps, agent: Supervisor, id: string) {
  const t = await repo.findTemplate(deps.db, id);
  if (!t) throw templateNotFound();
  mayWriteTemplates(agent, t.service_code, templateNotFound);
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    await repo.deleteTemplate(tx, id);
    await appendJournal(tx, now, {
      actor: { kind: "agent", id: agent.id },
      action: "template.deleted",
      subject: { type: "template", id },
      data: { service: t.service_code, title: t.title },
    });
  });
}

/** A template written by an operator (demo data, imports): the same checks, journaled as the operator's. */
export async function addTemplateAsOperator(deps: TemplatesDeps, input: { serviceCode: string; title: string; body: string }) {
  checkTemplateVariables(input.body);
  const id = randomUUID();
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    await repo.insertTemplate(tx, { id, service_code: input.serviceCode, title: input.title, body: input.body, created_by: null, created_at: now });
    await appendJournal(tx, now, {
      actor: { kind: "operator" },
      action: "template.created",
      subject: { type: "template", id },
      data: { service: input.serviceCode, title: input.title },
    });
  });
  return id;
}
