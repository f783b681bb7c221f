import { sql, type Kysely } from "kysely";
import type { DB } from "../platform/db/schema.js";
import type { Clock } from "../platform/clock.js";
import type { Sealer } from "../platform/crypto.js";
import { upsertCompanies, upsertEstablishments, upsertTaxService, setLegalRepresentatives, withLuhnKey } from "../modules/companies/index.js";
import { createSpace, verifySpaceEmail, type PasswordHasher } from "../modules/spaces/index.js";
import { createAgent } from "../modules/backoffice/index.js";
import {
  activateAdhesion,
  confirmCompanyEmail,
  createSimplifiedSpace,
  requestAdhesion,
  type AdhesionsDeps,
  type ServiceCode,
} from "../modules/adhesions/index.js";
import { listLetterViews } from "../modules/letters/index.js";
import { adhesionRightsPort } from "../modules/rights/index.js";

/**
 * Factories shared by the demo data set and the tests: they go through the modules' own use cases, so demo and
 * test data obey the same rules as real data.
 */
export type FactoryDeps = { db: Kysely<DB>; clock: Clock; hasher: PasswordHasher; sealer: Sealer };

export type TaxServiceSpec = {
  code: string;
  type: "SIE" | "SIP" | "CDIF" | "PCE" | "CC";
  name: string;
  address: string;
  postalCode: string;
  city: string;
  competence: string[];
};

export async function makeTaxService(deps: Pick<FactoryDeps, "db" | "clock">, spec: TaxServiceSpec): Promise<void> {
  await upsertTaxService(deps.db, spec, deps.clock.now());
}

export type CompanySpec = {
  siren: string;
  name: string;
  isActive?: boolean;
  legalForm?: string;
  streetNumber?: string;
  streetType?: string;
  streetName: string;
  postalCode: string;
  communeName: string;
  communeCode: string;
  legalRepresentative?: { firstName: string; lastName: string };
};

/** The rows of a company and of its head office, as a SIRENE import would store them. */
function companyRows(spec: CompanySpec, now: Date) {
  const nic = siretNic(spec.siren);
  const isActive = spec.isActive ?? true;
  return {
    company: {
      siren: spec.siren,
      name: spec.name,
      acronym: null,
      legal_form: spec.legalForm ?? "5499",
      is_active: isActive,
      diffusion: "O",
      head_office_nic: nic,
      legal_rep_first_name: null,
      legal_rep_last_name: null,
      updated_at: now,
    },
    headOffice: {
      siret: spec.siren + nic,
      siren: spec.siren,
      nic,
      is_head_office: true,
      is_active: isActive,
      address_complement: null,
      street_number: spec.streetNumber ?? null,
      street_repetition: null,
      street_type: spec.streetType ?? null,
      street_name: spec.streetName,
      special_distribution: null,
      postal_code: spec.postalCode,
      commune_name: spec.communeName,
      commune_code: spec.communeCode,
      cedex_code: null,
      cedex_name: null,
      foreign_country_code: null,
      foreign_country_name: null,
      foreign_commune_name: null,
      updated_at: now,
    },
  };
}

/** A company and its head-office establishment (NIC 00011), as a SIRENE import would store them. */
export async function makeCompany(deps: Pick<FactoryDeps, "db" | "clock">, spec: CompanySpec): Promise<void> {
  const rows = companyRows(spec, deps.clock.now());
  await upsertCompanies(deps.db, [rows.company]);
  await upsertEstablishments(deps.db, [rows.headOffice]);
  if (spec.legalRepresentative) await setLegalRepresentatives(deps.db, [{ siren: spec.siren, ...spec.legalRepresentative }]);
}

/** A NIC that makes a valid SIRET with this SIREN (the 4 first digits 0001, then the key). */
export function siretNic(siren: string): string {
  for (let i = 10; i < 100; i++) {
    const nic = `000${String(i).padStart(2, "0")}`;
    if (withLuhnKey(siren + nic.slice(0, 4)) === siren + nic) return nic;
  }
  throw new Error(`no NIC for ${siren}`);
}

export type SpaceSpec = { email: string; password: string; firstName: string; lastName: string; phone?: string; siren: string };

/**
 * An active expert-mode space: created through the use case, then verified with the code read from the mail
 * that the creation queued (the same path a person takes).
 */
export async function makeActiveSpace(
  deps: FactoryDeps & ({ publicUrl: string } | { config: { publicUrl: string } }),
  spec: SpaceSpec,
): Promise<{ spaceId: string; subscriberNumber: string }> {
  const publicUrl = "publicUrl" in deps ? deps.publicUrl : deps.config.publicUrl;
  const created = await createSpace(
    { ...deps, publicUrl },
    {
      mode: "expert",
      connectionEmail: spec.email,
      password: spec.password,
      firstName: spec.firstName,
      lastName: spec.lastName,
      phone: spec.phone ?? "01 23 45 67 89",
      siren: spec.siren,
    },
  );
  const code = await readQueuedCode(deps.db, spec.email, /code de validation : ([0-9A-Z]{4}-[0-9A-Z]{4})/i);
  if (!created.created) throw new Error(`${spec.email} already has a space`);
  await verifySpaceEmail(deps, { connectionEmail: spec.email, code });
  return { spaceId: created.spaceId, subscriberNumber: created.subscriberNumber };
}

