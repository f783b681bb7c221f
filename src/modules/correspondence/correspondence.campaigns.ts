/**
 * Campaigns (product §16): one message to up to 100,000 companies, each its own thread and reference, written by
 * the worker in chunks. Each chunk is one transaction that writes its threads (or letters) and the result of its
 * lines together, so a run cut short resumes at the first pending line; the unique indexes on (campaign, SIREN) of
 * threads and letters make a second thread or letter to a company impossible, whatever the job does.
 */
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { DomainError } from "../../platform/errors.js";
import { enqueue, type OutboxHandler } from "../../platform/outbox.js";
import { decodeKey, decodeKeysetOrLast, encodeKey, encodeKeyset } from "../../platform/cursor.js";
import { frenchCsv, readCsvTable } from "../../platform/csv.js";
import { competenceOf, getCompaniesForMailing, isValidSiren } from "../companies/index.js";
import { companiesWithMessagerie } from "../adhesions/index.js";
import { appendJournal } from "../journal/index.js";
import { addressBlock, issueCorrespondenceLetters, type NewCorrespondenceLetter } from "../letters/index.js";
import { announceThreads, publishThreads, reserveReferences, TAX_LABELS, type AgentScope, type ThreadSpec, type ThreadToPublish } from "../requests/index.js";
import { natureLabel } from "../../shared/labels.js";
import { checkPlaceholders, checkTimes, fillPlaceholders, type CorrespondenceDeps, type ThreadFields } from "./correspondence.threads.js";

export const CAMPAIGN_RULES = { maxLines: 100_000, chunk: 500 };
export const CAMPAIGN_RUN_KIND = "campaign.run";

export type CampaignInput = ThreadFields & { service?: string | undefined; fileName: string; csv: Buffer };

type Line = { line: number; siren: string; problem?: { code: string; message: string } };

const tooManyLines = (n: number) =>
  new DomainError("too_large", "too_many_lines", `${n} lignes : une campagne compte au plus ${CAMPAIGN_RULES.maxLines.toLocaleString("fr-FR")} SIREN. Découpez votre fichier.`, { lines: n, max: CAMPAIGN_RULES.maxLines });

/** Reads the CSV of a campaign: a header naming a `siren` column (other columns ignored), commas or semicolons. */
export function parseCampaignCsv(content: Buffer): Line[] {
  const { header, rows } = readCsvTable(content);
  const at = header.indexOf("siren");
  if (at < 0) throw new DomainError("refused", "missing_siren_column", "La première ligne du fichier doit nommer ses colonnes, dont une colonne « siren ».");
  if (rows.length > CAMPAIGN_RULES.maxLines) throw tooManyLines(rows.length);
  if (rows.length === 0) throw new DomainError("refused", "empty_campaign", "Le fichier ne contient aucun SIREN.");
  const seen = new Set<string>();
  return rows.map((r, i) => {
    const raw = r[at] ?? "";
    const siren = raw.replace(/\s/g, "");
    const line = i + 2;
    if (!siren) return { line, siren: "", problem: { code: "blank_line", message: "Ligne vide : aucun SIREN." } };
    if (!/^\d{9}$/.test(siren)) return { line, siren: raw.slice(0, 40), problem: { code: "invalid_siren", message: `« ${raw.slice(0, 40)} » n'est pas un SIREN : il comporte 9 chiffres.` } };
    if (!isValidSiren(siren)) return { line, siren, problem: { code: "invalid_siren_key", message: `Le SIREN ${siren} est invalide : sa clé de contrôle ne correspond pas.` } };
    if (seen.has(siren)) return { line, siren, problem: { code: "duplicate_line", message: `Le SIREN ${siren} figure déjà plus haut dans le fichier : l'entreprise ne recevra qu'un message.` } };
    seen.add(siren);
    return { line, siren };
  });
}

const supervisorsOnly = () => new DomainError("forbidden", "supervisor_only", "Seuls les superviseurs lancent des campagnes.");

