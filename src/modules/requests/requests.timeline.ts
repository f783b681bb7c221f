import type { Kysely } from "kysely";
import type { DB } from "../../platform/db/schema.js";
import { journalAbout } from "../journal/index.js";
import { getSpaces } from "../spaces/index.js";
import * as repo from "./requests.repository.js";
import { notFound, type RequestsDeps } from "./requests.service.js";
import { serviceNames } from "./requests.views.js";
import type { AgentScope } from "./requests.queue.js";

export type ActorKind = "agent" | "person" | "software" | "system";
export type TimelineItem = { at: Date; kind: string; actor: { kind: ActorKind; displayName: string }; details: Record<string, unknown> };

/** Journal actions and the timeline's kinds (other actions — exports, retention — are not the request's story). */
const KINDS: Record<string, string> = {
  "request.filed": "received",
  "thread.published": "received",
  "request.opened": "opened",
  "request.assigned": "assigned",
  "request.unassigned": "unassigned",
  "message.posted": "message",
  "note.added": "note",
  "request.transferred": "transferred",
  "request.closed": "closed",
  "request.read": "read",
  "thread.acknowledged": "acknowledged",
  "request.reopened": "reopened",
  "request.deadline_extended": "extended",
  "paper_reply.recorded": "message",
};
const excerpt = (s: string | undefined) => (s === undefined ? undefined : s.length > 200 ? `${s.slice(0, 200)}…` : s);

/**
 * A request's timeline for an agent of its service (404 otherwise), oldest first, built from the journal (which
 * keeps every step) and the request's tables (names, texts): received, opened (an agent's consecutive openings
 * are one item, with their count), assigned, messages, notes, state changes, transfers, read and acknowledged by
 * the company (who), reopened, extended — each with its actor.
 */
export async function timelineForAgent(deps: Pick<RequestsDeps, "db">, agent: AgentScope, id: string): Promise<TimelineItem[]> {
  const r = await repo.findRequest(deps.db, id);
  if (!r || !agent.services.includes(r.service_code)) throw notFound();
  const entries = (await journalAbout(deps.db, { type: "request", id })).filter((e) => e.action in KINDS);
  const ids = (kind: string) => [...new Set(entries.filter((e) => e.actorKind === kind && e.actorId).map((e) => e.actorId!))];
  const [agents, people, messages, notes] = await Promise.all([
    agentNames(deps.db, [...ids("agent"), ...entries.flatMap((e) => (typeof e.data.to === "string" ? [e.data.to] : []))]),
    getSpaces(deps.db, ids("person")),
    repo.messagesOf(deps.db, id),
    deps.db.selectFrom("request_notes").select(["id", "body"]).where("request_id", "=", id).execute(),
  ]);
  const services = await serviceNames(deps.db, [
    r.service_code,
    ...entries.flatMap((e) => [e.data.from, e.data.to, e.data.service].filter((x): x is string => typeof x === "string")),
  ]);
  const personName = new Map(people.map((p) => [p.id, `${p.first_name} ${p.last_name}`]));
  const bodies = new Map([...messages.map((m) => [m.id, m.body] as const), ...notes.map((n) => [n.id, n.body] as const)]);
  const actorOf = (e: (typeof entries)[number]): TimelineItem["actor"] => {
    if (e.actorKind === "agent") return { kind: "agent", displayName: agents.get(e.actorId ?? "") ?? services.get(r.service_code) ?? "" };
    if (e.actorKind === "person") {
      const software = typeof e.data.software === "string" ? e.data.software : undefined;
      return software ? { kind: "software", displayName: software } : { kind: "person", displayName: personName.get(e.actorId ?? "") ?? "" };
    }
    return { kind: "system", displayName: "Messagerie Pro" };
  };
  const items: TimelineItem[] = [];
  let status: string = "received";
  for (const e of entries) {
    // A thread the administration published starts waiting for the company when it owes something, else « Traitée ».
    if (e.action === "thread.published") status = e.data.acknowledgementRequired || e.data.replyDueAt ? "awaiting_user" : "answered";
    const kind = KINDS[e.action]!;
    const actor = actorOf(e);
    const last = items[items.length - 1];
    if (kind === "opened" && last?.kind === "opened" && last.actor.displayName === actor.displayName && last.actor.kind === actor.kind) {
      last.details = { ...last.details, count: (last.details.count as number) + 1, lastAt: e.at };
      continue;
    }
    const details: Record<string, unknown> = {};
    if (kind === "opened") Object.assign(details, { count: 1, lastAt: e.at });
    if (kind === "assigned") details.to = agents.get(String(e.data.to)) ?? "";
    if (kind === "message" || kind === "note") details.excerpt = excerpt(bodies.get(String(e.data.messageId ?? e.data.noteId)));
    // A reply received by post: the company's answer, which the agent (the actor) recorded.
    if (e.action === "paper_reply.recorded") Object.assign(details, { channel: "post", receivedOn: e.data.receivedOn });
    if (kind === "transferred")
      Object.assign(details, {
        from: services.get(String(e.data.from)) ?? e.data.from,
        to: services.get(String(e.data.to)) ?? e.data.to,
        reason: e.data.reason,
      });
    if (kind === "extended" && typeof e.data.legalDeadline === "string") details.legalDeadline = e.data.legalDeadline;
    if (kind === "read") details.messages = e.data.messages;
    items.push({ at: e.at, kind, actor, details });
    // A state change is an item of its own, after the step that made it.
    const to = kind === "closed" ? "closed" : kind === "reopened" ? (e.data.status as string | undefined) : (e.data.status as string | undefined);
    if (typeof to === "string" && to !== status && kind !== "received") {
      items.push({ at: e.at, kind: "state_changed", actor, details: { from: status, to } });
      status = to;
    }
  }
  return items;
}

async function agentNames(db: Kysely<DB>, ids: string[]) {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map<string, string>();
  return new Map((await db.selectFrom("agents").select(["id", "name"]).where("id", "in", unique).execute()).map((a) => [a.id, a.name]));
}
