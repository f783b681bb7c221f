/**
 * Teams in a firm (product §19): adding 500 companies to a team of 10 active members writes 15,000 rights (three
 * services each) in one change; the target is ≤ 2 s. Also: a member joining a team of 500 companies, a company
 * leaving it and a member leaving it. Against the same firm adding one company, as the baseline.
 */
import { randomUUID } from "node:crypto";
import { loadAdministeredCompanies, makeActiveSpace, makeCompany } from "../src/app/factories.js";
import { SEED } from "../src/app/demo.js";
import type { Clock } from "../src/platform/clock.js";
import type { Kysely } from "kysely";
import type { DB } from "../src/platform/db/schema.js";
import { addCompanies, createTeam, inviteMember, joinTeam, removeCompany, removeMember } from "../src/modules/teams/index.js";

type Deps = Parameters<typeof makeActiveSpace>[0] & { db: Kysely<DB>; clock: Clock };

const SERVICES = ["tva_declarer", "tva_payer", "messagerie"] as const;

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await run();
  return { ms: performance.now() - started, value };
}

export async function benchTeams(deps: Deps, members = 10, companies = 500) {
  await makeCompany(deps, {
    siren: SEED.gestion.siren,
    name: SEED.gestion.name,
    streetName: "BELLECOUR",
    postalCode: "69002",
    communeName: "LYON",
    communeCode: "69382",
  });
  const { spaceId: owner } = await makeActiveSpace(deps, {
    email: "cheffe.equipes@gestion.com",
    password: "Vingt-Trois-Lapins-Bleus",
    firstName: "Claire",
    lastName: "Vasseur",
    siren: SEED.gestion.siren,
  });
  // She administers her own firm (so she may make teams), as an activated adhesion leaves it, and her clients.
  await deps.db
    .insertInto("rights")
    .values({
      id: randomUUID(),
      space_id: owner,
      siren: SEED.gestion.siren,
      service: "compte_fiscal",
      role: "administrator",
      tax_scope: null,
      state: "active",
      valid_from: deps.clock.now(),
      valid_until: null,
      adhesion_id: null,
      granted_by_right: null,
      granted_by_space: null,
      created_at: deps.clock.now(),
      revoked_at: null,
    })
    .execute();
  const sirens = await loadAdministeredCompanies(deps, { base: 52_000_000, count: companies + 1, spaceId: owner, services: [...SERVICES] });
  const grant = { role: "delegate" as const, services: [...SERVICES], taxScope: ["TVA"] };
  const team = await createTeam(deps, owner, { name: "TVA", grant });
  const people: string[] = [];
  for (let i = 0; i <= members; i++) {
    const email = `membre${i}@gestion.com`;
    const { spaceId } = await makeActiveSpace(deps, {
      email,
      password: "Vingt-Trois-Lapins-Bleus",
      firstName: "Membre",
      lastName: `N${i}`,
      siren: SEED.gestion.siren,
    });
    await inviteMember(deps, owner, team.id, email);
    people.push(spaceId);
  }
  // The last colleague joins once the team is full: her joining is measured too.
  for (const p of people.slice(0, members)) await joinTeam(deps, p, team.id);
  const one = await timed(() => addCompanies(deps, owner, team.id, [sirens[companies]!]));
  const many = await timed(() => addCompanies(deps, owner, team.id, sirens.slice(0, companies)));
  const refused = many.value.filter((l) => l.status !== "added").length;
  const join = await timed(() => joinTeam(deps, people[members]!, team.id));
  const companyLeaves = await timed(() => removeCompany(deps, owner, team.id, sirens[0]!));
  const memberLeaves = await timed(() => removeMember(deps, people[0]!, team.id, people[0]!));
  return {
    members,
    companies,
    refused,
    oneCompanyMs: one.ms,
    addMs: many.ms,
    joinMs: join.ms,
    companyLeavesMs: companyLeaves.ms,
    memberLeavesMs: memberLeaves.ms,
  };
}

/** The section of `npm run bench -- teams`: its rows for the table. */
export async function teamsSection(deps: Deps, push: (row: { name: string; value: string; baseline?: string; ratio?: string }) => void) {
  const r = await benchTeams(deps, Number(process.env.BENCH_TEAM_MEMBERS ?? 10), Number(process.env.BENCH_TEAM_COMPANIES ?? 500));
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  push({
    name: `teams: ${r.companies} companies added to a team of ${r.members} (${r.companies * r.members * SERVICES.length} rights, ${r.companies} mails)`,
    value: `${ms(r.addMs)} (target ≤ 2 s)${r.refused ? `, ${r.refused} refused` : ""}`,
    baseline: "one company added",
    ratio: (r.addMs / r.oneCompanyMs).toFixed(1),
  });
  push({ name: `teams: a colleague joins a team of ${r.companies} companies`, value: ms(r.joinMs) });
  push({ name: `teams: a company leaves a team of ${r.members + 1}`, value: ms(r.companyLeavesMs) });
  push({ name: `teams: a member leaves a team of ${r.companies} companies`, value: ms(r.memberLeavesMs) });
  return r;
}
