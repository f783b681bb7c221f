import type { ColumnType, Generated, Insertable, Selectable } from "kysely";
import type { Json, Timestamp } from "./schema.columns.js";
import type { RightsTable, DelegationOffersTable, RequestCountersTable, RequestsTable, RequestNotesTable, RequestTransfersTable, AnswerTemplatesTable, MessagesTable, MessageReadsTable, UploadsTable, AttachmentsTable, ReceiptsTable, IdempotencyKeysTable, NotificationPreferencesTable, LegalHoldsTable, PendingDigestsTable, CompanyActivityTable, PortfolioEntriesTable, PortfolioCountsTable, AdhesionBatchesTable, AdhesionBatchItemsTable, BulkSuspensionsTable, ExportsTable, SoftwareTable, OauthArtifactsTable, SoftwareGrantsTable, SoftwareGrantCompaniesTable, SoftwareCompanyBlocksTable, ScheduledThreadsTable, CampaignsTable, CampaignRecipientsTable } from "./schema.work.js";

export type { Json, Timestamp } from "./schema.columns.js";
export type * from "./schema.work.js";
export interface TaxServicesTable {
  code: string;
  type: "SIE" | "SIP" | "CDIF" | "PCE" | "CC";
  name: string;
  address: string;
  postal_code: string;
  city: string;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}
export interface TaxServiceCompetencesTable {
  service_code: string;
  area_code: string;
}
export interface CompaniesTable {
  siren: string;
  name: string;
  acronym: string | null;
  legal_form: string | null;
  is_active: boolean;
  diffusion: ColumnType<string, string | undefined, string>;
  head_office_nic: string | null;
  legal_rep_first_name: string | null;
  legal_rep_last_name: string | null;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}
export interface EstablishmentsTable {
  siret: string;
  siren: string;
  nic: string;
  is_head_office: boolean;
  is_active: boolean;
  address_complement: string | null;
  street_number: string | null;
  street_repetition: string | null;
  street_type: string | null;
  street_name: string | null;
  special_distribution: string | null;
  postal_code: string | null;
  commune_name: string | null;
  commune_code: string | null;
  cedex_code: string | null;
  cedex_name: string | null;
  foreign_country_code: string | null;
  foreign_country_name: string | null;
  foreign_commune_name: string | null;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}
export interface SpacesTable {
  id: string;
  subscriber_number: string;
  mode: "simplified" | "expert";
  connection_email: string;
  password_hash: string;
  first_name: string;
  last_name: string;
  phone: string;
  entity_siren: string;
  status: "pending_email_verification" | "active";
  created_at: Timestamp;
  verified_at: Timestamp | null;
  last_sign_in_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}
export interface CodeTable {
  space_id: string;
  code_hash: string;
  expires_at: Timestamp;
  attempts: Generated<number>;
}
export interface DevicesTable {
  token_hash: string;
  space_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  last_used_at: Timestamp;
}
export interface PasswordResetsTable {
  token_hash: string;
  space_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}
