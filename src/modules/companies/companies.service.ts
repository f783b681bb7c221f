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

export async function taxServiceExists(db: Executor, code: string): Promise<boolean> {
  return (await repo.findTaxService(db, code)) !== undefined;
}

export const countCompanies = repo.countCompanies;
export const upsertCompanies = repo.upsertCompanies;
export const upsertEstablishments = repo.upsertEstablishments;
export const upsertTaxService = repo.upsertTaxService;
export const setLegalRepresentatives = repo.setLegalRepresentatives;
