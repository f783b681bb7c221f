import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/platform/config.js";
import { createLogger } from "../src/platform/logger.js";
import { createContext } from "../src/app/context.js";
import { loadAdministeredCompanies, makeActiveSpace } from "../src/app/factories.js";
import { pagePortfolio } from "../src/modules/rights/index.js";
import { addCompanies, createTeam, inviteMember, joinTeam, TEAM_RULES } from "../src/modules/teams/index.js";
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
 * A colleague of the firm in `teams` teams that share `companies` companies between them (product §19): her
 * entries are written by the teams' grants, as the application writes them; then her first page of 50.
 */
export async function memberOfTeams(deps: Parameters<typeof seedPortfolioSpace>[0] & Parameters<typeof addCompanies>[0], teams: number, companies: number) {
  const password = "Vingt-Trois-Lapins-Bleus";
  // The firm of seedPortfolioSpace (made by the measures before): its administrator, who may make teams.
  const { spaceId: owner } = await makeActiveSpace(deps, {
    email: "cheffe.equipes@gestion.com",
    password,
    firstName: "Claire",
    lastName: "Vasseur",
    siren: "845123900",
  });
  const now = deps.clock.now();
  await deps.db
    .insertInto("rights")
    .values({
      id: randomUUID(),
      space_id: owner,
      siren: "845123900",
      service: "compte_fiscal",
      role: "administrator",
      tax_scope: null,
      state: "active",
      valid_from: now,
      valid_until: null,
      adhesion_id: null,
      granted_by_right: null,
      granted_by_space: null,
      created_at: now,
      revoked_at: null,
    })
    .execute();
  const services = ["tva_declarer", "tva_payer", "messagerie"] as const;
  const sirens = await loadAdministeredCompanies(deps, { base: 52_000_000, count: companies, spaceId: owner, services: [...services] });
  const email = "membre.equipes@gestion.com";
  const { spaceId: member } = await makeActiveSpace(deps, { email, password, firstName: "Lila", lastName: "Rosemonde", siren: "845123900" });
  const share = Math.ceil(companies / teams);
  for (let k = 0; k < teams; k++) {
    const team = await createTeam(deps, owner, { name: `Équipe ${k + 1}`, grant: { role: "delegate", services: [...services], taxScope: ["TVA"] } });
    await inviteMember(deps, owner, team.id, email);
    await joinTeam(deps, member, team.id);
    const mine = sirens.slice(k * share, (k + 1) * share);
    for (let i = 0; i < mine.length; i += TEAM_RULES.maxCompaniesAtOnce)
      await addCompanies(deps, owner, team.id, mine.slice(i, i + TEAM_RULES.maxCompaniesAtOnce));
  }
  const firstPage = await timeEach(300, () => pagePortfolio(deps.db, member, new Date(), { filters: {}, sort: "name", limit: 50 }));
  return { teams, companies, firstPage };
}

/**
 * « Mes entreprises » as a table (product §14, §19): a 1,000-company and a 10,000-company portfolio in one
 * database, the name search and first page of each (target: p95 ≤ 30 ms at 10,000, growth ≤ 1.5 from 1,000), the
 * CSV of every row, a selection resolved for a bulk delegation, and the first page of a member of 5 teams sharing
 * 10,000 companies (target p95 ≤ 30 ms). `npm run bench -- portfolio-table`.
 */
export async function benchPortfolioTable(rows: Row[], results: Record<string, unknown>) {
  const dir = mkdtempSync(join(tmpdir(), "mp-bench-table-"));
  const database = await openFreshDatabase(process.env.DATABASE_URL, { dataDir: join(dir, "db"), prefix: "mp_bench_table" });
  const ctx = await createContext(loadConfig({ NODE_ENV: "test", LOG_LEVEL: "silent", DATA_DIR: dir }), { database, logger: createLogger("silent") });
  try {
    const small = await measure(ctx, 1_000, "mille@gestion.com");
    const large = await measure(ctx, Number(process.env.BENCH_PORTFOLIO ?? 10_000), "dix-mille@gestion.com");
    const teamMember = await memberOfTeams(ctx, 5, large.companies);
    results.portfolioTable = { small, large, teamMember };
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
      name: `« mes entreprises » of a member of ${teamMember.teams} teams over ${size} companies: first page of 50`,
      value: `${ms(teamMember.firstPage)} (target p95 ≤ 30 ms)`,
    });
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