function campaignService(agent: AgentScope, asked: string | undefined): string {
  const service = asked ?? agent.services[0];
  if (!service || !agent.services.includes(service)) throw new DomainError("not_found", "service_not_found", "Service introuvable parmi les vôtres.");
  return service;
}

/**
 * Records a campaign and its lines (syntax refusals at once) and queues its run for its publication time. Every rule
 * that concerns the message itself (placeholders, dates) is checked before anything is written: a refusal sends
 * nothing.
 */
export async function submitCampaign(deps: CorrespondenceDeps, agent: AgentScope & { isSupervisor: boolean }, input: CampaignInput): Promise<{ campaignId: string }> {
  if (!agent.isSupervisor) throw supervisorsOnly();
  const service = campaignService(agent, input.service);
  const now = deps.clock.now();
  checkTimes(input, now);
  checkPlaceholders(input);
  const lines = parseCampaignCsv(input.csv);
  const id = randomUUID();
  const publishAt = input.publishAt ?? now;
  await deps.db.transaction().execute(async (tx) => {
    await tx
      .insertInto("campaigns")
      .values({
        id,
        service_code: service,
        created_by: agent.id,
        tax: input.tax,
        nature: input.nature,
        subject: input.subject,
        body: input.body,
        acknowledgement_required: input.acknowledgementRequired,
        reply_due_at: input.replyDueAt ?? null,
        replies_allowed: input.repliesAllowed,
        publish_at: publishAt,
        file_name: input.fileName.slice(0, 200),
        status: input.publishAt ? "scheduled" : "running",
        total: lines.length,
        created_at: now,
        started_at: null,
        finished_at: null,
      })
      .execute();
    // One statement per 20,000 lines (arrays, not one parameter per cell).
    for (let i = 0; i < lines.length; i += 20_000) {
      const part = lines.slice(i, i + 20_000);
      await sql`
        INSERT INTO campaign_recipients (campaign_id, line, siren, status, error_code, error_message)
        SELECT ${id}::uuid, l, s, CASE WHEN c IS NULL THEN 'pending' ELSE 'refused' END, c, m
        FROM unnest(${part.map((l) => l.line)}::int[], ${part.map((l) => l.siren)}::text[], ${part.map((l) => l.problem?.code ?? null)}::text[], ${part.map((l) => l.problem?.message ?? null)}::text[]) AS t(l, s, c, m)`.execute(tx);
    }
    await appendJournal(tx, now, {
      actor: { kind: "agent", id: agent.id },
      action: "campaign.submitted",
      subject: { type: "campaign", id },
      data: { service, lines: lines.length, refused: lines.filter((l) => l.problem).length, tax: input.tax, nature: input.nature, publishAt: publishAt.toISOString() },
    });
    await enqueue(tx, publishAt, CAMPAIGN_RUN_KIND, { campaignId: id });
  });
  return { campaignId: id };
}

type Outcome =
  | { line: number; status: "thread"; requestId: string }
  | { line: number; status: "letter"; letterId: string }
  | { line: number; status: "refused"; code: string; message: string };

export type RunOptions = { chunk?: number; maxChunks?: number };

/**
 * Runs the pending lines of a campaign, a chunk per transaction (locked with SKIP LOCKED: two runners share the work,
 * never a line). Unknown or ceased companies, and those outside the service's competence, are refused in the report;
 * a company with an active messagerie adhesion gets its thread; any other gets a letter in the print batch.
 * Answers how many lines this run handled.
 */
