import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, lastMailTo, seedReferenceData, startTestApp, type TestApp } from "../helpers/app.js";
import { activeAdministrator, newCompany, signedInPerson, robertOfMartin } from "../helpers/people.js";
import { SEED } from "../../src/app/demo.js";
import { loadAdministeredCompanies, makeActiveSpace } from "../../src/app/factories.js";
import { can, suspendRightByAgent } from "../../src/modules/rights/index.js";
import { addCompanies, inviteMember, joinTeam } from "../../src/modules/teams/index.js";

let t: TestApp;
type Person = Awaited<ReturnType<typeof signedInPerson>>;
let robert: Person;
let chief: Person;
let lila: Person;
let paul: Person;
let outsider: Person;
let rivalChief: Person;
let client: string;
let isOnly: string;
let teamId: string;

const VAT = { role: "delegate", services: ["tva_declarer", "tva_payer", "messagerie"], taxScope: ["TVA"] };
const VAT_REQUEST = {
  tax: "TVA",
  nature: "question",
  subject: "Taux de TVA applicable",
  body: "Bonjour,\nQuel taux appliquer ?\nCordialement.",
  uploadIds: [],
};

async function mails(to: string) {
  await t.ctx.worker.drain();
  return (await call(t.app, "GET", `/api/v1/dev/mails?to=${encodeURIComponent(to)}`)).body.items as { subject: string; text: string }[];
}
const myCompanies = async (who: Person) =>
  ((await call(t.app, "GET", "/api/v1/companies", { jar: who.jar })).body.items as { siren: string; rights: { role: string }[] }[]).map((c) => c.siren);
const gate = (who: Person, siren: string, service: string, tax?: string) =>
  can(t.ctx.db, { spaceId: who.spaceId, siren, service, ...(tax ? { tax } : {}) }, t.clock.now());
const teamRightsCount = async (id: string) =>
  Number(
    (
      await t.ctx.db
        .selectFrom("rights")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("team_id", "=", id)
        .where("state", "=", "active")
        .executeTakeFirstOrThrow()
    ).n,
  );

beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
  robert = await robertOfMartin(t);
  // The head accountant administers her own firm (so she may make teams) and her clients.
  chief = await activeAdministrator(t, SEED.gestion.siren, {
    quality: "legal_representative",
    services: ["compte_fiscal"],
    email: "cabinet.comptable@gestion.com",
    firstName: "Claire",
    lastName: "Vasseur",
  });
  await activeAdministrator(t, SEED.martin.siren, { person: chief });
  client = await newCompany(t, "BOULANGERIE DU PARC");
  await activeAdministrator(t, client, { person: chief, companyEmail: "contact@boulangerie-parc.fr" });
  isOnly = await newCompany(t, "GARAGE DE L'OUEST");
  await activeAdministrator(t, isOnly, { person: chief, services: ["is_payer", "messagerie"], companyEmail: "contact@garage-ouest.fr" });
  lila = await signedInPerson(t, { siren: SEED.gestion.siren, email: "lila.rosemonde@gestion.com", firstName: "Lila", lastName: "Rosemonde" });
  paul = await signedInPerson(t, { siren: SEED.gestion.siren, firstName: "Paul", lastName: "Collègue" });
  outsider = await signedInPerson(t, { siren: SEED.concurrence.siren, firstName: "Marc", lastName: "Rival" });
  rivalChief = await activeAdministrator(t, SEED.concurrence.siren, { quality: "legal_representative", services: ["compte_fiscal"] });
});
afterAll(async () => t.close());

