/** An agent writes first (product §16): one thread to one company, now or at a later time. */
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { DB } from "../../platform/db/schema.js";
import type { Clock } from "../../platform/clock.js";
import type { Sealer } from "../../platform/crypto.js";
import { DomainError } from "../../platform/errors.js";
import { enqueue, type OutboxHandler } from "../../platform/outbox.js";
import { decodeKeysetOrLast, encodeKeyset } from "../../platform/cursor.js";
import { getCompanyDetails, servicesCompetentFor } from "../companies/index.js";
import { companiesWithMessagerie } from "../adhesions/index.js";
import { appendJournal } from "../journal/index.js";
import {
  announceThreads,
  checkUploads,
  publishThreads,
  reserveReferences,
  reserveUploads,
  type AgentScope,
  type RequestsDeps,
  type ThreadSpec,
} from "../requests/index.js";

export type CorrespondenceDeps = { db: Kysely<DB>; clock: Clock; sealer: Sealer; requests: RequestsDeps };

export const THREAD_PUBLISH_KIND = "thread.publish";

/** What an agent writes: the thread's fields of api.md. */
export type ThreadFields = {
  tax: string;
  nature: string;
  subject: string;
  body: string;
  acknowledgementRequired: boolean;
  replyDueAt?: Date | undefined;
  repliesAllowed: boolean;
  publishAt?: Date | undefined;
};

export type ThreadInput = ThreadFields & { siren: string; uploadIds: string[]; service?: string | undefined };

/** The placeholders a message may use, filled for each company (product §16). */
export const PLACEHOLDERS: Record<string, string> = {
  raison_sociale: "raison sociale de l'entreprise",
  siren: "SIREN de l'entreprise",
  reference: "référence du fil de l'entreprise",
  service: "nom du service qui écrit",
};

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Refuses a text naming a placeholder that does not exist (422, before anything is written or sent). */
export function checkPlaceholders(fields: { subject: string; body: string }): void {
  const unknown = new Set<string>();
  for (const text of [fields.subject, fields.body]) for (const m of text.matchAll(PLACEHOLDER)) if (!(m[1]! in PLACEHOLDERS)) unknown.add(m[1]!);
  if (unknown.size > 0) {
    const names = [...unknown].map((n) => `{{${n}}}`).join(", ");
    throw new DomainError(
      "refused",
      "unknown_placeholder",
      `Champ inconnu dans le message : ${names}. Champs possibles : ${Object.keys(PLACEHOLDERS)
        .map((k) => `{{${k}}}`)
        .join(", ")}.`,
      {
        unknown: [...unknown],
        known: Object.keys(PLACEHOLDERS),
      },
    );
  }
}

/** Fills the placeholders for one company. */
export function fillPlaceholders(text: string, values: { raison_sociale: string; siren: string; reference: string; service: string }): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => (values as Record<string, string>)[name] ?? whole);
}

/** The rules of time: a publication time to come, a reply due after publication. */
export function checkTimes(fields: Pick<ThreadFields, "publishAt" | "replyDueAt">, now: Date): void {
  if (fields.publishAt && fields.publishAt.getTime() <= now.getTime()) {
    throw new DomainError(
      "refused",
      "publish_at_past",
      "La date de « Publication différée » est passée : choisissez une date à venir, ou publiez tout de suite.",
      { field: "publishAt" },
    );
  }
  const from = fields.publishAt ?? now;
  if (fields.replyDueAt && fields.replyDueAt.getTime() <= from.getTime()) {
    throw new DomainError("refused", "reply_due_at_past", "La date « Réponse attendue au plus tard le » doit suivre la publication du message.", {
      field: "replyDueAt",
    });
  }
}

const companyNotFound = () => new DomainError("not_found", "not_found", "Entreprise introuvable dans la compétence de vos services.");

/** The service of the agent that writes to the company: one of his, competent for it (else 404). */
async function writingService(db: Kysely<DB>, agent: AgentScope, siren: string, asked: string | undefined): Promise<string> {
  const competent = (await servicesCompetentFor(db, siren)).filter((s) => agent.services.includes(s));
  if (asked) {
    if (!competent.includes(asked)) throw companyNotFound();
    return asked;
  }
  const first = competent[0];
  if (!first) throw companyNotFound();
  return first;
}

/**
 * Opens a thread to a company of the agent's competence (product §16). Published at once — reference, journal entry,
 * content-free notice to the company address — or set aside until `publishAt`, when nothing of it reaches the
 * company side until the worker publishes it with the reference reserved now.
 */