/** Reads a code from the latest queued (or delivered) mail to an address. */
export async function readQueuedCode(db: Kysely<DB>, to: string, pattern: RegExp): Promise<string> {
  const rows = await db.selectFrom("outbox").select(["payload"]).where("kind", "=", "mail").orderBy("id", "desc").limit(50).execute();
  for (const row of rows) {
    const mail = row.payload as { to?: string; text?: string };
    if (mail.to?.toLowerCase() !== to.toLowerCase()) continue;
    const match = mail.text?.match(pattern);
    if (match?.[1]) return match[1];
  }
  throw new Error(`no mail with a code for ${to}`);
}

export type AgentSpec = { email: string; name: string; services: string[]; isSupervisor?: boolean; password: string; totpSecret: string };

export async function makeAgent(deps: FactoryDeps, spec: AgentSpec) {
  return createAgent(deps, { ...spec, isSupervisor: spec.isSupervisor ?? false });
}

/**
 * A company's own space made the way product §3 describes: simplified mode, the company-address link confirmed,
 * the letter's code entered. The person ends up administrator of every service of the company.
 */
export async function makeSimplifiedAdministrator(deps: FactoryDeps & { publicUrl: string }, spec: SpaceSpec & { companyEmail?: string }) {
  const adhesionsDeps: AdhesionsDeps = { ...deps, rights: adhesionRightsPort };
  const companyEmail = spec.companyEmail ?? spec.email;
  const created = await createSimplifiedSpace(adhesionsDeps, {
    mode: "simplified",
    connectionEmail: spec.email,
    companyEmail,
    password: spec.password,
    firstName: spec.firstName,
    lastName: spec.lastName,
    phone: spec.phone ?? "01 23 45 67 89",
    siren: spec.siren,
  });
  const token = await readQueuedCode(deps.db, companyEmail, /company-email\/confirm\?token=([A-Za-z0-9_-]+)/);
  await confirmCompanyEmail(adhesionsDeps, token, "127.0.0.1");
  if (companyEmail.toLowerCase() !== spec.email.toLowerCase()) {
    await verifySpaceEmail(deps, {
      connectionEmail: spec.email,
      code: await readQueuedCode(deps.db, spec.email, /code de validation : ([0-9A-Z]{4}-[0-9A-Z]{4})/i),
    });
  }
  if (!created.created || !created.adhesionId) throw new Error(`${spec.email} already has a space`);
  const [letter] = await listLetterViews(deps, spec.siren, 1);
  await activateAdhesion(adhesionsDeps, created.spaceId, created.adhesionId, String(letter!.fields.activationCode));
  return { spaceId: created.spaceId, subscriberNumber: created.subscriberNumber, adhesionId: created.adhesionId };
}

/**
 * A portfolio: the person adheres to each company (its letter issued as for anyone) and enters the letter's code,
 * ending administrator of the services asked. `allowance` stands for the operator loading the set: the flooding
 * rule of 200 a day would otherwise stop a portfolio of 300 on its first day.
 */
export async function makePortfolio(
  deps: FactoryDeps & { publicUrl: string },
  spec: { spaceId: string; sirens: string[]; services: ServiceCode[]; quality?: "legal_representative" | "mandated"; companyEmail?: (siren: string) => string },
) {
  const adhesionsDeps: AdhesionsDeps = { ...deps, rights: adhesionRightsPort };
  for (const siren of spec.sirens) {
    const companyEmail = spec.companyEmail?.(siren);
    const opened = await requestAdhesion(
      adhesionsDeps,
      spec.spaceId,
      { siren, quality: spec.quality ?? "mandated", services: spec.services, companyEmail },
      { allowance: Number.MAX_SAFE_INTEGER },
    );
    // With the messagerie, a company without a verified address gets its 72-hour link first: confirmed here.
    if (opened.status === "awaiting_company_email") {
      await confirmCompanyEmail(adhesionsDeps, await readQueuedCode(deps.db, companyEmail!, /company-email\/confirm\?token=([A-Za-z0-9_-]+)/), "127.0.0.1");
    }
    // The newest letter to the company is the one this adhesion just issued.
    const [letter] = await listLetterViews(deps, siren, 1);
    if (!letter || letter.kind !== "activation") throw new Error(`no activation letter for the adhesion to ${siren}`);
    await activateAdhesion(adhesionsDeps, spec.spaceId, opened.id, String(letter.fields.activationCode));
  }
}

/**
 * A population for campaigns and their benchmark: `count` active companies with their head office in one commune,
 * the first `withMessagerie` of them with an active messagerie adhesion of `spaceId` and a verified company e-mail
 * address. Written in bulk, as a data load writes reference data — not through the adhesion use case, whose letter
 * and code per company would take hours at 100,000 companies. Answers the SIRENs, in order.
 */
