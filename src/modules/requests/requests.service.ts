import { randomUUID } from "node:crypto";
import { sql, type Kysely } from "kysely";
import type { DB } from "../../platform/db/schema.js";
import type { Tx } from "../../platform/db/database.js";
import type { Clock } from "../../platform/clock.js";
import { DAY } from "../../platform/clock.js";
import { sha256Hex } from "../../platform/crypto.js";
import { DomainError } from "../../platform/errors.js";
import { departmentOf, findCompetentServiceOfType, findManagingSie, getCompanies, getCompanyDetails } from "../companies/index.js";
import { getSpaces } from "../spaces/index.js";
import { can, managesCompany, messagerieScope } from "../rights/index.js";
import { appendJournal, entriesAbout, journalRow } from "../journal/index.js";
import { queueMail, receiptMail } from "../mail/index.js";
import * as repo from "./requests.repository.js";
import { idempotent } from "./requests.idempotency.js";
import { postReply } from "./requests.posting.js";
import { LIMITS, NATURES, natureAllowed, routedServiceType, TAX_LABELS } from "./requests.catalogue.js";
import { deadlinesFor } from "./requests.deadlines.js";
import { signedReceipt, type ReceiptKeys, type ReceiptPayload } from "./requests.receipts.js";
import { STATUSES, transition } from "./requests.states.js";
import { serviceNames, summaryOf, threadOf } from "./requests.views.js";

export type RequestsDeps = {
  db: Kysely<DB>;
  clock: Clock;
  receiptKeys: ReceiptKeys;
};

export const notFound = () => new DomainError("not_found", "not_found", "Demande introuvable.");
export const requestClosed = () =>
  new DomainError(
    "conflict",
    "request_closed",
    "Cette demande est clôturée : elle n'accepte plus de message. Déposez une nouvelle demande en citant sa référence.",
  );
export const repliesNotAllowed = () =>
  new DomainError(
    "conflict",
    "replies_not_allowed",
    "Ce message de l'administration n'accepte pas de réponse. Pour écrire au service, déposez une nouvelle demande en citant sa référence.",
  );

/** The service a request goes to: the company's managing SIE, or the competent CDIF for taxes foncières. */
async function routeRequest(db: Kysely<DB> | Tx, siren: string, tax: string, nature: string) {
  const type = routedServiceType(tax, nature);
  if (type === "SIE") return findManagingSie(db, siren);
  const company = await getCompanyDetails(db, siren);
  const commune = company?.address?.communeCode;
  if (!commune) return findManagingSie(db, siren);
  return (await findCompetentServiceOfType(db, type, commune, departmentOf(commune))) ?? findManagingSie(db, siren);
}

export type FileInput = { siren: string; tax: string; nature: string; subject: string; body: string; uploadIds: string[] };

/** Checks uploads before they are linked to a message: the person's, unattached, clean, and within the limits. */
export async function checkUploads(ex: Kysely<DB> | Tx, owner: repo.UploadOwner, uploadIds: string[]) {
  const ids = [...new Set(uploadIds)];
  if (ids.length > LIMITS.attachmentsMax)
    throw new DomainError("refused", "too_many_attachments", `Au plus ${LIMITS.attachmentsMax} pièces jointes par message.`);
  const found = await repo.unattachedUploads(ex, owner, ids);
  if (found.length !== ids.length) throw unknownUpload();
  if (found.some((u) => u.scan_status === "quarantined"))
    throw new DomainError("refused", "upload_quarantined", "Une pièce jointe attend encore l'analyse antivirus : réessayez dans quelques minutes.");
  const total = found.reduce((s, u) => s + u.size, 0);
  if (total > LIMITS.attachmentsTotalBytes) throw new DomainError("too_large", "attachments_too_large", "Les pièces jointes dépassent 25 Mo au total.");
  const order = new Map(ids.map((id, i) => [id, i]));
  return found.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
}

/** The Paris year of an instant (a reference number restarts each year), with one formatter made once. */
const PARIS_YEAR = new Intl.DateTimeFormat("fr-FR", { timeZone: "Europe/Paris", year: "numeric" });

const unknownUpload = () =>
  new DomainError("refused", "unknown_upload", "Une pièce jointe est introuvable, déjà utilisée ou expirée : téléversez-la de nouveau.");

