import { randomUUID } from "node:crypto";
import { sql, type Kysely } from "kysely";
import type { DB } from "../../platform/db/schema.js";
import type { Tx } from "../../platform/db/database.js";
import { sha256Hex } from "../../platform/crypto.js";
import { DomainError } from "../../platform/errors.js";
import { taxServiceExists } from "../companies/index.js";
import { getSpaces } from "../spaces/index.js";
import { appendJournal, countsAbout } from "../journal/index.js";
import * as repo from "./requests.repository.js";
import { transition, type RequestEvent } from "./requests.states.js";
import { notifyCompanySide } from "./requests.notify.js";
import { DUE_SOON_MS, deadlineMarks, originCondition, servicesIn, type AgentScope, type QueueOrigin } from "./requests.queue.js";
import { checkUploads, linkUploads, notFound, notifyChange, requestClosed, type RequestsDeps } from "./requests.service.js";
import { summaryOf, threadOf } from "./requests.views.js";

const staleVersion = (r: { version: number; status: string; assignee_agent_id: string | null; service_code: string }) =>
  new DomainError("conflict", "stale_version", "La demande a changé depuis votre lecture : rechargez-la.", {
    currentVersion: r.version,
    status: r.status,
    assigneeId: r.assignee_agent_id,
    serviceCode: r.service_code,
  });

/** Locks a request of the agent's services (404 otherwise) and checks the version read (409 when stale). */
export async function lockForAgent(tx: Tx, agent: AgentScope, id: string, version: number) {
  const r = await repo.lockRequest(tx, id);
  if (!r || !agent.services.includes(r.service_code)) throw notFound();
  if (r.version !== version) throw staleVersion(r);
  return r;
}

/**
 * Counts per state of the open requests of the agent's services, with the overdue and soon-due ones; of one origin,
 * or of those the queue shows without one (the campaign threads the company has not answered are not counted).
 */
export async function queueCounts(deps: RequestsDeps, agent: AgentScope, service: string | undefined, origin?: QueueOrigin) {
  const now = deps.clock.now();
  const services = servicesIn(agent, service);
  const r = await deps.db
    .selectFrom("requests")
    .select([
      sql<number>`count(*) FILTER (WHERE status = 'received')::int`.as("received"),
      sql<number>`count(*) FILTER (WHERE status = 'in_progress')::int`.as("in_progress"),
      sql<number>`count(*) FILTER (WHERE status = 'awaiting_user')::int`.as("awaiting_user"),
      sql<number>`count(*) FILTER (WHERE status = 'answered')::int`.as("answered"),
      sql<number>`count(*) FILTER (WHERE due_at < ${now})::int`.as("overdue"),
      sql<number>`count(*) FILTER (WHERE due_at >= ${now} AND due_at < ${new Date(now.getTime() + DUE_SOON_MS)})::int`.as("due_soon"),
      sql<number>`count(*) FILTER (WHERE assignee_agent_id IS NULL)::int`.as("unassigned"),
      sql<number>`count(*) FILTER (WHERE assignee_agent_id = ${agent.id})::int`.as("mine"),
    ])
    .where("service_code", "in", services)
    .where("status", "<>", "closed")
    .where("archived_at", "is", null)
    .where(originCondition(origin))
    .executeTakeFirstOrThrow();
  return {
    byStatus: { received: r.received, in_progress: r.in_progress, awaiting_user: r.awaiting_user, answered: r.answered },
    overdue: r.overdue,
    dueSoon: r.due_soon,
    unassigned: r.unassigned,
    mine: r.mine,
  };
}

/**
 * A request as an agent of its service sees it: thread, notes, transfers, deadlines, assignee, version, and the
 * company's other requests in the agent's services. Journaled as an opening (product §9); the company's
 * administrators see which service opened it and when.
 */
