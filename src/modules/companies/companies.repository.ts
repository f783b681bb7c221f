import { sql } from "kysely";
import type { Executor } from "../../platform/db/database.js";
import type { NewRow } from "../../platform/db/schema.js";

/**
 * Inserts or updates companies in one statement: the rows travel as one array per column (`unnest`), which costs
 * a fraction of a multi-row VALUES list with a parameter per cell.
 */
export async function upsertCompanies(db: Executor, rows: NewRow<"companies">[]): Promise<void> {
  if (rows.length === 0) return;
  const col = <K extends keyof NewRow<"companies">>(k: K) => rows.map((r) => r[k] ?? null);
  await sql`
    INSERT INTO companies (siren, name, acronym, legal_form, is_active, diffusion, head_office_nic, updated_at)
    SELECT u.siren, u.name, u.acronym, u.legal_form, u.is_active, u.diffusion, u.head_office_nic, ${rows[0]!.updated_at ?? new Date()}
    FROM unnest(${col("siren")}::text[], ${col("name")}::text[], ${col("acronym")}::text[], ${col("legal_form")}::text[],
                ${col("is_active")}::boolean[], ${col("diffusion")}::text[], ${col("head_office_nic")}::text[])
      AS u(siren, name, acronym, legal_form, is_active, diffusion, head_office_nic)
    ON CONFLICT (siren) DO UPDATE SET
      name = excluded.name, acronym = excluded.acronym, legal_form = excluded.legal_form, is_active = excluded.is_active,
      diffusion = excluded.diffusion, head_office_nic = excluded.head_office_nic, updated_at = excluded.updated_at`.execute(db);
}

const ESTABLISHMENT_TEXT_COLUMNS = [
  "address_complement",
  "street_number",
  "street_repetition",
  "street_type",
  "street_name",
  "special_distribution",
  "postal_code",
  "commune_name",
  "commune_code",
  "cedex_code",
  "cedex_name",
  "foreign_country_code",
  "foreign_country_name",
  "foreign_commune_name",
] as const;

/** Inserts or updates establishments in one statement (one array per column, as for companies). */
export async function upsertEstablishments(db: Executor, rows: NewRow<"establishments">[]): Promise<void> {
  if (rows.length === 0) return;
  const col = <K extends keyof NewRow<"establishments">>(k: K) => rows.map((r) => r[k] ?? null);
  const names = sql.join(ESTABLISHMENT_TEXT_COLUMNS.map((c) => sql.ref(c)));
  const arrays = sql.join(ESTABLISHMENT_TEXT_COLUMNS.map((c) => sql`${col(c)}::text[]`));
  const updates = sql.join(ESTABLISHMENT_TEXT_COLUMNS.map((c) => sql`${sql.ref(c)} = excluded.${sql.ref(c)}`));
  await sql`
    INSERT INTO establishments (siret, siren, nic, is_head_office, is_active, ${names}, updated_at)
    SELECT u.*, ${rows[0]!.updated_at ?? new Date()}::timestamptz
    FROM unnest(${col("siret")}::text[], ${col("siren")}::text[], ${col("nic")}::text[], ${col("is_head_office")}::boolean[],
                ${col("is_active")}::boolean[], ${arrays}) AS u
    ON CONFLICT (siret) DO UPDATE SET
      siren = excluded.siren, nic = excluded.nic, is_head_office = excluded.is_head_office, is_active = excluded.is_active,
      ${updates}, updated_at = excluded.updated_at`.execute(db);
}

export async function setLegalRepresentatives(db: Executor, rows: { siren: string; firstName: string; lastName: string }[]): Promise<number> {
  let n = 0;
  for (const r of rows) {
    const res = await db
      .updateTable("companies")
      .set({ legal_rep_first_name: r.firstName, legal_rep_last_name: r.lastName })
      .where("siren", "=", r.siren)
      .executeTakeFirst();
    n += Number(res.numUpdatedRows);
  }
  return n;
}

export async function upsertTaxService(
  db: Executor,
  s: { code: string; type: "SIE" | "SIP" | "CDIF" | "PCE" | "CC"; name: string; address: string; postalCode: string; city: string; competence: string[] },
  now: Date,
): Promise<void> {
  await db
    .insertInto("tax_services")
    .values({ code: s.code, type: s.type, name: s.name, address: s.address, postal_code: s.postalCode, city: s.city, updated_at: now })
    .onConflict((oc) =>
      oc.column("code").doUpdateSet({ type: s.type, name: s.name, address: s.address, postal_code: s.postalCode, city: s.city, updated_at: now }),
    )
    .execute();
  await db.deleteFrom("tax_service_competences").where("service_code", "=", s.code).execute();
  if (s.competence.length > 0) {
    await db
      .insertInto("tax_service_competences")
      .values([...new Set(s.competence)].map((area) => ({ service_code: s.code, area_code: area })))
      .execute();
  }
}

