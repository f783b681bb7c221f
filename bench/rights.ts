import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { systemClock } from "../src/platform/clock.js";
import { upsertCompanies, withLuhnKey } from "../src/modules/companies/index.js";
import { can, pagePortfolio } from "../src/modules/rights/index.js";
import { makeActiveSpace, makeCompany, makeTaxService } from "../src/app/factories.js";
import { timeEach } from "./measure.js";

const TRADES = ["BOULANGERIE", "GARAGE", "PHARMACIE", "ÉPICERIE", "CABINET", "TRANSPORTS", "HÔTEL", "BRASSERIE", "MENUISERIE", "SARL", "SAS", "HOLDING"];
const FAMILIES = [
  "MARTIN",
  "BERNARD",
  "DUBOIS",
  "THOMAS",
  "ROBERT",
  "RICHARD",
  "PETIT",
  "DURAND",
  "LEROY",
  "MOREAU",
  "SIMON",
  "LAURENT",
  "LEFEBVRE",
  "MICHEL",
  "GARCIA",
  "DAVID",
  "BERTRAND",
  "ROUX",
  "VINCENT",
  "FOURNIER",
  "MOREL",
  "GIRARD",
  "ANDRÉ",
  "LEFÈVRE",
  "MERCIER",
  "DUPONT",
  "LAMBERT",
  "BONNET",
  "FRANÇOIS",
  "MARTINEZ",
];
const PLACES = ["DU CENTRE", "DES LILAS", "DE LA GARE", "DU PORT", "DES ALPES", "DE L'OUEST", "DU MARCHÉ", "SAINT-JEAN", "DES VIGNES", "DU PARC"];
/** Company names as varied as a real portfolio's: a trade, a family name, a place, a number. */
export function portfolioName(i: number): string {
  return `${TRADES[i % TRADES.length]} ${FAMILIES[Math.floor(i / TRADES.length) % FAMILIES.length]} ${PLACES[Math.floor(i / 360) % PLACES.length]} ${i}`;
}

/**
 * A person holding rights on `companies` companies (an accounting firm's portfolio): the companies, a delegate's
 * rights per service of the VAT bundle, and unread messages on one company in ten; statistics refreshed.
 */
export async function seedPortfolioSpace(deps: Parameters<typeof makeActiveSpace>[0], companies: number, email: string) {
  await makeCompany(deps, {
    siren: "845123900",
    name: "CABINET GESTION",
    streetName: "BELLECOUR",
    postalCode: "69002",
    communeName: "LYON",
    communeCode: "69382",
  });
  const { spaceId } = await makeActiveSpace(deps, { email, password: "Vingt-Trois-Lapins-Bleus", firstName: "Porte", lastName: "Feuille", siren: "845123900" });
  const now = new Date();
  // Each portfolio size gets its own SIRENs (the sizes share one database).
  const offset = (
    await deps.db
      .selectFrom("companies")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow()
  ).n;
  const sirens = Array.from({ length: companies }, (_, i) => withLuhnKey(String(20_000_000 + (Number(offset) + i) * 13)));
  for (let i = 0; i < sirens.length; i += 1000) {
    const slice = sirens.slice(i, i + 1000);
    await upsertCompanies(
      deps.db,
      slice.map((siren, j) => ({
        siren,
        name: portfolioName(i + j),
        acronym: null,
        legal_form: "5710",
        is_active: true,
        diffusion: "O",
        head_office_nic: null,
        legal_rep_first_name: null,
        legal_rep_last_name: null,
        updated_at: now,
      })),
    );
    // Seeded directly: an administrator right per service of the VAT bundle and a scoped messagerie.
    await deps.db
      .insertInto("rights")
      .values(
        slice.flatMap((siren) =>
          (["tva_declarer", "tva_payer", "messagerie"] as const).map((service) => ({
            id: randomUUID(),
            space_id: spaceId,
            siren,
            service,
            role: "delegate" as const,
            tax_scope: service === "messagerie" ? JSON.stringify(["TVA"]) : null,
            state: "active" as const,
            valid_from: now,
            valid_until: null,
            adhesion_id: null,
            granted_by_right: null,
            granted_by_space: null,
            created_at: now,
            revoked_at: null,
          })),
        ),
      )
      .execute();
  }
  // One company in ten has an open VAT request (its last activity, a minute apart) with unread messages of the
  // administration (its activity row's counters, as the triggers keep them).
  const { DEMO_SERVICES } = await import("../src/app/demo.js");
  const service = DEMO_SERVICES[0]!;
  if (!(await deps.db.selectFrom("tax_services").select("code").where("code", "=", service.code).executeTakeFirst())) await makeTaxService(deps, service);
  for (let i = 0; i < sirens.length; i += 10_000) {
    const slice = sirens.slice(i, i + 10_000).filter((_, j) => (i + j) % 10 === 0);
    if (slice.length === 0) continue;
    await deps.db
      .insertInto("requests")
      .values(
        slice.map((siren, j) => {
          const at = new Date(now.getTime() - j * 60_000);
          return {
            id: randomUUID(),
            reference: `BENCH-${siren}`,
            siren,
            tax: "TVA",
            nature: "question",
            subject: "Mesure",
            status: "received",
            service_code: service.code,
            author_space_id: spaceId,
            received_at: at,
            last_activity_at: at,
          };
        }),
      )
      .execute();
    await sql`UPDATE company_activity SET unread = 1 + (abs(hashtext(siren)) % 3) WHERE siren = ANY (${slice}::char(9)[]) AND tax = 'TVA'`.execute(deps.db);
  }
  await sql`ANALYZE rights`.execute(deps.db);
  await sql`ANALYZE portfolio_entries`.execute(deps.db);
  return { spaceId, sirens };
}