export async function getRequestForAgent(deps: RequestsDeps, agent: AgentScope, id: string) {
  const now = deps.clock.now();
  const r = await repo.findRequestWithDeadline(deps.db, id);
  if (!r || !agent.services.includes(r.service_code)) throw notFound();
  await deps.db.transaction().execute(async (tx) => {
    await repo.markReadByAdministration(tx, id, now);
    await appendJournal(tx, now, {
      actor: { kind: "agent", id: agent.id },
      action: "request.opened",
      subject: { type: "request", id },
      data: { service: r.service_code },
    });
  });
  const [summary, messages, notes, transfers, others, companySide, openings] = await Promise.all([
    summaryOf(deps.db, r),
    threadOf(deps.db, r, "agent"),
    repo.notesOf(deps.db, id),
    repo.transfersOf(deps.db, id),
    repo.otherRequestsOf(deps.db, r.siren, id, agent.services, 20),
    companySideReceipt(deps.db, r),
    openingsByAgent(deps.db, id),
  ]);
  return {
    ...summary,
    version: r.version,
    assigneeId: r.assignee_agent_id,
    ...deadlineMarks(r.deadline ? new Date(r.deadline) : null, now),
    messages,
    notes: notes.map((n) => ({ id: n.id, agentId: n.agent_id, serviceCode: n.service_code, body: n.body, createdAt: n.created_at })),
    transfers: transfers.map((t) => ({ from: t.from_service, to: t.to_service, agentId: t.agent_id, reason: t.reason, at: t.at })),
    otherRequests: others.map((o) => ({ id: o.id, reference: o.reference, subject: o.subject, status: o.status, tax: o.tax, receivedAt: o.received_at })),
    companySide,
    openings,
  };
}

/** Who opened the request: the journal keeps every opening; the screen shows one line per agent (how many, latest). */
async function openingsByAgent(db: Kysely<DB>, id: string) {
  const rows = await countsAbout(db, { type: "request", id }, "request.opened");
  const ids = rows.flatMap((o) => (o.actorId ? [o.actorId] : []));
  const names = new Map(ids.length ? (await db.selectFrom("agents").select(["id", "name"]).where("id", "in", ids).execute()).map((a) => [a.id, a.name]) : []);
  return rows.map((o) => ({ agent: { id: o.actorId ?? "", displayName: names.get(o.actorId ?? "") ?? "" }, count: o.count, lastAt: o.lastAt }));
}

/** Who of the company side first read a thread and acknowledged it, with names (the agent's view, product §16). */
export async function companySideReceipt(db: Kysely<DB> | Tx, r: { id: string; acknowledged_at: Date | null; acknowledged_by: string | null }) {
  const read = await db
    .selectFrom("messages")
    .select(["read_by_company_at", "read_by_company_space"])
    .where("request_id", "=", r.id)
    .where("author_kind", "=", "agent")
    .where("read_by_company_at", "is not", null)
    .orderBy("read_by_company_at")
    .limit(1)
    .executeTakeFirst();
  const ids = [...new Set([read?.read_by_company_space, r.acknowledged_by].filter((x): x is string => !!x))];
  const people = new Map((await getSpaces(db, ids)).map((p) => [p.id, `${p.first_name} ${p.last_name}`]));
  return {
    firstRead: read?.read_by_company_at ? { at: read.read_by_company_at, by: people.get(read.read_by_company_space ?? "") ?? "" } : null,
    acknowledgement: r.acknowledged_at ? { at: r.acknowledged_at, by: people.get(r.acknowledged_by ?? "") ?? "" } : null,
  };
}

/**
 * An agent's reply, optionally moving the request to `awaiting_user` or `answered`, with the agent's own uploads
 * attached and an optimistic version check (409 when someone acted first). The author and the company address get
 * a content-free notification.
 */
