import { createReadStream, statSync } from "node:fs";
import { pipeline } from "node:stream/promises";
import { parse } from "csv-parse";
import type { Executor } from "../../platform/db/database.js";
import type { NewRow } from "../../platform/db/schema.js";
import { DomainError } from "../../platform/errors.js";
import { isValidSiren, isValidSiret } from "./companies.identifiers.js";
import * as repo from "./companies.repository.js";

/** A row that could not be imported, with its line number in the file (the header is line 1). */
export type RejectedRow = { line: number; reason: string };

export type ImportReport = { file: string; imported: number; rejected: number; rejections: RejectedRow[] };

export type ImportProgress = (bytesRead: number, totalBytes: number, rows: number) => void;

/** At most this many rejections are kept in the report (all are counted). */
const MAX_REPORTED = 1_000;

type CsvRecord = Record<string, string>;

/**
 * Streams a CSV file with a header line, matching columns by name (unknown columns are ignored, a missing
 * required column is an error naming it), and hands rows to `flush` in batches.
 */
async function streamCsv(
  file: string,
  required: readonly string[],
  batchSize: number,
  toRow: (record: CsvRecord) => { ok: true } | { ok: false; reason: string },
  flush: (records: CsvRecord[]) => Promise<void>,
  onProgress?: ImportProgress,
): Promise<ImportReport> {
  let total: number;
  try {
    total = statSync(file).size;
  } catch {
    throw new DomainError("invalid", "file_not_found", `Fichier introuvable : ${file}`);
  }
  const input = createReadStream(file);
  // Records come as arrays (much cheaper than one object of 35 keys per row); only the columns used are picked.
  const parser = parse({ relax_column_count: true, skip_empty_lines: true, info: true, bom: true });
  // A read error of the file reaches the parser, and so the loop below: never an 'error' event nobody listens to.
  pipeline(input, parser).catch(() => undefined);
  let columns: { name: string; index: number }[] | undefined;
  const pick = (values: string[]): CsvRecord => {
    const record: CsvRecord = {};
    for (const c of columns!) record[c.name] = values[c.index] ?? "";
    return record;
  };
  const readHeader = (values: string[]) => {
    const header = values.map((h) => h.replace(/^\uFEFF/, "").trim());
    const missing = required.filter((c) => !header.includes(c));
    if (missing.length > 0) {
      throw new DomainError("invalid", "missing_columns", `Colonnes obligatoires absentes de ${file} : ${missing.join(", ")}`);
    }
    columns = required.map((name) => ({ name, index: header.indexOf(name) }));
  };
  const report: ImportReport = { file, imported: 0, rejected: 0, rejections: [] };
  let batch: CsvRecord[] = [];
  let rows = 0;
  // One batch is written while the next one is parsed: the database and the parser work side by side.
  let inFlight: Promise<void> | undefined;
  const write = async (records: CsvRecord[]) => {
    await inFlight;
    const p = flush(records).then(() => {
      report.imported += records.length;
    });
    p.catch(() => {});
    inFlight = p;
  };
  try {
    for await (const { record: values, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!columns) {
        readHeader(values);
        continue;
      }
      rows++;
      const record = pick(values);
      const verdict = toRow(record);
      if (!verdict.ok) {
        report.rejected++;
        if (report.rejections.length < MAX_REPORTED) report.rejections.push({ line: info.lines, reason: verdict.reason });
        continue;
      }
      batch.push(record);
      if (batch.length >= batchSize) {
        await write(batch);
        batch = [];
        onProgress?.(input.bytesRead, total, rows);
      }
    }
  } catch (error) {
    await inFlight?.catch(() => {});
    if (error instanceof DomainError) throw error;
    const e = error as { code?: string; lines?: number; message?: string };
    if (e.code?.startsWith("CSV_")) {
      throw new DomainError("invalid", "malformed_csv", `CSV illisible dans ${file} vers la ligne ${e.lines ?? "?"} : ${e.message}`);
    }
    throw error;
  }
  if (!columns) throw new DomainError("invalid", "empty_file", `Le fichier ${file} est vide : il n'a pas même de ligne d'en-tête.`);
  await write(batch);
  await inFlight;
  onProgress?.(total, total, rows);
  return report;
}

const nullIfEmpty = (s: string | undefined) => (s === undefined || s.trim() === "" ? null : s.trim());

/** Columns of StockUniteLegale the product needs (formats.md). */
export const UNITE_LEGALE_COLUMNS = [
  "siren",
  "statutDiffusionUniteLegale",
  "sigleUniteLegale",
  "prenom1UniteLegale",
  "prenomUsuelUniteLegale",
  "etatAdministratifUniteLegale",
  "nomUniteLegale",
  "nomUsageUniteLegale",
  "denominationUniteLegale",
  "categorieJuridiqueUniteLegale",
  "nicSiegeUniteLegale",
] as const;

