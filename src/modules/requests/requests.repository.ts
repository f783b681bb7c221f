import { sql } from "kysely";
import { PREPARED, type Executor } from "../../platform/db/database.js";
import type { NewRow, Row } from "../../platform/db/schema.js";

/** The next number of a service's references for a year (row-locked counter: no gap between commits, no duplicate). */
export async function nextReferenceNumber(db: Executor, serviceCode: string, year: number): Promise<number> {
  const res = await sql<{ last_value: number }>`
    INSERT INTO request_counters (service_code, year, last_value) VALUES (${serviceCode}, ${year}, 1)
    ON CONFLICT (service_code, year) DO UPDATE SET last_value = request_counters.last_value + 1
    RETURNING last_value`.execute(db);
  return res.rows[0]!.last_value;
}

export async function insertRequest(db: Executor, row: NewRow<"requests">): Promise<void> {
  await db.insertInto("requests").values(row).execute();
}

export async function insertMessage(db: Executor, row: NewRow<"messages">): Promise<void> {
  await db.insertInto("messages").values(row).execute();
}

export async function insertReceipt(db: Executor, requestId: string, pdf: Buffer, at: Date): Promise<void> {
  await db.insertInto("receipts").values({ request_id: requestId, pdf, created_at: at }).execute();
}

/** Every column but the search vector (large, and only the database reads it). */
export const REQUEST_COLUMNS = [
  "id",
  "reference",
  "siren",
  "tax",
  "nature",
  "subject",
  "status",
  "service_code",
  "author_space_id",
  "received_at",
  "last_activity_at",
  "answered_at",
  "first_answer_at",
  "closed_at",
  "archived_at",
  "legal_hold",
  "version",
  "assignee_agent_id",
  "first_answer_due_at",
  "legal_due_at",
  "origin",
  "opened_by_agent_id",
  "acknowledgement_required",
  "acknowledged_at",
  "acknowledged_by",
  "reply_due_at",
  "replies_allowed",
  "company_replied_at",
  "campaign_id",
  "followed_by",
] as const;
/** What a list shows of a request (the inbox, the queue). */
export const SUMMARY_COLUMNS = [
  "requests.id",
  "requests.reference",
  "requests.siren",
  "requests.tax",
  "requests.nature",
  "requests.subject",
  "requests.status",
  "requests.service_code",
  "requests.received_at",
  "requests.last_activity_at",
  "requests.origin",
] as const;

export type RequestRow = Pick<Row<"requests">, (typeof REQUEST_COLUMNS)[number]>;

export async function findRequest(db: Executor, id: string): Promise<RequestRow | undefined> {
  return db.selectFrom("requests").select(REQUEST_COLUMNS).where("id", "=", id).executeTakeFirst();
}

export async function lockRequest(db: Executor, id: string): Promise<RequestRow | undefined> {
  return db.selectFrom("requests").select(REQUEST_COLUMNS).where("id", "=", id).forUpdate().executeTakeFirst();
}

export async function updateRequest(db: Executor, id: string, set: Partial<Row<"requests">>): Promise<void> {
  await db
    .updateTable("requests")
    .set(set as never)
    .where("id", "=", id)
    .execute();
}

export async function messagesOf(db: Executor, requestId: string) {
  return db
    .selectFrom("messages")
    .select([
      "id",
      "author_kind",
      "author_space_id",
      "author_agent_id",
      "body",
      "body_sha256",
      "created_at",
      "read_by_company_at",
      "read_by_administration_at",
      "channel",
      sql<string | null>`to_char(received_on, 'YYYY-MM-DD')`.as("received_on"),
    ])
    .where("request_id", "=", requestId)
    .orderBy("seq")
    .execute();
}

export async function attachmentsOf(db: Executor, messageIds: string[]) {
  if (messageIds.length === 0) return [];
  return db
    .selectFrom("attachments as a")
    .innerJoin("uploads as u", "u.id", "a.upload_id")
    .select(["a.id", "a.message_id", "a.position", "u.name", "u.size", "u.media_type", "u.sha256"])
    .where("a.message_id", "in", messageIds)
    .orderBy("a.position")
    .execute();
}

