/** What agents look up (product §9): search over every message of their services, a company's requests. */
import { sql } from "kysely";
import type { RequestStatus } from "../../platform/db/schema.js";
import { DomainError } from "../../platform/errors.js";
import { getCompanies } from "../companies/index.js";
import * as repo from "./requests.repository.js";
import { type RequestsDeps } from "./requests.service.js";
import { serviceNames } from "./requests.views.js";
import { frenchQuery } from "./requests.inbox.js";
import { servicesIn, type AgentScope } from "./requests.queue.js";

/** Marks of a highlighted excerpt; stripped from the text first, so a user cannot forge a highlight. */
const MARK_START = "\u27e6";
const MARK_END = "\u27e7";

/** An excerpt as segments, highlighted or not: the client renders text, never HTML. */
function segments(headline: string): { text: string; match: boolean }[] {
  const out: { text: string; match: boolean }[] = [];
  for (const part of headline.split(MARK_START)) {
    const end = part.indexOf(MARK_END);
    if (end < 0) {
      if (part) out.push({ text: part, match: false });
      continue;
    }
    out.push({ text: part.slice(0, end), match: true });
    if (part.slice(end + 1)) out.push({ text: part.slice(end + 1), match: false });
  }
  return out;
}

/** How many of the most recent matches a search ranks (a word found everywhere would otherwise rank millions). */
export const SEARCH_CANDIDATES = 1_000;

/**
 * French full-text search (stemming, accents folded) over the references, subjects and messages of the agent's
 * services, ranked, with highlighted excerpts. A reference typed in full finds its request directly. The work is
 * bounded: the most recent `SEARCH_CANDIDATES` matching messages (and requests) are ranked; when there are more,
 * the answer says so (`capped`) and the agent narrows the search. The query is written inline so that PostgreSQL
 * plans with the words' real frequencies: the text index for rare words, the newest requests first for common ones.
 */
export async function searchForAgent(deps: RequestsDeps, agent: AgentScope, text: string, service: string | undefined, limit: number) {
  const services = servicesIn(agent, service);
  const query = frenchQuery(text);
  if (!query) throw new DomainError("invalid", "empty_query", "Saisissez au moins un mot à rechercher.");
  const inServices = sql.join(services);
  // The newest matches in messages and in the requests' references and subjects: two statements at once, on two
  // connections (two server processes), rather than one after the other.
  const [inMessages, inRequests] = await Promise.all([
    sql<{ id: string; message_id: string; rank: number }>`
      SELECT m.request_id AS id, m.id AS message_id, ts_rank(m.search, ${query}) AS rank
      FROM messages m
      WHERE m.service_code IN (${inServices}) AND m.search @@ ${query}
      ORDER BY m.created_at DESC
      LIMIT ${SEARCH_CANDIDATES}`
      .execute(deps.db)
      .then((r) => r.rows),
    sql<{ id: string; rank: number }>`
      SELECT r.id, ts_rank(r.search, ${query}) * 2 AS rank
      FROM requests r
      WHERE r.service_code IN (${inServices}) AND r.search @@ ${query}
      ORDER BY r.received_at DESC
      LIMIT ${SEARCH_CANDIDATES}`
      .execute(deps.db)
      .then((r) => r.rows),
  ]);
  // One hit per request: its best-ranked match (a message, or the request's own reference and subject).
  const best = new Map<string, { id: string; rank: number; message_id: string | null }>();
  for (const h of [
    ...inMessages.map((m) => ({ ...m, rank: Number(m.rank) })),
    ...inRequests.map((r) => ({ id: r.id, rank: Number(r.rank), message_id: null })),
  ]) {
    const was = best.get(h.id);
    if (!was || h.rank > was.rank) best.set(h.id, h);
  }
  const hits = [...best.values()];
  const capped = Math.max(inMessages.length, inRequests.length) >= SEARCH_CANDIDATES;
  const top = hits.sort((a, b) => b.rank - a.rank).slice(0, limit);
  if (top.length === 0) return { items: [], total: 0, capped: false };
  const ids = top.map((h) => h.id);
  const messageIds = top.map((h) => h.message_id).filter((x): x is string => !!x);
  const opts = `StartSel=${MARK_START}, StopSel=${MARK_END}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "`;
  const [requests, excerpts] = await Promise.all([
    sql<{
      id: string;
      reference: string;
      siren: string;
      subject: string;
      status: RequestStatus;
      tax: string;
      service_code: string;
      received_at: Date;
      subject_hl: string;
    }>`
      SELECT r.id, r.reference, r.siren, r.subject, r.status, r.tax, r.service_code, r.received_at,
             ts_headline('messagerie_fr', translate(r.subject, ${MARK_START + MARK_END}, ''), ${query}, ${opts}) AS subject_hl
      FROM requests r WHERE r.id IN (${sql.join(ids)})`.execute(deps.db),
    messageIds.length === 0
      ? Promise.resolve({ rows: [] as { id: string; excerpt: string }[] })
      : sql<{ id: string; excerpt: string }>`
          SELECT m.id, ts_headline('messagerie_fr', translate(m.body, ${MARK_START + MARK_END}, ''), ${query}, ${opts}) AS excerpt
          FROM messages m WHERE m.id IN (${sql.join(messageIds)})`.execute(deps.db),
  ]);
  const byId = new Map(requests.rows.map((r) => [r.id, r]));
  const excerptOf = new Map(excerpts.rows.map((e) => [e.id, e.excerpt]));
  const companies = await getCompanies(deps.db, [...new Set(requests.rows.map((r) => r.siren))]);
  const items = top.flatMap((h) => {
    const r = byId.get(h.id);
    if (!r) return [];
    const excerpt = h.message_id ? excerptOf.get(h.message_id) : undefined;
    return [
      {
        id: r.id,
        reference: r.reference,
        siren: r.siren,
        companyName: companies.get(r.siren)?.name ?? r.siren,
        subject: segments(r.subject_hl),
        status: r.status,
        tax: r.tax,
        serviceCode: r.service_code,
        receivedAt: r.received_at,
        rank: h.rank,
        excerpt: excerpt ? segments(excerpt) : [],
      },
    ];
  });
  return { items, total: hits.length, capped };
}

/** The requests of a company in the agent's services (the company desk). */
export async function requestsOfCompany(deps: RequestsDeps, agent: AgentScope, siren: string, limit: number) {
  const rows = await repo.otherRequestsOf(deps.db, siren, null, agent.services, limit);
  const services = await serviceNames(deps.db, [...new Set(rows.map((r) => r.service_code))]);
  return rows.map((o) => ({
    id: o.id,
    reference: o.reference,
    subject: o.subject,
    status: o.status,
    tax: o.tax,
    nature: o.nature,
    service: { code: o.service_code, name: services.get(o.service_code) ?? o.service_code },
    receivedAt: o.received_at,
  }));
}
