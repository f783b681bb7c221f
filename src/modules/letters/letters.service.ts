import { randomUUID } from "node:crypto";
import { createWriteStream, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { finished, pipeline } from "node:stream/promises";
import type { Executor, Tx } from "../../platform/db/database.js";
import type { NewRow } from "../../platform/db/schema.js";
import type { Clock } from "../../platform/clock.js";
import type { Sealer } from "../../platform/crypto.js";
import { DomainError } from "../../platform/errors.js";
import { isCalendarDay, parisDayEnd } from "../../platform/paris.js";
import { csvRecord } from "../../platform/csv.js";
import { enqueue, type OutboxHandler } from "../../platform/outbox.js";
import * as repo from "./letters.repository.js";
import {
  drawLetter,
  newLetterDocument,
  renderLetterPdf,
  type ActivationLetterFields,
  type CorrespondenceLetterFields,
  type EmailChangeNoticeFields,
  type LetterDocument,
} from "./letters.render.js";

export type LettersDeps = { db: Executor; clock: Clock; sealer: Sealer };

export const LETTER_RENDER_KIND = "letter.render";

export type NewLetter =
  | { kind: "activation"; siren: string; adhesionId: string; addressLines: string[]; fields: ActivationLetterFields }
  | { kind: "email_change_notice"; siren: string; adhesionId?: undefined; addressLines: string[]; fields: EmailChangeNoticeFields };

/** A campaign's letter to a company without messagerie: one per company and campaign (the database refuses a second). */
export type NewCorrespondenceLetter = { id: string; siren: string; campaignId: string; addressLines: string[]; fields: CorrespondenceLetterFields };

/** The sealed content of a letter: its fields, codes included until the letter is posted. */
type Content = { fields: ActivationLetterFields | EmailChangeNoticeFields | CorrespondenceLetterFields };

/**
 * Issues a letter in the caller's transaction: the row (fields sealed) and an outbox row asking the worker to
 * render its PDF. Returns its id and number.
 */
export async function issueLetter(tx: Tx, sealer: Sealer, at: Date, letter: NewLetter): Promise<{ id: string; number: string }> {
  const id = randomUUID();
  const content: Content = { fields: letter.fields };
  const row = await repo.insertLetter(
    tx,
    editedLetter({
      id,
      siren: letter.siren,
      adhesionId: letter.adhesionId ?? null,
      campaignId: null,
      kind: letter.kind,
      addressLines: letter.addressLines,
      sealed: sealer.seal(JSON.stringify(content)),
      at,
    }),
  );
  await enqueue(tx, at, LETTER_RENDER_KIND, { letterId: id });
  return row;
}

/**
 * Issues many campaign letters in one statement, in the caller's transaction. No render row is queued: the print
 * batch draws each letter from its sealed content, and the letter box renders one on demand.
 */
export async function issueCorrespondenceLetters(tx: Tx, sealer: Sealer, at: Date, letters: NewCorrespondenceLetter[]): Promise<void> {
  if (letters.length === 0) return;
  await tx
    .insertInto("letters")
    .values(
      letters.map((l) =>
        editedLetter({
          id: l.id,
          siren: l.siren,
          adhesionId: null,
          campaignId: l.campaignId,
          kind: "correspondence",
          addressLines: l.addressLines,
          sealed: sealer.seal(JSON.stringify({ fields: l.fields } satisfies Content)),
          at,
        }),
      ),
    )
    .execute();
}

/** The row of a letter just edited (not yet rendered, printed or posted). */
function editedLetter(l: {
  id: string;
  siren: string;
  adhesionId: string | null;
  campaignId: string | null;
  kind: NewRow<"letters">["kind"];
  addressLines: string[];
  sealed: string;
  at: Date;
}): NewRow<"letters"> {
  return {
    id: l.id,
    siren: l.siren,
    adhesion_id: l.adhesionId,
    campaign_id: l.campaignId,
    kind: l.kind,
    status: "edited",
    address_lines: JSON.stringify(l.addressLines),
    content_sealed: l.sealed,
    pdf_sealed: null,
    edited_at: l.at,
    rendered_at: null,
    batch_id: null,
    printed_at: null,
    posted_at: null,
    returned_at: null,
  };
}

function toDocument(row: { kind: string; number: string; edited_at: Date; address_lines: string[] }, content: Content): LetterDocument {
  return {
    kind: row.kind,
    number: row.number,
    editedAt: row.edited_at.toISOString(),
    addressLines: row.address_lines,
    fields: content.fields,
  } as LetterDocument;
}

/** The worker's handler: renders a letter's PDF and keeps it sealed. A failure is retried by the outbox. */
export function letterRenderHandler(deps: LettersDeps): OutboxHandler {
  return async (job) => {
    const letter = await repo.findLetter(deps.db, String(job.payload.letterId));
    if (!letter || letter.pdf_sealed || letter.status === "voided") return;
    const pdf = await renderLetterPdf(toDocument(letter, JSON.parse(deps.sealer.open(letter.content_sealed)) as Content));
    await repo.setRenderedPdf(deps.db, letter.id, deps.sealer.seal(pdf.toString("base64")), deps.clock.now());
  };
}

/** Voids the letters of an adhesion not yet printed (re-issue, opposition, cancellation). */
export async function voidPendingLettersOf(tx: Tx, adhesionId: string): Promise<number> {
  return repo.voidPendingLetters(tx, adhesionId);
}

const MASK = "••••-••••-••••";

/** The fields with their codes masked: what remains once a letter has left. */
export function maskCodes(fields: Content["fields"]): Content["fields"] {
  if ("activationCode" in fields) return { ...fields, activationCode: MASK, oppositionCode: "••••-••••" };
  return fields;
}

export type LetterView = {
  id: string;
  number: string;
  siren: string;
  kind: "activation" | "email_change_notice" | "correspondence";
  status: string;
  addressLines: string[];
  fields: Record<string, unknown>;
  editedAt: Date;
  hasPdf: boolean;
};

/** Letters with their opened fields, for the development letter box. */
export async function listLetterViews(deps: Pick<LettersDeps, "db" | "sealer">, siren: string | undefined, limit: number): Promise<LetterView[]> {
  const rows = await repo.listLetters(deps.db, siren, limit);
  return rows.map((r) => {
    const content = JSON.parse(deps.sealer.open(r.content_sealed)) as Content;
    return {
      id: r.id,
      number: r.number,
      siren: r.siren,
      kind: r.kind,
      status: r.status,
      addressLines: r.address_lines,
      fields: content.fields,
      editedAt: r.edited_at,
      hasPdf: r.pdf_sealed !== null,
    };
  });
}

/** The PDF of one letter (development letter box), rendered now if the worker has not done it yet. */
export async function letterPdf(deps: Pick<LettersDeps, "db" | "sealer">, id: string): Promise<Buffer> {
  const letter = await repo.findLetter(deps.db, id);
  if (!letter) throw new DomainError("not_found", "not_found", "Courrier introuvable.");
  if (letter.pdf_sealed) return Buffer.from(deps.sealer.open(letter.pdf_sealed), "base64");
  return renderLetterPdf(toDocument(letter, JSON.parse(deps.sealer.open(letter.content_sealed)) as Content));
}

/** What the adhesion desk shows of a company's letters: the latest `limit`, whatever their kind. */
export function lettersOfCompany(db: Executor, siren: string, limit = 100) {
  return repo.listLettersOfCompany(db, siren, limit);
}

/** The letters of several adhesions, in one query: by adhesion, in the order of their numbers. */
export async function lettersOfAdhesions(db: Executor, adhesionIds: string[]) {
  const byAdhesion = new Map<string, Awaited<ReturnType<typeof repo.listLettersOfAdhesions>>>(adhesionIds.map((id) => [id, []]));
  for (const l of await repo.listLettersOfAdhesions(db, adhesionIds)) byAdhesion.get(l.adhesion_id!)?.push(l);
  return byAdhesion;
}

export type BatchResult = { batchId: string; letters: number; pdfPath: string; manifestPath: string };

/**
 * Writes the print batch of the letters edited up to the end of `date` (a Paris day): one PDF, one page per letter, and a
 * CSV manifest, streamed page by page (memory stays flat whatever the number of letters); then marks them printed.
 */
export async function writePrintBatch(deps: LettersDeps, date: string, outDir: string, pageSize = 500): Promise<BatchResult> {
  if (!isCalendarDay(date)) {
    throw new DomainError("invalid", "invalid_date", `Date invalide : ${date} (attendu AAAA-MM-JJ).`);
  }
  const before = parisDayEnd(date);
  const batchId = randomUUID();
  mkdirSync(outDir, { recursive: true });
  const pdfPath = join(outDir, `lot-${date}-${batchId.slice(0, 8)}.pdf`);
  const manifestPath = join(outDir, `lot-${date}-${batchId.slice(0, 8)}.csv`);
  const doc = newLetterDocument();
  const pdfOut = createWriteStream(pdfPath);
  const manifest = createWriteStream(manifestPath);
  // A file that cannot be written (a full disk, a bad folder) fails the batch with its error, never the process
  // with an 'error' event nobody listens to; recorded at once, before the streams close.
  let failure: Error | undefined;
  for (const s of [doc, pdfOut, manifest]) s.on("error", (error: Error) => (failure ??= error));
  const written = Promise.all([pipeline(doc, pdfOut), finished(manifest)]);
  written.catch(() => undefined);
  /** Waits until `s` takes more (or has failed). */
  const drained = async (s: Writable) => {
    if (!failure && !s.destroyed)
      await new Promise<void>((resolve) => {
        // The listener that did not fire goes too: a batch of 10,000 letters waits hundreds of times on one stream.
        const done = () => (s.off("drain", done), s.off("close", done), resolve());
        s.once("drain", done);
        s.once("close", done);
      });
    if (failure) throw failure;
  };
  manifest.write("page,numero,id,siren,type,adresse,edite_le\n");
  let after = "0";
  let count = 0;
  const ids: string[] = [];
  try {
    for (;;) {
      const page = await repo.pageLettersToPrint(deps.db, before, after, pageSize);
      let drawn = 0;
      for (const row of page) {
        const content = JSON.parse(deps.sealer.open(row.content_sealed)) as Content;
        drawLetter(doc, toDocument(row, content));
        count++;
        if (++drawn % 50 === 0) while (pdfOut.writableNeedDrain) await drained(pdfOut);
        ids.push(row.id);
        const line = csvRecord([String(count), row.number, row.id, row.siren, row.kind, row.address_lines.join(" / "), row.edited_at.toISOString()]);
        if (!manifest.write(line)) await drained(manifest);
      }
      // Back-pressure: pdfkit pushes pages whatever the file can take; let them reach the disk before going on.
      await new Promise((r) => setImmediate(r));
      while (pdfOut.writableNeedDrain || doc.readableLength > 0) await drained(pdfOut);
      if (page.length < pageSize) break;
      after = page[page.length - 1]!.number;
    }
    if (count === 0) {
      doc.addPage().fontSize(12).text(`Aucun courrier à imprimer pour le ${date}.`);
    }
    doc.end();
    manifest.end();
    await written;
  } catch (error) {
    // Abandoned: the files cut off are removed, the letters stay to print.
    doc.destroy();
    manifest.destroy();
    await written.catch(() => undefined);
    rmSync(pdfPath, { force: true });
    rmSync(manifestPath, { force: true });
    throw error;
  }
  const now = deps.clock.now();
  for (let i = 0; i < ids.length; i += 1000) await repo.markPrinted(deps.db, ids.slice(i, i + 1000), batchId, now);
  await repo.insertBatch(deps.db, {
    id: batchId,
    for_date: date,
    letters: count,
    pdf_path: pdfPath,
    manifest_path: manifestPath,
    created_at: now,
    posted_at: null,
  });
  return { batchId, letters: count, pdfPath, manifestPath };
}

/**
 * Marks a printed batch as posted: from now on only a copy with the codes masked remains (its PDF is rendered
 * again, masked, by the worker).
 */
export async function markBatchPosted(deps: LettersDeps, batchId: string, tx: Tx): Promise<number> {
  const batch = await repo.findBatch(tx, batchId);
  if (!batch) throw new DomainError("not_found", "unknown_batch", `Lot inconnu : ${batchId}`);
  const now = deps.clock.now();
  const letters = await repo.lettersOfBatch(tx, batchId, "printed");
  for (const l of letters) {
    const content = JSON.parse(deps.sealer.open(l.content_sealed)) as Content;
    await repo.markPosted(tx, l.id, deps.sealer.seal(JSON.stringify({ fields: maskCodes(content.fields) })), now);
    await enqueue(tx, now, LETTER_RENDER_KIND, { letterId: l.id });
  }
  await repo.markBatchPosted(tx, batchId, now);
  return letters.length;
}

/** Records a letter returned as undeliverable (NPAI). */
export async function markLetterReturned(deps: LettersDeps, letterId: string, tx: Tx) {
  const row = await repo.markReturned(tx, letterId, deps.clock.now());
  if (!row) throw new DomainError("refused", "letter_not_sent", `Courrier ${letterId} inconnu ou pas encore imprimé.`);
  return row;
}