/** Links checked uploads to a message; an upload another message took meanwhile fails the whole transaction. */
export async function linkUploads(tx: Kysely<DB> | Tx, messageId: string, ids: string[], at: Date) {
  if ((await repo.attachUploads(tx, messageId, ids, at, randomUUID)) !== ids.length) throw unknownUpload();
}

/** Checks and links uploads to a message (inside the message's transaction). */
async function attach(tx: Tx, spaceId: string, messageId: string, uploadIds: string[], at: Date) {
  const uploads = await checkUploads(tx, { kind: "person", id: spaceId }, uploadIds);
  await linkUploads(
    tx,
    messageId,
    uploads.map((u) => u.id),
    at,
  );
  return uploads;
}

/**
 * Files a request (product §8). One transaction commits the request, its first message, the attachment links, the
 * signed receipt, the journal entry and the outbox rows; only then does the caller answer 201.
 */
export async function fileRequest(deps: RequestsDeps, spaceId: string, input: FileInput, idempotencyKey?: string) {
  if (!natureAllowed(input.tax, input.nature)) {
    throw new DomainError("refused", "nature_not_allowed", "Le remboursement d'un crédit de TVA ne se demande que pour la TVA.");
  }
  const now = deps.clock.now();
  // Visibility: writing for a company and a tax needs a live messagerie right covering that tax; else 404.
  if (!(await can(deps.db, { spaceId, siren: input.siren, service: "messagerie", tax: input.tax }, now))) {
    throw new DomainError("not_found", "not_found", "Entreprise introuvable, ou vous n'avez pas accès à sa messagerie pour cet impôt.");
  }
  const filed = await idempotent(deps, spaceId, idempotencyKey, "POST /requests", input, async (tx) => {
    const service = await routeRequest(tx, input.siren, input.tax, input.nature);
    if (!service)
      throw new DomainError(
        "refused",
        "no_competent_service",
        "Aucun service des impôts n'est compétent pour l'adresse de cette entreprise : contactez le centre de contact.",
      );
    const year = Number(PARIS_YEAR.format(now));
    const number = await repo.nextReferenceNumber(tx, service.code, year);
    const reference = `${year}-${service.code}-${String(number).padStart(7, "0")}`;
    const id = randomUUID();
    const messageId = randomUUID();
    const deadlines = deadlinesFor(input.nature, now);
    await repo.insertRequest(tx, {
      id,
      reference,
      siren: input.siren,
      tax: input.tax,
      nature: input.nature,
      subject: input.subject,
      status: "received",
      service_code: service.code,
      author_space_id: spaceId,
      received_at: now,
      last_activity_at: now,
      answered_at: null,
      first_answer_at: null,
      closed_at: null,
      archived_at: null,
      first_answer_due_at: deadlines.firstAnswer,
      legal_due_at: deadlines.legal,
    });
    const bodySha256 = sha256Hex(input.body);
    await repo.insertMessage(tx, {
      id: messageId,
      request_id: id,
      author_kind: "person",
      author_space_id: spaceId,
      author_agent_id: null,
      body: input.body,
      body_sha256: bodySha256,
      created_at: now,
      read_by_company_at: now,
      read_by_company_space: spaceId,
      read_by_administration_at: null,
    });
    const attachments = await attach(tx, spaceId, messageId, input.uploadIds, now);
    const [author] = await getSpaces(tx, [spaceId]);
    const company = (await getCompanies(tx, [input.siren])).get(input.siren);
    const payload: ReceiptPayload = {
      version: 1,
      reference,
      receivedAt: now.toISOString(),
      service: { code: service.code, name: service.name },
      author: { name: `${author!.first_name} ${author!.last_name}`, connectionEmail: author!.connection_email },
      company: { siren: input.siren, name: company?.name ?? input.siren },
      tax: `${input.tax} (${TAX_LABELS[input.tax] ?? input.tax})`,
      nature: NATURES.find((n) => n.code === input.nature)?.label ?? input.nature,
      subject: input.subject,
      bodySha256,
      attachments: attachments.map((a) => ({ name: a.name, size: a.size, mediaType: a.media_type, sha256: a.sha256 })),
      firstAnswerTarget: deadlines.firstAnswer.toISOString(),
      legalDeadline: deadlines.legal?.toISOString() ?? null,
    };
    const pdf = await signedReceipt(payload, deps.receiptKeys);
    await repo.insertReceipt(tx, id, pdf, now);
    await queueMail(tx, now, receiptMail({ to: author!.connection_email, reference, companyName: payload.company.name, receivedAt: now, pdf }));
    await appendJournal(tx, now, {
      actor: { kind: "person", id: spaceId },
      action: "request.filed",
      subject: { type: "request", id },
      data: {
        reference,
        siren: input.siren,
        tax: input.tax,
        nature: input.nature,
        service: service.code,
        messageSha256: bodySha256,
        attachments: attachments.map((a) => a.sha256),
      },
    });
    return {
      id,
      reference,
      status: "received" as const,
      receivedAt: now.toISOString(),
      service: { code: service.code, name: service.name },
      receiptUrl: `/api/v1/requests/${id}/receipt.pdf`,
    };
  });
  notifyChange(deps.db, filed.id);
  return filed;
}

