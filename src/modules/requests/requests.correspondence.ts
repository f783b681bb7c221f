/**
 * Threads the administration opens (product §16): publication (one thread or a campaign's chunk, in set-based
 * statements), the acknowledgement, the unread reminder, and the agent's queue of threads waiting for the company.
 */
import { randomUUID } from "node:crypto";
import { sql, type Kysely } from "kysely";
import type { DB, NewRow } from "../../platform/db/schema.js";
import type { Tx } from "../../platform/db/database.js";
import { DAY } from "../../platform/clock.js";
import { sha256Hex } from "../../platform/crypto.js";
import { decodeKeysetOrLast, encodeKeyset } from "../../platform/cursor.js";
import { DomainError } from "../../platform/errors.js";
import { parisDay } from "../../platform/paris.js";
import { getCompanies } from "../companies/index.js";
import { getSpaces } from "../spaces/index.js";
import { companyEmailsOf } from "../adhesions/index.js";
import { appendJournal, journalRow } from "../journal/index.js";
import { administrationMessageMail, queueMails, type Mail } from "../mail/index.js";
import { messagerieScope } from "../rights/index.js";
import * as repo from "./requests.repository.js";
import { linkUploads, notFound, notifyChange, type RequestsDeps } from "./requests.service.js";
import { servicesIn, type AgentScope } from "./requests.queue.js";

/** A reminder goes to the company address when a published thread is still unread after this long. */
export const REMINDER_AFTER_MS = 7 * DAY;

/** What the agent wrote, shared by every thread of a campaign. */
export type ThreadSpec = {
  serviceCode: string;
  agentId: string;
  tax: string;
  nature: string;
  acknowledgementRequired: boolean;
  replyDueAt: Date | null;
  repliesAllowed: boolean;
  campaignId: string | null;
};

/** One thread to publish: its company, its reserved id and reference, its text (placeholders filled). */
export type ThreadToPublish = {
  id: string;
  reference: string;
  siren: string;
  companyName: string;
  subject: string;
  body: string;
  /** The agent's uploads, checked, still free. */
  uploadIds?: string[];
  /** Uploads set aside when the thread was scheduled. */
  reservedUploadIds?: string[];
  /** No e-mail notice: the company gets the message by post (a campaign letter). */
  silent?: boolean;
};

/** The year of a reference: the Paris calendar year of its date. */
export function referenceYear(at: Date): number {
  return Number(parisDay(at).slice(0, 4));
}

/** Reserves `n` consecutive reference numbers of a service for a year (one row-locked counter update). */
export async function reserveReferences(tx: Tx, serviceCode: string, at: Date, n: number): Promise<string[]> {
  if (n === 0) return [];
  const year = referenceYear(at);
  const res = await sql<{ last_value: number }>`
    INSERT INTO request_counters (service_code, year, last_value) VALUES (${serviceCode}, ${year}, ${n})
    ON CONFLICT (service_code, year) DO UPDATE SET last_value = request_counters.last_value + ${n}
    RETURNING last_value`.execute(tx);
  const last = res.rows[0]!.last_value;
  return Array.from({ length: n }, (_, i) => `${year}-${serviceCode}-${String(last - n + 1 + i).padStart(7, "0")}`);
}

/** The state a thread starts in: waiting for the company when it owes something, else already « Traitée ». */
function initialStatus(spec: ThreadSpec): "awaiting_user" | "answered" {
  return spec.acknowledgementRequired || spec.replyDueAt ? "awaiting_user" : "answered";
}

/**
 * Publishes threads in the caller's transaction, a few statements whatever their number: the requests (origin
 * `administration`), their first message, the journal entries, and the content-free notice to each company
 * address. The unique index on (campaign, SIREN) refuses a second thread of a campaign to a company.
 */
