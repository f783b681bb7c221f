import type { ColumnType, Generated } from "kysely";
import type { Json, Timestamp } from "./schema.columns.js";

/** The tables of the work on companies: rights and delegations, requests and their messages, portfolios, batches and exports. */
export interface RightsTable {
  id: string;
  space_id: string;
  siren: string;
  service: string;
  role: "administrator" | "deputy" | "delegate";
  tax_scope: ColumnType<string[] | null, string | null, string | null>;
  state: "active" | "suspended" | "revoked";
  valid_from: Timestamp;
  valid_until: Timestamp | null;
  adhesion_id: string | null;
  granted_by_right: string | null;
  granted_by_space: string | null;
  created_at: Timestamp;
  revoked_at: Timestamp | null;
  offer_id: ColumnType<string | null, string | null | undefined, string | null>;
  suspended_by: ColumnType<string | null, string | null | undefined, string | null>;
  /** The team whose grant this right materialises (product §19); null otherwise. */
  team_id: ColumnType<string | null, string | null | undefined, string | null>;
}
export type OfferStatus = "offered" | "accepted" | "declined" | "expired" | "cancelled" | "revoked";
export interface DelegationOffersTable {
  id: string;
  siren: string;
  from_space_id: string;
  to_space_id: string;
  role: "deputy" | "delegate";
  services: Json<string[]>;
  tax_scope: ColumnType<string[] | null, string | null, string | null>;
  valid_until: Timestamp | null;
  status: OfferStatus;
  created_at: Timestamp;
  expires_at: Timestamp;
  decided_at: Timestamp | null;
}

