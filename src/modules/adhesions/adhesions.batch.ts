import { randomUUID } from "node:crypto";
import { fingerprintOf } from "../../platform/crypto.js";
import type { Tx } from "../../platform/db/database.js";
import { DomainError } from "../../platform/errors.js";
import { enqueue, type OutboxHandler } from "../../platform/outbox.js";
import { frenchCsv, readCsvTable } from "../../platform/csv.js";
import { getCompanies, isValidSiren } from "../companies/index.js";
import { sirenProblem } from "../../shared/siren.js";
import { appendJournal } from "../journal/index.js";
import { orderedServices, QUALITY_LABELS, serviceLabel, type Quality, type ServiceCode } from "./adhesions.catalogue.js";
import { requestAdhesion, type AdhesionsDeps } from "./adhesions.service.js";
import { adhesionAllowance } from "./adhesions.quota.js";
import { alreadyHeld } from "./adhesions.errors.js";
import { findPendingOf } from "./adhesions.repository.js";

/** Bulk adhesion (product §14): up to 500 SIREN in one submission, each line with its own result. */
export const BATCH_RULES = { maxLines: 500 };
export const ADHESION_BATCH_KIND = "adhesion_batch.run";

export type BatchLine = { siren: string; companyEmail?: string | undefined };
export type BatchInput = { quality: Quality; services: ServiceCode[]; items: BatchLine[] };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const tooManyLines = (n: number) =>
  new DomainError("too_large", "too_many_lines", `${n} lignes : une demande groupée compte au plus ${BATCH_RULES.maxLines} SIREN. Découpez votre fichier.`, {
    lines: n,
    max: BATCH_RULES.maxLines,
  });

/**
 * Reads a CSV of SIRENs: a header with a `siren` column (and `companyEmail` where needed), commas or semicolons.
 * Blank lines are kept, so that each gets its line number and its reason in the report.
 */
export function parseBatchCsv(content: Buffer): BatchLine[] {
  const { header, rows } = readCsvTable(content);
  const sirenAt = header.indexOf("siren");
  if (sirenAt < 0) {
    throw new DomainError(
      "refused",
      "missing_siren_column",
      "La première ligne du fichier doit nommer ses colonnes, dont une colonne « siren » (et « companyEmail » au besoin).",
    );
  }
  const emailAt = header.findIndex((h) => h === "companyemail" || h === "courriel" || h === "emailentreprise");
  if (rows.length > BATCH_RULES.maxLines) throw tooManyLines(rows.length);
  return rows.map((r) => ({ siren: r[sirenAt] ?? "", ...(emailAt >= 0 && r[emailAt] ? { companyEmail: r[emailAt] } : {}) }));
}

/** The reason a line is refused before anything is tried (its syntax, or a repeat of an earlier line). */
function lineProblem(line: BatchLine, seen: Set<string>): { code: string; message: string } | undefined {
  const siren = line.siren.replace(/\s/g, "");
  if (!siren) return { code: "blank_line", message: "Ligne vide : aucun SIREN." };
  if (!/^\d{9}$/.test(siren)) return { code: "invalid_siren", message: `« ${line.siren.slice(0, 40)} » : ${sirenProblem(siren)}` };
  if (!isValidSiren(siren))
    return { code: "invalid_siren_key", message: `Le SIREN ${siren} est invalide : sa clé de contrôle ne correspond pas (faute de frappe ?).` };
  if (seen.has(siren)) return { code: "duplicate_line", message: `Le SIREN ${siren} figure déjà plus haut dans la liste.` };
  if (line.companyEmail !== undefined && !EMAIL.test(line.companyEmail.trim())) {
    return { code: "invalid_company_email", message: `L'adresse électronique de l'entreprise « ${line.companyEmail.slice(0, 80)} » est invalide.` };
  }
  seen.add(siren);
  return undefined;
}

/**
 * Records a batch and its lines (the refusals of syntax at once), and queues its run. The same `Idempotency-Key`
 * answers the batch it created the first time: nothing is created twice.
 */