export interface RecoveryRequestsTable {
  kind: "password_reset" | "device_code" | "space_code";
  identifier: string;
  at: Timestamp;
}
export interface AgentsTable {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  totp_secret_sealed: string;
  /** bigint arrives as a string from node-postgres. */
  last_totp_step: ColumnType<string, string | number | undefined, string | number>;
  is_supervisor: Generated<boolean>;
  created_at: Timestamp;
}
export interface AgentServicesTable {
  agent_id: string;
  service_code: string;
}
export interface SignInThrottleTable {
  kind: "person" | "agent";
  identifier: string;
  failures: number;
  locked_until: Timestamp | null;
  last_failure_at: Timestamp;
}
export interface SessionsTable {
  token_hash: string;
  kind: "person" | "agent";
  subject_id: string;
  csrf_token: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  idle_expires_at: Timestamp;
  absolute_expires_at: Timestamp;
}
export interface JournalTable {
  id: Generated<string>;
  /** Place in the chain; null until the chainer has chained the entry. */
  seq: ColumnType<string | null, string | number | null | undefined, string | number>;
  at: Timestamp;
  actor_kind: "person" | "agent" | "operator" | "system" | "anonymous";
  actor_id: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  data: Json<Record<string, unknown>>;
  prev_hash: ColumnType<string | null, string | null | undefined, string>;
  hash: ColumnType<string | null, string | null | undefined, string>;
}
export interface OutboxTable {
  id: Generated<string>;
  kind: string;
  payload: Json<Record<string, unknown>>;
  status: Generated<"pending" | "done" | "dead">;
  attempts: Generated<number>;
  run_after: Timestamp;
  last_error: string | null;
  created_at: Timestamp;
  done_at: Timestamp | null;
}
export interface CaughtMailsTable {
  id: Generated<string>;
  to_addr: string;
  subject: string;
  text: string;
  html: string | null;
  sent_at: Timestamp;
}
export interface CompanyEmailsTable {
  siren: string;
  email: string;
  verified_at: Timestamp;
  updated_at: Timestamp;
}
export interface CompanyEmailLinksTable {
  id: string;
  token_hash: string;
  siren: string;
  email: string;
  purpose: "adhesion" | "change";
  requested_by: string;
  adhesion_id: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  consumed_at: Timestamp | null;
}
export type AdhesionStatus = "awaiting_company_email" | "letter_issued" | "active" | "cancelled" | "opposed" | "expired" | "voided";
export interface AdhesionsTable {
  id: string;
  space_id: string;
  siren: string;
  origin: "simplified" | "expert";
  quality: "legal_representative" | "mandated";
  services: Json<string[]>;
  declared_email: string | null;
  status: AdhesionStatus;
  created_at: Timestamp;
  letter_issued_at: Timestamp | null;
  activated_at: Timestamp | null;
  ended_at: Timestamp | null;
  code_hash: string | null;
  code_expires_at: Timestamp | null;
  code_attempts: Generated<number>;
  opposition_hash: string | null;
}
export type LetterStatus = "edited" | "printed" | "posted" | "returned" | "voided";
export interface LettersTable {
  id: string;
  number: Generated<string>;
  siren: string;
  adhesion_id: string | null;
  kind: "activation" | "email_change_notice" | "correspondence";
  status: LetterStatus;
  address_lines: Json<string[]>;
  content_sealed: string;
  pdf_sealed: string | null;
  edited_at: Timestamp;
  rendered_at: Timestamp | null;
  batch_id: string | null;
  printed_at: Timestamp | null;
  posted_at: Timestamp | null;
  returned_at: Timestamp | null;
  campaign_id: ColumnType<string | null, string | null | undefined, string | null>;
}
export interface PrintBatchesTable {
  id: string;
  for_date: ColumnType<Date, string, string>;
  letters: number;
  pdf_path: string;
  manifest_path: string;
  created_at: Timestamp;
  posted_at: Timestamp | null;
}
export interface OppositionsTable {
  id: string;
  adhesion_id: string;
  siren: string;
  requester_space_id: string;
  created_at: Timestamp;
  ip: string | null;
}
export interface OppositionFailuresTable {
  siren: string;
  /** A calendar day (YYYY-MM-DD); compared as text, never read back. */
  day: string;
  failures: number;
}
export interface AdhesionBlocksTable {
  space_id: string;
  siren: string;
  until: Timestamp;
  reason: string;
}
export interface TaxOfficeAlertsTable {
  id: string;
  siren: string;
  service_code: string | null;
  kind: string;
  adhesion_id: string | null;
  data: Json<Record<string, unknown>>;
  created_at: Timestamp;
  handled_at: Timestamp | null;
}
/** Every table of the database, as Kysely sees it. */
export interface DB {
  tax_services: TaxServicesTable;
  tax_service_competences: TaxServiceCompetencesTable;
  companies: CompaniesTable;
  establishments: EstablishmentsTable;
  spaces: SpacesTable;
  space_email_codes: CodeTable;
  device_challenges: CodeTable;
  devices: DevicesTable;
  password_resets: PasswordResetsTable;
  recovery_requests: RecoveryRequestsTable;
  agents: AgentsTable;
  agent_services: AgentServicesTable;
  sessions: SessionsTable;
  sign_in_throttle: SignInThrottleTable;
  journal: JournalTable;
  outbox: OutboxTable;
  caught_mails: CaughtMailsTable;
  company_emails: CompanyEmailsTable;
  company_email_links: CompanyEmailLinksTable;
  adhesions: AdhesionsTable;
  letters: LettersTable;
  print_batches: PrintBatchesTable;
  oppositions: OppositionsTable;
  opposition_failures: OppositionFailuresTable;
  adhesion_blocks: AdhesionBlocksTable;
  tax_office_alerts: TaxOfficeAlertsTable;
  rights: RightsTable;
  delegation_offers: DelegationOffersTable;
  request_counters: RequestCountersTable;
  requests: RequestsTable;
  messages: MessagesTable;
  message_reads: MessageReadsTable;
  uploads: UploadsTable;
  attachments: AttachmentsTable;
  receipts: ReceiptsTable;
  idempotency_keys: IdempotencyKeysTable;
  notification_preferences: NotificationPreferencesTable;
  pending_digests: PendingDigestsTable;
  legal_holds: LegalHoldsTable;
  request_notes: RequestNotesTable;
  request_presence: RequestPresenceTable;
  request_transfers: RequestTransfersTable;
  answer_templates: AnswerTemplatesTable;
  company_activity: CompanyActivityTable;
  portfolio_entries: PortfolioEntriesTable;
  portfolio_counts: PortfolioCountsTable;
  adhesion_batches: AdhesionBatchesTable;
  adhesion_batch_items: AdhesionBatchItemsTable;
  bulk_suspensions: BulkSuspensionsTable;
  exports: ExportsTable;
  software: SoftwareTable;
  oauth_artifacts: OauthArtifactsTable;
  software_grants: SoftwareGrantsTable;
  software_grant_companies: SoftwareGrantCompaniesTable;
  software_company_blocks: SoftwareCompanyBlocksTable;
  scheduled_threads: ScheduledThreadsTable;
  campaigns: CampaignsTable;
  campaign_recipients: CampaignRecipientsTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  team_companies: TeamCompaniesTable;
  rate_limit_counters: RateLimitCountersTable;
  file_claims: FileClaimsTable;
  event_streams: EventStreamsTable;
}