export const EVENTS_CHANNEL = "messagerie_requests";

/**
 * Live updates: every process listening on the channel (LISTEN/NOTIFY) pushes the event to the people concerned.
 * Sent once the change has committed, outside its transaction: a NOTIFY inside it would make every writer's commit
 * queue on PostgreSQL's notification lock. A lost event (crash in between) costs only a late refresh.
 */
const pendingEvents = new WeakMap<Kysely<DB>, { payloads: Set<string>; timer: NodeJS.Timeout }>();

/**
 * Not awaited (the answer does not wait for a live update, which cannot fail the change), and gathered: the events
 * of the next 20 ms go in one statement, so that a burst of messages costs one NOTIFY round trip, not one each.
 */
export function notifyChange(
  db: Kysely<DB>,
  requestId: string,
  event: "request.updated" | "message.created" | "note.added" | "presence.updated" = "request.updated",
): void {
  const payload = JSON.stringify({ id: requestId, event });
  const pending = pendingEvents.get(db);
  if (pending) {
    pending.payloads.add(payload);
    return;
  }
  const payloads = new Set([payload]);
  const timer = setTimeout(() => {
    pendingEvents.delete(db);
    sql`SELECT pg_notify(${EVENTS_CHANNEL}, p) FROM unnest(${[...payloads]}::text[]) AS p`.execute(db).catch(() => {});
  }, 20);
  timer.unref();
  pendingEvents.set(db, { payloads, timer });
}

/** A request the person may see (else 404, never 403): one query, the visibility being part of it. */
export async function visibleRequest(db: Kysely<DB> | Tx, spaceId: string, id: string, at: Date, lock = false): Promise<repo.RequestRow> {
  let q = db.selectFrom("requests").select(repo.REQUEST_COLUMNS).where("id", "=", id).where(messagerieScope(spaceId, at));
  if (lock) q = q.forUpdate();
  const r = await q.executeTakeFirst();
  if (!r) throw notFound();
  return r;
}

/**
 * One request with its thread; marks the administration's messages read by the company side (its first read, which
 * the unread counters follow) and by the person (her own first read of each, « lu par … »).
 */
export async function getRequest(deps: RequestsDeps, spaceId: string, id: string) {
  const now = deps.clock.now();
  const r = await visibleRequest(deps.db, spaceId, id, now);
  const marked = await deps.db.transaction().execute(async (tx) => {
    const n = await repo.markReadByCompany(tx, id, spaceId, now);
    await repo.markReadByPerson(tx, id, spaceId, now);
    if (n > 0)
      await appendJournal(tx, now, { actor: { kind: "person", id: spaceId }, action: "request.read", subject: { type: "request", id }, data: { messages: n } });
    return n;
  });
  const summary = await summaryOf(deps.db, r);
  // The company's administrators see which service opened the request, and when (never the agent's name).
  const openings = (await managesCompany(deps.db, spaceId, r.siren, now)) ? await openingsOf(deps.db, id) : undefined;
  return { ...summary, unreadCount: 0, messages: await threadOf(deps.db, r), markedRead: marked, openings };
}

/**
 * Which services opened a request (from the journal, which keeps every opening): one line per service, with how
 * many times and the latest (`openedAt`), oldest first — a reload is not a new consultation to show.
 */
