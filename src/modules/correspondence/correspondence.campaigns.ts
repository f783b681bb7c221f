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
import { readCsvTable } from "../../platform/csv.js";
import { competenceOf, getCompaniesForMailing, isValidSiren } from "../companies/index.js";
import { companiesWithMessagerie } from "../adhesions/index.js";
import { appendJournal } from "../journal/index.js";
import { addressBlock, issueCorrespondenceLetters, type NewCorrespondenceLetter } from "../letters/index.js";
import { announceThreads, publishThreads, reserveReferences, TAX_LABELS, type AgentScope, type ThreadSpec, type ThreadToPublish } from "../requests/index.js";
import { natureLabel } from "../../shared/labels.js";
import { sirenProblem } from "../../shared/siren.js";
import { checkPlaceholders, checkTimes, fillPlaceholders, type CorrespondenceDeps, type ThreadFields } from "./correspondence.threads.js";

export const CAMPAIGN_RULES = { maxLines: 100_000, chunk: 500 };
export const CAMPAIGN_RUN_KIND = "campaign.run";

export type CampaignInput = ThreadFields & { service?: string | undefined; fileName: string; csv: Buffer };

type Line = { line: number; siren: string; problem?: { code: string; message: string } };

const tooManyLines = (n: number) =>
  new DomainError(
    "too_large",
    "too_many_lines",
    `${n} lignes : une campagne compte au plus ${CAMPAIGN_RULES.maxLines.toLocaleString("fr-FR")} SIREN. Découpez votre fichier.`,
    { lines: n, max: CAMPAIGN_RULES.maxLines },
  );

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
    if (!/^\d{9}$/.test(siren))
      return {
        line,
        siren: raw.slice(0, 40),
        problem: { code: "invalid_siren", message: `« ${raw.slice(0, 40)} » : ${sirenProblem(siren)}` },
      };
    if (!isValidSiren(siren))
      return { line, siren, problem: { code: "invalid_siren_key", message: `Le SIREN ${siren} est invalide : sa clé de contrôle ne correspond pas.` } };
    if (seen.has(siren))
      return {
        line,
        siren,
        problem: { code: "duplicate_line", message: `Le SIREN ${siren} figure déjà plus haut dans le fichier : l'entreprise ne recevra qu'un message.` },
      };
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
export async function submitCampaign(
  deps: CorrespondenceDeps,
  agent: AgentScope & { isSupervisor: boolean },
  input: CampaignInput,
): Promise<{ campaignId: string }> {
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
        FROM unnest(${part.map((l) => l.line)}::int[], ${part.map((l) => l.siren)}::text[], ${part.map((l) => l.problem?.code ?? null)}::text[], ${part.map((l) => l.problem?.message ?? null)}::text[]) AS t(l, s, c, m)`.execute(
        tx,
      );
    }
    await appendJournal(tx, now, {
      actor: { kind: "agent", id: agent.id },
      action: "campaign.submitted",
      subject: { type: "campaign", id },
      data: {
        service,
        lines: lines.length,
        refused: lines.filter((l) => l.problem).length,
        tax: input.tax,
        nature: input.nature,
        publishAt: publishAt.toISOString(),
      },
    });
    await enqueue(tx, publishAt, CAMPAIGN_RUN_KIND, { campaignId: id });
  });
  return { campaignId: id };
}

type Outcome =
  | { line: number; status: "thread"; requestId: string }
  | { line: number; status: "letter"; letterId: string; requestId: string }
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
  await deps.db
    .updateTable("campaigns")
    .set({ status: "running", started_at: campaign.started_at ?? deps.clock.now() })
    .where("id", "=", campaignId)
    .where("status", "<>", "done")
    .execute();
  const competent = await competenceOf(deps.db, campaign.service_code);
  const office = await deps.db
    .selectFrom("tax_services")
    .select(["name", "address", "postal_code", "city"])
    .where("code", "=", campaign.service_code)
    .executeTakeFirst();
  // The letterhead: the sending service and its postal address (where a reply by post goes).
  const service = {
    name: office?.name ?? campaign.service_code,
    address: office ? [office.address, `${office.postal_code} ${office.city}`] : [],
  };
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
      type Mailing = NonNullable<Awaited<ReturnType<typeof getCompaniesForMailing>> extends Map<string, infer C> ? C : never>;
      const toLetter: { line: number; siren: string; name: string; address: NonNullable<Mailing["address"]>; attention: Mailing["legalRepresentative"] }[] = [];
      for (const p of pending) {
        const c = companies.get(p.siren);
        if (!c)
          outcomes.push({ line: p.line, status: "refused", code: "unknown_siren", message: `Le SIREN ${p.siren} est inconnu du répertoire des entreprises.` });
        else if (!c.isActive)
          outcomes.push({
            line: p.line,
            status: "refused",
            code: "ceased_company",
            message: `L'entreprise ${c.name} est cessée : aucun message ne lui est adressé.`,
          });
        else if (!competent(c.communeCode))
          outcomes.push({
            line: p.line,
            status: "refused",
            code: "out_of_competence",
            message: `L'entreprise ${c.name} n'est pas dans la compétence territoriale du service.`,
          });
        else if (withMessagerie.has(p.siren)) toThread.push({ line: p.line, siren: p.siren, name: c.name });
        else if (!c.address)
          outcomes.push({
            line: p.line,
            status: "refused",
            code: "no_address",
            message: `L'entreprise ${c.name} n'a pas d'adresse de siège connue : aucun courrier ne peut lui être posté.`,
          });
        else toLetter.push({ line: p.line, siren: p.siren, name: c.name, address: c.address, attention: c.legalRepresentative });
      }
      // Every recipient, letter or not, has its own thread and reference: a letter quotes it, a reply by post is
      // recorded on it (product §16). The thread of a letter sends no e-mail notice (the company reads paper).
      const references = await reserveReferences(tx, campaign.service_code, now, toThread.length + toLetter.length);
      const threads: ThreadToPublish[] = [...toThread, ...toLetter].map((t, i) => {
        const values = { raison_sociale: t.name, siren: t.siren, reference: references[i]!, service: service.name };
        const id = randomUUID();
        const thread = {
          id,
          reference: references[i]!,
          siren: t.siren,
          companyName: t.name,
          subject: fillPlaceholders(campaign.subject, values),
          body: fillPlaceholders(campaign.body, values),
        };
        if (i < toThread.length) {
          outcomes.push({ line: t.line, status: "thread", requestId: id });
          return thread;
        }
        const l = toLetter[i - toThread.length]!;
        const letterId = randomUUID();
        letters.push({
          id: letterId,
          siren: l.siren,
          campaignId,
          addressLines: addressBlock({
            recipient: l.name,
            attention: l.attention ? `${l.attention.firstName ?? ""} ${l.attention.lastName}`.trim() : "Représentant légal",
            ...l.address,
          }),
          fields: {
            companyName: l.name,
            siren: l.siren,
            service: service.name,
            serviceAddress: service.address,
            reference: thread.reference,
            tax: TAX_LABELS[campaign.tax] ?? campaign.tax,
            nature: natureLabel(campaign.nature),
            subject: thread.subject,
            body: thread.body,
            replyDueAt: campaign.reply_due_at?.toISOString() ?? null,
          },
        });
        outcomes.push({ line: l.line, status: "letter", letterId, requestId: id });
        return { ...thread, silent: true };
      });
      await publishThreads(tx, now, spec, threads);
      await issueCorrespondenceLetters(tx, deps.sealer, now, letters);
      const r = await sql`
        UPDATE campaign_recipients AS cr SET status = o.status, request_id = o.request_id, letter_id = o.letter_id, error_code = o.code, error_message = o.message
        FROM unnest(${outcomes.map((o) => o.line)}::int[], ${outcomes.map((o) => o.status)}::text[],
                    ${outcomes.map((o) => (o.status === "refused" ? null : o.requestId))}::uuid[], ${outcomes.map((o) => (o.status === "letter" ? o.letterId : null))}::uuid[],
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
  const left = await deps.db
    .selectFrom("campaign_recipients")
    .select("line")
    .where("campaign_id", "=", campaignId)
    .where("status", "=", "pending")
    .limit(1)
    .executeTakeFirst();
  if (!left) {
    const done = await deps.db
      .updateTable("campaigns")
      .set({ status: "done", finished_at: deps.clock.now() })
      .where("id", "=", campaignId)
      .where("status", "<>", "done")
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) === 1) {
      await deps.db
        .transaction()
        .execute((tx) =>
          appendJournal(tx, deps.clock.now(), { actor: { kind: "system" }, action: "campaign.done", subject: { type: "campaign", id: campaignId }, data: {} }),
        );
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