export async function runCampaign(deps: CorrespondenceDeps, campaignId: string, options: RunOptions = {}): Promise<number> {
  const campaign = await deps.db.selectFrom("campaigns").selectAll().where("id", "=", campaignId).executeTakeFirst();
  if (!campaign || campaign.status === "done") return 0;
  if (campaign.publish_at.getTime() > deps.clock.now().getTime()) return 0;
  await deps.db.updateTable("campaigns").set({ status: "running", started_at: campaign.started_at ?? deps.clock.now() }).where("id", "=", campaignId).where("status", "<>", "done").execute();
  const competent = await competenceOf(deps.db, campaign.service_code);
  const serviceName = (await deps.db.selectFrom("tax_services").select("name").where("code", "=", campaign.service_code).executeTakeFirst())?.name ?? campaign.service_code;
  const spec: ThreadSpec = {
    serviceCode: campaign.service_code,
    agentId: campaign.created_by,
    tax: campaign.tax,
    nature: campaign.nature,
    acknowledgementRequired: campaign.acknowledgement_required,
    replyDueAt: campaign.reply_due_at,
    repliesAllowed: campaign.replies_allowed,
    campaignId,
  };
  const size = options.chunk ?? CAMPAIGN_RULES.chunk;
  let handled = 0;
  // Walked by line number (keyset): the lines done stay in the pending index until vacuumed, and reading from the
  // start each time would step over all of them. Lines skipped because another runner held them are looked for
  // again from the start once the walk ends (a runner that died left them pending).
  let after = 0;
  let passFromStart = false;
  for (let chunks = 0; options.maxChunks === undefined || chunks < options.maxChunks; chunks++) {
    const published: string[] = [];
    const from = after;
    const n = await deps.db.transaction().execute(async (tx) => {
      const pending = await tx
        .selectFrom("campaign_recipients")
        .select(["line", "siren"])
        .where("campaign_id", "=", campaignId)
        .where("status", "=", "pending")
        .where("line", ">", from)
        .orderBy("line")
        .limit(size)
        .forUpdate()
        .skipLocked()
        .execute();
      if (pending.length === 0) return 0;
      const now = deps.clock.now();
      const sirens = pending.map((p) => p.siren);
      const [companies, withMessagerie] = await Promise.all([getCompaniesForMailing(tx, sirens), companiesWithMessagerie(tx, sirens)]);
      const outcomes: Outcome[] = [];
      const toThread: { line: number; siren: string; name: string }[] = [];
      const letters: NewCorrespondenceLetter[] = [];
      for (const p of pending) {
        const c = companies.get(p.siren);
        if (!c) outcomes.push({ line: p.line, status: "refused", code: "unknown_siren", message: `Le SIREN ${p.siren} est inconnu du répertoire des entreprises.` });
        else if (!c.isActive) outcomes.push({ line: p.line, status: "refused", code: "ceased_company", message: `L'entreprise ${c.name} est cessée : aucun message ne lui est adressé.` });
        else if (!competent(c.communeCode)) outcomes.push({ line: p.line, status: "refused", code: "out_of_competence", message: `L'entreprise ${c.name} n'est pas dans la compétence territoriale du service.` });
        else if (withMessagerie.has(p.siren)) toThread.push({ line: p.line, siren: p.siren, name: c.name });
        else if (!c.address) outcomes.push({ line: p.line, status: "refused", code: "no_address", message: `L'entreprise ${c.name} n'a pas d'adresse de siège connue : aucun courrier ne peut lui être posté.` });
        else {
          const letterId = randomUUID();
          const values = { raison_sociale: c.name, siren: c.siren, reference: "" };
          letters.push({
            id: letterId,
            siren: c.siren,
            campaignId,
            addressLines: addressBlock({
              recipient: c.name,
              attention: c.legalRepresentative ? `${c.legalRepresentative.firstName ?? ""} ${c.legalRepresentative.lastName}`.trim() : "Représentant légal",
              ...c.address,
            }),
            fields: {
              companyName: c.name,
              siren: c.siren,
              service: serviceName,
              tax: `${campaign.tax} (${TAX_LABELS[campaign.tax] ?? campaign.tax})`,
              nature: natureLabel(campaign.nature),
              subject: fillPlaceholders(campaign.subject, values),
              body: fillPlaceholders(campaign.body, values),
              replyDueAt: campaign.reply_due_at?.toISOString() ?? null,
            },
          });
          outcomes.push({ line: p.line, status: "letter", letterId });
        }
      }
      const references = await reserveReferences(tx, campaign.service_code, now, toThread.length);
      const threads: ThreadToPublish[] = toThread.map((t, i) => {
        const values = { raison_sociale: t.name, siren: t.siren, reference: references[i]! };
        const id = randomUUID();
        outcomes.push({ line: t.line, status: "thread", requestId: id });
        return { id, reference: references[i]!, siren: t.siren, companyName: t.name, subject: fillPlaceholders(campaign.subject, values), body: fillPlaceholders(campaign.body, values) };
      });
      await publishThreads(tx, now, spec, threads);
      await issueCorrespondenceLetters(tx, deps.sealer, now, letters);
      const r = await sql`
        UPDATE campaign_recipients AS cr SET status = o.status, request_id = o.request_id, letter_id = o.letter_id, error_code = o.code, error_message = o.message
        FROM unnest(${outcomes.map((o) => o.line)}::int[], ${outcomes.map((o) => o.status)}::text[],
                    ${outcomes.map((o) => (o.status === "thread" ? o.requestId : null))}::uuid[], ${outcomes.map((o) => (o.status === "letter" ? o.letterId : null))}::uuid[],
                    ${outcomes.map((o) => (o.status === "refused" ? o.code : null))}::text[], ${outcomes.map((o) => (o.status === "refused" ? o.message : null))}::text[])
          AS o(line, status, request_id, letter_id, code, message)
        WHERE cr.campaign_id = ${campaignId} AND cr.line = o.line AND cr.status = 'pending'`.execute(tx);
      // Lines locked by this transaction are still pending: anything else means another runner wrote them.
      if (Number(r.numAffectedRows ?? 0n) !== outcomes.length) throw new Error(`campaign ${campaignId}: lines handled twice`);
      published.push(...threads.map((t) => t.id));
      after = pending[pending.length - 1]!.line;
      return pending.length;
    });
    if (n === 0) {
      if (from === 0 || passFromStart) break;
      passFromStart = true;
      after = 0;
      continue;
    }
    handled += n;
    announceThreads(deps.db, published);
  }
  const left = await deps.db.selectFrom("campaign_recipients").select("line").where("campaign_id", "=", campaignId).where("status", "=", "pending").limit(1).executeTakeFirst();
  if (!left) {
    const done = await deps.db.updateTable("campaigns").set({ status: "done", finished_at: deps.clock.now() }).where("id", "=", campaignId).where("status", "<>", "done").executeTakeFirst();
    if (Number(done.numUpdatedRows) === 1) {
      await deps.db.transaction().execute((tx) => appendJournal(tx, deps.clock.now(), { actor: { kind: "system" }, action: "campaign.done", subject: { type: "campaign", id: campaignId }, data: {} }));
    }
  }
  return handled;
}

