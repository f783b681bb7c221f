import { tempDir } from "./helpers/temp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Database } from "../src/platform/db/database.js";
import { findManagingSie, importEtablissements, importTaxServices, importUnitesLegales } from "../src/modules/companies/index.js";
import { DomainError } from "../src/platform/errors.js";
import { openMigratedTestDatabase } from "./helpers/db.js";

const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;
const now = new Date("2026-11-28T09:00:00Z");
let database: Database;
beforeAll(async () => {
  database = await openMigratedTestDatabase();
});
afterAll(async () => database.close());

describe("SIRENE stock import", () => {
  it("imports legal units by column name and reports each bad row with its line", async () => {
    const report = await importUnitesLegales(database.db, join(FIXTURES, "StockUniteLegale_utf8.csv"), now);
    expect(report.imported).toBe(4);
    expect(report.rejections).toEqual([
      { line: 6, reason: expect.stringContaining("clé de contrôle du SIREN 812345677") },
      { line: 7, reason: expect.stringContaining("SIREN mal formé") },
      { line: 8, reason: expect.stringContaining("sans dénomination") },
    ]);
    const rows = await database.db.selectFrom("companies").selectAll().orderBy("siren").execute();
    expect(rows.map((r) => [r.siren, r.name, r.is_active])).toEqual([
      ["552100554", "Jeannot DURAND-MARTIN", true],
      ["798612347", "CONCURRENCE SARL", false],
      ["812345676", "MARTIN DISTRIBUTION", true],
      ["845123900", "CABINET GESTION, EXPERTS", true],
    ]);
    expect(rows.find((r) => r.siren === "845123900")).toMatchObject({ acronym: "CG", legal_form: "5710", head_office_nic: "00012" });
  });

  it("imports establishments, keeps CEDEX and foreign addresses, rejects bad SIRETs", async () => {
    const report = await importEtablissements(database.db, join(FIXTURES, "StockEtablissement_utf8.csv"), now);
    expect(report.imported).toBe(4);
    expect(report.rejections.map((r) => r.line)).toEqual([6, 7]);
    expect(report.rejections[0]!.reason).toContain("clé de contrôle du SIRET");
    expect(report.rejections[1]!.reason).toContain("etablissementSiege");
    const gestion = await database.db.selectFrom("establishments").selectAll().where("siret", "=", "84512390000019").executeTakeFirstOrThrow();
    expect(gestion).toMatchObject({
      is_head_office: true,
      special_distribution: "BP 1234",
      cedex_code: "69286",
      cedex_name: "LYON CEDEX 02",
      commune_code: "69382",
    });
    const abroad = await database.db.selectFrom("establishments").selectAll().where("siren", "=", "798612347").executeTakeFirstOrThrow();
    expect(abroad).toMatchObject({ foreign_country_name: "BELGIQUE", foreign_commune_name: "BRUXELLES" });
  });

  it("updates in place when the same file is imported again", async () => {
    const dir = tempDir("sirene");
    const file = join(dir, "u.csv");
    writeFileSync(
      file,
      "siren,denominationUniteLegale,etatAdministratifUniteLegale,nicSiegeUniteLegale,statutDiffusionUniteLegale,sigleUniteLegale,prenom1UniteLegale,prenomUsuelUniteLegale,nomUniteLegale,nomUsageUniteLegale,categorieJuridiqueUniteLegale,colonneFuture\n812345676,MARTIN DISTRIBUTION SAS,C,00017,O,,,,,,5710,x\n",
    );
    const report = await importUnitesLegales(database.db, file, now);
    expect(report).toMatchObject({ imported: 1, rejected: 0 });
    const row = await database.db.selectFrom("companies").selectAll().where("siren", "=", "812345676").executeTakeFirstOrThrow();
    expect(row).toMatchObject({ name: "MARTIN DISTRIBUTION SAS", is_active: false, legal_form: "5710" });
    expect(await database.db.selectFrom("companies").select("siren").execute()).toHaveLength(4);
  });

  it("names the missing required columns", async () => {
    const dir = tempDir("sirene");
    const file = join(dir, "u.csv");
    writeFileSync(file, "siren,denominationUniteLegale\n812345676,X\n");
    const error = await importUnitesLegales(database.db, file, now).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as Error).message).toContain("etatAdministratifUniteLegale");
    expect((error as Error).message).toContain("nicSiegeUniteLegale");
    await expect(importUnitesLegales(database.db, join(dir, "absent.csv"), now)).rejects.toThrow(/introuvable/);
    // A file that cannot be read (here a folder): the import fails with the read error, the process goes on.
    await expect(importUnitesLegales(database.db, dir, now)).rejects.toThrow(/EISDIR/);
  });
});

describe("tax services and the managing SIE", () => {
  it("imports services and their competence, rejecting bad rows", async () => {
    const report = await importTaxServices(database.db, join(FIXTURES, "services.csv"), now);
    expect(report.imported).toBe(4);
    expect(report.rejections.map((r) => r.line)).toEqual([6, 7]);
    expect(report.rejections[0]!.reason).toContain("XYZ");
    expect(report.rejections[1]!.reason).toContain("ABC");
  });

  it("derives the SIE from the head-office commune; a commune beats a department", async () => {
    // Martin distribution was re-imported with head office NIC 00017 in Paris 11 (75111): the SIE listing 75111 wins over the department 75.
    expect(await findManagingSie(database.db, "812345676")).toEqual({ code: "SIE-75111", name: "SIE Paris 11e" });
    // Cabinet GESTION in Lyon (69382): only the department 69 matches.
    expect(await findManagingSie(database.db, "845123900")).toEqual({ code: "SIE-69381", name: "SIE Lyon 1er" });
    // A head office abroad has no commune code.
    expect(await findManagingSie(database.db, "798612347")).toBeUndefined();
  });
});
