import type { Kysely } from "kysely";
import type { DB } from "../../platform/db/schema.js";
import type { Tx } from "../../platform/db/database.js";
import type { Clock } from "../../platform/clock.js";
import type { Session } from "../../platform/sessions.js";
import { frenchCsv } from "../../platform/csv.js";
import { parisDay } from "../../platform/paris.js";
import { DomainError } from "../../platform/errors.js";
import { findManagingSie, getCompanies, getCompanyDetails, listTaxServices } from "../companies/index.js";
import { appendJournal } from "../journal/index.js";
import { cancelAdhesionByAgent, companyDesk, reissueLetter, type AdhesionsDeps } from "../adhesions/index.js";
import { rightsOfCompany, suspendRightByAgent } from "../rights/index.js";
import { assignRequest, getRequestForAgent, requestsOfCompany, serviceStats, STATUS_LABELS, type AgentScope, type RequestsDeps } from "../requests/index.js";
import * as repo from "./agents.repository.js";

import { renderTemplate, TEMPLATE_VARIABLES } from "./backoffice.templates.js";

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

const SHORT_DATE = new Intl.DateTimeFormat("fr-FR", { timeZone: "Europe/Paris", day: "2-digit", month: "2-digit", year: "numeric" });
const frenchDate = (d: Date | null) => (d ? SHORT_DATE.format(d) : "");

/**
 * A request as the agent works it: the thread, notes and transfers with the agents' names, the company's context
 * (its adhesions, who acts for it, its other requests), the service's answer templates filled in, and the
 * colleagues it may be assigned to.
 */
export async function requestForAgent(deps: BackofficeDeps, agent: AgentScope & { name: string }, id: string) {
  const r = await getRequestForAgent(deps.requests, agent, id);
  const [companies, desk, rights, templates, colleagues, services] = await Promise.all([
    getCompanies(deps.db, [r.siren]),
    companyDesk(deps, r.siren),
    rightsOfCompany(deps, r.siren),
    repo.templatesOf(deps.db, [r.service.code]),
    repo.agentsOfServices(deps.db, [r.service.code]),
    listTaxServices(deps.db),
  ]);
  const names = await repo.agentNames(deps.db, [
    ...new Set([...(r.assigneeId ? [r.assigneeId] : []), ...r.notes.map((n) => n.agentId), ...r.transfers.map((t) => t.agentId)]),
  ]);
  const serviceName = new Map(services.map((s) => [s.code, s.name]));
  const vars: Record<keyof typeof TEMPLATE_VARIABLES, string> = {
    raison_sociale: r.companyName,
    siren: r.siren,
    reference: r.reference,
    objet: r.subject,
    date_reception: frenchDate(r.receivedAt),
    date_limite: frenchDate(r.deadlineAt),
    service: r.service.name,
    agent: agent.name,
  };
  return {
    ...r,
    assignee: r.assigneeId ? { id: r.assigneeId, name: names.get(r.assigneeId) ?? "" } : null,
    notes: r.notes.map((n) => ({
      id: n.id,
      author: { id: n.agentId, name: names.get(n.agentId) ?? "" },
      serviceCode: n.serviceCode,
      body: n.body,
      createdAt: n.createdAt,
    })),
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
      adhesions: desk.adhesions.map((a) => ({
        id: a.id,
        status: a.status,
        origin: a.origin,
        services: a.services,
        requester: a.requester.name,
        createdAt: a.createdAt,
        activatedAt: a.activatedAt,
      })),
      representatives: rights.filter((x) => x.state === "active").map((x) => ({ name: x.holder.name, service: x.service, role: x.role, taxScope: x.taxScope })),
      oppositions: desk.oppositions.length,
    },
    templates: templates.map((t) => ({ id: t.id, title: t.title, body: renderTemplate(t.body, vars) })),
    colleagues: [...new Map(colleagues.map((c) => [c.id, { id: c.id, name: c.name }])).values()],
    transferTargets: services.filter((s) => s.code !== r.service.code).map((s) => ({ code: s.code, name: s.name, type: s.type })),
  };
}

/**
 * What the queue's bulk actions choose from: the agents of my services, each with those of my services he works
 * in (a request goes only to an agent of its own service), and every tax service for a transfer.
 */
export async function bulkOptions(deps: BackofficeDeps, agent: AgentScope) {
  const [rows, services] = await Promise.all([repo.agentsOfServices(deps.db, agent.services), listTaxServices(deps.db)]);
  const colleagues = new Map<string, { id: string; name: string; services: string[] }>();
  for (const r of rows) {
    const c = colleagues.get(r.id) ?? { id: r.id, name: r.name, services: [] };
    c.services.push(r.service_code);
    colleagues.set(r.id, c);
  }
  return { colleagues: [...colleagues.values()], transferTargets: services.map((s) => ({ code: s.code, name: s.name, type: s.type })) };
}

/** Assignment to the agent himself or a colleague of the request's service. */
export function assign(deps: BackofficeDeps, agent: AgentScope, id: string, input: { agentId: string | null; version: number }) {
  return assignRequest(deps.requests, agent, id, input, (ex, agentId, serviceCode) => repo.isMemberOf(ex, agentId, serviceCode));
}

