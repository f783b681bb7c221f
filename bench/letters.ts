import { mkdtempSync, rmSync } from "node:fs";
import { parisDay } from "../src/platform/paris.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Kysely } from "kysely";
import type { DB } from "../src/platform/db/schema.js";
import { createSealer } from "../src/platform/crypto.js";
import { systemClock } from "../src/platform/clock.js";
import { issueLetter, renderLetterPdf, writePrintBatch, type LetterDocument } from "../src/modules/letters/index.js";
import { newLetterDocument } from "../src/modules/letters/letters.render.js";

export const SAMPLE_LETTER: LetterDocument = {
  kind: "activation",
  number: "1",
  editedAt: "2026-11-28T09:00:00.000Z",
  addressLines: ["MARTIN DISTRIBUTION", "ROBERT LAMBDA", "24 RUE DE LA ROQUETTE", "75011 PARIS 11"],
  fields: {
    companyName: "MARTIN DISTRIBUTION",
    siren: "812345676",
    requester: { fullName: "Claire Vasseur", connectionEmail: "cabinet.comptable@gestion.com", entityName: "CABINET GESTION", entitySiren: "845123900" },
    quality: "personne mandatée",
    services: ["Messagerie sécurisée", "Déclarer la TVA", "Payer la TVA"],
    companyEmail: "robert.lambda@martindistribution.com",
    activationCode: "7K3M-Q9XW-2HTR",
    validUntil: "2027-01-27T09:00:00.000Z",
    oppositionCode: "P4NZ-8RTV",
    oppositionUrl: "https://messagerie.example/opposition",
  },
};

/** Letters rendered per second by one process (one core), against a one-line page rendered the same way. */
export async function benchLetterRendering(count = 300) {
  const baselineRun = async () => {
    const doc = newLetterDocument();
    const done = new Promise((r) => doc.on("end", r));
    doc.on("data", () => {});
    doc.addPage().font("regular").text("Bonjour");
    doc.end();
    await done;
  };
  for (let i = 0; i < 20; i++) {
    await baselineRun();
    await renderLetterPdf(SAMPLE_LETTER);
  }
  let t0 = performance.now();
  for (let i = 0; i < count; i++) await baselineRun();
  const baselinePerSecond = count / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  for (let i = 0; i < count; i++) await renderLetterPdf({ ...SAMPLE_LETTER, number: String(i) });
  const lettersPerSecond = count / ((performance.now() - t0) / 1000);
  return { lettersPerSecond, baselinePerSecond };
}

/** Fills the database with `count` letters to print, through the same function the adhesions use. */
export async function seedLetters(db: Kysely<DB>, count: number, sealerKey: string) {
  const sealer = createSealer(sealerKey);
  const at = new Date();
  for (let i = 0; i < count; i += 500) {
    await db.transaction().execute(async (tx) => {
      for (let j = i; j < Math.min(count, i + 500); j++) {
        await issueLetter(tx, sealer, at, {
          kind: "activation",
          siren: "812345676",
          adhesionId: undefined as unknown as string,
          addressLines: SAMPLE_LETTER.addressLines,
          fields: {
            ...(SAMPLE_LETTER.fields as Extract<LetterDocument, { kind: "activation" }>["fields"]),
            activationCode: `CODE-${String(j).padStart(4, "0")}-TEST`,
          },
        });
      }
    });
  }
}

/**
 * A print batch of every edited letter: time, peak RSS, and peak *retained* heap (measured right after a forced
 * garbage collection every second: what the batch keeps, not the garbage it has not yet freed). Needs --expose-gc.
 */
export async function benchPrintBatch(db: Kysely<DB>, sealerKey: string) {
  const dir = mkdtempSync(join(tmpdir(), "mp-batch-"));
  const gc = global.gc ?? (() => {});
  gc();
  const start = process.memoryUsage();
  let peakRss = start.rss;
  let peakHeap = start.heapUsed;
  const timer = setInterval(() => {
    gc();
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 1000);
  const t0 = performance.now();
  try {
    const batch = await writePrintBatch({ db, clock: systemClock, sealer: createSealer(sealerKey) }, parisDay(new Date()), dir);
    if (batch.letters === 0) throw new Error("the print batch found no letter: the bench measured nothing");
    return {
      letters: batch.letters,
      seconds: (performance.now() - t0) / 1000,
      peakRssGrowthMb: (peakRss - start.rss) / 2 ** 20,
      peakHeapGrowthMb: (peakHeap - start.heapUsed) / 2 ** 20,
      gcForced: global.gc !== undefined,
    };
  } finally {
    clearInterval(timer);
    rmSync(dir, { recursive: true, force: true });
  }
}
