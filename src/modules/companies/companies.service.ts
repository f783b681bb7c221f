import type { Executor } from "../../platform/db/database.js";
import { departmentOf } from "./companies.identifiers.js";
import * as repo from "./companies.repository.js";

export type CompanySummary = { siren: string; name: string; isActive: boolean };

/** A company of the reference data, or undefined. */
export async function getCompany(db: Executor, siren: string): Promise<CompanySummary | undefined> {
  const c = await repo.findCompany(db, siren);
  return c ? { siren: c.siren, name: c.name, isActive: c.is_active } : undefined;
}

/** The SIE competent for the company's head-office commune (product §11), or undefined. */
export async function findManagingSie(db: Executor, siren: string): Promise<{ code: string; name: string } | undefined> {
  const head = await repo.findHeadOffice(db, siren);
  if (!head?.commune_code) return undefined;
  const service = await repo.findCompetentService(db, "SIE", head.commune_code, departmentOf(head.commune_code));
  return service ? { code: service.code, name: service.name } : undefined;
}

/** The registered address: the head-office establishment of the reference data, never anything typed by a user. */
export type RegisteredAddress = {
  complement: string | null;
  streetNumber: string | null;
  repetition: string | null;
  streetType: string | null;
  streetName: string | null;
  specialDistribution: string | null;
  postalCode: string | null;
  communeName: string | null;
  communeCode: string | null;
  cedexCode: string | null;
  cedexName: string | null;
  foreignCommune: string | null;
  foreignCountry: string | null;
};

export type CompanyDetails = CompanySummary & {
  acronym: string | null;
  legalRepresentative: { firstName: string | null; lastName: string } | null;
  address: RegisteredAddress | null;
};

function toAddress(e: NonNullable<Awaited<ReturnType<typeof repo.findHeadOffice>>>): RegisteredAddress {
  return {
    complement: e.address_complement,
    streetNumber: e.street_number,
    repetition: e.street_repetition,
    streetType: e.street_type,
    streetName: e.street_name,
    specialDistribution: e.special_distribution,
    postalCode: e.postal_code,
    communeName: e.commune_name,
    communeCode: e.commune_code,
    cedexCode: e.cedex_code,
    cedexName: e.cedex_name,
    foreignCommune: e.foreign_commune_name,
    foreignCountry: e.foreign_country_name,
  };
}

/** A company with its registered address and legal representative, or undefined. */
export async function getCompanyDetails(db: Executor, siren: string): Promise<CompanyDetails | undefined> {
  const c = await repo.findCompany(db, siren);
  if (!c) return undefined;
  const head = await repo.findHeadOffice(db, siren);
  return {
    siren: c.siren,
    name: c.name,
    isActive: c.is_active,
    acronym: c.acronym,
    legalRepresentative: c.legal_rep_last_name ? { firstName: c.legal_rep_first_name, lastName: c.legal_rep_last_name } : null,
    address: head ? toAddress(head) : null,
  };
}

/** Several companies at once, with a one-line address (lists). */
export async function getCompanies(db: Executor, sirens: string[]): Promise<Map<string, CompanySummary & { addressLine: string | null }>> {
  if (sirens.length === 0) return new Map();
  const rows = await repo.findCompaniesWithHeadOffice(db, sirens);
  return new Map(
    rows.map((r) => [
      r.siren,
      {
        siren: r.siren,
        name: r.name,
        isActive: r.is_active,
        addressLine:
          [
            [r.street_number, r.street_repetition, r.street_type, r.street_name].filter(Boolean).join(" "),
            [r.postal_code, r.commune_name].filter(Boolean).join(" "),
          ]
            .filter(Boolean)
            .join(", ") || null,
      },
    ]),
  );
}

/** The service of a type (SIE, CDIF…) competent for a commune, a commune beating its department. */
export async function findCompetentServiceOfType(db: Executor, type: "SIE" | "SIP" | "CDIF" | "PCE" | "CC", communeCode: string, departmentCode: string) {
  const s = await repo.findCompetentService(db, type, communeCode, departmentCode);
  return s ? { code: s.code, name: s.name } : undefined;
}

export async function taxServiceExists(db: Executor, code: string): Promise<boolean> {
  return (await repo.findTaxService(db, code)) !== undefined;
}

export const countCompanies = repo.countCompanies;
export const upsertCompanies = repo.upsertCompanies;
export const upsertEstablishments = repo.upsertEstablishments;
export const upsertTaxService = repo.upsertTaxService;
export const setLegalRepresentatives = repo.setLegalRepresentatives;

/** The services territorially competent for a company (its head-office commune or department), any type. */
export async function servicesCompetentFor(db: Executor, siren: string): Promise<string[]> {
  const head = await repo.findHeadOffice(db, siren);
  if (!head?.commune_code) return [];
  return (await repo.servicesCoveringArea(db, head.commune_code, departmentOf(head.commune_code))).map((s) => s.code);
}

/** Every tax service (e.g. the targets of a transfer). */
export async function listTaxServices(db: Executor) {
  return repo.listTaxServices(db);
}

/** A company as a mailing needs it: name, whether it is active, registered address, legal representative, commune. */
export type MailingCompany = CompanyDetails & { communeCode: string | null };

/** Several companies with their registered address, in one query (campaigns). */
export async function getCompaniesForMailing(db: Executor, sirens: string[]): Promise<Map<string, MailingCompany>> {
  const out = new Map<string, MailingCompany>();
  if (sirens.length === 0) return out;
  for (const r of await repo.findCompaniesWithAddress(db, sirens)) {
    if (out.has(r.siren)) continue;
    out.set(r.siren, {
      siren: r.siren,
      name: r.name,
      isActive: r.company_active,
      acronym: null,
      legalRepresentative: r.legal_rep_last_name ? { firstName: r.legal_rep_first_name, lastName: r.legal_rep_last_name } : null,
      address: r.siret ? toAddress(r as NonNullable<Awaited<ReturnType<typeof repo.findHeadOffice>>>) : null,
      communeCode: r.commune_code ?? null,
    });
  }
  return out;
}

/**
 * Whether a service is territorially competent for a commune: a service covers the communes and departments it
 * lists (product §9). Read once per service; answers a test on a commune code.
 */
export async function competenceOf(db: Executor, serviceCode: string): Promise<(communeCode: string | null) => boolean> {
  const areas = new Set(await repo.competenceAreasOf(db, serviceCode));
  return (commune) => commune !== null && (areas.has(commune) || areas.has(departmentOf(commune)));
}

/** The companies of the given services' competence matching a search (SIREN prefix or part of the name), paginated. */
export async function searchCompaniesOfServices(db: Executor, serviceCodes: string[], q: string, afterSiren: string | undefined, limit: number) {
  const areas = [...new Set((await Promise.all(serviceCodes.map((s) => repo.competenceAreasOf(db, s)))).flat())];
  const rows = await repo.searchCompaniesInAreas(db, areas, q, afterSiren, limit + 1);
  const page = rows.slice(0, limit);
  return {
    items: page.map((r) => ({ siren: r.siren, name: r.name, place: [r.postal_code, r.commune_name].filter(Boolean).join(" ") || null })),
    next: rows.length > limit ? page[page.length - 1]!.siren : null,
  };
}
