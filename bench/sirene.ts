import { createReadStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse";
import type { Kysely } from "kysely";
import type { DB } from "../src/platform/db/schema.js";
import { importUnitesLegales } from "../src/modules/companies/index.js";
import { writeUnitesLegales } from "./generate.js";

function sampler() {
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  return { stop: () => (clearInterval(timer), (peak - start) / 2 ** 20) };
}

/**
 * SIRENE import of a generated StockUniteLegale file: rows per second and peak memory growth, against reading and
 * parsing the same file without a database (the import's ceiling).
 */
export async function benchSireneImport(db: Kysely<DB>, rows: number) {
  const dir = mkdtempSync(join(tmpdir(), "mp-sirene-"));
  const file = join(dir, "StockUniteLegale_utf8.csv");
  try {
    await writeUnitesLegales(file, rows);
    let t0 = performance.now();
    let parsed = 0;
    for await (const _ of createReadStream(file).pipe(parse({ columns: true }))) parsed++;
    const parseRowsPerSecond = parsed / ((performance.now() - t0) / 1000);
    const memory = sampler();
    t0 = performance.now();
    const report = await importUnitesLegales(db, file, new Date());
    const seconds = (performance.now() - t0) / 1000;
    const peakRssGrowthMb = memory.stop();
    if (report.rejected > 0) throw new Error(`the generated file had ${report.rejected} rejected rows`);
    return { rows: report.imported, seconds, rowsPerSecond: report.imported / seconds, parseRowsPerSecond, peakRssGrowthMb };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
