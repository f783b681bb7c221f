import { randomUUID } from "node:crypto";
import { sha256Hex } from "../../platform/crypto.js";
import { DomainError } from "../../platform/errors.js";
import { isCalendarDay, parisDay, parisDayLastInstant, parisDayStart } from "../../platform/paris.js";
import { appendJournal } from "../journal/index.js";
import * as repo from "./requests.repository.js";
import { transition } from "./requests.states.js";
import type { AgentScope } from "./requests.queue.js";
import { checkUploads, linkUploads, notFound, notifyChange, type RequestsDeps } from "./requests.service.js";
import { frenchDate } from "../../shared/dates.js";

export type PaperReplyInput = { receivedAt: string; uploadIds: string[]; note?: string | undefined };

/** « 2 décembre 2026 »: a Paris day as a French date. */
export function frenchDay(day: string): string {
  return frenchDate(parisDayStart(day));
}

const refused = (code: string, message: string) => new DomainError("refused", code, message, { field: "receivedAt" });

/**
 * Records an answer the company sent by post (product §18) on a thread the administration opened: the company's
 * message, marked « reçu par courrier » with the Paris day it arrived and the scans the agent uploaded, attributed in
 * the back office to the agent who recorded it. The request moves as when the company answers; the campaign's
 * figures count it as a reply (on the day it arrived). The optional note is an internal note (agents only).
 * An addition: no version to check (the request's version still moves, so that drafts started before see it).
 */
export async function recordPaperReply(deps: RequestsDeps, agent: AgentScope, id: string, input: PaperReplyInput) {
  const now = deps.clock.now();
  const day = input.receivedAt;
  if (!isCalendarDay(day))
    throw new DomainError("invalid", "invalid_date", "Champ « Reçue le » : date attendue au format AAAA-MM-JJ.", { field: "receivedAt" });
  const recorded = await deps.db.transaction().execute(async (tx) => {
    const r = await repo.lockRequest(tx, id);
    if (!r || !agent.services.includes(r.service_code)) throw notFound();
    if (r.origin !== "administration")
      throw new DomainError(
        "refused",
        "paper_reply_not_allowed",
        "Une réponse reçue par courrier s'enregistre sur un échange ouvert par l'administration (message ou campagne), pas sur une demande déposée en ligne.",
      );
    if (r.status === "closed")
      throw new DomainError("conflict", "request_closed", "Cet échange est clôturé : rouvrez-le avant d'enregistrer la réponse reçue par courrier.");
    if (day > parisDay(now))
      throw refused("received_in_future", `Champ « Reçue le » : la date de réception ne peut pas être dans le futur (${frenchDay(day)}).`);
    const opened = parisDay(r.received_at);
    if (day < opened)
      throw refused("received_before_thread", `Champ « Reçue le » : la réponse ne peut pas être arrivée avant l'envoi du message, le ${frenchDay(opened)}.`);
    const t = transition(r.status, "company_replies");
    if (!t.ok) throw new DomainError("conflict", "request_closed", "Cet échange est clôturé : rouvrez-le avant d'enregistrer la réponse reçue par courrier.");
    const uploads = await checkUploads(tx, { kind: "agent", id: agent.id }, input.uploadIds);
    const messageId = randomUUID();
    const scans = uploads.length === 1 ? "1 document numérisé" : `${uploads.length} documents numérisés`;
    const body = `Réponse reçue par courrier le ${frenchDay(day)} (${scans}).`;
    const bodySha256 = sha256Hex(body);
    await repo.insertMessage(tx, {
      id: messageId,
      request_id: id,
      author_kind: "person",
      author_space_id: null,
      author_agent_id: agent.id,
      body,
      body_sha256: bodySha256,
      created_at: now,
      read_by_company_at: null,
      read_by_company_space: null,
      read_by_administration_at: now,
      channel: "post",
      received_on: day,
    });
    await linkUploads(
      tx,
      messageId,
      uploads.map((u) => u.id),
      now,
    );
    // The company replied on the day the letter arrived (its last instant, or now when that is today).
    const repliedAt = new Date(Math.min(parisDayLastInstant(day).getTime(), now.getTime()));
    const firstReply = r.company_replied_at && r.company_replied_at.getTime() < repliedAt.getTime() ? r.company_replied_at : repliedAt;
    await repo.updateRequest(tx, id, { status: t.to, last_activity_at: now, company_replied_at: firstReply, version: r.version + 1 });
    const note = input.note?.trim();
    const noteId = note ? randomUUID() : undefined;
    await appendJournal(tx, now, {
      actor: { kind: "agent", id: agent.id },
      action: "paper_reply.recorded",
      subject: { type: "request", id },
      data: { messageId, receivedOn: day, sha256: bodySha256, attachments: uploads.map((u) => u.sha256), status: t.to, ...(noteId ? { noteId } : {}) },
    });
    if (note && noteId) {
      await repo.insertNote(tx, { id: noteId, request_id: id, agent_id: agent.id, service_code: r.service_code, body: note, created_at: now });
      await appendJournal(tx, now, {
        actor: { kind: "agent", id: agent.id },
        action: "note.added",
        subject: { type: "request", id },
        data: { noteId, sha256: sha256Hex(note) },
      });
    }
    return { id: messageId, createdAt: now, receivedOn: day, status: t.to, version: r.version + 1, noteId: noteId ?? null };
  });
  notifyChange(deps.db, id, "message.created");
  return recorded;
}
