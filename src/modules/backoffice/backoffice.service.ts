import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { DB } from "../../platform/db/schema.js";
import type { Tx } from "../../platform/db/database.js";
import type { Clock } from "../../platform/clock.js";
import type { Session } from "../../platform/sessions.js";
import { frenchCsv } from "../../platform/csv.js";
import { DomainError } from "../../platform/errors.js";
import { findManagingSie, getCompanies, getCompanyDetails, listTaxServices } from "../companies/index.js";
import { appendJournal } from "../journal/index.js";
import { cancelAdhesionByAgent, companyDesk, reissueLetter, type AdhesionsDeps } from "../adhesions/index.js";
import { rightsOfCompany, suspendRightByAgent } from "../rights/index.js";
import {
  assignRequest,
  getRequestForAgent,
  requestsOfCompany,
  serviceStats,
  STATUS_LABELS,
  type AgentScope,
  type RequestsDeps,
} from "../requests/index.js";
import * as repo from "./agents.repository.js";

export type BackofficeDeps = { db: Kysely<DB>; clock: Clock; requests: RequestsDeps; adhesions: AdhesionsDeps };

/** The agent behind a back-office session, with his services (every back-office route is scoped by them). */
export async function scopeOf(deps: Pick<BackofficeDeps, "db">, session: Session): Promise<AgentScope & { isSupervisor: boolean; name: string }> {
  const agent = await repo.findAgentById(deps.db, session.subjectId);
  if (!agent) throw new DomainError("unauthenticated", "unauthenticated", "Connectez-vous à l'espace agent pour continuer.");
  const services = (await repo.listAgentServices(deps.db, agent.id)).map((s) => s.code);
  return { id: agent.id, name: agent.name, isSupervisor: agent.is_supervisor, services };
}

/**
 * Whether the agent works in the company's managing SIE (product §9): only its agents, its supervisors among them,
 * use the adhesion desk for that company — another service's agent (a CDIF of the same area, another SIE) gets 404,
 * on reads and on actions alike.
 */
export async function managesCompany(db: Kysely<DB> | Tx, agent: AgentScope, siren: string): Promise<boolean> {
  const sie = await findManagingSie(db, siren);
  return sie !== undefined && agent.services.includes(sie.code);
}

const companyNotFound = () => new DomainError("not_found", "not_found", "Entreprise introuvable dans la compétence de vos services.");

/** Fills the variables of an answer template from the request (unknown variables stay as typed). */
export function renderTemplate(body: string, vars: Record<string, string>): string {
  return body.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (whole, name: string) => vars[name] ?? whole);
}

/** The variables a template may use, with their meaning (shown to whoever writes templates). */
export const TEMPLATE_VARIABLES: Record<string, string> = {
  entreprise: "nom de l'entreprise",
  siren: "SIREN",
  reference: "référence de la demande",
  objet: "objet de la demande",
  date_reception: "date de réception (jj/mm/aaaa)",
  date_limite: "échéance de réponse (jj/mm/aaaa)",
  service: "nom du service",
};

const frenchDate = (d: Date | null) => (d ? new Intl.DateTimeFormat("fr-FR", { timeZone: "Europe/Paris", day: "2-digit", month: "2-digit", year: "numeric" }).format(d) : "");

/**
 * A request as the agent works it: the thread, notes and transfers with the agents' names, the company's context
 * (its adhesions, who acts for it, its other requests), the service's answer templates filled in, and the
 * colleagues it may be assigned to.
 */