/** The adhesion desk of a company (agents of a competent service only; else 404); a campaign letter names its campaign. */
export async function companyForAgent(deps: BackofficeDeps, agent: AgentScope, siren: string) {
  const company = await getCompanyDetails(deps.db, siren);
  if (!company || !(await managesCompany(deps.db, agent, siren))) throw companyNotFound();
  const [desk, rights, requests] = await Promise.all([
    companyDesk(deps, siren),
    rightsOfCompany(deps, siren),
    requestsOfCompany(deps.requests, agent, siren, 50),
  ]);
  const subjects = await repo.campaignSubjects(deps.db, [...new Set(desk.letters.flatMap((l) => (l.campaignId ? [l.campaignId] : [])))]);
  const letters = desk.letters.map(({ campaignId, ...l }) => ({
    ...l,
    campaign: campaignId ? { id: campaignId, subject: subjects.get(campaignId) ?? "" } : null,
  }));
  return { company, ...desk, letters, rights, requests };
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
 * Per agent: every agent of the service (and whoever else answered its requests in the period, moved since),
 * by name; an agent without a first answer in the period has no median (null), never « 0 h ».
 */
export async function stats(deps: BackofficeDeps, agent: AgentScope & { isSupervisor: boolean }, service: string, from: Date, to: Date) {
  if (!agent.services.includes(service)) throw new DomainError("not_found", "service_not_found", "Service introuvable parmi les vôtres.");
  if (!agent.isSupervisor) throw new DomainError("forbidden", "supervisor_only", "Le tableau de bord de ce service est réservé à ses superviseurs.");
  const [s, members] = await Promise.all([serviceStats(deps.requests, agent, service, from, to), repo.agentsOfServices(deps.db, [service])]);
  const names = new Map(members.map((m) => [m.id, m.name]));
  const others = await repo.agentNames(
    deps.db,
    s.agents.map((a) => a.agentId).filter((id) => !names.has(id)),
  );
  const figures = new Map(s.agents.map((a) => [a.agentId, a]));
  const agents = [...new Set([...names.keys(), ...figures.keys()])].map((id) => {
    const f = figures.get(id);
    return {
      agent: { id, displayName: names.get(id) ?? others.get(id) ?? "" },
      answered: f?.answered ?? 0,
      medianFirstAnswerHours: f?.medianFirstAnswerHours ?? null,
      openAssigned: f?.openAssigned ?? 0,
    };
  });
  agents.sort((a, b) => a.agent.displayName.localeCompare(b.agent.displayName, "fr"));
  return { ...s, agents };
}

/** A Paris calendar day as a French spreadsheet reads a date (jj/mm/aaaa). */
const csvDay = (day: string) => day.split("-").reverse().join("/");
/** A figure with the French decimal comma; an empty series is an empty cell, never 0. */
const csvNumber = (n: number | null) => (n === null ? null : String(n).replace(".", ","));

/**
 * The dashboard as CSV (French spreadsheet conventions: `;` separator, decimal comma, dates jj/mm/aaaa), journaled
 * as an export. Its first line names the service and the period; each block has its own header, units in it.
 */
export async function statsCsv(deps: BackofficeDeps, agent: AgentScope & { isSupervisor: boolean }, service: string, from: Date, to: Date) {
  const s = await stats(deps, agent, service, from, to);
  const serviceName = (await listTaxServices(deps.db)).find((x) => x.code === service)?.name ?? service;
  const now = deps.clock.now();
  await deps.db.transaction().execute((tx) =>
    appendJournal(tx, now, {
      actor: { kind: "agent", id: agent.id },
      action: "stats.exported",
      subject: { type: "service", id: service },
      data: { from: from.toISOString(), to: to.toISOString() },
    }),
  );
  const first = csvDay(parisDay(from));
  const last = csvDay(parisDay(new Date(to.getTime() - 1)));
  // Through csv-stringify: quoting, and any cell a spreadsheet would run as a formula neutralised.
  const rows: (string | number | null)[][] = [
    [],
    ["Jour", "Demandes reçues (nombre)", "Premières réponses données (nombre)"],
    ...s.days.map((d) => [csvDay(d.date), d.received, d.answered]),
    ["Total", s.totals.received, s.totals.answered],
    [],
    ["Indicateur", "Valeur"],
    ["Délai médian de première réponse (heures)", csvNumber(s.firstAnswer.medianHours)],
    ["90e centile du délai de première réponse (heures)", csvNumber(s.firstAnswer.p90Hours)],
    ["Précision des délais", s.firstAnswer.exact ? "exacts" : "à 5 % près (plus de 20 000 premières réponses)"],
    [`Demandes en retard au ${csvDay(parisDay(now))} (nombre)`, s.overdue],
    ...Object.entries(s.backlog).map(([state, n]) => [`En stock : ${STATUS_LABELS[state as keyof typeof STATUS_LABELS] ?? state} (nombre)`, n]),
    [],
    ["Agent", "Premières réponses données (nombre)", "Délai médian de première réponse (heures)", "Demandes ouvertes assignées (nombre)"],
    ...s.agents.map((a) => [a.agent.displayName, a.answered, csvNumber(a.medianFirstAnswerHours), a.openAssigned]),
  ];
  return frenchCsv([`Tableau de bord du service ${serviceName} (${service}), du ${first} au ${last} inclus, heure de Paris`], rows);
}

/** Agents' names for lists (assignees). */
export function agentNames(deps: Pick<BackofficeDeps, "db">, ids: string[]) {
  return repo.agentNames(deps.db, ids);
}