describe("creating a team", () => {
  it("needs a session (401) and an active administrator right on one's own entity (403, in French)", async () => {
    expect((await call(t.app, "POST", "/api/v1/teams", { body: { name: "TVA", grant: VAT } })).status).toBe(401);
    expect((await call(t.app, "GET", "/api/v1/teams")).status).toBe(401);
    const refused = await call(t.app, "POST", "/api/v1/teams", { jar: lila.jar, body: { name: "TVA", grant: VAT } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("not_entity_administrator");
    expect(refused.body.error.message).toContain("administrateur de votre entité");
    expect((await call(t.app, "GET", "/api/v1/teams", { jar: lila.jar })).body).toMatchObject({ items: [], canCreate: false });
  });

  it.each([
    ["no name", { name: " ", grant: VAT }, "nom"],
    ["an unknown service", { name: "X", grant: { ...VAT, services: ["teleportation"] } }, "service"],
    [
      "an unknown role",
      { name: "X", grant: { ...VAT, role: "roi" } },
      "« Habilitation › Rôle » : Valeur non reconnue : choisissez parmi « délégataire », « administrateur suppléant »",
    ],
    ["no service", { name: "X", grant: { ...VAT, services: [] } }, "au moins un service"],
  ])("refuses %s with a French message naming the field (400)", async (_label, body, words) => {
    const res = await call(t.app, "POST", "/api/v1/teams", { jar: chief.jar, body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
    expect(res.body.error.message).toContain(words);
  });

  it("refuses a tax scope without messagerie (422) and a name taken in the firm (409)", async () => {
    const scoped = await call(t.app, "POST", "/api/v1/teams", {
      jar: chief.jar,
      body: { name: "CFE", grant: { role: "delegate", services: ["cfe"], taxScope: ["TVA"] } },
    });
    expect(scoped.status).toBe(422);
    expect(scoped.body.error.code).toBe("tax_scope_without_messagerie");
    const created = await call(t.app, "POST", "/api/v1/teams", { jar: chief.jar, body: { name: "TVA", grant: VAT } });
    expect(created.status).toBe(201);
    teamId = created.body.id;
    const again = await call(t.app, "POST", "/api/v1/teams", { jar: chief.jar, body: { name: "tva", grant: VAT } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("team_name_taken");
  });
});

describe("the team TVA of Cabinet GESTION", () => {
  it("takes the companies the administrator may delegate, line by line (decideGrant's rules)", async () => {
    const unknown = "732829320";
    const res = await call(t.app, "POST", `/api/v1/teams/${teamId}/companies`, {
      jar: chief.jar,
      body: { sirens: [SEED.martin.siren, client, isOnly, unknown] },
    });
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      { siren: SEED.martin.siren, status: "added" },
      { siren: client, status: "added" },
      { siren: isOnly, status: "refused", error: { code: "service_not_held", message: expect.stringContaining("le service « Déclarer la TVA »") } },
      { siren: unknown, status: "refused", error: { code: "not_administered", message: expect.stringContaining("n'administrez pas") } },
    ]);
    const again = await call(t.app, "POST", `/api/v1/teams/${teamId}/companies`, { jar: chief.jar, body: { sirens: [client] } });
    expect(again.body.items).toEqual([{ siren: client, status: "already_in_team" }]);
    const tooMany = await call(t.app, "POST", `/api/v1/teams/${teamId}/companies`, {
      jar: chief.jar,
      body: { sirens: Array.from({ length: 501 }, () => client) },
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toContain("500 entreprises au plus");
    const badSiren = await call(t.app, "POST", `/api/v1/teams/${teamId}/companies`, { jar: chief.jar, body: { sirens: ["12345"] } });
    expect(badSiren.status).toBe(400);
    expect(badSiren.body.error.message).toContain("9 chiffres");
  });

  it("invites colleagues only: another entity's person and an unknown address get the same answer", async () => {
    for (const email of [outsider.email, "personne.inconnue@exemple.fr"]) {
      const res = await call(t.app, "POST", `/api/v1/teams/${teamId}/members`, { jar: chief.jar, body: { email } });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe("not_a_colleague");
    }
    const invited = await call(t.app, "POST", `/api/v1/teams/${teamId}/members`, { jar: chief.jar, body: { email: "Lila.Rosemonde@gestion.com" } });
    expect(invited.status).toBe(201);
    expect(invited.body).toEqual({ personId: lila.spaceId, state: "invited" });
    expect((await lastMailTo(t, lila.email)).text).toContain("l'équipe TVA de CABINET GESTION");
    expect((await call(t.app, "POST", `/api/v1/teams/${teamId}/members`, { jar: chief.jar, body: { email: lila.email } })).status).toBe(409);
    // Invited is not yet a member: no rights.
    expect(await myCompanies(lila)).toEqual([]);
    const mine = await call(t.app, "GET", "/api/v1/teams", { jar: lila.jar });
    expect(mine.body.items).toMatchObject([{ id: teamId, name: "TVA", myState: "invited", companies: 2, activeMembers: 0, invitedMembers: 1 }]);
  });

  it("a colleague who joins gets the grant on every company at once; each company is mailed once", async () => {
    const before = (await mails("robert.lambda@martindistribution.com")).length;
    const joined = await call(t.app, "POST", `/api/v1/teams/${teamId}/join`, { jar: lila.jar });
    expect(joined.status).toBe(200);
    expect(joined.body).toEqual({ state: "active", companies: 2 });
    expect((await call(t.app, "POST", `/api/v1/teams/${teamId}/join`, { jar: lila.jar })).status).toBe(409);
    expect((await myCompanies(lila)).sort()).toEqual([SEED.martin.siren, client].sort());
    const martin = await call(t.app, "GET", `/api/v1/companies/${SEED.martin.siren}`, { jar: lila.jar });
    expect(martin.body.myRights).toEqual([
      { service: "messagerie", role: "delegate", taxScope: ["TVA"], state: "active", validUntil: null },
      { service: "tva_declarer", role: "delegate", taxScope: null, state: "active", validUntil: null },
      { service: "tva_payer", role: "delegate", taxScope: null, state: "active", validUntil: null },
    ]);
    // Tax scope: her messagerie covers the VAT only.
    expect(await gate(lila, SEED.martin.siren, "messagerie", "TVA")).toBe(true);
    expect(await gate(lila, SEED.martin.siren, "messagerie", "IS")).toBe(false);
    const robertMails = await mails("robert.lambda@martindistribution.com");
    expect(robertMails.length).toBe(before + 1);
    expect(robertMails[0]!.subject).toBe("Nouvelle habilitation sur votre entreprise");
    expect(robertMails[0]!.text).toContain("Lila Rosemonde (lila.rosemonde@gestion.com)");
    expect(robertMails[0]!.text).toContain("via l'équipe TVA de CABINET GESTION");
    expect(robertMails[0]!.text).toContain("Claire Vasseur");
    expect((await lastMailTo(t, "contact@boulangerie-parc.fr")).text).toContain("Lila Rosemonde");
    const journal = await t.ctx.db.selectFrom("journal").select(["action", "data"]).where("subject_id", "=", teamId).execute();
    expect(
      journal
        .filter((j) => j.action === "team.member_rights_granted")
        .map((j) => (j.data as { siren: string }).siren)
        .sort(),
    ).toEqual([SEED.martin.siren, client].sort());
  });

  it("« qui agit pour mon entreprise » shows Lila via the team, and the team page its members", async () => {
    const who = await call(t.app, "GET", `/api/v1/companies/${SEED.martin.siren}/representatives`, { jar: robert.jar });
    const lilaRow = who.body.items.find((i: { person: { connectionEmail: string } }) => i.person.connectionEmail === lila.email);
    expect(lilaRow.rights.map((r: { team: unknown }) => r.team)).toEqual(Array(3).fill({ id: teamId, name: "TVA", firmName: "CABINET GESTION" }));
    expect(lilaRow.rights[0].grantedBy).toContain("Claire Vasseur");
    const team = await call(t.app, "GET", `/api/v1/teams/${teamId}`, { jar: chief.jar });
    expect(team.body).toMatchObject({
      name: "TVA",
      firmName: "CABINET GESTION",
      myState: "owner",
      companies: 2,
      members: [{ id: lila.spaceId, displayName: "Lila Rosemonde", email: lila.email, state: "active" }],
    });
    const companies = await call(t.app, "GET", `/api/v1/teams/${teamId}/companies?limit=1`, { jar: lila.jar });
    expect(companies.body.items).toHaveLength(1);
    const next = await call(t.app, "GET", `/api/v1/teams/${teamId}/companies?limit=1&cursor=${companies.body.nextCursor}`, { jar: lila.jar });
    expect([companies.body.items[0].siren, next.body.items[0].siren].sort()).toEqual([SEED.martin.siren, client].sort());
    expect(next.body.nextCursor).toBeNull();
  });

  it("answers 404 to other firms and to colleagues outside the team; 403 to a member managing it", async () => {
    for (const who of [outsider, rivalChief]) {
      expect((await call(t.app, "GET", `/api/v1/teams/${teamId}`, { jar: who.jar })).status).toBe(404);
      expect((await call(t.app, "GET", `/api/v1/teams/${teamId}/companies`, { jar: who.jar })).status).toBe(404);
      expect((await call(t.app, "POST", `/api/v1/teams/${teamId}/members`, { jar: who.jar, body: { email: who.email } })).status).toBe(404);
      expect((await call(t.app, "POST", `/api/v1/teams/${teamId}/companies`, { jar: who.jar, body: { sirens: [client] } })).status).toBe(404);
      expect((await call(t.app, "DELETE", `/api/v1/teams/${teamId}/companies/${client}`, { jar: who.jar })).status).toBe(404);
      expect((await call(t.app, "POST", `/api/v1/teams/${teamId}/join`, { jar: who.jar })).status).toBe(404);
      expect((await call(t.app, "GET", "/api/v1/teams", { jar: who.jar })).body.items).toEqual([]);
    }
    expect((await call(t.app, "GET", `/api/v1/teams/${teamId}`, { jar: paul.jar })).status).toBe(404);
    const managing = await call(t.app, "POST", `/api/v1/teams/${teamId}/companies`, { jar: lila.jar, body: { sirens: [client] } });
    expect(managing.status).toBe(403);
    expect(managing.body.error.code).toBe("not_team_manager");
    expect((await call(t.app, "DELETE", `/api/v1/teams/${teamId}/members/${lila.spaceId}`, { jar: outsider.jar })).status).toBe(404);
    expect((await call(t.app, "GET", "/api/v1/teams/pas-un-uuid", { jar: chief.jar })).status).toBe(400);
    expect((await call(t.app, "POST", `/api/v1/teams/${teamId}/join`)).status).toBe(401);
  });

  it("a company leaving the team ends the members' rights on it at once", async () => {
    expect((await call(t.app, "DELETE", `/api/v1/teams/${teamId}/companies/${client}`, { jar: chief.jar })).status).toBe(204);
    expect(await gate(lila, client, "tva_declarer")).toBe(false);
    expect((await call(t.app, "GET", `/api/v1/companies/${client}`, { jar: lila.jar })).status).toBe(404);
    expect((await call(t.app, "DELETE", `/api/v1/teams/${teamId}/companies/${client}`, { jar: chief.jar })).status).toBe(404);
    expect(await gate(lila, SEED.martin.siren, "tva_declarer")).toBe(true);
  });

  it("leaving the team ends her rights at once: the company's requests are closed to her", async () => {
    const filed = await call(t.app, "POST", "/api/v1/requests", { jar: robert.jar, body: { siren: SEED.martin.siren, ...VAT_REQUEST } });
    expect(filed.status).toBe(201);
    expect((await call(t.app, "GET", `/api/v1/requests/${filed.body.id}`, { jar: lila.jar })).status).toBe(200);
    expect((await call(t.app, "DELETE", `/api/v1/teams/${teamId}/members/${lila.spaceId}`, { jar: lila.jar })).status).toBe(204);
    expect((await call(t.app, "GET", `/api/v1/requests/${filed.body.id}`, { jar: lila.jar })).status).toBe(404);
    expect(await myCompanies(lila)).toEqual([]);
    expect(await teamRightsCount(teamId)).toBe(0);
    expect((await call(t.app, "DELETE", `/api/v1/teams/${teamId}/members/${lila.spaceId}`, { jar: chief.jar })).status).toBe(404);
  });

  it("follows the administrator's right: suspended by the tax office, then revoked by the company, the team rights go too", async () => {
    await call(t.app, "POST", `/api/v1/teams/${teamId}/members`, { jar: chief.jar, body: { email: lila.email } });
    await call(t.app, "POST", `/api/v1/teams/${teamId}/join`, { jar: lila.jar });
    expect(await gate(lila, SEED.martin.siren, "messagerie", "TVA")).toBe(true);
    const chiefMessagerie = await t.ctx.db
      .selectFrom("rights")
      .select("id")
      .where("space_id", "=", chief.spaceId)
      .where("siren", "=", SEED.martin.siren)
      .where("service", "=", "messagerie")
      .where("state", "=", "active")
      .executeTakeFirstOrThrow();
    await suspendRightByAgent({ db: t.ctx.db, clock: t.clock }, "00000000-0000-4000-8000-000000000001", chiefMessagerie.id, "Vérification", () =>
      Promise.resolve(true),
    );
    expect(await gate(lila, SEED.martin.siren, "messagerie", "TVA")).toBe(false);
    expect(await gate(lila, SEED.martin.siren, "tva_declarer")).toBe(true);
    // Robert, legal representative, revokes the head accountant's rights: what the team had from them falls.
    const who = await call(t.app, "GET", `/api/v1/companies/${SEED.martin.siren}/representatives`, { jar: robert.jar });
    const claire = who.body.items.find((i: { person: { connectionEmail: string } }) => i.person.connectionEmail === chief.email);
    for (const r of claire.rights) await call(t.app, "DELETE", `/api/v1/companies/${SEED.martin.siren}/rights/${r.id}`, { jar: robert.jar });
    expect(await gate(lila, SEED.martin.siren, "tva_declarer")).toBe(false);
    expect(await myCompanies(lila)).toEqual([]);
    // A company she still administers, added again, reaches the active member at once.
    const readd = await call(t.app, "POST", `/api/v1/teams/${teamId}/companies`, { jar: chief.jar, body: { sirens: [client] } });
    expect(readd.body.items[0]).toMatchObject({ siren: client, status: "added" });
    expect(await gate(lila, client, "tva_declarer")).toBe(true);
  });
});

describe("renaming and closing a team", () => {
  it("renames: its manager only (403 to a member, 404 to another firm), unique in the firm (409); the rights read the new name", async () => {
    const other = await call(t.app, "POST", "/api/v1/teams", { jar: chief.jar, body: { name: "Paie", grant: { role: "delegate", services: ["tva_payer"] } } });
    expect(other.status).toBe(201);
    expect((await call(t.app, "PATCH", `/api/v1/teams/${teamId}`, { body: { name: "TVA Nord" } })).status).toBe(401);
    expect((await call(t.app, "PATCH", `/api/v1/teams/${teamId}`, { jar: rivalChief.jar, body: { name: "TVA Nord" } })).status).toBe(404);
    const member = await call(t.app, "PATCH", `/api/v1/teams/${teamId}`, { jar: lila.jar, body: { name: "TVA Nord" } });
    expect(member.status).toBe(403);
    expect(member.body.error.code).toBe("not_team_manager");
    const taken = await call(t.app, "PATCH", `/api/v1/teams/${teamId}`, { jar: chief.jar, body: { name: " paie " } });
    expect(taken.status).toBe(409);
    expect(taken.body.error.message).toContain("« paie »");
    const empty = await call(t.app, "PATCH", `/api/v1/teams/${teamId}`, { jar: chief.jar, body: { name: "  " } });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toContain("donnez un nom à l'équipe");
    const renamed = await call(t.app, "PATCH", `/api/v1/teams/${teamId}`, { jar: chief.jar, body: { name: "  TVA   Nord " } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toEqual({ name: "TVA Nord" });
    expect((await call(t.app, "GET", `/api/v1/teams/${teamId}`, { jar: lila.jar })).body.name).toBe("TVA Nord");
    const who = await call(t.app, "GET", `/api/v1/companies/${client}/representatives`, { jar: chief.jar });
    const lilaRow = who.body.items.find((i: { person: { connectionEmail: string } }) => i.person.connectionEmail === lila.email);
    expect(lilaRow.rights[0].team).toEqual({ id: teamId, name: "TVA Nord", firmName: "CABINET GESTION" });
    const journal = await t.ctx.db.selectFrom("journal").select("data").where("subject_id", "=", teamId).where("action", "=", "team.renamed").execute();
    expect(journal.map((j) => j.data)).toEqual([{ from: "TVA", to: "TVA Nord" }]);
  });

  it("closes: every right it gave ends at once, the team is gone for everyone, its name is free, its history stays", async () => {
    expect(await gate(lila, client, "tva_declarer")).toBe(true);
    expect(await teamRightsCount(teamId)).toBeGreaterThan(0);
    expect((await call(t.app, "DELETE", `/api/v1/teams/${teamId}`, { jar: lila.jar })).status).toBe(403);
    expect((await call(t.app, "DELETE", `/api/v1/teams/${teamId}`, { jar: rivalChief.jar })).status).toBe(404);
    expect(await gate(lila, client, "tva_declarer")).toBe(true);
    expect((await call(t.app, "DELETE", `/api/v1/teams/${teamId}`, { jar: chief.jar })).status).toBe(204);
    expect(await teamRightsCount(teamId)).toBe(0);
    expect(await gate(lila, client, "tva_declarer")).toBe(false);
    expect(await myCompanies(lila)).toEqual([]);
    for (const who of [chief, lila]) {
      expect((await call(t.app, "GET", `/api/v1/teams/${teamId}`, { jar: who.jar })).status).toBe(404);
      expect((await call(t.app, "GET", "/api/v1/teams", { jar: who.jar })).body.items.map((i: { id: string }) => i.id)).not.toContain(teamId);
    }
    expect((await call(t.app, "POST", `/api/v1/teams/${teamId}/companies`, { jar: chief.jar, body: { sirens: [client] } })).status).toBe(404);
    expect((await call(t.app, "DELETE", `/api/v1/teams/${teamId}`, { jar: chief.jar })).status).toBe(404);
    // The revoked rights keep their origin in the company's history.
    const revoked = await t.ctx.db.selectFrom("rights").select(["state", "team_id"]).where("team_id", "=", teamId).execute();
    expect(revoked.length).toBeGreaterThan(0);
    expect(new Set(revoked.map((r) => r.state))).toEqual(new Set(["revoked"]));
    const closed = await t.ctx.db.selectFrom("journal").select("data").where("subject_id", "=", teamId).where("action", "=", "team.closed").execute();
    expect(closed).toHaveLength(1);
    expect(closed[0]!.data).toMatchObject({ name: "TVA Nord", sirens: [client] });
    const again = await call(t.app, "POST", "/api/v1/teams", { jar: chief.jar, body: { name: "TVA Nord", grant: VAT } });
    expect(again.status).toBe(201);
  });
});

describe("a team of 10 and 500 companies", () => {
  it("gives 15,000 rights in one change, mails each company once, and takes them back when a company leaves", async () => {
    const boss = rivalChief;
    const sirens = await loadAdministeredCompanies(t.ctx, {
      base: 61_000_000,
      count: 500,
      spaceId: boss.spaceId,
      services: ["tva_declarer", "tva_payer", "messagerie"],
    });
    const created = await call(t.app, "POST", "/api/v1/teams", { jar: boss.jar, body: { name: "TVA", grant: VAT } });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const deps = { db: t.ctx.db, clock: t.clock };
    for (let i = 0; i < 10; i++) {
      const email = `collegue${i}@concurrence.fr`;
      const { spaceId } = await makeActiveSpace(t.ctx, {
        email,
        password: "Vingt-Trois-Lapins-Bleus",
        firstName: "Collègue",
        lastName: `N${i}`,
        siren: SEED.concurrence.siren,
      });
      await inviteMember(deps, boss.spaceId, id, email);
      await joinTeam(deps, spaceId, id);
    }
    const outboxBefore = Number(
      (
        await t.ctx.db
          .selectFrom("outbox")
          .select((eb) => eb.fn.countAll<string>().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
    const started = performance.now();
    const lines = await addCompanies(deps, boss.spaceId, id, sirens);
    const ms = performance.now() - started;
    process.stdout.write(`teams: 500 companies added to a team of 10 in ${ms.toFixed(0)} ms (${t.ctx.database.kind})\n`);
    expect(lines.every((l) => l.status === "added")).toBe(true);
    expect(await teamRightsCount(id)).toBe(500 * 10 * 3);
    const outboxAfter = Number(
      (
        await t.ctx.db
          .selectFrom("outbox")
          .select((eb) => eb.fn.countAll<string>().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
    expect(outboxAfter - outboxBefore).toBe(500);
    expect((await call(t.app, "DELETE", `/api/v1/teams/${id}/companies/${sirens[0]}`, { jar: boss.jar })).status).toBe(204);
    expect(await teamRightsCount(id)).toBe(499 * 10 * 3);
  });
});