export async function openThread(deps: CorrespondenceDeps, agent: AgentScope, input: ThreadInput) {
  const now = deps.clock.now();
  checkTimes(input, now);
  checkPlaceholders(input);
  const company = await getCompanyDetails(deps.db, input.siren);
  if (!company) throw companyNotFound();
  const serviceCode = await writingService(deps.db, agent, input.siren, input.service);
  if (!company.isActive)
    throw new DomainError(
      "refused",
      "company_ceased",
      `L'entreprise ${company.name} (SIREN ${company.siren}) est cessée : aucun message ne peut lui être adressé.`,
    );
  if (!(await companiesWithMessagerie(deps.db, [input.siren])).has(input.siren)) {
    throw new DomainError(
      "refused",
      "company_without_messagerie",
      `L'entreprise ${company.name} n'a pas adhéré à la messagerie sécurisée : personne ne lirait ce message. Écrivez-lui par une campagne (elle recevra un courrier) ou par voie postale.`,
    );
  }
  const id = randomUUID();
  const publishAt = input.publishAt;
  const spec: ThreadSpec = {
    serviceCode,
    agentId: agent.id,
    tax: input.tax,
    nature: input.nature,
    acknowledgementRequired: input.acknowledgementRequired,
    replyDueAt: input.replyDueAt ?? null,
    repliesAllowed: input.repliesAllowed,
    campaignId: null,
  };
  const created = await deps.db.transaction().execute(async (tx) => {
    const uploads = await checkUploads(tx, { kind: "agent", id: agent.id }, input.uploadIds);
    const [reference] = await reserveReferences(tx, serviceCode, publishAt ?? now, 1);
    const office = await tx.selectFrom("tax_services").select("name").where("code", "=", serviceCode).executeTakeFirst();
    const values = { raison_sociale: company.name, siren: company.siren, reference: reference!, service: office?.name ?? serviceCode };
    const subject = fillPlaceholders(input.subject, values);
    const body = fillPlaceholders(input.body, values);
    if (!publishAt) {
      await publishThreads(tx, now, spec, [
        { id, reference: reference!, siren: input.siren, companyName: company.name, subject, body, uploadIds: uploads.map((u) => u.id) },
      ]);
      return { reference: reference!, status: "published" as const };
    }
    if (
      (await reserveUploads(
        tx,
        uploads.map((u) => u.id),
        now,
      )) !== uploads.length
    ) {
      throw new DomainError("refused", "unknown_upload", "Une pièce jointe est introuvable, déjà utilisée ou expirée : téléversez-la de nouveau.");
    }
    await tx
      .insertInto("scheduled_threads")
      .values({
        id,
        reference: reference!,
        service_code: serviceCode,
        agent_id: agent.id,
        siren: input.siren,
        tax: input.tax,
        nature: input.nature,
        subject,
        body,
        upload_ids: JSON.stringify(uploads.map((u) => u.id)),
        acknowledgement_required: input.acknowledgementRequired,
        reply_due_at: input.replyDueAt ?? null,
        replies_allowed: input.repliesAllowed,
        publish_at: publishAt,
        created_at: now,
        published_at: null,
        cancelled_at: null,
      })
      .execute();
    await appendJournal(tx, now, {
      actor: { kind: "agent", id: agent.id },
      action: "thread.scheduled",
      subject: { type: "request", id },
      data: { reference, siren: input.siren, service: serviceCode, publishAt: publishAt.toISOString() },
    });
    await enqueue(tx, publishAt, THREAD_PUBLISH_KIND, { threadId: id });
    return { reference: reference!, status: "scheduled" as const };
  });
  if (created.status === "published") announceThreads(deps.db, [id]);
  return { id, reference: created.reference, status: created.status, publishAt: publishAt ?? now };
}

/**
 * Publishes a scheduled thread once its time has come (the worker's handler; early or repeated runs change nothing).
 * The company may have left the messagerie meanwhile: the thread is published all the same (the agent chose it; it
 * shows in the agent's queue and in the company's inbox once an adhesion returns).
 */