/** The worker's handler of queued campaigns. */
export function campaignRunHandler(deps: CorrespondenceDeps): OutboxHandler {
  return async (job) => {
    const id = String(job.payload.campaignId);
    await runCampaign(deps, id);
    const c = await deps.db.selectFrom("campaigns").select(["status", "publish_at"]).where("id", "=", id).executeTakeFirst();
    // Run before its time (clock moved back), or lines left by another runner's crash: try again later.
    if (c && c.status !== "done") throw new Error(`campaign ${id} not finished yet`);
  };
}

const campaignNotFound = () => new DomainError("not_found", "not_found", "Campagne introuvable parmi celles de vos services.");

async function campaignOf(deps: CorrespondenceDeps, agent: AgentScope, id: string) {
  const c = await deps.db.selectFrom("campaigns").selectAll().where("id", "=", id).executeTakeFirst();
  if (!c || !agent.services.includes(c.service_code)) throw campaignNotFound();
  return c;
}

/** Counts of a campaign's lines by result (the progress). */
async function lineCounts(deps: CorrespondenceDeps, ids: string[]) {
  if (ids.length === 0) return new Map<string, Record<string, number>>();
  const rows = await deps.db
    .selectFrom("campaign_recipients")
    .select(["campaign_id", "status", (eb) => eb.fn.countAll<string>().as("n")])
    .where("campaign_id", "in", ids)
    .groupBy(["campaign_id", "status"])
    .execute();
  const out = new Map<string, Record<string, number>>(ids.map((id) => [id, { pending: 0, thread: 0, letter: 0, refused: 0 }]));
  for (const r of rows) out.get(r.campaign_id)![r.status] = Number(r.n);
  return out;
}