/** Name of a legal unit: its denomination, or for an individual entrepreneur first name then (usage) name. */
export function legalUnitName(r: CsvRecord): string | null {
  const denomination = nullIfEmpty(r.denominationUniteLegale);
  if (denomination) return denomination;
  const first = nullIfEmpty(r.prenomUsuelUniteLegale) ?? nullIfEmpty(r.prenom1UniteLegale);
  const last = nullIfEmpty(r.nomUsageUniteLegale) ?? nullIfEmpty(r.nomUniteLegale);
  const name = [first, last].filter(Boolean).join(" ");
  return name || null;
}

function checkUnite(r: CsvRecord): { ok: true } | { ok: false; reason: string } {
  const siren = r.siren ?? "";
  if (!/^\d{9}$/.test(siren)) return { ok: false, reason: `SIREN mal formé « ${siren} »` };
  if (!isValidSiren(siren)) return { ok: false, reason: `clé de contrôle du SIREN ${siren} invalide` };
  if (!legalUnitName(r)) return { ok: false, reason: `SIREN ${siren} sans dénomination ni nom` };
  const state = r.etatAdministratifUniteLegale;
  if (state !== "A" && state !== "C") return { ok: false, reason: `état administratif inconnu « ${state} » (SIREN ${siren})` };
  const nic = nullIfEmpty(r.nicSiegeUniteLegale);
  if (nic && !/^\d{5}$/.test(nic)) return { ok: false, reason: `NIC du siège mal formé « ${nic} » (SIREN ${siren})` };
  return { ok: true };
}

/** Imports (or updates in place) legal units from a StockUniteLegale CSV file. */
export async function importUnitesLegales(db: Executor, file: string, now: Date, onProgress?: ImportProgress): Promise<ImportReport> {
  return streamCsv(
    file,
    UNITE_LEGALE_COLUMNS,
    2_000,
    checkUnite,
    async (records) => {
      const rows: NewRow<"companies">[] = records.map((r) => ({
        siren: r.siren!,
        name: legalUnitName(r)!,
        acronym: nullIfEmpty(r.sigleUniteLegale),
        legal_form: nullIfEmpty(r.categorieJuridiqueUniteLegale),
        is_active: r.etatAdministratifUniteLegale === "A",
        diffusion: nullIfEmpty(r.statutDiffusionUniteLegale) ?? "O",
        head_office_nic: nullIfEmpty(r.nicSiegeUniteLegale),
        legal_rep_first_name: null,
        legal_rep_last_name: null,
        updated_at: now,
      }));
      // A file may list a SIREN twice; the last line wins, as a re-import would.
      const unique = [...new Map(rows.map((row) => [row.siren, row])).values()];
      await repo.upsertCompanies(db, unique);
    },
    onProgress,
  );
}

/** Columns of StockEtablissement the product needs (formats.md). */
export const ETABLISSEMENT_COLUMNS = [
  "siren",
  "nic",
  "siret",
  "etablissementSiege",
  "etatAdministratifEtablissement",
  "complementAdresseEtablissement",
  "numeroVoieEtablissement",
  "indiceRepetitionEtablissement",
  "typeVoieEtablissement",
  "libelleVoieEtablissement",
  "distributionSpecialeEtablissement",
  "codePostalEtablissement",
  "libelleCommuneEtablissement",
  "codeCedexEtablissement",
  "libelleCedexEtablissement",
  "codeCommuneEtablissement",
  "codePaysEtrangerEtablissement",
  "libellePaysEtrangerEtablissement",
  "libelleCommuneEtrangerEtablissement",
] as const;

function checkEtablissement(r: CsvRecord): { ok: true } | { ok: false; reason: string } {
  const siret = r.siret ?? "";
  if (!/^\d{14}$/.test(siret)) return { ok: false, reason: `SIRET mal formé « ${siret} »` };
  if (siret !== `${r.siren}${r.nic}`) return { ok: false, reason: `SIRET ${siret} différent de SIREN + NIC` };
  if (!isValidSiret(siret)) return { ok: false, reason: `clé de contrôle du SIRET ${siret} invalide` };
  const state = r.etatAdministratifEtablissement;
  if (state !== "A" && state !== "F") return { ok: false, reason: `état administratif inconnu « ${state} » (SIRET ${siret})` };
  if (r.etablissementSiege !== "true" && r.etablissementSiege !== "false") {
    return { ok: false, reason: `etablissementSiege doit valoir true ou false (SIRET ${siret})` };
  }
  const commune = nullIfEmpty(r.codeCommuneEtablissement);
  if (commune && !/^[0-9][0-9AB][0-9]{3}$/.test(commune)) return { ok: false, reason: `code commune mal formé « ${commune} » (SIRET ${siret})` };
  return { ok: true };
}

