import { DomainError } from "../../platform/errors.js";
import { appendJournal } from "../journal/index.js";
import * as repo from "./requests.repository.js";
import { lockForAgent } from "./requests.backoffice.js";
import type { AgentScope } from "./requests.queue.js";
import { notifyChange, type RequestsDeps } from "./requests.service.js";

/**
 * Reopens an answered or closed request (with the version read: 409 when someone acted first): it returns to the
 * queue — « En cours de traitement » when someone holds it, « Reçue » otherwise —, journaled with its actor.
 */
export async function reopenByAgent(deps: Pick<RequestsDeps, "db" | "clock">, agent: AgentScope, id: string, version: number) {
  const now = deps.clock.now();
  const done = await deps.db.transaction().execute(async (tx) => {
    const r = await lockForAgent(tx, agent, id, version);
    if (r.status !== "answered" && r.status !== "closed")
      throw new DomainError("conflict", "not_reopenable", "Seule une demande traitée ou clôturée peut être rouverte.", { status: r.status });
    const status = r.assignee_agent_id ? ("in_progress" as const) : ("received" as const);
    await repo.updateRequest(tx, id, { status, closed_at: null, last_activity_at: now, version: r.version + 1 });
    await appendJournal(tx, now, {
      actor: { kind: "agent", id: agent.id },
      action: "request.reopened",
      subject: { type: "request", id },
      data: { from: r.status, status },
    });
    return { status, version: r.version + 1 };
  });
  notifyChange(deps.db, id);
  return done;
}
