import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { DB } from "../../platform/db/schema.js";
import type { Clock } from "../../platform/clock.js";
import { DomainError } from "../../platform/errors.js";
import { getCompanies } from "../companies/index.js";
import { companyEmailsOf, orderedServices, SERVICE_CODES, type RightsPort, type ServiceCode } from "../adhesions/index.js";
import * as repo from "./rights.repository.js";

export type RightsDeps = { db: Kysely<DB>; clock: Clock };

/** The implementation of the adhesions' port: activated adhesions make administrators. */
export const adhesionRightsPort: RightsPort = {
  async grantAdministrator(tx, g) {
    await repo.insertRights(
      tx,
      orderedServices(g.services).map((service) => ({
        id: randomUUID(),
        space_id: g.spaceId,
        siren: g.siren,
        service,
        role: "administrator" as const,
        tax_scope: null,
        state: "active" as const,
        valid_from: g.at,
        valid_until: null,
        adhesion_id: g.adhesionId,
        granted_by_right: null,
        granted_by_space: null,
        created_at: g.at,
        revoked_at: null,
      })),
    );
  },
  revokeFromAdhesion: (tx, adhesionId, at) => repo.revokeFromAdhesion(tx, adhesionId, at),
  holdsAnyRight: (db, spaceId, siren, at) => repo.holdsAny(db, spaceId, siren, at),
  isAdministrator: (db, spaceId, siren, service, at) => repo.holdsRole(db, spaceId, siren, service, "administrator", at),
};

export type MyRight = { service: string; role: string; taxScope: string[] | null; state: string; validUntil: Date | null };
export type MyCompany = { siren: string; name: string; address: string | null; companyEmail: string | null; myRights: MyRight[] };

/** The companies where the person holds a live right, with those rights (« mes entreprises »). */
export async function listMyCompanies(deps: RightsDeps, spaceId: string, siren?: string): Promise<MyCompany[]> {
  const rights = await repo.liveRightsOf(deps.db, spaceId, deps.clock.now(), siren);
  const sirens = [...new Set(rights.map((r) => r.siren))];
  const companies = await getCompanies(deps.db, sirens);
  const emails = await companyEmailsOf(deps.db, sirens);
  return sirens
    .map((s) => ({
      siren: s,
      name: companies.get(s)?.name ?? s,
      address: companies.get(s)?.addressLine ?? null,
      companyEmail: emails.get(s) ?? null,
      myRights: rights
        .filter((r) => r.siren === s)
        .sort((a, b) => SERVICE_CODES.indexOf(a.service as ServiceCode) - SERVICE_CODES.indexOf(b.service as ServiceCode))
        .map((r) => ({ service: r.service, role: r.role, taxScope: r.tax_scope, state: r.state, validUntil: r.valid_until })),
    }))
    .sort((a, b) => a.name.localeCompare(b.name, "fr"));
}

/** One of the person's companies; any other SIREN answers 404 (existence does not leak). */
export async function getMyCompany(deps: RightsDeps, spaceId: string, siren: string): Promise<MyCompany> {
  const [company] = await listMyCompanies(deps, spaceId, siren);
  if (!company) throw new DomainError("not_found", "not_found", "Entreprise introuvable.");
  return company;
}