export async function publishThreads(tx: Tx, now: Date, spec: ThreadSpec, threads: ThreadToPublish[]): Promise<void> {
  if (threads.length === 0) return;
  const status = initialStatus(spec);
  const requests: NewRow<"requests">[] = threads.map((t) => ({
    id: t.id,
    reference: t.reference,
    siren: t.siren,
    tax: spec.tax,
    nature: spec.nature,
    subject: t.subject,
    status,
    service_code: spec.serviceCode,
    author_space_id: null,
    origin: "administration",
    opened_by_agent_id: spec.agentId,
    acknowledgement_required: spec.acknowledgementRequired,
    reply_due_at: spec.replyDueAt,
    replies_allowed: spec.repliesAllowed,
    campaign_id: spec.campaignId,
    reminder_due_at: new Date(now.getTime() + REMINDER_AFTER_MS),
    received_at: now,
    last_activity_at: now,
    // The administration spoke first: the first answer is the message itself; what is due is the company's reply.
    first_answer_at: now,
    answered_at: status === "answered" ? now : null,
    closed_at: null,
    archived_at: null,
    first_answer_due_at: now,
    legal_due_at: spec.replyDueAt,
  }));
  await tx.insertInto("requests").values(requests).execute();
  const messages = threads.map((t) => ({ id: randomUUID(), thread: t, sha256: sha256Hex(t.body) }));
  await tx
    .insertInto("messages")
    .values(
      messages.map((m) => ({
        id: m.id,
        request_id: m.thread.id,
        author_kind: "agent" as const,
        author_space_id: null,
        author_agent_id: spec.agentId,
        body: m.thread.body,
        body_sha256: m.sha256,
        created_at: now,
        read_by_company_at: null,
        read_by_company_space: null,
        read_by_administration_at: now,
        service_code: spec.serviceCode,
      })),
    )
    .execute();
  for (const m of messages) {
    if (m.thread.uploadIds?.length) await linkUploads(tx, m.id, m.thread.uploadIds, now);
    if (m.thread.reservedUploadIds?.length) await repo.attachReservedUploads(tx, m.id, m.thread.reservedUploadIds, randomUUID);
  }
  await tx
    .insertInto("journal")
    .values(
      messages.map((m) =>
        journalRow(now, {
          actor: { kind: "agent", id: spec.agentId },
          action: "thread.published",
          subject: { type: "request", id: m.thread.id },
          data: {
            reference: m.thread.reference,
            siren: m.thread.siren,
            tax: spec.tax,
            nature: spec.nature,
            service: spec.serviceCode,
            messageSha256: m.sha256,
            acknowledgementRequired: spec.acknowledgementRequired,
            replyDueAt: spec.replyDueAt?.toISOString() ?? null,
            repliesAllowed: spec.repliesAllowed,
            ...(spec.campaignId ? { campaign: spec.campaignId } : {}),
          },
        }),
      ),
    )
    .execute();
  const emails = await companyEmailsOf(tx, [...new Set(threads.map((t) => t.siren))]);
  const mails: Mail[] = threads.flatMap((t) => {
    const to = t.silent ? undefined : emails.get(t.siren);
    return to
      ? [
          administrationMessageMail({
            to,
            reference: t.reference,
            companyName: t.companyName,
            reminder: false,
            acknowledgementRequired: spec.acknowledgementRequired,
          }),
        ]
      : [];
  });
  await queueMails(tx, now, mails);
}

/** Live updates for published threads (after commit). */
export function announceThreads(db: Kysely<DB>, ids: string[]): void {
  for (const id of ids) notifyChange(db, id, "message.created");
}

/**
 * « J'accuse réception » (product §16): the first acknowledgement is kept (a second one answers the first, changes
 * nothing); journaled. A thread that waited for nothing else is then « Traitée ».
 */
export async function acknowledgeThread(deps: RequestsDeps, spaceId: string, id: string) {
  const now = deps.clock.now();
  const done = await deps.db.transaction().execute(async (tx) => {
    const r = await tx
      .selectFrom("requests")
      .select(["id", "status", "acknowledgement_required", "acknowledged_at", "acknowledged_by", "reply_due_at", "company_replied_at", "version"])
      .where("id", "=", id)
      .where(messagerieScope(spaceId, now))
      .forUpdate()
      .executeTakeFirst();
    if (!r) throw notFound();
    if (!r.acknowledgement_required) {
      throw new DomainError("refused", "acknowledgement_not_required", "Ce message ne demande pas d'accusé de réception.");
    }
    if (r.acknowledged_at && r.acknowledged_by) return { at: r.acknowledged_at, by: r.acknowledged_by, first: false };
    const waitsForReply = r.reply_due_at !== null && r.company_replied_at === null;
    const status = r.status === "awaiting_user" && !waitsForReply ? "answered" : r.status;
    await tx
      .updateTable("requests")
      .set({ acknowledged_at: now, acknowledged_by: spaceId, status, ...(status !== r.status ? { answered_at: now } : {}), version: r.version + 1 })
      .where("id", "=", id)
      .execute();
    // Reading it is part of acknowledging it.
    await repo.markReadByCompany(tx, id, spaceId, now);
    await appendJournal(tx, now, {
      actor: { kind: "person", id: spaceId },
      action: "thread.acknowledged",
      subject: { type: "request", id },
      data: { at: now.toISOString() },
    });
    return { at: now, by: spaceId, first: true };
  });
  if (done.first) notifyChange(deps.db, id);
  const [person] = await getSpaces(deps.db, [done.by]);
  return { acknowledgedAt: done.at, acknowledgedBy: { firstName: person?.first_name ?? "", lastName: person?.last_name ?? "" } };
}

/**
 * The reminders (job): a thread still unread by the company side 7 days after publication gets one content-free
 * reminder to the company address. Every due thread is considered once (read ones are let go without a mail).
 */