/** A team of a firm (product §19): one grant given to its active members on each of its companies. */
export interface TeamsTable {
  id: string;
  entity_siren: string;
  owner_space_id: string;
  name: string;
  role: "deputy" | "delegate";
  services: ColumnType<string[], string, string>;
  tax_scope: ColumnType<string[] | null, string | null, string | null>;
  created_at: Timestamp;
  /** Set when the team is closed: it keeps its row for the history of the rights it gave. */
  closed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}
export interface TeamMembersTable {
  team_id: string;
  space_id: string;
  state: "invited" | "active";
  invited_at: Timestamp;
  joined_at: Timestamp | null;
}
export interface TeamCompaniesTable {
  team_id: string;
  siren: string;
  added_at: Timestamp;
}

/** Who has a request open in the back office (heartbeat), and whether he is typing. */
export interface RequestPresenceTable {
  request_id: string;
  agent_id: string;
  typing: boolean;
  seen_at: Timestamp;
}

export type Row<T extends keyof DB> = Selectable<DB[T]>;
export type NewRow<T extends keyof DB> = Insertable<DB[T]>;

/** One limited key's hits in its current window (platform/limits.ts); unlogged. */
export interface FileClaimsTable {
  storage_key: string;
  claimed_at: Timestamp;
}

export interface RateLimitCountersTable {
  key: string;
  hits: number;
  window_ends_at: Timestamp;
}

/** An open event stream, whichever process holds it (requests.streams.ts); unlogged. */
export interface EventStreamsTable {
  id: string;
  seq: Generated<string>;
  session_key: string;
  seen_at: Timestamp;
  evicted: Generated<boolean>;
}