export async function publishScheduled(deps: CorrespondenceDeps, threadId: string): Promise<boolean> {
  const now = deps.clock.now();
  const published = await deps.db.transaction().execute(async (tx) => {
    const t = await tx.selectFrom("scheduled_threads").selectAll().where("id", "=", threadId).forUpdate().executeTakeFirst();
    if (!t || t.published_at || t.cancelled_at || t.publish_at.getTime() > now.getTime()) return false;
    const company = await getCompanyDetails(tx, t.siren);
    await publishThreads(
      tx,
      now,
      {
        serviceCode: t.service_code,
        agentId: t.agent_id,
        tax: t.tax,
        nature: t.nature,
        acknowledgementRequired: t.acknowledgement_required,
        replyDueAt: t.reply_due_at,
        repliesAllowed: t.replies_allowed,
        campaignId: null,
      },
      [
        {
          id: t.id,
          reference: t.reference,
          siren: t.siren,
          companyName: company?.name ?? t.siren,
          subject: t.subject,
          body: t.body,
          reservedUploadIds: t.upload_ids,
        },
      ],
    );
    await tx.updateTable("scheduled_threads").set({ published_at: now }).where("id", "=", t.id).execute();
    return true;
  });
  if (published) announceThreads(deps.db, [threadId]);
  return published;
}

/** The worker's handler: a run before the time (a clock moved back) asks to be run again. */
export function threadPublishHandler(deps: CorrespondenceDeps): OutboxHandler {
  return async (job) => {
    const id = String(job.payload.threadId);
    if (await publishScheduled(deps, id)) return;
    const t = await deps.db.selectFrom("scheduled_threads").select(["publish_at", "published_at", "cancelled_at"]).where("id", "=", id).executeTakeFirst();
    if (t && !t.published_at && !t.cancelled_at) throw new Error(`scheduled thread ${id} is not due yet`);
  };
}

/** The threads of the agent's services waiting for their publication time, soonest first (paginated). */
export async function listScheduled(deps: CorrespondenceDeps, agent: AgentScope, service: string | undefined, cursor: string | undefined, limit: number) {
  const after = cursor ? decodeKeysetOrLast(cursor) : undefined;
  const services = service ? (agent.services.includes(service) ? [service] : []) : agent.services;
  if (services.length === 0) throw new DomainError("not_found", "service_not_found", "Service introuvable parmi les vôtres.");
  let q = deps.db
    .selectFrom("scheduled_threads as t")
    .leftJoin("companies as c", "c.siren", "t.siren")
    .select([
      "t.id",
      "t.reference",
      "t.siren",
      "c.name",
      "t.tax",
      "t.nature",
      "t.subject",
      "t.service_code",
      "t.publish_at",
      "t.acknowledgement_required",
      "t.reply_due_at",
    ])
    .where("t.service_code", "in", services)
    .where("t.published_at", "is", null)
    .where("t.cancelled_at", "is", null);
  if (after) {
    const { at, id } = after;
    if (at) q = q.where((eb) => eb.or([eb("t.publish_at", ">", at), eb.and([eb("t.publish_at", "=", at), eb("t.id", ">", id)])]));
  }
  const rows = await q
    .orderBy("t.publish_at")
    .orderBy("t.id")
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({
      id: r.id,
      reference: r.reference,
      siren: r.siren,
      companyName: r.name ?? r.siren,
      tax: r.tax,
      nature: r.nature,
      subject: r.subject,
      serviceCode: r.service_code,
      publishAt: r.publish_at,
      acknowledgementRequired: r.acknowledgement_required,
      replyDueAt: r.reply_due_at,
    })),
    nextCursor: rows.length > limit && last ? encodeKeyset(last.publish_at, last.id) : null,
  };
}

/** Cancels a thread not yet published (nothing of it ever reached the company side). */
export async function cancelScheduled(deps: CorrespondenceDeps, agent: AgentScope, id: string) {
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (tx) => {
    const t = await tx
      .selectFrom("scheduled_threads")
      .select(["id", "service_code", "published_at", "cancelled_at", "reference", "upload_ids"])
      .where("id", "=", id)
      .forUpdate()
      .executeTakeFirst();
    if (!t || !agent.services.includes(t.service_code) || t.cancelled_at) throw new DomainError("not_found", "not_found", "Message programmé introuvable.");
    if (t.published_at) throw new DomainError("conflict", "already_published", "Ce message est déjà publié : il ne peut plus être annulé.");
    await tx.updateTable("scheduled_threads").set({ cancelled_at: now }).where("id", "=", id).execute();
    // The files set aside go back to the agent's uploads (and expire as any unused upload).
    if (t.upload_ids.length) await tx.updateTable("uploads").set({ attached_at: null }).where("id", "in", t.upload_ids).execute();
    await appendJournal(tx, now, {
      actor: { kind: "agent", id: agent.id },
      action: "thread.schedule_cancelled",
      subject: { type: "request", id },
      data: { reference: t.reference },
    });
    return { status: "cancelled" as const };
  });
}
