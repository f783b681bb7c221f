import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type { DB } from "../src/platform/db/schema.js";
import { systemClock } from "../src/platform/clock.js";
import { upsertCompanies, withLuhnKey } from "../src/modules/companies/index.js";
import { can, pageMyCompanies } from "../src/modules/rights/index.js";
import { makeActiveSpace, makeCompany } from "../src/app/factories.js";
import type { FactoryDeps } from "../src/app/factories.js";
import { timeEach } from "./measure.js";


/**
 * The gate for a person holding rights on `companies` companies (an accounting firm's portfolio): `can()` and
 * the pages of « mes entreprises », against a primary-key SELECT through the same pool.
 */
export async function benchRights(deps: FactoryDeps, companies = 5_000) {
  await makeCompany(deps, { siren: "845123900", name: "CABINET GESTION", streetName: "BELLECOUR", postalCode: "69002", communeName: "LYON", communeCode: "69382" });
  const { spaceId } = await makeActiveSpace(deps, { email: "portefeuille@gestion.com", password: "Vingt-Trois-Lapins-Bleus", firstName: "Porte", lastName: "Feuille", siren: "845123900" });
  const now = new Date();
  const sirens = Array.from({ length: companies }, (_, i) => withLuhnKey(String(20_000_000 + i * 13)));
  for (let i = 0; i < sirens.length; i += 1000) {
    const slice = sirens.slice(i, i + 1000);
    await upsertCompanies(deps.db, slice.map((siren, j) => ({ siren, name: `CLIENT ${i + j}`, acronym: null, legal_form: "5710", is_active: true, diffusion: "O", head_office_nic: null, legal_rep_first_name: null, legal_rep_last_name: null, updated_at: now })));
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
  await sql`ANALYZE rights`.execute(deps.db);
  const baseline = await timeEach(2_000, () => deps.db.selectFrom("spaces").select("id").where("id", "=", spaceId).executeTakeFirst());
  const gate = await timeEach(2_000, (i) => can(deps.db, { spaceId, siren: sirens[(i * 7919) % sirens.length]!, service: "messagerie", tax: i % 2 ? "TVA" : "IS" }, systemClock.now()));
  const firstPage = await timeEach(200, () => pageMyCompanies({ db: deps.db, clock: systemClock }, spaceId, 50));
  const sorted = [...sirens].sort();
  const laterPage = await timeEach(200, (i) => pageMyCompanies({ db: deps.db, clock: systemClock }, spaceId, 50, sorted[(i * 97) % (sorted.length - 60)]));
  return { companies, baseline, gate, firstPage, laterPage };
}
