import { randomUUID } from "node:crypto";
import { sql, type Kysely } from "kysely";
import type { DB } from "../../platform/db/schema.js";
import { sha256Hex } from "../../platform/crypto.js";
import { DomainError } from "../../platform/errors.js";
import { frenchDate } from "../../shared/dates.js";
import { appendJournal } from "../journal/index.js";
import * as repo from "./requests.repository.js";
import { addMonths, deadlinesFor, LEGAL_MONTHS } from "./requests.deadlines.js";
import { notifyCompanySide } from "./requests.notify.js";
import type { AgentScope } from "./requests.queue.js";
import { notifyChange, requestClosed, type RequestsDeps } from "./requests.service.js";
import { lockForAgent } from "./requests.backoffice.js";

/**
 * Extends the legal deadline of a réclamation by 3 months, once (product §9). The company sees the new date and a
 * message in the thread (without the internal reason) and gets the content-free notice.
 */
export async function extendLegalDeadline(deps: RequestsDeps, agent: AgentScope, id: string, input: { reason: string; version: number }) {
  const now = deps.clock.now();
  const done = await deps.db.transaction().execute(async (tx) => {
    const r = await lockForAgent(tx, agent, id, input.version);
    if (r.status === "closed") throw requestClosed();
    const rule = LEGAL_MONTHS[r.nature];
    const initial = deadlinesFor(r.nature, r.received_at).legal;
    if (!rule || rule.extensionMonths === 0 || !initial)
      throw new DomainError("refused", "not_extendable", "Seul le délai de décision d'une réclamation peut être prolongé.");
    const current = r.legal_due_at ?? initial;
    if (current.getTime() > initial.getTime()) throw new DomainError("conflict", "already_extended", "Le délai de cette réclamation a déjà été prolongé.");
    const extended = addMonths(current, rule.extensionMonths);
    const date = frenchDate(extended);
    const body = `Le délai de décision sur votre réclamation est prolongé de ${rule.extensionMonths} mois, jusqu'au ${date}.`;
    await repo.insertMessage(tx, {
      id: randomUUID(),
      request_id: id,
      author_kind: "system",
      author_space_id: null,
      author_agent_id: agent.id,
      body,
      body_sha256: sha256Hex(body),
      created_at: now,
      read_by_company_at: null,
      read_by_company_space: null,
      read_by_administration_at: now,
    });
    await repo.updateRequest(tx, id, { legal_due_at: extended, last_activity_at: now, version: r.version + 1 });
    await appendJournal(tx, now, {
      actor: { kind: "agent", id: agent.id },
      action: "request.deadline_extended",
      subject: { type: "request", id },
      data: { from: current.toISOString(), to: extended.toISOString(), reason: input.reason },
    });
    await notifyCompanySide(tx, now, r);
    return { legalDeadline: extended.toISOString(), version: r.version + 1 };
  });
  notifyChange(deps.db, id, "message.created");
  return done;
}

/** Sets the deadlines of requests filed before they were stored (after a migration); answers how many. */
export async function fillMissingDeadlines(db: Kysely<DB>): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await db.selectFrom("requests").select(["id", "nature", "received_at"]).where("first_answer_due_at", "is", null).limit(1000).execute();
    if (rows.length === 0) return total;
    const computed = rows.map((r) => ({ id: r.id, ...deadlinesFor(r.nature, r.received_at) }));
    await sql`
      UPDATE requests SET first_answer_due_at = v.first, legal_due_at = v.legal
      FROM unnest(${computed.map((c) => c.id)}::uuid[], ${computed.map((c) => c.firstAnswer)}::timestamptz[], ${computed.map((c) => c.legal)}::timestamptz[]) AS v(id, first, legal)
      WHERE requests.id = v.id`.execute(db);
    total += rows.length;
  }
}
