import type { Kysely } from "kysely";
import type { DB, RequestStatus } from "../../platform/db/schema.js";
import type { Tx } from "../../platform/db/database.js";
import { getCompanies } from "../companies/index.js";
import { getSpaces } from "../spaces/index.js";
import * as repo from "./requests.repository.js";
import { deadlinesFor } from "./requests.deadlines.js";

/**
 * How a request is shown: its summary in lists, its thread (messages with their attachments, as each side sees
 * them), the deadlines announced and, for a thread the administration opened, what it asked.
 */

export type RequestSummary = {
  id: string;
  reference: string;
  siren: string;
  companyName: string;
  tax: string;
  nature: string;
  subject: string;
  status: RequestStatus;
  service: { code: string; name: string };
  receivedAt: Date;
  lastActivityAt: Date;
  unreadCount: number;
  origin: "company" | "administration";
};

export async function serviceNames(db: Kysely<DB> | Tx, codes: string[]): Promise<Map<string, string>> {
  if (codes.length === 0) return new Map();
  const rows = await db.selectFrom("tax_services").select(["code", "name"]).where("code", "in", codes).execute();
  return new Map(rows.map((r) => [r.code, r.name]));
}

type SummaryColumns = Pick<
  repo.RequestRow,
  "id" | "reference" | "siren" | "tax" | "nature" | "subject" | "status" | "service_code" | "received_at" | "last_activity_at" | "origin"
>;

/** What lists and threads show of a request. */
export function toSummary(r: SummaryColumns, companyName: string | undefined, serviceName: string | undefined, unreadCount: number): RequestSummary {
  return {
    id: r.id,
    reference: r.reference,
    siren: r.siren,
    companyName: companyName ?? r.siren,
    tax: r.tax,
    nature: r.nature,
    subject: r.subject,
    status: r.status,
    service: { code: r.service_code, name: serviceName ?? r.service_code },
    receivedAt: r.received_at,
    lastActivityAt: r.last_activity_at,
    unreadCount,
    origin: r.origin,
  };
}

export type MessageView = {
  id: string;
  author: { kind: "person" | "agent" | "system"; displayName: string };
  body: string;
  attachments: { id: string; name: string; size: number; mediaType: string; sha256: string }[];
  createdAt: Date;
  readByCompanyAt: Date | null;
  readByAdministrationAt: Date | null;
  channel: "online" | "post";
  /** A message received by post: the Paris day it arrived, and who recorded it (the back office only). */
  paper: { receivedOn: string; recordedBy: string | null } | null;
};

/**
 * A request's thread. The company side sees the service as the author of an agent's message, never the agent;
 * the back office (`side: "agent"`) sees the agent's name (the service's for a message no agent wrote). A reply
 * received by post is the company's message (its name as author); the back office also sees who recorded it.
 */
export async function threadOf(db: Kysely<DB> | Tx, r: repo.RequestRow, side: "company" | "agent" = "company") {
  const messages = await repo.messagesOf(db, r.id);
  const byPost = messages.some((m) => m.channel === "post");
  const companyName = byPost ? ((await getCompanies(db, [r.siren])).get(r.siren)?.name ?? r.siren) : r.siren;
  const agentIds = side === "agent" ? [...new Set(messages.map((m) => m.author_agent_id).filter((x): x is string => !!x))] : [];
  const agents = new Map(
    agentIds.length ? (await db.selectFrom("agents").select(["id", "name"]).where("id", "in", agentIds).execute()).map((a) => [a.id, a.name]) : [],
  );
  const attachments = await repo.attachmentsOf(
    db,
    messages.map((m) => m.id),
  );
  const people = new Map((await getSpaces(db, [...new Set(messages.map((m) => m.author_space_id).filter((x): x is string => !!x))])).map((p) => [p.id, p]));
  const services = await serviceNames(db, [r.service_code]);
  const view: MessageView[] = messages.map((m) => ({
    id: m.id,
    author: {
      kind: m.author_kind,
      // The company side sees the service, never the agent's name.
      displayName:
        m.channel === "post"
          ? companyName
          : m.author_kind === "person"
            ? `${people.get(m.author_space_id!)?.first_name ?? ""} ${people.get(m.author_space_id!)?.last_name ?? ""}`.trim()
            : m.author_kind === "agent"
              ? (agents.get(m.author_agent_id ?? "") ?? services.get(r.service_code) ?? r.service_code)
              : "Messagerie Pro",
    },
    body: m.body,
    attachments: attachments
      .filter((a) => a.message_id === m.id)
      .map((a) => ({ id: a.id, name: a.name, size: a.size, mediaType: a.media_type, sha256: a.sha256 })),
    createdAt: m.created_at,
    readByCompanyAt: m.read_by_company_at,
    readByAdministrationAt: m.read_by_administration_at,
    channel: m.channel,
    paper:
      m.channel === "post" && m.received_on
        ? { receivedOn: m.received_on, recordedBy: side === "agent" ? (agents.get(m.author_agent_id ?? "") ?? null) : null }
        : null,
  }));
  return view;
}

/** The deadlines announced to the company: those stored at filing (and extended since), computed for older rows. */
function announcedDeadlines(r: repo.RequestRow): { firstAnswer: Date; legal: Date | null } {
  const computed = deadlinesFor(r.nature, r.received_at);
  // A thread the administration opened has no legal deadline for the administration: what is due is the company's
  // reply (`correspondence.replyDueAt`), never shown as « délai légal ».
  if (r.origin === "administration") return { firstAnswer: r.first_answer_due_at ?? computed.firstAnswer, legal: null };
  return { firstAnswer: r.first_answer_due_at ?? computed.firstAnswer, legal: r.legal_due_at ?? computed.legal };
}

/** What a thread opened by the administration adds (product §16); null for a request of the company side. */
export type CorrespondenceView = {
  acknowledgementRequired: boolean;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  replyDueAt: Date | null;
  repliesAllowed: boolean;
  campaignId: string | null;
} | null;

async function correspondenceOf(db: Kysely<DB> | Tx, r: repo.RequestRow): Promise<CorrespondenceView> {
  if (r.origin !== "administration") return null;
  const [by] = r.acknowledged_by ? await getSpaces(db, [r.acknowledged_by]) : [];
  return {
    acknowledgementRequired: r.acknowledgement_required,
    acknowledgedAt: r.acknowledged_at,
    acknowledgedBy: by ? `${by.first_name} ${by.last_name}` : null,
    replyDueAt: r.reply_due_at,
    repliesAllowed: r.replies_allowed,
    campaignId: r.campaign_id,
  };
}

export async function summaryOf(
  db: Kysely<DB> | Tx,
  r: repo.RequestRow,
): Promise<
  RequestSummary & { deadlines: { firstAnswer: Date; legal: Date | null }; origin: "company" | "administration"; correspondence: CorrespondenceView }
> {
  const company = (await getCompanies(db, [r.siren])).get(r.siren);
  const services = await serviceNames(db, [r.service_code]);
  const unread = await db
    .selectFrom("messages")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("request_id", "=", r.id)
    .where("author_kind", "<>", "person")
    .where("read_by_company_at", "is", null)
    .executeTakeFirstOrThrow();
  return {
    ...toSummary(r, company?.name, services.get(r.service_code), Number(unread.n)),
    deadlines: announcedDeadlines(r),
    origin: r.origin,
    correspondence: await correspondenceOf(db, r),
  };
}