/** Imports (or updates in place) establishments from a StockEtablissement CSV file. */
export async function importEtablissements(db: Executor, file: string, now: Date, onProgress?: ImportProgress): Promise<ImportReport> {
  return streamCsv(
    file,
    ETABLISSEMENT_COLUMNS,
    2_000,
    checkEtablissement,
    async (records) => {
      const rows: NewRow<"establishments">[] = records.map((r) => ({
        siret: r.siret!,
        siren: r.siren!,
        nic: r.nic!,
        is_head_office: r.etablissementSiege === "true",
        is_active: r.etatAdministratifEtablissement === "A",
        address_complement: nullIfEmpty(r.complementAdresseEtablissement),
        street_number: nullIfEmpty(r.numeroVoieEtablissement),
        street_repetition: nullIfEmpty(r.indiceRepetitionEtablissement),
        street_type: nullIfEmpty(r.typeVoieEtablissement),
        street_name: nullIfEmpty(r.libelleVoieEtablissement),
        special_distribution: nullIfEmpty(r.distributionSpecialeEtablissement),
        postal_code: nullIfEmpty(r.codePostalEtablissement),
        commune_name: nullIfEmpty(r.libelleCommuneEtablissement),
        commune_code: nullIfEmpty(r.codeCommuneEtablissement),
        cedex_code: nullIfEmpty(r.codeCedexEtablissement),
        cedex_name: nullIfEmpty(r.libelleCedexEtablissement),
        foreign_country_code: nullIfEmpty(r.codePaysEtrangerEtablissement),
        foreign_country_name: nullIfEmpty(r.libellePaysEtrangerEtablissement),
        foreign_commune_name: nullIfEmpty(r.libelleCommuneEtrangerEtablissement),
        updated_at: now,
      }));
      const unique = [...new Map(rows.map((row) => [row.siret, row])).values()];
      await repo.upsertEstablishments(db, unique);
    },
    onProgress,
  );
}

const SERVICE_TYPES = ["SIE", "SIP", "CDIF", "PCE", "CC"] as const;
export const TAX_SERVICE_COLUMNS = ["code", "type", "name", "address", "postalCode", "city", "competence"] as const;

function checkService(r: CsvRecord): { ok: true } | { ok: false; reason: string } {
  if (!/^[A-Z0-9][A-Z0-9-]{1,39}$/.test(r.code ?? "")) return { ok: false, reason: `code de service mal formé « ${r.code} »` };
  if (!SERVICE_TYPES.includes(r.type as (typeof SERVICE_TYPES)[number])) {
    return { ok: false, reason: `type « ${r.type} » inconnu (attendu : ${SERVICE_TYPES.join(", ")})` };
  }
  for (const field of ["name", "address", "postalCode", "city"] as const) {
    if (!nullIfEmpty(r[field])) return { ok: false, reason: `champ ${field} vide (service ${r.code})` };
  }
  const areas = (r.competence ?? "")
    .split(";")
    .map((a) => a.trim())
    .filter(Boolean);
  const bad = areas.find((a) => !/^([0-9][0-9AB][0-9]{3}|[0-9][0-9AB]|9[78][0-9])$/.test(a));
  if (bad) return { ok: false, reason: `code de commune ou de département invalide « ${bad} » (service ${r.code})` };
  return { ok: true };
}

/** Imports (or updates in place) tax services and their territorial competence (product §11). */
export async function importTaxServices(db: Executor, file: string, now: Date): Promise<ImportReport> {
  return streamCsv(file, TAX_SERVICE_COLUMNS, 200, checkService, async (records) => {
    for (const r of records) {
      await repo.upsertTaxService(
        db,
        {
          code: r.code!,
          type: r.type as (typeof SERVICE_TYPES)[number],
          name: r.name!.trim(),
          address: r.address!.trim(),
          postalCode: r.postalCode!.trim(),
          city: r.city!.trim(),
          competence: (r.competence ?? "")
            .split(";")
            .map((a) => a.trim())
            .filter(Boolean),
        },
        now,
      );
    }
  });
}

/** Imports legal representatives' names (`siren,firstName,lastName`). */
export async function importLegalRepresentatives(db: Executor, file: string): Promise<ImportReport> {
  return streamCsv(
    file,
    ["siren", "firstName", "lastName"],
    500,
    (r) => (isValidSiren(r.siren ?? "") && nullIfEmpty(r.lastName) ? { ok: true } : { ok: false, reason: `SIREN invalide ou nom vide (« ${r.siren} »)` }),
    async (records) => {
      await repo.setLegalRepresentatives(
        db,
        records.map((r) => ({ siren: r.siren!, firstName: (r.firstName ?? "").trim(), lastName: r.lastName!.trim() })),
      );
    },
  );
}