export type RequestStatus = "received" | "in_progress" | "awaiting_user" | "answered" | "closed";
export interface RequestCountersTable {
  service_code: string;
  year: number;
  last_value: number;
}
export interface RequestsTable {
  id: string;
  reference: string;
  siren: string;
  tax: string;
  nature: string;
  subject: string;
  status: RequestStatus;
  service_code: string;
  author_space_id: string | null;
  received_at: Timestamp;
  last_activity_at: Timestamp;
  answered_at: Timestamp | null;
  first_answer_at: Timestamp | null;
  /** The agent who wrote the first answer (requests the companies filed). */
  first_answer_agent_id: string | null;
  closed_at: Timestamp | null;
  archived_at: Timestamp | null;
  legal_hold: Generated<boolean>;
  version: Generated<number>;
  search: ColumnType<string, never, never>;
  assignee_agent_id: ColumnType<string | null, string | null | undefined, string | null>;
  first_answer_due_at: Timestamp | null;
  legal_due_at: Timestamp | null;
  /** Generated from the deadlines and the state; 'infinity' when nothing is due (read it as text). */
  due_at: ColumnType<string, never, never>;
  /** `administration`: a thread opened by an agent (product §16). */
  origin: Generated<RequestOrigin>;
  opened_by_agent_id: ColumnType<string | null, string | null | undefined, string | null>;
  acknowledgement_required: Generated<boolean>;
  acknowledged_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  acknowledged_by: ColumnType<string | null, string | null | undefined, string | null>;
  reply_due_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  replies_allowed: Generated<boolean>;
  company_replied_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  reminder_due_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  reminded_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  campaign_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** Lower-case company name, filled and followed by triggers (the queue sorts and searches on it). */
  company_sort: Generated<string>;
  /** The person of the company side who follows the request (« suivie par »); never shown to the back office. */
  followed_by: ColumnType<string | null, string | null | undefined, string | null>;
}
export type RequestOrigin = "company" | "administration";
export interface ScheduledThreadsTable {
  id: string;
  reference: string;
  service_code: string;
  agent_id: string;
  siren: string;
  tax: string;
  nature: string;
  subject: string;
  body: string;
  upload_ids: Json<string[]>;
  acknowledgement_required: boolean;
  reply_due_at: Timestamp | null;
  replies_allowed: boolean;
  publish_at: Timestamp;
  created_at: Timestamp;
  published_at: Timestamp | null;
  cancelled_at: Timestamp | null;
}
export type CampaignStatus = "scheduled" | "running" | "done";
export interface CampaignsTable {
  id: string;
  service_code: string;
  created_by: string;
  tax: string;
  nature: string;
  subject: string;
  body: string;
  acknowledgement_required: boolean;
  reply_due_at: Timestamp | null;
  replies_allowed: boolean;
  publish_at: Timestamp;
  file_name: string;
  status: CampaignStatus;
  total: number;
  created_at: Timestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
}
export type RecipientStatus = "pending" | "thread" | "letter" | "refused";
export interface CampaignRecipientsTable {
  campaign_id: string;
  line: number;
  siren: string;
  status: RecipientStatus;
  request_id: string | null;
  letter_id: string | null;
  error_code: string | null;
  error_message: string | null;
}
export interface RequestNotesTable {
  id: string;
  request_id: string;
  agent_id: string;
  service_code: string;
  body: string;
  created_at: Timestamp;
}
export interface RequestTransfersTable {
  id: string;
  request_id: string;
  from_service: string;
  to_service: string;
  agent_id: string;
  reason: string;
  at: Timestamp;
}
export interface AnswerTemplatesTable {
  id: string;
  service_code: string;
  title: string;
  body: string;
  created_by: string | null;
  created_at: Timestamp;
}
export interface MessagesTable {
  id: string;
  seq: Generated<string>;
  request_id: string;
  author_kind: "person" | "agent" | "system";
  author_space_id: string | null;
  author_agent_id: string | null;
  body: string;
  body_sha256: string;
  created_at: Timestamp;
  read_by_company_at: Timestamp | null;
  read_by_company_space: string | null;
  read_by_administration_at: Timestamp | null;
  search: ColumnType<string, never, never>;
  /** The request's service, set by a trigger on insert and followed on transfer (search by service). */
  service_code: ColumnType<string | null, never, never>;
  /** How the message came: through the messagerie, or by post (a paper reply an agent recorded). */
  channel: ColumnType<"online" | "post", "online" | "post" | undefined, never>;
  /** The Paris day a message by post arrived (`YYYY-MM-DD`); null for the others. Read through `to_char`. */
  received_on: ColumnType<string | null, string | null | undefined, never>;
}
/** A person's first reading of a message (« lu par … le … »); the company-wide first read stays on the message. */
export interface MessageReadsTable {
  message_id: string;
  space_id: string;
  read_at: Timestamp;
}
export interface UploadsTable {
  id: string;
  /** Who uploaded it: a person's space, or an agent (exactly one of the two). */
  space_id: string | null;
  agent_id: string | null;
  name: string;
  size: number;
  media_type: string;
  sha256: string;
  storage_key: string;
  scan_status: "clean" | "not_scanned" | "quarantined";
  created_at: Timestamp;
  attached_at: Timestamp | null;
}
export interface AttachmentsTable {
  id: string;
  message_id: string;
  upload_id: string;
  position: number;
}
export interface ReceiptsTable {
  request_id: string;
  pdf: Buffer;
  created_at: Timestamp;
}
export interface IdempotencyKeysTable {
  space_id: string;
  key: string;
  route: string;
  status: number;
  response: Json<Record<string, unknown>>;
  created_at: Timestamp;
  /** SHA-256 of the request's canonical body: the key replays only the same request. */
  fingerprint: string | null;
}
export interface NotificationPreferencesTable {
  space_id: string;
  mode: "immediate" | "daily";
}
export interface LegalHoldsTable {
  siren: string;
  reason: string;
  created_at: Timestamp;
}
export interface PendingDigestsTable {
  space_id: string;
  request_id: string;
  created_at: Timestamp;
}
/** Per company and tax: unread administration messages, open requests, last activity (kept by triggers). */
export interface CompanyActivityTable {
  siren: string;
  tax: string;
  unread: number;
  open_requests: number;
}
/** The index of « mes entreprises »: one row per person and company (kept by triggers, never written by code). */
export interface PortfolioEntriesTable {
  space_id: string;
  siren: string;
  name_key: string;
  services: string[];
  roles: string[];
  rights_from: Timestamp | null;
  rights_until: Timestamp | null;
  messagerie_taxes: string[] | null;
  pending_adhesions: number;
  unread: number;
  open_requests: number;
}
export interface PortfolioCountsTable {
  space_id: string;
  entries: number;
  unread: number;
  with_unread: number;
}
export interface AdhesionBatchesTable {
  id: string;
  space_id: string;
  idempotency_key: string | null;
  /** SHA-256 of the submitted list's canonical form, when an Idempotency-Key came with it. */
  request_fingerprint: string | null;
  quality: "legal_representative" | "mandated";
  services: Json<string[]>;
  status: "running" | "done";
  total: number;
  created_at: Timestamp;
  finished_at: Timestamp | null;
}
export interface AdhesionBatchItemsTable {
  batch_id: string;
  line: number;
  siren: string;
  company_email: string | null;
  status: "pending" | "created" | "refused";
  adhesion_id: string | null;
  error_code: string | null;
  error_message: string | null;
}
export interface BulkSuspensionsTable {
  space_id: string;
  since: Timestamp;
  reason: string;
}
export interface ExportsTable {
  id: string;
  space_id: string;
  scope: Json<Record<string, unknown>>;
  status: "running" | "ready" | "failed";
  requests: Generated<number>;
  done: Generated<number>;
  size: ColumnType<string | null, number | null | undefined, number | null>;
  /** Built before archives went through the file store (served from there until they expire). */
  file_path: string | null;
  /** The archive's key in the file store. */
  storage_key: ColumnType<string | null, string | null | undefined, string | null>;
  sha256: string | null;
  error: string | null;
  created_at: Timestamp;
  finished_at: Timestamp | null;
  expires_at: Timestamp | null;
}

/** Software access (product §15): registered software, the authorization server's artifacts, consents, blocks. */
export interface SoftwareTable {
  client_id: string;
  name: string;
  redirect_uris: Json<string[]>;
  public: boolean;
  secret_salt: string | null;
  created_at: Timestamp;
  disabled_at: Timestamp | null;
}
export interface OauthArtifactsTable {
  model: string;
  id: string;
  payload: Json<Record<string, unknown>>;
  grant_id: string | null;
  uid: string | null;
  expires_at: Timestamp | null;
  consumed_at: Timestamp | null;
}
export type GrantRevokedWhy = "person" | "software" | "refresh_reuse" | "software_disabled";
export interface SoftwareGrantsTable {
  grant_id: string;
  id: string;
  client_id: string;
  space_id: string;
  scopes: Json<string[]>;
  all_companies: boolean;
  created_at: Timestamp;
  expires_at: Timestamp;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  revoked_why: GrantRevokedWhy | null;
}
export interface SoftwareGrantCompaniesTable {
  grant_id: string;
  siren: string;
}
export interface SoftwareCompanyBlocksTable {
  siren: string;
  client_id: string;
  space_id: string;
  blocked_by: string;
  blocked_at: Timestamp;
}