/** Marks the administration's messages read by the company side (first read only); returns how many. */
export async function markReadByCompany(db: Executor, requestId: string, spaceId: string, at: Date): Promise<number> {
  const res = await db
    .updateTable("messages")
    .set({ read_by_company_at: at, read_by_company_space: spaceId })
    .where("request_id", "=", requestId)
    .where("author_kind", "<>", "person")
    .where("read_by_company_at", "is", null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/**
 * Records the person's first reading of every message of the administration in the thread (those she read before
 * keep their first time); answers how many she read for the first time. The company-wide first read (the unread
 * counters) is `markReadByCompany`'s, unchanged.
 */
export async function markReadByPerson(db: Executor, requestId: string, spaceId: string, at: Date): Promise<number> {
  const res = await sql`
    INSERT INTO message_reads (message_id, space_id, read_at)
    SELECT m.id, ${spaceId}::uuid, ${at} FROM messages m WHERE m.request_id = ${requestId} AND m.author_kind <> 'person'
    ON CONFLICT (message_id, space_id) DO NOTHING`.execute(db);
  return Number(res.numAffectedRows ?? 0n);
}

export async function markReadByAdministration(db: Executor, requestId: string, at: Date): Promise<number> {
  const res = await db
    .updateTable("messages")
    .set({ read_by_administration_at: at })
    .where("request_id", "=", requestId)
    .where("author_kind", "=", "person")
    .where("read_by_administration_at", "is", null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

export async function findReceipt(db: Executor, requestId: string) {
  return db.selectFrom("receipts").select(["pdf"]).where("request_id", "=", requestId).executeTakeFirst();
}

export async function findIdempotent(db: Executor, spaceId: string, key: string) {
  return db
    .selectFrom("idempotency_keys")
    .select(["route", "status", "response", "created_at", "fingerprint"])
    .where("space_id", "=", spaceId)
    .where("key", "=", key)
    .executeTakeFirst();
}

/** Claims a key for this call (blocks while another transaction holds it); false when it was already used. */
export async function claimIdempotencyKey(db: Executor, spaceId: string, key: string, route: string, fingerprint: string, at: Date): Promise<boolean> {
  const res = await sql`
    INSERT INTO idempotency_keys (space_id, key, route, status, response, created_at, fingerprint)
    VALUES (${spaceId}, ${key}, ${route}, 0, '{}'::jsonb, ${at}, ${fingerprint})
    ON CONFLICT (space_id, key) DO NOTHING`.execute(db);
  return Number(res.numAffectedRows ?? 0n) === 1;
}

export async function storeIdempotentResponse(db: Executor, spaceId: string, key: string, status: number, response: unknown): Promise<void> {
  await db
    .updateTable("idempotency_keys")
    .set({ status, response: JSON.stringify(response) })
    .where("space_id", "=", spaceId)
    .where("key", "=", key)
    .execute();
}

export async function purgeIdempotencyKeys(db: Executor, before: Date): Promise<void> {
  await db.deleteFrom("idempotency_keys").where("created_at", "<", before).execute();
}

/** Who uploads files: a person (by space) or an agent. */
export type UploadOwner = { kind: "person" | "agent"; id: string };

export async function unattachedUploads(db: Executor, owner: UploadOwner, ids: string[]) {
  if (ids.length === 0) return [];
  return db
    .selectFrom("uploads")
    .select(["id", "name", "size", "media_type", "sha256", "scan_status"])
    .where(owner.kind === "person" ? "space_id" : "agent_id", "=", owner.id)
    .where("id", "in", ids)
    .where("attached_at", "is", null)
    .execute();
}

/** Links uploads to a message; answers how many were still free (the caller fails when not all were). */
export async function attachUploads(db: Executor, messageId: string, ids: string[], at: Date, newId: () => string): Promise<number> {
  if (ids.length === 0) return 0;
  const taken = await db.updateTable("uploads").set({ attached_at: at }).where("id", "in", ids).where("attached_at", "is", null).executeTakeFirst();
  await db
    .insertInto("attachments")
    .values(ids.map((upload_id, position) => ({ id: newId(), message_id: messageId, upload_id, position })))
    .execute();
  return Number(taken.numUpdatedRows);
}

/** Sets uploads aside for a message to come (a thread published later): they no longer expire. */
export async function reserveUploads(db: Executor, ids: string[], at: Date): Promise<number> {
  if (ids.length === 0) return 0;
  const r = await db.updateTable("uploads").set({ attached_at: at }).where("id", "in", ids).where("attached_at", "is", null).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Links uploads set aside earlier (`reserveUploads`) to their message. */
export async function attachReservedUploads(db: Executor, messageId: string, ids: string[], newId: () => string): Promise<void> {
  if (ids.length === 0) return;
  await db
    .insertInto("attachments")
    .values(ids.map((upload_id, position) => ({ id: newId(), message_id: messageId, upload_id, position })))
    .execute();
}

export type JournalRow = {
  at: Date;
  actor_kind: string;
  actor_id: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  data: string;
};

/**
 * A reply from the company side in ONE statement (one round trip, atomic without an explicit transaction): moves the
 * request by the state table given (`moves`, one entry per state it may leave) where the person sees it and it takes
 * replies, inserts the message and the journal entry of the state reached (`journalOf`: one event whose data may name
 * that state). The update takes the row's lock
 * itself: a reply that waited for another one re-reads the request as that one left it (its new state gives the
 * move), so no separate locking read comes first. Answers the state reached when it moved; only when nothing moved
 * does a second read tell why: the state the request is in (`undefined`: not visible), whether the thread takes
 * replies (false: a thread of the administration that takes none); a visible request that takes replies and did not
 * move is closed.
 */
export async function postAsPerson(
  db: Executor,
  m: { id: string; requestId: string; authorSpaceId: string; body: string; bodySha256: string; at: Date },
  visible: ReturnType<typeof sql<boolean>>,
  moves: { from: string; to: string }[],
  journalOf: (reached: string) => JournalRow,
): Promise<{ status: string | undefined; moved: boolean; repliesAllowed: boolean }> {
  if (moves.length === 0) throw new Error("postAsPerson needs at least one move");
  const from = moves.map((x) => x.from);
  const to = moves.map((x) => x.to);
  // The journal entry of each state a move reaches, found in the statement by the state the request reached.
  const reached = [...new Set(to)];
  const entries = reached.map(journalOf);
  const j = entries[0]!;
  // Prepared: parsing and planning this statement would cost more than running it.
  const post = () =>
    sql<{ status: string }>`${sql.raw(PREPARED)}
    WITH moved AS (
      UPDATE requests SET status = (${to}::text[])[array_position(${from}::text[], requests.status)], last_activity_at = ${m.at},
        version = requests.version + 1, company_replied_at = COALESCE(requests.company_replied_at, ${m.at})
      WHERE requests.id = ${m.requestId} AND ${visible} AND requests.replies_allowed AND requests.status = ANY(${from}::text[])
      RETURNING requests.id, requests.service_code, requests.status),
    msg AS (
      INSERT INTO messages (id, request_id, author_kind, author_space_id, body, body_sha256, created_at, read_by_company_at, read_by_company_space, service_code)
      SELECT ${m.id}, moved.id, 'person', ${m.authorSpaceId}, ${m.body}, ${m.bodySha256}, ${m.at}, ${m.at}, ${m.authorSpaceId}, moved.service_code FROM moved),
    journal_entry AS (
      INSERT INTO journal (at, actor_kind, actor_id, action, subject_type, subject_id, data)
      SELECT ${j.at}, ${j.actor_kind}, ${j.actor_id}, ${j.action}, ${j.subject_type}, ${j.subject_id},
        ((${entries.map((e) => e.data)}::text[])[array_position(${reached}::text[], moved.status)])::jsonb FROM moved)
    SELECT moved.status FROM moved`.execute(db);
  // The reading that tells why nothing moved has a snapshot of its own: a request it finds open, taking replies and
  // visible changed in between (reopened, or a right granted meanwhile), and the reply is posted again on it, rather
  // than refused as closed.
  for (let attempt = 1; ; attempt++) {
    const row = (await post()).rows[0];
    if (row) return { status: row.status, moved: true, repliesAllowed: true };
    const why = await db.selectFrom("requests").select(["status", "replies_allowed"]).where("id", "=", m.requestId).where(visible).executeTakeFirst();
    if (!why || !why.replies_allowed || !from.includes(why.status) || attempt === 3) {
      return { status: why?.status, moved: false, repliesAllowed: why?.replies_allowed ?? true };
    }
  }
}

// The back office ---------------------------------------------------------------------------------------------

/** A request with its current deadline (none once answered or closed): what an agent's view of it starts from. */
export async function findRequestWithDeadline(db: Executor, id: string) {
  return db
    .selectFrom("requests")
    .select([...REQUEST_COLUMNS, sql<Date | null>`NULLIF(due_at, 'infinity')`.as("deadline")])
    .where("id", "=", id)
    .executeTakeFirst();
}

export async function notesOf(db: Executor, requestId: string) {
  return db.selectFrom("request_notes").selectAll().where("request_id", "=", requestId).orderBy("created_at").orderBy("id").execute();
}

export async function insertNote(db: Executor, row: NewRow<"request_notes">): Promise<void> {
  await db.insertInto("request_notes").values(row).execute();
}

export async function transfersOf(db: Executor, requestId: string) {
  return db.selectFrom("request_transfers").selectAll().where("request_id", "=", requestId).orderBy("at").execute();
}

export async function insertTransfer(db: Executor, row: NewRow<"request_transfers">): Promise<void> {
  await db.insertInto("request_transfers").values(row).execute();
}

/** A company's requests in the given services, newest first (optionally without one of them). */
export async function otherRequestsOf(db: Executor, siren: string, exceptId: string | null, services: string[], limit: number) {
  let q = db
    .selectFrom("requests")
    .select(["id", "reference", "subject", "status", "tax", "nature", "service_code", "received_at"])
    .where("siren", "=", siren)
    .where("service_code", "in", services);
  if (exceptId) q = q.where("id", "<>", exceptId);
  return q.orderBy("received_at", "desc").limit(limit).execute();
}