export async function sendReminders(deps: Pick<RequestsDeps, "db" | "clock">): Promise<number> {
  const now = deps.clock.now();
  let sent = 0;
  for (;;) {
    const n = await deps.db.transaction().execute(async (tx) => {
      const due = await sql<{ id: string; reference: string; siren: string; acknowledgement_required: boolean; unread: boolean }>`
        UPDATE requests r SET reminder_due_at = NULL,
          reminded_at = CASE WHEN u.unread THEN ${now}::timestamptz ELSE NULL END
        FROM (
          SELECT q.id, NOT EXISTS (
            SELECT 1 FROM messages m WHERE m.request_id = q.id AND m.author_kind <> 'person' AND m.read_by_company_at IS NOT NULL) AS unread
          FROM requests q WHERE q.reminder_due_at <= ${now} AND q.status <> 'closed'
          ORDER BY q.reminder_due_at LIMIT 500 FOR UPDATE SKIP LOCKED) u
        WHERE r.id = u.id
        RETURNING r.id, r.reference, r.siren, r.acknowledgement_required, u.unread`.execute(tx);
      const unread = due.rows.filter((r) => r.unread);
      const sirens = [...new Set(unread.map((r) => r.siren))];
      const [emails, companies] = await Promise.all([companyEmailsOf(tx, sirens), getCompanies(tx, sirens)]);
      const mails = unread.flatMap((r) => {
        const to = emails.get(r.siren);
        return to
          ? [
              administrationMessageMail({
                to,
                reference: r.reference,
                companyName: companies.get(r.siren)?.name ?? r.siren,
                reminder: true,
                acknowledgementRequired: r.acknowledgement_required,
              }),
            ]
          : [];
      });
      await queueMails(tx, now, mails);
      if (unread.length) {
        await tx
          .insertInto("journal")
          .values(
            unread.map((r) =>
              journalRow(now, {
                actor: { kind: "system" },
                action: "thread.reminded",
                subject: { type: "request", id: r.id },
                data: { reference: r.reference, mailed: emails.has(r.siren) },
              }),
            ),
          )
          .execute();
      }
      sent += mails.length;
      return due.rows.length;
    });
    if (n < 500) return sent;
  }
}

export type AwaitingFilters = { service?: string | undefined; waiting?: "acknowledgement" | "reply" | undefined; overdue?: boolean | undefined };

/** The predicate of the `requests_awaiting_company` index (repeated word for word so that the planner uses it). */
const AWAITING = sql<boolean>`requests.origin = 'administration' AND requests.status <> 'closed'
  AND ((requests.acknowledgement_required AND requests.acknowledged_at IS NULL) OR (requests.reply_due_at IS NOT NULL AND requests.company_replied_at IS NULL))`;

/**
 * The agent's queue of threads waiting for the company (product §16): an acknowledgement or a reply still owed, by
 * due date — the overdue ones first, those without a due date last; keyset pagination on (due date, id).
 */
export async function awaitingCompany(deps: RequestsDeps, agent: AgentScope, f: AwaitingFilters, cursor: string | undefined, limit: number) {
  const now = deps.clock.now();
  const services = servicesIn(agent, f.service);
  let q = deps.db
    .selectFrom("requests")
    .select([
      ...repo.SUMMARY_COLUMNS,
      "requests.acknowledgement_required",
      "requests.acknowledged_at",
      "requests.reply_due_at",
      "requests.company_replied_at",
      "requests.campaign_id",
      sql<Date | null>`(SELECT min(m.read_by_company_at) FROM messages m WHERE m.request_id = requests.id AND m.author_kind = 'agent')`.as("first_read_at"),
    ])
    .where("requests.service_code", "in", services)
    .where(AWAITING);
  if (f.waiting === "acknowledgement") q = q.where(sql<boolean>`requests.acknowledgement_required AND requests.acknowledged_at IS NULL`);
  if (f.waiting === "reply") q = q.where(sql<boolean>`requests.reply_due_at IS NOT NULL AND requests.company_replied_at IS NULL`);
  if (f.overdue) q = q.where("requests.reply_due_at", "<", now);
  if (cursor) {
    const { at, id } = decodeKeysetOrLast(cursor);
    q = q.where(sql<boolean>`(COALESCE(requests.reply_due_at, 'infinity'::timestamptz), requests.id) > (${at ?? "infinity"}::timestamptz, ${id}::uuid)`);
  }
  const rows = await q
    .orderBy(sql`COALESCE(requests.reply_due_at, 'infinity'::timestamptz)`)
    .orderBy("requests.id")
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const companies = await getCompanies(deps.db, [...new Set(page.map((r) => r.siren))]);
  const items = page.map((r) => ({
    id: r.id,
    reference: r.reference,
    siren: r.siren,
    companyName: companies.get(r.siren)?.name ?? r.siren,
    tax: r.tax,
    nature: r.nature,
    subject: r.subject,
    status: r.status,
    serviceCode: r.service_code,
    publishedAt: r.received_at,
    replyDueAt: r.reply_due_at,
    overdue: r.reply_due_at !== null && r.reply_due_at.getTime() < now.getTime(),
    waitingFor: [
      ...(r.acknowledgement_required && !r.acknowledged_at ? (["acknowledgement"] as const) : []),
      ...(r.reply_due_at && !r.company_replied_at ? (["reply"] as const) : []),
    ],
    firstReadAt: r.first_read_at ? new Date(r.first_read_at) : null,
    campaignId: r.campaign_id,
  }));
  const last = page[page.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeKeyset(last.reply_due_at, last.id) : null };
}