type CampaignRow = Awaited<ReturnType<typeof campaignOf>>;

function campaignHead(c: CampaignRow, counts: Record<string, number>) {
  return {
    id: c.id,
    serviceCode: c.service_code,
    tax: c.tax,
    nature: c.nature,
    subject: c.subject,
    fileName: c.file_name,
    status: c.status,
    publishAt: c.publish_at,
    acknowledgementRequired: c.acknowledgement_required,
    replyDueAt: c.reply_due_at,
    repliesAllowed: c.replies_allowed,
    createdAt: c.created_at,
    startedAt: c.started_at,
    finishedAt: c.finished_at,
    total: c.total,
    done: c.total - (counts.pending ?? 0),
    threads: counts.thread ?? 0,
    letters: counts.letter ?? 0,
    refused: counts.refused ?? 0,
  };
}

/**
 * A campaign with its progress and its figures (product §16): threads published, read, acknowledged, replied to,
 * in all and per Paris day.
 */
export async function getCampaign(deps: CorrespondenceDeps, agent: AgentScope, id: string) {
  const c = await campaignOf(deps, agent, id);
  const counts = (await lineCounts(deps, [id])).get(id)!;
  const events = await sql<{ day: string; published: number; read: number; acknowledged: number; replied: number }>`
    WITH t AS (
      SELECT r.received_at, r.acknowledged_at, r.company_replied_at,
        (SELECT min(m.read_by_company_at) FROM messages m WHERE m.request_id = r.id AND m.author_kind = 'agent') AS read_at
      FROM requests r WHERE r.campaign_id = ${id}),
    e AS (
      SELECT received_at AS at, 'published' AS k FROM t
      UNION ALL SELECT read_at, 'read' FROM t WHERE read_at IS NOT NULL
      UNION ALL SELECT acknowledged_at, 'acknowledged' FROM t WHERE acknowledged_at IS NOT NULL
      UNION ALL SELECT company_replied_at, 'replied' FROM t WHERE company_replied_at IS NOT NULL)
    SELECT to_char(at AT TIME ZONE 'Europe/Paris', 'YYYY-MM-DD') AS day,
      count(*) FILTER (WHERE k = 'published')::int AS published, count(*) FILTER (WHERE k = 'read')::int AS read,
      count(*) FILTER (WHERE k = 'acknowledged')::int AS acknowledged, count(*) FILTER (WHERE k = 'replied')::int AS replied
    FROM e GROUP BY 1 ORDER BY 1`.execute(deps.db);
  const perDay = events.rows;
  const sum = (k: "published" | "read" | "acknowledged" | "replied") => perDay.reduce((s, d) => s + d[k], 0);
  return {
    ...campaignHead(c, counts),
    body: c.body,
    figures: { published: sum("published"), read: sum("read"), acknowledged: sum("acknowledged"), replied: sum("replied"), perDay },
  };
}