export async function requestForAgent(deps: BackofficeDeps, agent: AgentScope, id: string) {
  const r = await getRequestForAgent(deps.requests, agent, id);
  const [companies, desk, rights, templates, colleagues, services] = await Promise.all([
    getCompanies(deps.db, [r.siren]),
    companyDesk(deps, r.siren),
    rightsOfCompany(deps, r.siren),
    repo.templatesOf(deps.db, [r.service.code]),
    repo.agentsOfServices(deps.db, [r.service.code]),
    listTaxServices(deps.db),
  ]);
  const names = await repo.agentNames(deps.db, [...new Set([...(r.assigneeId ? [r.assigneeId] : []), ...r.notes.map((n) => n.agentId), ...r.transfers.map((t) => t.agentId)])]);
  const serviceName = new Map(services.map((s) => [s.code, s.name]));
  const vars = {
    entreprise: r.companyName,
    siren: r.siren,
    reference: r.reference,
    objet: r.subject,
    date_reception: frenchDate(r.receivedAt),
    date_limite: frenchDate(r.deadlineAt),
    service: r.service.name,
  };
  return {
    ...r,
    assignee: r.assigneeId ? { id: r.assigneeId, name: names.get(r.assigneeId) ?? "" } : null,
    notes: r.notes.map((n) => ({ id: n.id, author: { id: n.agentId, name: names.get(n.agentId) ?? "" }, serviceCode: n.serviceCode, body: n.body, createdAt: n.createdAt })),
    transfers: r.transfers.map((t) => ({
      from: { code: t.from, name: serviceName.get(t.from) ?? t.from },
      to: { code: t.to, name: serviceName.get(t.to) ?? t.to },
      by: names.get(t.agentId) ?? "",
      reason: t.reason,
      at: t.at,
    })),
    company: {
      siren: r.siren,
      name: r.companyName,
      address: companies.get(r.siren)?.addressLine ?? null,
      adhesions: desk.adhesions.map((a) => ({ id: a.id, status: a.status, origin: a.origin, services: a.services, requester: a.requester.name, createdAt: a.createdAt, activatedAt: a.activatedAt })),
      representatives: rights.filter((x) => x.state === "active").map((x) => ({ name: x.holder.name, service: x.service, role: x.role, taxScope: x.taxScope })),
      oppositions: desk.oppositions.length,
    },
    templates: templates.map((t) => ({ id: t.id, title: t.title, body: renderTemplate(t.body, vars) })),
    colleagues: [...new Map(colleagues.map((c) => [c.id, { id: c.id, name: c.name }])).values()],
    transferTargets: services.filter((s) => s.code !== r.service.code).map((s) => ({ code: s.code, name: s.name, type: s.type })),
  };
}

/** Assignment to the agent himself or a colleague of the request's service. */
export function assign(deps: BackofficeDeps, agent: AgentScope, id: string, input: { agentId: string | null; version: number }) {
  return assignRequest(deps.requests, agent, id, input, (ex, agentId, serviceCode) => repo.isMemberOf(ex, agentId, serviceCode));
}

/** The adhesion desk of a company (agents of a competent service only; else 404). */
export async function companyForAgent(deps: BackofficeDeps, agent: AgentScope, siren: string) {
  const company = await getCompanyDetails(deps.db, siren);
  if (!company || !(await managesCompany(deps.db, agent, siren))) throw companyNotFound();
  const [desk, rights, requests] = await Promise.all([companyDesk(deps, siren), rightsOfCompany(deps, siren), requestsOfCompany(deps.requests, agent, siren, 50)]);
  return { company, ...desk, rights, requests };
}

export function reissue(deps: BackofficeDeps, agent: AgentScope, adhesionId: string) {
  return reissueLetter(deps.adhesions, agent.id, adhesionId, (ex, siren) => managesCompany(ex, agent, siren));
}

export function cancelAdhesion(deps: BackofficeDeps, agent: AgentScope, adhesionId: string, reason: string) {
  return cancelAdhesionByAgent(deps.adhesions, agent.id, adhesionId, reason, (ex, siren) => managesCompany(ex, agent, siren));
}

export function suspendRight(deps: BackofficeDeps, agent: AgentScope, rightId: string, reason: string) {
  return suspendRightByAgent(deps, agent.id, rightId, reason, (ex, siren) => managesCompany(ex, agent, siren));
}

/**
 * The dashboard is for the supervisors of the service. One rule for every role check of the back office: a
 * service outside the agent's is 404 (he does not know it), a role he lacks on a service he works in is 403.
 */
export async function stats(deps: BackofficeDeps, agent: AgentScope & { isSupervisor: boolean }, service: string, from: Date, to: Date) {
  if (!agent.services.includes(service)) throw new DomainError("not_found", "service_not_found", "Service introuvable parmi les vôtres.");
  if (!agent.isSupervisor) throw new DomainError("forbidden", "supervisor_only", "Le tableau de bord de ce service est réservé à ses superviseurs.");
  return serviceStats(deps.requests, agent, service, from, to);
}

