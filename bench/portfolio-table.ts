import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/platform/config.js";
import { createLogger } from "../src/platform/logger.js";
import { createContext } from "../src/app/context.js";
import { pagePortfolio } from "../src/modules/rights/index.js";
import { portfolioCsv, selectedSirens } from "../src/modules/rights/rights.selection.js";
import { openFreshDatabase } from "../test/helpers/db.js";
import { nameQuery, seedPortfolioSpace } from "./rights.js";
import { timeEach } from "./measure.js";

type Row = { name: string; value: string; baseline?: string; ratio?: string };
type Percentiles = { p50: number; p95: number; p99: number };

/** What one portfolio size costs: the name search and the first page of the table, its whole CSV, a selection. */
async function measure(deps: Parameters<typeof seedPortfolioSpace>[0], companies: number, email: string) {
  const { spaceId } = await seedPortfolioSpace(deps, companies, email);
  const page = (q?: string) => pagePortfolio(deps.db, spaceId, new Date(), { filters: q ? { q } : {}, sort: "name", limit: 50 });
  const nameSearch = await timeEach(400, (i) => page(nameQuery(i, companies)));
  const firstPage = await timeEach(300, () => page());
  let bytes = 0;
  const t0 = performance.now();
  for await (const chunk of portfolioCsv(deps.db, spaceId, new Date(), {}, "name")) bytes += chunk.length;
  const csvSeconds = (performance.now() - t0) / 1000;
  const selection = await timeEach(50, () => selectedSirens(deps.db, spaceId, new Date(), { q: "pharmacie" }, 500).catch(() => []));
  return { companies, nameSearch, firstPage, csv: { seconds: csvSeconds, bytes }, selection };
}

/**
 * « Mes entreprises » as a table (product §14, §19): a 1,000-company and a 10,000-company portfolio in one
 * database, the name search and first page of each (target: p95 ≤ 30 ms at 10,000, growth ≤ 1.5 from 1,000), the
 * CSV of every row, and a selection resolved for a bulk delegation. `npm run bench -- portfolio-table`.
 */
export async function benchPortfolioTable(rows: Row[], results: Record<string, unknown>) {
  const dir = mkdtempSync(join(tmpdir(), "mp-bench-table-"));
  const database = await openFreshDatabase(process.env.DATABASE_URL, { dataDir: join(dir, "db"), prefix: "mp_bench_table" });
  const ctx = await createContext(loadConfig({ NODE_ENV: "test", LOG_LEVEL: "silent", DATA_DIR: dir }), { database, logger: createLogger("silent") });
  try {
    const small = await measure(ctx, 1_000, "mille@gestion.com");
    const large = await measure(ctx, Number(process.env.BENCH_PORTFOLIO ?? 10_000), "dix-mille@gestion.com");
    results.portfolioTable = { small, large };
    const ms = (p: Percentiles) => `p50 ${p.p50.toFixed(2)}, p95 ${p.p95.toFixed(2)}, p99 ${p.p99.toFixed(2)} ms`;
    const size = large.companies.toLocaleString("en");
    for (const [key, label] of [
      ["nameSearch", "name search"],
      ["firstPage", "first page of 50"],
    ] as const) {
      rows.push({
        name: `« mes entreprises » table at ${size} companies: ${label}`,
        value: `${ms(large[key])} (target p95 ≤ 30 ms)`,
        baseline: "the same at 1,000 companies, p95 (target ≤ 1.5)",
        ratio: (large[key].p95 / small[key].p95).toFixed(2),
      });
    }
    rows.push({
      name: `CSV of every company, ${size} rows`,
      value: `${large.csv.seconds.toFixed(2)} s, ${(large.csv.bytes / 1e6).toFixed(1)} MB`,
      baseline: "1,000 rows",
      ratio: (large.csv.seconds / small.csv.seconds).toFixed(2),
    });
    rows.push({ name: `selection for a bulk delegation at ${size} companies`, value: ms(large.selection) });
  } finally {
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