export async function submitAdhesionBatch(deps: AdhesionsDeps, spaceId: string, input: BatchInput, idempotencyKey?: string): Promise<{ batchId: string }> {
  if (input.items.length > BATCH_RULES.maxLines) throw tooManyLines(input.items.length);
  if (input.items.length === 0) throw new DomainError("refused", "empty_batch", "La liste ne contient aucun SIREN.");
  const now = deps.clock.now();
  const seen = new Set<string>();
  const lines = input.items.map((line, i) => ({
    line: i + 1,
    siren: line.siren.replace(/\s/g, ""),
    companyEmail: line.companyEmail?.trim() || null,
    problem: lineProblem(line, seen),
  }));
  // The same key replays only the same list (IETF Idempotency-Key draft): another list under it is refused.
  const fingerprint = idempotencyKey ? fingerprintOf(input) : null;
  const existing = idempotencyKey ? await findBatchByKey(deps, spaceId, idempotencyKey, fingerprint) : undefined;
  if (existing) return { batchId: existing };
  const id = randomUUID();
  try {
    await deps.db.transaction().execute(async (tx) => {
      await tx
        .insertInto("adhesion_batches")
        .values({
          id,
          space_id: spaceId,
          idempotency_key: idempotencyKey ?? null,
          request_fingerprint: fingerprint,
          quality: input.quality,
          services: JSON.stringify(orderedServices(input.services)),
          status: "running",
          total: lines.length,
          created_at: now,
          finished_at: null,
        })
        .execute();
      await tx
        .insertInto("adhesion_batch_items")
        .values(
          lines.map((l) => ({
            batch_id: id,
            line: l.line,
            siren: l.problem ? l.siren.slice(0, 40) : l.siren,
            company_email: l.companyEmail,
            status: l.problem ? ("refused" as const) : ("pending" as const),
            adhesion_id: null,
            error_code: l.problem?.code ?? null,
            error_message: l.problem?.message ?? null,
          })),
        )
        .execute();
      await appendJournal(tx, now, {
        actor: { kind: "person", id: spaceId },
        action: "adhesion.batch_submitted",
        subject: { type: "adhesion_batch", id },
        data: { lines: lines.length, services: input.services, quality: input.quality },
      });
      await enqueue(tx, now, ADHESION_BATCH_KIND, { batchId: id });
    });
  } catch (error) {
    // The same key at the same instant: the unique index lets one through; answer its batch.
    if ((error as { code?: string }).code === "23505" && idempotencyKey) {
      const again = await findBatchByKey(deps, spaceId, idempotencyKey, fingerprint);
      if (again) return { batchId: again };
    }
    throw error;
  }
  return { batchId: id };
}

async function findBatchByKey(deps: Pick<AdhesionsDeps, "db">, spaceId: string, key: string, fingerprint: string | null): Promise<string | undefined> {
  const batch = await deps.db
    .selectFrom("adhesion_batches")
    .select(["id", "request_fingerprint"])
    .where("space_id", "=", spaceId)
    .where("idempotency_key", "=", key)
    .executeTakeFirst();
  if (batch && batch.request_fingerprint !== null && batch.request_fingerprint !== fingerprint) {
    throw new DomainError(
      "refused",
      "idempotency_key_reused",
      "Cette clé Idempotency-Key a déjà servi pour une autre liste : utilisez une nouvelle clé pour tout nouvel envoi.",
    );
  }
  return batch?.id;
}

/**
 * Runs the pending lines of a batch, in order. Each line is its own transaction, in which its result is written
 * with its adhesion: a run cut short (a crash, a restart) resumes at the first pending line, and no line is
 * tried twice. A refusal of a rule is that line's result; a failure of the database stops the run (retried).
 */