/** The dashboard as CSV (French spreadsheet conventions: `;` separator), journaled as an export. */
export async function statsCsv(deps: BackofficeDeps, agent: AgentScope & { isSupervisor: boolean }, service: string, from: Date, to: Date) {
  const s = await stats(deps, agent, service, from, to);
  const now = deps.clock.now();
  await deps.db.transaction().execute((tx) =>
    appendJournal(tx, now, { actor: { kind: "agent", id: agent.id }, action: "stats.exported", subject: { type: "service", id: service }, data: { from: from.toISOString(), to: to.toISOString() } }),
  );
  // Through csv-stringify: quoting, and any cell a spreadsheet would run as a formula neutralised.
  const rows: (string | number | null)[][] = s.days.map((d) => [d.date, d.received, d.answered]);
  rows.push([]);
  rows.push(["total", s.totals.received, s.totals.answered]);
  rows.push(["délai médian de première réponse (heures)", s.firstAnswer.medianHours ?? null]);
  rows.push(["90e centile (heures)", s.firstAnswer.p90Hours ?? null]);
  rows.push(["en retard (maintenant)", s.overdue]);
  for (const [state, n] of Object.entries(s.backlog)) rows.push([`en stock : ${STATUS_LABELS[state as keyof typeof STATUS_LABELS] ?? state}`, n]);
  return frenchCsv(["date", "reçues", "traitées (première réponse)"], rows);
}

// Answer templates -----------------------------------------------------------------------------------------------

export async function listTemplates(deps: Pick<BackofficeDeps, "db">, agent: AgentScope, service: string | undefined) {
  if (service && !agent.services.includes(service)) throw new DomainError("not_found", "service_not_found", "Service introuvable parmi les vôtres.");
  const rows = await repo.templatesOf(deps.db, service ? [service] : agent.services);
  return rows.map((t) => ({ id: t.id, serviceCode: t.service_code, title: t.title, body: t.body, createdAt: t.created_at }));
}

/** Supervisors write their services' templates. */
export async function createTemplate(deps: Pick<BackofficeDeps, "db" | "clock">, agent: AgentScope & { isSupervisor: boolean }, input: { serviceCode: string; title: string; body: string }) {
  if (!agent.services.includes(input.serviceCode)) throw new DomainError("not_found", "service_not_found", "Service introuvable parmi les vôtres.");
  if (!agent.isSupervisor) throw new DomainError("forbidden", "supervisor_only", "Seuls les superviseurs du service gèrent ses modèles de réponse.");
  const unknown = [...input.body.matchAll(/\{\{\s*([a-z_]+)\s*\}\}/g)].map((m) => m[1]!).filter((v) => !(v in TEMPLATE_VARIABLES));
  if (unknown.length > 0) throw new DomainError("refused", "unknown_template_variable", `Variable inconnue : ${unknown.join(", ")}. Variables possibles : ${Object.keys(TEMPLATE_VARIABLES).join(", ")}.`);
  const now = deps.clock.now();
  const id = randomUUID();
  try {
    await deps.db.transaction().execute(async (tx) => {
      await repo.insertTemplate(tx, { id, service_code: input.serviceCode, title: input.title.trim(), body: input.body, created_by: agent.id, created_at: now });
      await appendJournal(tx, now, { actor: { kind: "agent", id: agent.id }, action: "template.created", subject: { type: "template", id }, data: { service: input.serviceCode, title: input.title } });
    });
  } catch (error) {
    if ((error as { code?: string }).code === "23505") throw new DomainError("conflict", "template_exists", "Un modèle porte déjà ce titre dans ce service.");
    throw error;
  }
  return { id, serviceCode: input.serviceCode, title: input.title.trim(), body: input.body, createdAt: now };
}

export async function deleteTemplate(deps: Pick<BackofficeDeps, "db" | "clock">, agent: AgentScope & { isSupervisor: boolean }, id: string) {
  const t = await repo.findTemplate(deps.db, id);
  if (!t || !agent.services.includes(t.service_code)) throw new DomainError("not_found", "not_found", "Modèle introuvable.");
  if (!agent.isSupervisor) throw new DomainError("forbidden", "supervisor_only", "Seuls les superviseurs du service gèrent ses modèles de réponse.");
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    await repo.deleteTemplate(tx, id);
    await appendJournal(tx, now, { actor: { kind: "agent", id: agent.id }, action: "template.deleted", subject: { type: "template", id }, data: { service: t.service_code, title: t.title } });
  });
}

/** Agents' names for lists (assignees). */
export function agentNames(deps: Pick<BackofficeDeps, "db">, ids: string[]) {
  return repo.agentNames(deps.db, ids);
}

/** A template written by an operator (demo data, imports): the same checks, journaled as the operator's. */
export async function addTemplateAsOperator(deps: Pick<BackofficeDeps, "db" | "clock">, input: { serviceCode: string; title: string; body: string }) {
  const id = randomUUID();
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    await repo.insertTemplate(tx, { id, service_code: input.serviceCode, title: input.title, body: input.body, created_by: null, created_at: now });
    await appendJournal(tx, now, { actor: { kind: "operator" }, action: "template.created", subject: { type: "template", id }, data: { service: input.serviceCode, title: input.title } });
  });
  return id;
}