/** The name searches measured: words of names, prefixes of words, a number (i: the iteration). */
export function nameQuery(i: number, companies: number): string {
  const n = (i * 37) % companies;
  return ["pharmacie lef lilas", "garage dupont gare", "brass garc", `${portfolioName(n).split(" ").slice(0, 2).join(" ").toLowerCase()} ${n}`][i % 4]!;
}

/**
 * The gate for a person holding rights on `companies` companies (an accounting firm's portfolio): `can()` and
 * the pages of « mes entreprises », against a primary-key SELECT through the same pool.
 */
export async function benchRights(deps: Parameters<typeof makeActiveSpace>[0], companies = 5_000, email = "portefeuille@gestion.com") {
  const { spaceId, sirens } = await seedPortfolioSpace(deps, companies, email);
  const baseline = await timeEach(2_000, () => deps.db.selectFrom("spaces").select("id").where("id", "=", spaceId).executeTakeFirst());
  const gate = await timeEach(2_000, (i) =>
    can(deps.db, { spaceId, siren: sirens[(i * 7919) % sirens.length]!, service: "messagerie", tax: i % 2 ? "TVA" : "IS" }, systemClock.now()),
  );
  const page = (options: Partial<Parameters<typeof pagePortfolio>[3]>) =>
    pagePortfolio(deps.db, spaceId, systemClock.now(), { filters: {}, sort: "name", limit: 50, ...options });
  const firstPage = await timeEach(300, () => page({}));
  // A page deep in the cursor: the cursors of pages spread over the whole portfolio, walked once.
  const cursors: string[] = [];
  for (let cursor: string | null = null, n = 0; n < Math.min(200, companies / 50); n++) {
    const p: Awaited<ReturnType<typeof page>> = await page(cursor ? { cursor } : {});
    if (!p.nextCursor) break;
    cursors.push((cursor = p.nextCursor));
  }
  const deepPage = await timeEach(300, (i) => page({ cursor: cursors[cursors.length - 1 - (i % Math.max(1, Math.floor(cursors.length / 4)))]! }));
  const nameSearch = await timeEach(300, (i) => page({ filters: { q: nameQuery(i, companies) } }));
  const filteredPage = await timeEach(300, (i) => page({ filters: { hasUnread: true }, sort: i % 2 ? "unread" : "name" }));
  const byActivity = await timeEach(100, () => page({ sort: "lastActivity" }));
  return { companies, baseline, gate, firstPage, deepPage, nameSearch, filteredPage, byActivity };
}