/** The campaigns of the agent's services, newest first (paginated). */
export async function listCampaigns(deps: CorrespondenceDeps, agent: AgentScope, cursor: string | undefined, limit: number) {
  const after = cursor ? decodeKeysetOrLast(cursor) : undefined;
  if (agent.services.length === 0) return { items: [], nextCursor: null };
  let q = deps.db.selectFrom("campaigns").selectAll().where("service_code", "in", agent.services);
  if (after) {
    const { at, id } = after;
    if (at) q = q.where((eb) => eb.or([eb("created_at", "<", at), eb.and([eb("created_at", "=", at), eb("id", "<", id)])]));
  }
  const rows = await q.orderBy("created_at", "desc").orderBy("id", "desc").limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  const counts = await lineCounts(deps, page.map((c) => c.id));
  const last = page[page.length - 1];
  return { items: page.map((c) => campaignHead(c, counts.get(c.id)!)), nextCursor: rows.length > limit && last ? encodeKeyset(last.created_at, last.id) : null };
}

export type RecipientFilter = { status?: "pending" | "thread" | "letter" | "refused" | undefined; q?: string | undefined };

/** The report line by line (paginated by line number; searchable by SIREN, reference or company name). */
export async function campaignRecipients(deps: CorrespondenceDeps, agent: AgentScope, id: string, f: RecipientFilter, cursor: string | undefined, limit: number) {
  const afterLine = cursor ? Number(decodeKey(cursor, /^\d{1,7}$/)) : undefined;
  await campaignOf(deps, agent, id);
  let q = deps.db
    .selectFrom("campaign_recipients as cr")
    .leftJoin("companies as c", "c.siren", "cr.siren")
    .leftJoin("requests as r", "r.id", "cr.request_id")
    .select([
      "cr.line",
      "cr.siren",
      "c.name",
      "cr.status",
      "cr.error_code",
      "cr.error_message",
      "r.id as request_id",
      "r.reference",
      "r.acknowledged_at",
      "r.company_replied_at",
      sql<Date | null>`(SELECT min(m.read_by_company_at) FROM messages m WHERE m.request_id = r.id AND m.author_kind = 'agent')`.as("read_at"),
    ])
    .where("cr.campaign_id", "=", id);
  if (f.status) q = q.where("cr.status", "=", f.status);
  const term = f.q?.trim();
  if (term) {
    const like = `%${term.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    q = q.where((eb) => eb.or([eb("cr.siren", "like", like), eb("r.reference", "like", like), eb("c.name", "ilike", like)]));
  }
  if (afterLine !== undefined) q = q.where("cr.line", ">", afterLine);
  const rows = await q.orderBy("cr.line").limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({
      line: r.line,
      siren: r.siren,
      companyName: r.name,
      status: r.status,
      requestId: r.request_id,
      reference: r.reference,
      readAt: r.read_at ? new Date(r.read_at) : null,
      acknowledgedAt: r.acknowledged_at,
      repliedAt: r.company_replied_at,
      error: r.error_code ? { code: r.error_code, message: r.error_message ?? r.error_code } : null,
    })),
    nextCursor: rows.length > limit && last ? encodeKey(String(last.line)) : null,
  };
}

const RESULT_LABELS = { pending: "en attente", thread: "message publié", letter: "courrier postal", refused: "non adressé" } as const;
const parisDateTime = (d: Date | null) => (d ? new Intl.DateTimeFormat("fr-FR", { timeZone: "Europe/Paris", dateStyle: "short", timeStyle: "short" }).format(d) : null);

/** The report of a campaign, every line, as a CSV for French spreadsheets (read a page at a time). */
export async function campaignReportCsv(deps: CorrespondenceDeps, agent: AgentScope, id: string): Promise<string> {
  const rows: (string | number | null)[][] = [];
  let cursor: string | undefined;
  do {
    const page = await campaignRecipients(deps, agent, id, {}, cursor, 5_000);
    for (const r of page.items) {
      rows.push([r.line, r.siren, r.companyName, RESULT_LABELS[r.status], r.reference, parisDateTime(r.readAt), parisDateTime(r.acknowledgedAt), parisDateTime(r.repliedAt), r.error?.message ?? null]);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return frenchCsv(["ligne", "siren", "entreprise", "résultat", "référence", "lu le", "accusé de réception le", "réponse le", "motif"], rows);
}