export async function postAgentMessage(
  deps: RequestsDeps,
  agent: AgentScope,
  id: string,
  input: { body: string; uploadIds?: string[] | undefined; status?: "awaiting_user" | "answered" | undefined; version: number },
) {
  const now = deps.clock.now();
  const posted = await deps.db.transaction().execute(async (tx) => {
    const r = await lockForAgent(tx, agent, id, input.version);
    const event: RequestEvent = input.status === "answered" ? "agent_answers" : input.status === "awaiting_user" ? "agent_asks" : "agent_opens";
    const t = transition(r.status, event);
    if (!t.ok) throw requestClosed();
    const uploads = await checkUploads(tx, { kind: "agent", id: agent.id }, input.uploadIds ?? []);
    const messageId = randomUUID();
    const bodySha256 = sha256Hex(input.body);
    await repo.insertMessage(tx, {
      id: messageId,
      request_id: id,
      author_kind: "agent",
      author_space_id: null,
      author_agent_id: agent.id,
      body: input.body,
      body_sha256: bodySha256,
      created_at: now,
      read_by_company_at: null,
      read_by_company_space: null,
      read_by_administration_at: now,
    });
    await linkUploads(
      tx,
      messageId,
      uploads.map((u) => u.id),
      now,
    );
    await repo.updateRequest(tx, id, {
      status: t.to,
      last_activity_at: now,
      version: r.version + 1,
      first_answer_at: r.first_answer_at ?? now,
      // The first answer's author, kept for the dashboard's figures per agent.
      ...(r.first_answer_at ? {} : { first_answer_agent_id: agent.id }),
      answered_at: t.to === "answered" ? now : r.answered_at,
    });
    await appendJournal(tx, now, {
      actor: { kind: "agent", id: agent.id },
      action: "message.posted",
      subject: { type: "request", id },
      data: { messageId, sha256: bodySha256, attachments: uploads.map((u) => u.sha256), status: t.to },
    });
    await notifyCompanySide(tx, now, r);
    return { id: messageId, createdAt: now.toISOString(), status: t.to, version: r.version + 1 };
  });
  notifyChange(deps.db, id, "message.created");
  return posted;
}

/**
 * Assigns a request to an agent of its service (himself or a colleague), or unassigns it (`agentId` null). An
 * assignment starts the work: « Reçue » becomes « En cours de traitement », and the author and the company
 * address are notified as for any change of state.
 */
export async function assignRequest(
  deps: RequestsDeps,
  agent: AgentScope,
  id: string,
  input: { agentId: string | null; version: number },
  /** Read inside the request's transaction (hence the executor given). */
  isMember: (ex: Tx, agentId: string, serviceCode: string) => Promise<boolean>,
) {
  const now = deps.clock.now();
  const done = await deps.db.transaction().execute(async (tx) => {
    const r = await lockForAgent(tx, agent, id, input.version);
    if (r.status === "closed") throw requestClosed();
    if (input.agentId && !(await isMember(tx, input.agentId, r.service_code))) {
      throw new DomainError("refused", "agent_not_in_service", "Cet agent n'appartient pas au service de la demande.");
    }
    const t = input.agentId ? transition(r.status, "agent_opens") : ({ ok: true, to: r.status } as const);
    const status = t.ok ? t.to : r.status;
    await repo.updateRequest(tx, id, { assignee_agent_id: input.agentId, status, version: r.version + 1 });
    // « Reçue » → « En cours de traitement » is a change of state the company side is told of (content-free).
    if (status !== r.status) await notifyCompanySide(tx, now, r);
    await appendJournal(tx, now, {
      actor: { kind: "agent", id: agent.id },
      action: input.agentId ? "request.assigned" : "request.unassigned",
      subject: { type: "request", id },
      data: { to: input.agentId, from: r.assignee_agent_id, status },
    });
    return { assigneeId: input.agentId, status, version: r.version + 1 };
  });
  notifyChange(deps.db, id);
  return done;
}

