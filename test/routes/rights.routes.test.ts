import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, countRows, lastMailTo, seedReferenceData, startTestApp, type TestApp } from "../helpers/app.js";
import { activeAdministrator, newCompany, signedInPerson, signIn, robertOfMartin } from "../helpers/people.js";
import { SEED } from "../../src/app/demo.js";
import { DAY } from "../../src/platform/clock.js";
import { can, runRightsHousekeeping } from "../../src/modules/rights/index.js";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
});
afterAll(async () => t.close());

const VAT = { role: "delegate", services: ["tva_declarer", "tva_payer", "messagerie"], taxScope: ["TVA"] };
type Person = Awaited<ReturnType<typeof signedInPerson>>;

async function offer(from: Person, siren: string, to: string, body: Record<string, unknown> = VAT) {
  return call(t.app, "POST", `/api/v1/companies/${siren}/delegations`, { jar: from.jar, body: { email: to, ...body } });
}
async function accept(who: Person, id: string) {
  return call(t.app, "POST", `/api/v1/delegations/${id}/accept`, { jar: who.jar });
}
async function rightsOf(who: Person, siren: string) {
  const res = await call(t.app, "GET", `/api/v1/companies/${siren}`, { jar: who.jar });
  return res.status === 404 ? null : (res.body.myRights as { service: string; role: string; taxScope: string[] | null }[]);
}

describe("the seed's story: the firm delegates the VAT of Martin distribution", () => {
  it("head accountant → Lila (gestion de la TVA); Robert sees both and revokes the head accountant: Lila falls with her", async () => {
    const robert = await robertOfMartin(t);
    const chief = await activeAdministrator(t, SEED.martin.siren, {
      entitySiren: SEED.gestion.siren,
      email: "cabinet.comptable@gestion.com",
      firstName: "Claire",
      lastName: "Vasseur",
    });
    const lila = await signedInPerson(t, { siren: SEED.gestion.siren, email: "lila.rosemonde@gestion.com", firstName: "Lila", lastName: "Rosemonde" });

    const offered = await offer(chief, SEED.martin.siren, "Lila.Rosemonde@gestion.com");
    expect(offered.status).toBe(201);
    expect(offered.body.status).toBe("offered");
    expect((await lastMailTo(t, lila.email)).subject).toBe("Une habilitation vous est proposée");
    // Nothing until Lila accepts.
    expect(await rightsOf(lila, SEED.martin.siren)).toBeNull();
    const received = (await call(t.app, "GET", "/api/v1/delegations", { jar: lila.jar })).body.items;
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      direction: "received",
      role: "delegate",
      services: ["messagerie", "tva_declarer", "tva_payer"],
      taxScope: ["TVA"],
      status: "offered",
      from: { connectionEmail: chief.email },
    });

    expect((await accept(lila, offered.body.id)).body).toEqual({ status: "accepted" });
    expect(await rightsOf(lila, SEED.martin.siren)).toEqual([
      { service: "messagerie", role: "delegate", taxScope: ["TVA"], state: "active", validUntil: null },
      { service: "tva_declarer", role: "delegate", taxScope: null, state: "active", validUntil: null },
      { service: "tva_payer", role: "delegate", taxScope: null, state: "active", validUntil: null },
    ]);
    expect(await can(t.ctx.db, { spaceId: lila.spaceId, siren: SEED.martin.siren, service: "messagerie", tax: "TVA" }, t.clock.now())).toBe(true);
    expect(await can(t.ctx.db, { spaceId: lila.spaceId, siren: SEED.martin.siren, service: "messagerie", tax: "IS" }, t.clock.now())).toBe(false);
    const notice = await lastMailTo(t, "robert.lambda@martindistribution.com");
    expect(notice.subject).toBe("Nouvelle habilitation sur votre entreprise");
    expect(notice.text).toContain("Lila Rosemonde (lila.rosemonde@gestion.com)");
    expect(notice.text).toContain("Claire Vasseur");
    expect(notice.text).toContain("messagerie limitée à : TVA");

    const who = await call(t.app, "GET", `/api/v1/companies/${SEED.martin.siren}/representatives`, { jar: robert.jar });
    expect(who.status).toBe(200);
    const byEmail = Object.fromEntries(who.body.items.map((i: { person: { connectionEmail: string } }) => [i.person.connectionEmail, i]));
    expect(Object.keys(byEmail).sort()).toEqual(["cabinet.comptable@gestion.com", "lila.rosemonde@gestion.com", "robert.lambda@martindistribution.com"]);
    expect(byEmail["cabinet.comptable@gestion.com"].person.entitySiren).toBe(SEED.gestion.siren);
    expect(byEmail["lila.rosemonde@gestion.com"].rights[0]).toMatchObject({
      service: "messagerie",
      role: "delegate",
      taxScope: ["TVA"],
      grantedBy: expect.stringContaining("Claire Vasseur"),
      revocable: true,
    });
    expect(byEmail["lila.rosemonde@gestion.com"].lastActivityAt).not.toBeNull();

    // Robert, legal representative, revokes the head accountant's rights: what she granted falls with them.
    for (const r of byEmail["cabinet.comptable@gestion.com"].rights) {
      expect((await call(t.app, "DELETE", `/api/v1/companies/${SEED.martin.siren}/rights/${r.id}`, { jar: robert.jar })).status).toBe(204);
    }
    expect(await rightsOf(chief, SEED.martin.siren)).toBeNull();
    expect(await rightsOf(lila, SEED.martin.siren)).toBeNull();
    expect(await can(t.ctx.db, { spaceId: lila.spaceId, siren: SEED.martin.siren, service: "tva_declarer" }, t.clock.now())).toBe(false);
    const after = await call(t.app, "GET", `/api/v1/companies/${SEED.martin.siren}/representatives`, { jar: robert.jar });
    expect(after.body.items.map((i: { person: { connectionEmail: string } }) => i.person.connectionEmail)).toEqual(["robert.lambda@martindistribution.com"]);
  });
});