export async function loadCampaignTargets(
  deps: Pick<FactoryDeps, "db" | "clock">,
  spec: { base: number; count: number; withMessagerie: number; spaceId: string; communeCode: string; postalCode: string; communeName: string },
): Promise<string[]> {
  const now = deps.clock.now();
  const sirens = Array.from({ length: spec.count }, (_, i) => withLuhnKey(String(spec.base + i).padStart(8, "0")));
  for (let from = 0; from < sirens.length; from += 5_000) {
    const part = sirens.slice(from, from + 5_000);
    const rows = part.map((siren, i) =>
      companyRows(
        {
          siren,
          name: `ENTREPRISE CAMPAGNE ${from + i + 1}`,
          streetNumber: String(((from + i) % 200) + 1),
          streetType: "RUE",
          streetName: "DE LA ROQUETTE",
          postalCode: spec.postalCode,
          communeName: spec.communeName,
          communeCode: spec.communeCode,
        },
        now,
      ),
    );
    await upsertCompanies(
      deps.db,
      rows.map((r) => r.company),
    );
    await upsertEstablishments(
      deps.db,
      rows.map((r) => r.headOffice),
    );
    const adhering = part.filter((_, i) => from + i < spec.withMessagerie);
    if (adhering.length === 0) continue;
    await sql`
      INSERT INTO adhesions (id, space_id, siren, origin, quality, services, status, created_at, activated_at)
      SELECT gen_random_uuid(), ${spec.spaceId}::uuid, s, 'expert', 'mandated', '["messagerie"]'::jsonb, 'active', ${now}::timestamptz, ${now}::timestamptz
      FROM unnest(${adhering}::text[]) AS s`.execute(deps.db);
    await sql`
      INSERT INTO company_emails (siren, email, verified_at, updated_at)
      SELECT s, 'contact-' || s || '@entreprise.test', ${now}::timestamptz, ${now}::timestamptz FROM unnest(${adhering}::text[]) AS s
      ON CONFLICT (siren) DO NOTHING`.execute(deps.db);
  }
  return sirens;
}

/**
 * A firm's clients written in bulk (teams at 500 companies, their benchmark and tests): `count` active companies in
 * Paris 11e, each with a verified company e-mail address and an activated adhesion of `spaceId` that made her
 * administrator of `services` — what the adhesion use case leaves, without its letter and code per company, which
 * would make the data set the thing measured. `name` names the i-th company (« CLIENT DU CABINET i+1 » by default).
 * Answers the SIRENs, in order.
 */
export async function loadAdministeredCompanies(
  deps: Pick<FactoryDeps, "db" | "clock">,
  spec: { base: number; count: number; spaceId: string; services: ServiceCode[]; name?: (i: number) => string },
): Promise<string[]> {
  const now = deps.clock.now();
  const sirens = Array.from({ length: spec.count }, (_, i) => withLuhnKey(String(spec.base + i).padStart(8, "0")));
  const rows = sirens.map((siren, i) =>
    companyRows(
      {
        siren,
        name: spec.name?.(i) ?? `CLIENT DU CABINET ${i + 1}`,
        streetNumber: String((i % 200) + 1),
        streetType: "RUE",
        streetName: "OBERKAMPF",
        postalCode: "75011",
        communeName: "PARIS 11",
        communeCode: "75111",
      },
      now,
    ),
  );
  await upsertCompanies(
    deps.db,
    rows.map((r) => r.company),
  );
  await upsertEstablishments(
    deps.db,
    rows.map((r) => r.headOffice),
  );
  await sql`
    INSERT INTO company_emails (siren, email, verified_at, updated_at)
    SELECT s, 'contact-' || s || '@client.test', ${now}::timestamptz, ${now}::timestamptz FROM unnest(${sirens}::text[]) AS s
    ON CONFLICT (siren) DO NOTHING`.execute(deps.db);
  await sql`
    WITH a AS (
      INSERT INTO adhesions (id, space_id, siren, origin, quality, services, status, created_at, activated_at)
      SELECT gen_random_uuid(), ${spec.spaceId}::uuid, s, 'expert', 'mandated', ${JSON.stringify(spec.services)}::jsonb, 'active', ${now}::timestamptz,
             ${now}::timestamptz
        FROM unnest(${sirens}::text[]) AS s
      RETURNING id, siren)
    INSERT INTO rights (id, space_id, siren, service, role, tax_scope, state, valid_from, valid_until, adhesion_id, granted_by_right, granted_by_space,
                        created_at, revoked_at)
    SELECT gen_random_uuid(), ${spec.spaceId}::uuid, a.siren, svc, 'administrator', NULL, 'active', ${now}::timestamptz, NULL, a.id, NULL, NULL,
           ${now}::timestamptz, NULL
      FROM a CROSS JOIN unnest(${spec.services}::text[]) AS svc`.execute(deps.db);
  return sirens;
}