/** An internal note: seen by agents only (never by the company side, not even through the API or the receipt). */
export async function addNote(deps: RequestsDeps, agent: AgentScope, id: string, body: string) {
  const now = deps.clock.now();
  const r = await repo.findRequest(deps.db, id);
  if (!r || !agent.services.includes(r.service_code)) throw notFound();
  const note = { id: randomUUID(), request_id: id, agent_id: agent.id, service_code: r.service_code, body, created_at: now };
  await deps.db.transaction().execute(async (tx) => {
    await repo.insertNote(tx, note);
    // A note changes the request a colleague may be answering: his reply, started before it, is then asked about.
    await tx
      .updateTable("requests")
      .set((eb) => ({ version: eb("version", "+", 1) }))
      .where("id", "=", id)
      .execute();
    await appendJournal(tx, now, {
      actor: { kind: "agent", id: agent.id },
      action: "note.added",
      subject: { type: "request", id },
      data: { noteId: note.id, sha256: sha256Hex(body) },
    });
  });
  notifyChange(deps.db, id, "note.added");
  return { id: note.id, agentId: agent.id, serviceCode: r.service_code, body, createdAt: now };
}

/**
 * Transfers a request to another service with a reason (kept for agents). The company side sees the new service,
 * never the reason; the assignment is dropped, the new service picks it up from its queue.
 */
export async function transferRequest(deps: RequestsDeps, agent: AgentScope, id: string, input: { serviceCode: string; reason: string; version: number }) {
  const now = deps.clock.now();
  if (!(await taxServiceExists(deps.db, input.serviceCode))) throw new DomainError("refused", "unknown_service", `Service inconnu : ${input.serviceCode}.`);
  const done = await deps.db.transaction().execute(async (tx) => {
    const r = await lockForAgent(tx, agent, id, input.version);
    if (r.status === "closed") throw requestClosed();
    if (r.service_code === input.serviceCode) throw new DomainError("refused", "same_service", "La demande est déjà dans ce service.");
    await repo.updateRequest(tx, id, { service_code: input.serviceCode, assignee_agent_id: null, version: r.version + 1 });
    await repo.insertTransfer(tx, {
      id: randomUUID(),
      request_id: id,
      from_service: r.service_code,
      to_service: input.serviceCode,
      agent_id: agent.id,
      reason: input.reason,
      at: now,
    });
    await appendJournal(tx, now, {
      actor: { kind: "agent", id: agent.id },
      action: "request.transferred",
      subject: { type: "request", id },
      data: { from: r.service_code, to: input.serviceCode, reason: input.reason },
    });
    return { serviceCode: input.serviceCode, version: r.version + 1 };
  });
  notifyChange(deps.db, id);
  return done;
}

/** An agent closes a request; the author and the company address get the content-free notice. */
/**
 * An agent closes a request. Without an answer of the administration in the thread, a reason is required: it is
 * written in the thread, where the company reads why its request was closed (product §9).
 */
export async function closeByAgent(deps: RequestsDeps, agent: AgentScope, id: string, version: number, reason?: string) {
  const now = deps.clock.now();
  const done = await deps.db.transaction().execute(async (tx) => {
    const r = await lockForAgent(tx, agent, id, version);
    const t = transition(r.status, "agent_closes");
    if (!t.ok) throw new DomainError("conflict", "request_closed", "Cette demande est déjà clôturée.");
    const answered = await tx.selectFrom("messages").select("id").where("request_id", "=", id).where("author_kind", "=", "agent").limit(1).executeTakeFirst();
    const said = reason?.trim();
    if (!answered && !said) {
      throw new DomainError(
        "refused",
        "close_reason_required",
        "Cette demande n'a reçu aucune réponse : indiquez à l'entreprise le motif de la clôture (champ « reason »).",
        { field: "reason" },
      );
    }
    if (said) {
      const body = `Demande clôturée par l'administration. Motif : ${said}`;
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
    }
    await repo.updateRequest(tx, id, { status: "closed", closed_at: now, last_activity_at: now, version: r.version + 1 });
    await appendJournal(tx, now, {
      actor: { kind: "agent", id: agent.id },
      action: "request.closed",
      subject: { type: "request", id },
      data: { by: "agent", ...(said ? { reason: said } : {}) },
    });
    await notifyCompanySide(tx, now, r);
    return { status: "closed" as const, version: r.version + 1 };
  });
  notifyChange(deps.db, id, reason ? "message.created" : "request.updated");
  return done;
}