describe("offers", () => {
  let siren: string;
  let admin: Person;
  let target: Person;
  beforeAll(async () => {
    siren = await newCompany(t, "TRANSPORTS GIRARD");
    admin = await activeAdministrator(t, siren, { services: ["messagerie", "tva_declarer", "tva_payer", "cfe"], companyEmail: "contact@girard.fr" });
    target = await signedInPerson(t, { siren: SEED.gestion.siren });
  });

  it.each([
    ["an unknown service", { ...VAT, services: ["tva_declarer", "teleportation"] }, 400, "invalid_request"],
    ["an unknown tax", { ...VAT, taxScope: ["GABELLE"] }, 400, "invalid_request"],
    ["an unknown role", { ...VAT, role: "king" }, 400, "invalid_request"],
    ["a malformed end date", { ...VAT, validUntil: "demain" }, 400, "invalid_request"],
    ["no service", { ...VAT, services: [] }, 400, "invalid_request"],
    ["a service the granter lacks", { role: "delegate", services: ["is_payer"] }, 422, "service_not_held"],
    ["a tax scope without messagerie", { role: "delegate", services: ["cfe"], taxScope: ["TVA"] }, 422, "tax_scope_without_messagerie"],
    ["an end date in the past", { ...VAT, validUntil: "2020-01-01T00:00:00Z" }, 422, "invalid_end_date"],
  ])("refuses %s and writes nothing", async (_l, body, status, code) => {
    const before = await countRows(t, "outbox");
    const res = await offer(admin, siren, target.email, body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(await countRows(t, "outbox")).toBe(before);
  });

  it("refuses a malformed address, an address without space, oneself", async () => {
    expect((await offer(admin, siren, "pas-une-adresse")).status).toBe(400);
    const nobody = await offer(admin, siren, "personne@nulle-part.fr");
    expect(nobody.status).toBe(422);
    expect(nobody.body.error.code).toBe("no_space_for_email");
    const self = await offer(admin, siren, admin.email);
    expect(self.body.error.code).toBe("cannot_grant_to_self");
  });

  it("answers 404 for another company, 403 for a delegate who tries to delegate", async () => {
    const other = await newCompany(t);
    expect((await offer(admin, other, target.email)).status).toBe(404);
    const res = await offer(admin, siren, target.email, { role: "delegate", services: ["cfe"] });
    await accept(target, res.body.id);
    const third = await signedInPerson(t, { siren: SEED.gestion.siren });
    const refused = await offer(target, siren, third.email, { role: "delegate", services: ["cfe"] });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("delegate_cannot_grant");
    // And he already holds it: a second offer of the same service is a conflict.
    expect((await offer(admin, siren, target.email, { role: "delegate", services: ["cfe"] })).body.error.code).toBe("already_holds_right");
  });

  it("can be accepted or declined once, only by the person offered, within 14 days", async () => {
    const p = await signedInPerson(t, { siren: SEED.gestion.siren });
    const intruder = await signedInPerson(t, { siren: SEED.concurrence.siren });
    const a = await offer(admin, siren, p.email, { role: "delegate", services: ["tva_payer"] });
    expect((await accept(intruder, a.body.id)).status).toBe(404);
    expect((await call(t.app, "POST", `/api/v1/delegations/${a.body.id}/decline`, { jar: intruder.jar })).status).toBe(404);
    expect((await call(t.app, "POST", `/api/v1/delegations/${a.body.id}/decline`, { jar: p.jar })).body).toEqual({ status: "declined" });
    expect((await accept(p, a.body.id)).status).toBe(409);
    expect((await call(t.app, "POST", "/api/v1/delegations/not-a-uuid/accept", { jar: p.jar })).status).toBe(400);

    const b = await offer(admin, siren, p.email, { role: "delegate", services: ["tva_payer"] });
    t.clock.advance(14 * DAY + 1);
    const late = await accept(await refresh(p), b.body.id);
    expect(late.status).toBe(410);
    expect(late.body.error.code).toBe("offer_expired");
    admin = await refresh(admin);
    target = await refresh(target);
  });

  it("withdraws an offer not yet answered", async () => {
    const p = await signedInPerson(t, { siren: SEED.gestion.siren });
    const a = await offer(admin, siren, p.email, { role: "delegate", services: ["tva_declarer"] });
    expect((await call(t.app, "DELETE", `/api/v1/delegations/${a.body.id}`, { jar: p.jar })).status).toBe(403);
    expect((await call(t.app, "DELETE", `/api/v1/delegations/${a.body.id}`, { jar: admin.jar })).status).toBe(204);
    expect((await accept(p, a.body.id)).status).toBe(409);
  });
});

/** Signs a person in again (after the clock moved past their session). */
async function refresh(p: Person): Promise<Person> {
  return { ...p, jar: await signIn(t, p.email) };
}

describe("suspension, reactivation and revocation cascade", () => {
  it("suspending a deputy's delegation suspends what he granted; reactivating brings back exactly that", async () => {
    const siren = await newCompany(t, "FROMAGERIE ROUSSEL");
    const admin = await activeAdministrator(t, siren, { services: ["messagerie", "tva_declarer"], companyEmail: "contact@roussel.fr" });
    const deputy = await signedInPerson(t, { siren: SEED.gestion.siren });
    const delegate = await signedInPerson(t, { siren: SEED.gestion.siren });
    const d1 = await offer(admin, siren, deputy.email, { role: "deputy", services: ["messagerie", "tva_declarer"] });
    await accept(deputy, d1.body.id);
    const d2 = await offer(deputy, siren, delegate.email, { role: "delegate", services: ["messagerie"], taxScope: ["TVA"] });
    expect(d2.status).toBe(201);
    await accept(delegate, d2.body.id);
    expect(await rightsOf(delegate, siren)).toHaveLength(1);

    // Only the granter (or the legal representative) may suspend.
    expect((await call(t.app, "PATCH", `/api/v1/delegations/${d1.body.id}`, { jar: delegate.jar, body: { state: "suspended" } })).status).toBe(404);
    expect((await call(t.app, "PATCH", `/api/v1/delegations/${d1.body.id}`, { jar: deputy.jar, body: { state: "suspended" } })).status).toBe(403);
    expect((await call(t.app, "PATCH", `/api/v1/delegations/${d1.body.id}`, { jar: admin.jar, body: { state: "paused" } })).status).toBe(400);
    expect((await call(t.app, "PATCH", `/api/v1/delegations/${d1.body.id}`, { jar: admin.jar, body: { state: "suspended" } })).body).toEqual({
      status: "suspended",
    });
    expect(await rightsOf(deputy, siren)).toBeNull();
    expect(await rightsOf(delegate, siren)).toBeNull();
    expect((await call(t.app, "GET", "/api/v1/delegations", { jar: admin.jar })).body.items.find((d: { id: string }) => d.id === d1.body.id).rightsState).toBe(
      "suspended",
    );
    // A suspended deputy cannot grant either.
    expect((await offer(deputy, siren, admin.email, { role: "delegate", services: ["tva_declarer"] })).status).toBe(404);

    expect((await call(t.app, "PATCH", `/api/v1/delegations/${d1.body.id}`, { jar: admin.jar, body: { state: "active" } })).body).toEqual({ status: "active" });
    expect(await rightsOf(deputy, siren)).toHaveLength(2);
    expect(await rightsOf(delegate, siren)).toHaveLength(1);

    // The deputy suspends his own delegation; the admin's suspend/reactivate of d1 leaves it suspended.
    await call(t.app, "PATCH", `/api/v1/delegations/${d2.body.id}`, { jar: deputy.jar, body: { state: "suspended" } });
    await call(t.app, "PATCH", `/api/v1/delegations/${d1.body.id}`, { jar: admin.jar, body: { state: "suspended" } });
    await call(t.app, "PATCH", `/api/v1/delegations/${d1.body.id}`, { jar: admin.jar, body: { state: "active" } });
    expect(await rightsOf(deputy, siren)).toHaveLength(2);
    expect(await rightsOf(delegate, siren)).toBeNull();

    // Revoking d1 revokes d2's rights too, for good.
    expect((await call(t.app, "DELETE", `/api/v1/delegations/${d1.body.id}`, { jar: admin.jar })).status).toBe(204);
    expect((await call(t.app, "PATCH", `/api/v1/delegations/${d2.body.id}`, { jar: deputy.jar, body: { state: "active" } })).status).toBe(409);
    expect(await rightsOf(deputy, siren)).toBeNull();
    expect(await rightsOf(delegate, siren)).toBeNull();
  });

  it("keeps the direction of grants: no cycle back to the granter", async () => {
    const siren = await newCompany(t);
    const admin = await activeAdministrator(t, siren, { services: ["cfe", "tva_payer"] });
    const deputy = await signedInPerson(t, { siren: SEED.gestion.siren });
    const d = await offer(admin, siren, deputy.email, { role: "deputy", services: ["cfe", "tva_payer"] });
    await accept(deputy, d.body.id);
    // The admin already holds those services: granting them back is refused before any cycle can form.
    expect((await offer(deputy, siren, admin.email, { role: "deputy", services: ["cfe"] })).body.error.code).toBe("already_holds_right");
  });
});

describe("who acts for my company, revocation", () => {
  it("is for administrators and deputies (delegate 403, stranger 404), and revokes only what one may", async () => {
    const siren = await newCompany(t, "MENUISERIE BONNET");
    const legalRep = await activeAdministrator(t, siren, { quality: "legal_representative", services: ["cfe", "tva_payer"] });
    const other = await activeAdministrator(t, siren, { services: ["cfe", "tva_payer"], entitySiren: SEED.gestion.siren });
    const delegate = await signedInPerson(t, { siren: SEED.gestion.siren });
    const d = await offer(other, siren, delegate.email, { role: "delegate", services: ["cfe"] });
    await accept(delegate, d.body.id);
    const stranger = await signedInPerson(t, { siren: SEED.concurrence.siren });

    expect((await call(t.app, "GET", `/api/v1/companies/${siren}/representatives`, { jar: delegate.jar })).status).toBe(403);
    expect((await call(t.app, "GET", `/api/v1/companies/${siren}/representatives`, { jar: stranger.jar })).status).toBe(404);
    expect((await call(t.app, "GET", `/api/v1/companies/${siren}/representatives`)).status).toBe(401);
    expect((await call(t.app, "GET", "/api/v1/companies/12/representatives", { jar: legalRep.jar })).status).toBe(400);

    const list = (await call(t.app, "GET", `/api/v1/companies/${siren}/representatives`, { jar: other.jar })).body.items;
    const legalRepRight = list.find((i: { person: { connectionEmail: string } }) => i.person.connectionEmail === legalRep.email).rights[0];
    const delegateRight = list.find((i: { person: { connectionEmail: string } }) => i.person.connectionEmail === delegate.email).rights[0];
    expect(legalRepRight.revocable).toBe(false);
    // Not his to revoke: an administrator (not legal representative) revoking another administrator.
    const refused = await call(t.app, "DELETE", `/api/v1/companies/${siren}/rights/${legalRepRight.id}`, { jar: other.jar });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("not_yours_to_revoke");
    // Another company's right through this company's URL: 404.
    const elsewhere = await newCompany(t);
    expect((await call(t.app, "DELETE", `/api/v1/companies/${elsewhere}/rights/${delegateRight.id}`, { jar: other.jar })).status).toBe(404);
    expect((await call(t.app, "DELETE", `/api/v1/companies/${siren}/rights/${delegateRight.id}`, { jar: stranger.jar })).status).toBe(404);
    expect((await call(t.app, "DELETE", `/api/v1/companies/${siren}/rights/${delegateRight.id}`, { jar: delegate.jar })).status).toBe(403);
    // What he granted, he may revoke; the revocation works on the very next request.
    expect((await call(t.app, "DELETE", `/api/v1/companies/${siren}/rights/${delegateRight.id}`, { jar: other.jar })).status).toBe(204);
    expect(await rightsOf(delegate, siren)).toBeNull();
    expect((await call(t.app, "DELETE", `/api/v1/companies/${siren}/rights/${delegateRight.id}`, { jar: other.jar })).status).toBe(404);
    const journal = await t.ctx.db.selectFrom("journal").select("action").where("action", "=", "right.revoked").execute();
    expect(journal.length).toBeGreaterThan(0);
  });
});

describe("concurrent revocations", () => {
  it("two at once: one 204, the other 404, the cascade applied and journaled once", async () => {
    const siren = await newCompany(t, "SCIERIE DUVAL");
    const legalRep = await activeAdministrator(t, siren, { quality: "legal_representative", services: ["cfe"] });
    const deputy = await activeAdministrator(t, siren, { services: ["cfe"], entitySiren: SEED.gestion.siren });
    const delegate = await signedInPerson(t, { siren: SEED.gestion.siren });
    await accept(delegate, (await offer(deputy, siren, delegate.email, { role: "delegate", services: ["cfe"] })).body.id);
    const list = (await call(t.app, "GET", `/api/v1/companies/${siren}/representatives`, { jar: legalRep.jar })).body.items;
    const deputyRight = list.find((i: { person: { connectionEmail: string } }) => i.person.connectionEmail === deputy.email).rights[0];

    const both = await Promise.all([1, 2].map(() => call(t.app, "DELETE", `/api/v1/companies/${siren}/rights/${deputyRight.id}`, { jar: legalRep.jar })));
    expect(both.map((r) => r.status).sort()).toEqual([204, 404]);
    const journal = await t.ctx.db
      .selectFrom("journal")
      .select(["action", "data"])
      .where("action", "=", "right.revoked")
      .where("subject_id", "=", deputyRight.id)
      .execute();
    expect(journal).toHaveLength(1);
    expect((journal[0]!.data as { rightsRevoked: number }).rightsRevoked).toBe(2);
    expect(await rightsOf(delegate, siren)).toBeNull();
  });
});

describe("expiry and purge", () => {
  it("a right stops at its end date; the job closes it; its record is purged a year after revocation", async () => {
    const siren = await newCompany(t);
    const admin = await activeAdministrator(t, siren, { services: ["cfe"] });
    const p = await signedInPerson(t, { siren: SEED.gestion.siren });
    const until = new Date(t.clock.now().getTime() + 3 * DAY);
    const d = await offer(admin, siren, p.email, { role: "delegate", services: ["cfe"], validUntil: until.toISOString() });
    await accept(p, d.body.id);
    expect(await can(t.ctx.db, { spaceId: p.spaceId, siren, service: "cfe" }, t.clock.now())).toBe(true);
    expect((await call(t.app, "GET", "/api/v1/companies", { jar: p.jar })).body).toMatchObject({ total: 1, items: [{ siren }] });
    t.clock.advance(3 * DAY + 1);
    expect(await can(t.ctx.db, { spaceId: p.spaceId, siren, service: "cfe" }, t.clock.now())).toBe(false);
    // Ended, not yet swept by the housekeeping: « mes entreprises » and its total leave the company out already.
    expect((await call(t.app, "GET", "/api/v1/companies", { jar: (await refresh(p)).jar })).body).toMatchObject({ total: 0, items: [] });
    const first = await runRightsHousekeeping(t.ctx);
    expect(first.expired).toBeGreaterThanOrEqual(1);
    const row = await t.ctx.db.selectFrom("rights").select(["state"]).where("offer_id", "=", d.body.id).executeTakeFirstOrThrow();
    expect(row.state).toBe("revoked");
    t.clock.advance(366 * DAY);
    const second = await runRightsHousekeeping(t.ctx);
    expect(second.purged).toBeGreaterThanOrEqual(1);
    expect(await t.ctx.db.selectFrom("rights").select("id").where("offer_id", "=", d.body.id).execute()).toEqual([]);
    expect((await t.ctx.db.selectFrom("journal").select("action").where("action", "=", "rights.purged").execute()).length).toBe(1);
  });
});

describe("mes entreprises, paginated", () => {
  it("pages by SIREN with a cursor", async () => {
    const p = await signedInPerson(t, { siren: SEED.gestion.siren });
    const sirens: string[] = [];
    for (let i = 0; i < 3; i++) {
      const siren = await newCompany(t);
      sirens.push(siren);
      const admin = await activeAdministrator(t, siren, { services: ["cfe"] });
      await accept(p, (await offer(admin, siren, p.email, { role: "delegate", services: ["cfe"] })).body.id);
    }
    const first = await call(t.app, "GET", "/api/v1/companies?limit=2&sort=siren", { jar: p.jar });
    expect(first.body.items).toHaveLength(2);
    expect(first.body.total).toBe(3);
    const second = await call(t.app, "GET", `/api/v1/companies?limit=2&sort=siren&cursor=${first.body.nextCursor}`, { jar: p.jar });
    expect(second.body.items).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    expect(second.body.total).toBe(3);
    // A cursor is bound to its sort.
    expect((await call(t.app, "GET", `/api/v1/companies?limit=2&sort=name&cursor=${first.body.nextCursor}`, { jar: p.jar })).status).toBe(400);
    expect([...first.body.items, ...second.body.items].map((c: { siren: string }) => c.siren)).toEqual([...sirens].sort());
    expect((await call(t.app, "GET", "/api/v1/companies?limit=0", { jar: p.jar })).status).toBe(400);
    expect((await call(t.app, "GET", "/api/v1/companies?cursor=abc", { jar: p.jar })).status).toBe(400);
  });
});
