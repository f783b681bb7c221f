import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { DB } from "../../platform/db/schema.js";
import type { Tx } from "../../platform/db/database.js";
import type { Clock } from "../../platform/clock.js";
import { DomainError } from "../../platform/errors.js";
import { getCompanies } from "../companies/index.js";
import { getSpaces } from "../spaces/index.js";
import { companyEmailsOf, orderedServices, serviceLabel, type RightsPort } from "../adhesions/index.js";
import { newRightMail, queueMail } from "../mail/index.js";
import * as repo from "./rights.repository.js";
import { type HeldRight } from "./rights.policy.js";
import { sortRights, type MyRight } from "./rights.views.js";

export type RightsDeps = {
  db: Kysely<DB>;
  clock: Clock;
  /** How a team right names its team in « qui agit pour mon entreprise » (the teams module; absent: not named). */
  teamNames?: (db: Kysely<DB>, teamIds: string[]) => Promise<Map<string, { name: string; firmName: string }>>;
};

/** Tells the company e-mail address about a new right (product §7), in the transaction that creates it. */
export async function notifyNewRight(
  tx: Tx,
  at: Date,
  p: { siren: string; spaceId: string; role: string; services: string[]; taxScope: string[] | null; grantedBy: string | null; validUntil: Date | null },
): Promise<void> {
  const email = (await companyEmailsOf(tx, [p.siren])).get(p.siren);
  if (!email) return;
  const company = (await getCompanies(tx, [p.siren])).get(p.siren);
  const [person] = await getSpaces(tx, [p.spaceId]);
  await queueMail(
    tx,
    at,
    newRightMail({
      to: email,
      companyName: company?.name ?? p.siren,
      siren: p.siren,
      person: person ? `${person.first_name} ${person.last_name}` : "Une personne",
      personEmail: person?.connection_email ?? "",
      role: p.role,
      services: orderedServices(p.services).map(serviceLabel),
      taxScope: p.taxScope,
      grantedBy: p.grantedBy,
      validUntil: p.validUntil,
    }),
  );
}

/** The implementation of the adhesions' port: activated adhesions make administrators. */
export const adhesionRightsPort: RightsPort = {
  async grantAdministrator(tx, g) {
    await notifyNewRight(tx, g.at, {
      siren: g.siren,
      spaceId: g.spaceId,
      role: "administrator",
      services: g.services,
      taxScope: null,
      grantedBy: null,
      validUntil: null,
    });
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
  administersAny: (db, spaceId, siren, at) => repo.holdsRole(db, spaceId, siren, undefined, "administrator", at),
  liveRightsOn: (db, spaceId, siren, at) => repo.liveRightsOf(db, spaceId, at, siren),
  sirensHeld: async (db, spaceId, sirens, at) => new Set(sirens.length ? (await repo.liveRightsIn(db, spaceId, at, sirens)).map((r) => r.siren) : []),
};

export type { MyRight };
export type MyCompany = { siren: string; name: string; address: string | null; companyEmail: string | null; myRights: MyRight[] };

async function listMyCompaniesIn(deps: RightsDeps, spaceId: string, sirens: string[]): Promise<MyCompany[]> {
  const rights = await repo.liveRightsIn(deps.db, spaceId, deps.clock.now(), sirens);
  const companies = await getCompanies(deps.db, sirens);
  const emails = await companyEmailsOf(deps.db, sirens);
  return sirens.map((s) => ({
    siren: s,
    name: companies.get(s)?.name ?? s,
    address: companies.get(s)?.addressLine ?? null,
    companyEmail: emails.get(s) ?? null,
    myRights: sortRights(rights.filter((r) => r.siren === s)),
  }));
}

/** One of the person's companies; any other SIREN answers 404 (existence does not leak). */
export async function getMyCompany(deps: RightsDeps, spaceId: string, siren: string): Promise<MyCompany> {
  const [company] = await listMyCompaniesIn(deps, spaceId, [siren]);
  if (!company || company.myRights.length === 0) throw new DomainError("not_found", "not_found", "Entreprise introuvable.");
  return company;
}

// The gate ---------------------------------------------------------------------------------------------------

/**
 * The single gate every module uses: may this person use this service of this company (for this tax) now?
 * Read fresh from the database on every call: a revoked or suspended right stops on the very next request.
 */
export async function can(db: Kysely<DB> | Tx, q: { spaceId: string; siren: string; service: string; tax?: string }, at: Date): Promise<boolean> {
  return repo.liveRightFor(db, q.spaceId, q.siren, q.service, at, q.tax);
}

export function held(rows: Awaited<ReturnType<typeof repo.rightsOf>>): HeldRight[] {
  return rows.map((r) => ({
    id: r.id,
    service: r.service,
    role: r.role,
    taxScope: r.tax_scope,
    state: r.state,
    validFrom: r.valid_from,
    validUntil: r.valid_until,
  }));
}