export async function runAdhesionBatch(deps: AdhesionsDeps, batchId: string, options: { allowance?: number } = {}): Promise<void> {
  const batch = await deps.db.selectFrom("adhesion_batches").selectAll().where("id", "=", batchId).executeTakeFirst();
  if (!batch || batch.status === "done") return;
  // The person's allowance, read once for the batch (an operator loading a data set may state another).
  const allowance = options.allowance ?? (await adhesionAllowance(deps, batch.space_id, deps.clock.now())).perDay;
  for (;;) {
    const pending = await deps.db
      .selectFrom("adhesion_batch_items")
      .selectAll()
      .where("batch_id", "=", batchId)
      .where("status", "=", "pending")
      .orderBy("line")
      .limit(50)
      .execute();
    if (pending.length === 0) break;
    for (const item of pending) {
      const setResult = async (tx: Tx, result: { status: "created" | "refused"; adhesion_id?: string; error_code?: string; error_message?: string }) => {
        const r = await tx
          .updateTable("adhesion_batch_items")
          .set(result)
          .where("batch_id", "=", batchId)
          .where("line", "=", item.line)
          .where("status", "=", "pending")
          .executeTakeFirst();
        // Another run took this line meanwhile: roll this one back rather than open a second adhesion.
        if (Number(r.numUpdatedRows) !== 1) throw new Error(`line ${item.line} of batch ${batchId} already handled`);
      };
      // A company she already acts for, or already awaits a code for: no adhesion, no letter.
      const rights = await deps.rights.liveRightsOn(deps.db, batch.space_id, item.siren, deps.clock.now());
      const pending = rights.length ? undefined : await findPendingOf(deps.db, batch.space_id, item.siren);
      if (rights.length || pending) {
        const error = alreadyHeld({ rights, pending });
        await deps.db.transaction().execute((tx) => setResult(tx, { status: "refused", error_code: error.code, error_message: error.message }));
        continue;
      }
      try {
        await requestAdhesion(
          deps,
          batch.space_id,
          { siren: item.siren, quality: batch.quality, services: batch.services as ServiceCode[], companyEmail: item.company_email ?? undefined },
          { allowance, onOpened: (tx, opened) => setResult(tx, { status: "created", adhesion_id: opened.id }) },
        );
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        await deps.db.transaction().execute((tx) => setResult(tx, { status: "refused", error_code: error.code, error_message: error.message }));
      }
    }
  }
  await deps.db.updateTable("adhesion_batches").set({ status: "done", finished_at: deps.clock.now() }).where("id", "=", batchId).execute();
}

/** The worker's handler of queued batches. */
export function adhesionBatchHandler(deps: AdhesionsDeps): OutboxHandler {
  return (job) => runAdhesionBatch(deps, String(job.payload.batchId));
}

export type BatchView = {
  id: string;
  status: "running" | "done";
  quality: Quality;
  services: string[];
  total: number;
  done: number;
  created: number;
  refused: number;
  createdAt: Date;
  finishedAt: Date | null;
  items: {
    line: number;
    siren: string;
    companyName: string | null;
    status: "pending" | "created" | "refused";
    adhesionId: string | null;
    error: { code: string; message: string } | null;
  }[];
};

/** One of the person's batches with every line; anyone else's answers 404. */
export async function getAdhesionBatch(deps: Pick<AdhesionsDeps, "db">, spaceId: string, id: string): Promise<BatchView> {
  const batch = await deps.db.selectFrom("adhesion_batches").selectAll().where("id", "=", id).where("space_id", "=", spaceId).executeTakeFirst();
  if (!batch) throw new DomainError("not_found", "not_found", "Demande groupée introuvable.");
  const items = await deps.db.selectFrom("adhesion_batch_items").selectAll().where("batch_id", "=", id).orderBy("line").execute();
  const companies = await getCompanies(deps.db, [...new Set(items.filter((i) => /^\d{9}$/.test(i.siren)).map((i) => i.siren))]);
  const count = (s: string) => items.filter((i) => i.status === s).length;
  return {
    id,
    status: batch.status,
    quality: batch.quality,
    services: batch.services,
    total: batch.total,
    done: batch.total - count("pending"),
    created: count("created"),
    refused: count("refused"),
    createdAt: batch.created_at,
    finishedAt: batch.finished_at,
    items: items.map((i) => ({
      line: i.line,
      siren: i.siren,
      companyName: companies.get(i.siren)?.name ?? null,
      status: i.status,
      adhesionId: i.adhesion_id,
      error: i.error_code ? { code: i.error_code, message: i.error_message ?? i.error_code } : null,
    })),
  };
}

const STATUS_LABELS = { pending: "en cours", created: "demande créée, courrier en préparation", refused: "refusée" } as const;

/** The report of a batch, as a CSV for French spreadsheets. */
export function batchReportCsv(batch: BatchView): string {
  return frenchCsv(
    ["ligne", "siren", "entreprise", "résultat", "motif", "qualité", "services"],
    batch.items.map((i) => [
      i.line,
      i.siren,
      i.companyName,
      STATUS_LABELS[i.status],
      i.error?.message ?? null,
      QUALITY_LABELS[batch.quality],
      batch.services.map(serviceLabel).join(", "),
    ]),
  );
}