async function openingsOf(db: Kysely<DB>, requestId: string) {
  const grouped = new Map<string, { count: number; at: Date }>();
  for (const e of await entriesAbout(db, { type: "request", id: requestId }, "request.opened")) {
    const service = typeof e.data.service === "string" ? e.data.service : "";
    const g = grouped.get(service);
    grouped.set(service, { count: (g?.count ?? 0) + 1, at: e.at });
  }
  const names = await serviceNames(db, [...grouped.keys()]);
  return [...grouped]
    .sort((a, b) => a[1].at.getTime() - b[1].at.getTime())
    .map(([code, g]) => ({ service: { code, name: names.get(code) ?? code }, openedAt: g.at, count: g.count }));
}

/** A reply from the company side; a closed request answers 409. */
export async function postCompanyMessage(
  deps: RequestsDeps,
  spaceId: string,
  id: string,
  input: { body: string; uploadIds: string[] },
  idempotencyKey?: string,
) {
  const now = deps.clock.now();
  const messageId = randomUUID();
  const bodySha256 = sha256Hex(input.body);
  const work = async (ex: Kysely<DB> | Tx) => {
    const uploads = await checkUploads(ex, { kind: "person", id: spaceId }, input.uploadIds);
    const attachments = uploads.map((u) => u.sha256);
    const moves = STATUSES.flatMap((from) => {
      const t = transition(from, "company_replies");
      return t.ok ? [{ from, to: t.to }] : [];
    });
    const done = await postReply(ex, {
      m: { id: messageId, requestId: id, authorSpaceId: spaceId, body: input.body, bodySha256, at: now },
      moves,
      journalOf: (status) =>
        journalRow(now, {
          actor: { kind: "person", id: spaceId },
          action: "message.posted",
          subject: { type: "request", id },
          data: { messageId, sha256: bodySha256, attachments, status },
        }),
    });
    if (done.status === undefined) throw notFound();
    if (!done.repliesAllowed) throw repliesNotAllowed();
    if (!done.moved) throw requestClosed();
    await linkUploads(
      ex,
      messageId,
      uploads.map((u) => u.id),
      now,
    );
    return { id: messageId, createdAt: now.toISOString() };
  };
  // Without attachments nor idempotency key the reply is one statement: atomic on its own, one round trip.
  const posted =
    input.uploadIds.length === 0 && !idempotencyKey
      ? await work(deps.db)
      : await idempotent(deps, spaceId, idempotencyKey, `POST /requests/${id}/messages`, input, work);
  notifyChange(deps.db, id, "message.created");
  return posted;
}

export async function closeRequest(deps: RequestsDeps, spaceId: string, id: string) {
  const now = deps.clock.now();
  const closed = await deps.db.transaction().execute(async (tx) => {
    const r = await visibleRequest(tx, spaceId, id, now, true);
    const t = transition(r.status, "company_closes");
    if (!t.ok) throw new DomainError("conflict", "request_closed", "Cette demande est déjà clôturée.");
    if (r.acknowledgement_required && !r.acknowledged_at) {
      throw new DomainError("conflict", "acknowledgement_required", "Accusez réception de ce message avant de clôturer la demande.");
    }
    await repo.updateRequest(tx, id, { status: "closed", closed_at: now, last_activity_at: now, version: r.version + 1 });
    await appendJournal(tx, now, {
      actor: { kind: "person", id: spaceId },
      action: "request.closed",
      subject: { type: "request", id },
      data: { by: "company" },
    });
    return { status: "closed" as const };
  });
  notifyChange(deps.db, id);
  return closed;
}

export async function receiptOf(deps: RequestsDeps, spaceId: string, id: string) {
  const r = await visibleRequest(deps.db, spaceId, id, deps.clock.now());
  const receipt = await repo.findReceipt(deps.db, id);
  if (!receipt) throw notFound();
  return { reference: r.reference, pdf: receipt.pdf };
}

/** Closes requests left 30 days in `answered` without reply (job). */
export async function autoCloseAnswered(deps: Pick<RequestsDeps, "db" | "clock">): Promise<number> {
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (tx) => {
    const rows = await tx
      .updateTable("requests")
      .set((eb) => ({ status: "closed", closed_at: now, version: eb("version", "+", 1) }))
      .where("status", "=", "answered")
      .where("answered_at", "<=", new Date(now.getTime() - 30 * DAY))
      .returning(["id", "reference"])
      .execute();
    for (const r of rows)
      await appendJournal(tx, now, {
        actor: { kind: "system" },
        action: "request.closed",
        subject: { type: "request", id: r.id },
        data: { by: "timeout", reference: r.reference },
      });
    return rows.length;
  });
}