export async function findTaxService(db: Executor, code: string) {
  return db.selectFrom("tax_services").selectAll().where("code", "=", code).executeTakeFirst();
}

export async function findCompany(db: Executor, siren: string) {
  return db.selectFrom("companies").selectAll().where("siren", "=", siren).executeTakeFirst();
}

export async function findHeadOffice(db: Executor, siren: string) {
  return db
    .selectFrom("establishments")
    .selectAll()
    .where("siren", "=", siren)
    .where("is_head_office", "=", true)
    .orderBy("is_active", "desc")
    .limit(1)
    .executeTakeFirst();
}

/**
 * The service of a given type competent for a commune: a service listing the commune itself beats one listing
 * its department.
 */
export async function findCompetentService(db: Executor, type: string, communeCode: string, departmentCode: string) {
  return db
    .selectFrom("tax_service_competences as c")
    .innerJoin("tax_services as s", "s.code", "c.service_code")
    .select(["s.code", "s.name", "s.type"])
    .where("s.type", "=", type as "SIE")
    .where("c.area_code", "in", [communeCode, departmentCode])
    .orderBy(sql`CASE WHEN c.area_code = ${communeCode} THEN 0 ELSE 1 END`)
    .orderBy("s.code")
    .limit(1)
    .executeTakeFirst();
}

export async function countCompanies(db: Executor): Promise<number> {
  const r = await db
    .selectFrom("companies")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Companies and their head-office address in one query (lists of up to thousands of companies). */
export async function findCompaniesWithHeadOffice(db: Executor, sirens: string[]) {
  return db
    .selectFrom("companies as c")
    .leftJoin("establishments as e", (join) => join.onRef("e.siren", "=", "c.siren").on("e.is_head_office", "=", true))
    .select(["c.siren", "c.name", "c.is_active", "e.street_number", "e.street_repetition", "e.street_type", "e.street_name", "e.postal_code", "e.commune_name"])
    .where("c.siren", "in", sirens)
    .execute();
}

/** Several companies with their whole head-office row (one each: the active one first). */
export async function findCompaniesWithAddress(db: Executor, sirens: string[]) {
  return db
    .selectFrom("companies as c")
    .leftJoin("establishments as e", (join) => join.onRef("e.siren", "=", "c.siren").on("e.is_head_office", "=", true))
    .selectAll("e")
    .select(["c.siren", "c.name", "c.is_active as company_active", "c.legal_rep_first_name", "c.legal_rep_last_name"])
    .where("c.siren", "in", sirens)
    .orderBy("c.siren")
    .orderBy("e.is_active", "desc")
    .execute();
}

/** The areas (communes, departments) a service is competent for. */
export async function competenceAreasOf(db: Executor, serviceCode: string): Promise<string[]> {
  return (await db.selectFrom("tax_service_competences").select("area_code").where("service_code", "=", serviceCode).execute()).map((r) => r.area_code);
}

/** Every service whose competence covers a commune (by commune or by department). */
export async function servicesCoveringArea(db: Executor, communeCode: string, departmentCode: string) {
  return db
    .selectFrom("tax_service_competences as c")
    .innerJoin("tax_services as s", "s.code", "c.service_code")
    .select(["s.code", "s.name", "s.type"])
    .distinct()
    .where("c.area_code", "in", [communeCode, departmentCode])
    .execute();
}

export async function listTaxServices(db: Executor) {
  return db.selectFrom("tax_services").select(["code", "name", "type"]).orderBy("type").orderBy("code").execute();
}

/**
 * Active companies whose head office lies in the given areas (communes or departments), by SIREN prefix or by
 * words of their name (each found, in any order), in SIREN order (keyset after `afterSiren`): the agent's pick of a company to write to.
 */
export async function searchCompaniesInAreas(db: Executor, areas: string[], q: string, afterSiren: string | undefined, limit: number) {
  if (areas.length === 0) return [];
  const term = q.trim();
  const digits = term.replace(/\s/g, "");
  let query = db
    .selectFrom("companies as c")
    .innerJoin("establishments as e", (join) => join.onRef("e.siren", "=", "c.siren").on("e.is_head_office", "=", true).on("e.is_active", "=", true))
    .select(["c.siren", "c.name", "e.postal_code", "e.commune_name"])
    .where("c.is_active", "=", true)
    .where(
      sql<boolean>`(e.commune_code = ANY(${areas}::text[]) OR (CASE WHEN e.commune_code ~ '^9[78]' THEN left(e.commune_code, 3) ELSE left(e.commune_code, 2) END) = ANY(${areas}::text[]))`,
    );
  if (/^\d{1,9}$/.test(digits)) query = query.where("c.siren", "like", `${digits}%`);
  else
    for (const word of term.split(/\s+/).filter(Boolean).slice(0, 8)) query = query.where("c.name", "ilike", `%${word.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`);
  if (afterSiren) query = query.where("c.siren", ">", afterSiren);
  return query.orderBy("c.siren").limit(limit).execute();
}
