import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, countRows, lastMailTo, seedReferenceData, startTestApp, type TestApp } from "../helpers/app.js";
import { letterCodes, linkTokenFor, newCompany, PASSWORD, signedInPerson, signIn } from "../helpers/people.js";
import { SEED } from "../../src/app/demo.js";
import { makeCompany } from "../../src/app/factories.js";
import { DAY, HOUR } from "../../src/platform/clock.js";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
});
afterAll(async () => t.close());

const ALL_SERVICES = ["messagerie", "compte_fiscal", "tva_declarer", "tva_payer", "is_payer", "cfe", "ts_payer"];
const countAll = async () => Promise.all((["spaces", "journal", "outbox"] as const).map((x) => countRows(t, x)));

describe("simplified mode (product §3)", () => {
  it("Robert Lambda: one address for both, link, letter, code, administrator of every service", async () => {
    const robert = "robert.lambda@martindistribution.com";
    const created = await call(t.app, "POST", "/api/v1/spaces", {
      body: {
        mode: "simplified",
        siren: SEED.martin.siren,
        companyEmail: robert,
        connectionEmail: robert,
        password: PASSWORD,
        firstName: "Robert",
        lastName: "Lambda",
        phone: "01 43 00 00 00",
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe("pending_email_verification");
    // Only the link was sent: it verifies both the company address and the connection address.
    const mail = await lastMailTo(t, robert);
    expect(mail.subject).toBe("Vérification de l'adresse électronique de votre entreprise");
    expect((await call(t.app, "POST", "/api/v1/session", { body: { email: robert, password: PASSWORD } })).body.error.code).toBe(
      "connection_email_not_verified",
    );

    const token = await linkTokenFor(t, robert);
    // Opening the page does not consume the link (mail scanners pre-fetch links).
    const info = await call(t.app, "GET", `/api/v1/company-email/link?token=${token}`);
    expect(info.body).toEqual({ siren: SEED.martin.siren, companyName: "MARTIN DISTRIBUTION", email: robert, purpose: "adhesion", status: "valid" });
    expect((await call(t.app, "GET", `/api/v1/company-email/link?token=${token}`)).body.status).toBe("valid");
    const confirmed = await call(t.app, "POST", "/api/v1/company-email/confirm", { body: { token } });
    expect(confirmed.body).toEqual({ siren: SEED.martin.siren, email: robert, status: "verified" });
    expect((await call(t.app, "POST", "/api/v1/company-email/confirm", { body: { token } })).body.error.code).toBe("link_used");

    await t.ctx.worker.drain();
    const { activationCode, letter } = await letterCodes(t, SEED.martin.siren);
    expect(activationCode).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(letter.addressLines[0]).toBe("MARTIN DISTRIBUTION");
    expect(letter.fields.companyEmail).toBe(robert);

    const jar = await signIn(t, robert);
    const adhesions = await call(t.app, "GET", "/api/v1/adhesions", { jar });
    expect(adhesions.body.items).toHaveLength(1);
    const adhesion = adhesions.body.items[0];
    expect(adhesion).toMatchObject({
      siren: SEED.martin.siren,
      status: "letter_issued",
      origin: "simplified",
      quality: "legal_representative",
      services: ALL_SERVICES,
      attemptsLeft: 5,
    });
    const activated = await call(t.app, "POST", `/api/v1/adhesions/${adhesion.id}/activate`, {
      jar,
      body: { code: ` ${activationCode.replace(/-/g, "").toLowerCase()} ` },
    });
    expect(activated.body).toEqual({ status: "active" });

    const companies = await call(t.app, "GET", "/api/v1/companies", { jar });
    expect(companies.body.items).toHaveLength(1);
    expect(companies.body.items[0]).toMatchObject({ siren: SEED.martin.siren, name: "MARTIN DISTRIBUTION", companyEmail: robert });
    expect(companies.body.items[0].myRights.map((r: { service: string; role: string }) => `${r.service}:${r.role}`)).toEqual(
      ALL_SERVICES.map((s) => `${s}:administrator`),
    );

    // The SIREN now has an active adhesion: simplified mode is refused, pointing to expert mode.
    const again = await call(t.app, "POST", "/api/v1/spaces", {
      body: {
        mode: "simplified",
        siren: SEED.martin.siren,
        companyEmail: "autre@martindistribution.com",
        connectionEmail: "autre@martindistribution.com",
        password: PASSWORD,
        firstName: "Anne",
        lastName: "Autre",
        phone: "0100000000",
      },
    });
    expect(again.status).toBe(422);
    expect(again.body.error.code).toBe("company_already_adhered");
    expect(again.body.error.message).toContain("mode expert");
  });

  it("two addresses: a code to the connection address, the link to the company address", async () => {
    const siren = await newCompany(t, "BOULANGERIE DUPONT");
    const res = await call(t.app, "POST", "/api/v1/spaces", {
      body: {
        mode: "simplified",
        siren,
        companyEmail: "contact@dupont.fr",
        connectionEmail: "jean@dupont.fr",
        password: PASSWORD,
        firstName: "Jean",
        lastName: "Dupont",
        phone: "0100000000",
      },
    });
    expect(res.status).toBe(201);
    expect((await lastMailTo(t, "jean@dupont.fr")).text).toMatch(/code de validation : [0-9A-Z]{4}-[0-9A-Z]{4}/);
    expect((await lastMailTo(t, "contact@dupont.fr")).text).toContain("/company-email/confirm?token=");
  });

  it.each([
    ["no company e-mail", { companyEmail: undefined }, 422, "company_email_required"],
    ["a malformed company e-mail", { companyEmail: "pas-une-adresse" }, 400, "invalid_request"],
    ["a ceased company", { siren: "552100554" }, 422, "ceased_company"],
    ["an unknown company", { siren: "732829320" }, 422, "unknown_company"],
  ])("refuses %s and writes nothing", async (_l, over, status, code) => {
    await makeCompany(t.ctx, {
      siren: "552100554",
      name: "ANCIENNE SA",
      isActive: false,
      streetName: "RUE X",
      postalCode: "75011",
      communeName: "PARIS",
      communeCode: "75111",
    });
    const siren = await newCompany(t);
    const before = await countAll();
    const res = await call(t.app, "POST", "/api/v1/spaces", {
      body: {
        mode: "simplified",
        siren,
        companyEmail: "a@b.fr",
        connectionEmail: "c@d.fr",
        password: PASSWORD,
        firstName: "A",
        lastName: "B",
        phone: "0100000000",
        ...over,
      },
    });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(await countAll()).toEqual(before);
  });
});

describe("expert-mode adhesion (product §4)", () => {
  it("sends the link first when messagerie is asked and the company has no verified address, the letter once confirmed", async () => {
    const siren = await newCompany(t, "GARAGE MOREAU");
    const { jar } = await signedInPerson(t, { siren: SEED.gestion.siren });
    const missing = await call(t.app, "POST", "/api/v1/adhesions", { jar, body: { siren, quality: "mandated", services: ["messagerie", "tva_declarer"] } });
    expect(missing.status).toBe(422);
    expect(missing.body.error.code).toBe("company_email_required");

    const res = await call(t.app, "POST", "/api/v1/adhesions", {
      jar,
      body: { siren, quality: "mandated", services: ["tva_declarer", "messagerie"], companyEmail: "Contact@Garage-Moreau.fr" },
    });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe("awaiting_company_email");
    const token = await linkTokenFor(t, "contact@garage-moreau.fr");
    expect((await call(t.app, "GET", `/api/v1/dev/letters?siren=${siren}`)).body.items).toHaveLength(0);
    await call(t.app, "POST", "/api/v1/company-email/confirm", { body: { token } });
    const after = await call(t.app, "GET", `/api/v1/adhesions/${res.body.id}`, { jar });
    expect(after.body).toMatchObject({ status: "letter_issued", services: ["messagerie", "tva_declarer"], declaredCompanyEmail: "contact@garage-moreau.fr" });
    expect(after.body.letters).toHaveLength(1);
    expect(new Date(after.body.codeExpiresAt).getTime() - new Date(after.body.letterIssuedAt).getTime()).toBe(60 * DAY);
  });

  it("issues the letter at once without messagerie, refuses a second pending adhesion, lets another person adhere", async () => {
    const siren = await newCompany(t, "PHARMACIE BLANC");
    const a = await signedInPerson(t, { siren: SEED.gestion.siren });
    const b = await signedInPerson(t, { siren: SEED.gestion.siren });
    const first = await call(t.app, "POST", "/api/v1/adhesions", { jar: a.jar, body: { siren, quality: "mandated", services: ["tva_payer"] } });
    expect(first.body.status).toBe("letter_issued");
    const second = await call(t.app, "POST", "/api/v1/adhesions", { jar: a.jar, body: { siren, quality: "mandated", services: ["is_payer"] } });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe("adhesion_pending");
    const other = await call(t.app, "POST", "/api/v1/adhesions", { jar: b.jar, body: { siren, quality: "legal_representative", services: ["is_payer"] } });
    expect(other.status).toBe(201);
  });

  it.each([
    ["a malformed SIREN", { siren: "81234567" }, 400, "invalid_request"],
    ["a SIREN with a wrong key", { siren: "812345677" }, 422, "unknown_company"],
    ["an unknown company", { siren: "732829320" }, 422, "unknown_company"],
    ["a ceased company", { siren: "552100554" }, 422, "ceased_company"],
    ["an unknown service", { services: ["messagerie", "teleportation"] }, 400, "invalid_request"],
    ["no service", { services: [] }, 400, "invalid_request"],
    ["an unknown quality", { quality: "cousin" }, 400, "invalid_request"],
    ["a bad company e-mail", { companyEmail: "x@" }, 400, "invalid_request"],
    ["malformed JSON", "{", 400, "malformed_json"],
  ])("refuses %s with a coded 4xx and writes nothing", async (_l, over, status, code) => {
    const { jar } = await signedInPerson(t, { siren: SEED.gestion.siren });
    const before = await countAll();
    const body = { siren: SEED.concurrence.siren, quality: "mandated", services: ["messagerie"], companyEmail: "contact@concurrence.fr" };
    const res =
      typeof over === "string"
        ? await call(t.app, "POST", "/api/v1/adhesions", { jar, rawBody: over })
        : await call(t.app, "POST", "/api/v1/adhesions", { jar, body: { ...body, ...over } });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(await countAll()).toEqual(before);
  });

  it("requires a session and the CSRF header", async () => {
    expect((await call(t.app, "POST", "/api/v1/adhesions", { body: { siren: SEED.martin.siren, quality: "mandated", services: ["cfe"] } })).status).toBe(401);
    expect((await call(t.app, "GET", "/api/v1/adhesions")).status).toBe(401);
    const { jar } = await signedInPerson(t, { siren: SEED.gestion.siren });
    const noCsrf = await call(t.app, "POST", "/api/v1/adhesions", {
      jar,
      csrf: false,
      body: { siren: SEED.martin.siren, quality: "mandated", services: ["cfe"] },
    });
    expect(noCsrf.status).toBe(403);
  });

  it("limits pending adhesions outside one's portfolio to 3 in 24 hours (429)", async () => {
    const person = await signedInPerson(t, { siren: SEED.gestion.siren });
    const jar = person.jar;
    for (let i = 0; i < 3; i++) {
      const siren = await newCompany(t, `SOCIETE ${i}`);
      expect((await call(t.app, "POST", "/api/v1/adhesions", { jar, body: { siren, quality: "mandated", services: ["cfe"] } })).status).toBe(201);
    }
    const fourth = await call(t.app, "POST", "/api/v1/adhesions", { jar, body: { siren: await newCompany(t), quality: "mandated", services: ["cfe"] } });
    expect(fourth.status).toBe(429);
    expect(fourth.body.error.code).toBe("too_many_pending_adhesions");
    expect(Number(fourth.headers["retry-after"])).toBeGreaterThan(0);
    t.clock.advance(DAY + 1);
    const again = await signIn(t, person.email);
    expect(
      (await call(t.app, "POST", "/api/v1/adhesions", { jar: again, body: { siren: await newCompany(t), quality: "mandated", services: ["cfe"] } })).status,
    ).toBe(201);
  });

  it("sends at most 3 letters to a SIREN in 30 days (422)", async () => {
    const siren = await newCompany(t, "CONVOITEE SA");
    for (let i = 0; i < 3; i++) {
      const p = await signedInPerson(t, { siren: SEED.gestion.siren });
      expect((await call(t.app, "POST", "/api/v1/adhesions", { jar: p.jar, body: { siren, quality: "mandated", services: ["cfe"] } })).status).toBe(201);
    }
    const p = await signedInPerson(t, { siren: SEED.gestion.siren });
    const refused = await call(t.app, "POST", "/api/v1/adhesions", { jar: p.jar, body: { siren, quality: "mandated", services: ["cfe"] } });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe("letter_quota_reached");
  });
});

describe("activation (product §5)", () => {
  async function pendingAdhesion() {
    const siren = await newCompany(t);
    const person = await signedInPerson(t, { siren: SEED.gestion.siren });
    const res = await call(t.app, "POST", "/api/v1/adhesions", {
      jar: person.jar,
      body: { siren, quality: "mandated", services: ["tva_declarer", "tva_payer"] },
    });
    const { activationCode, oppositionCode } = await letterCodes(t, siren);
    return { ...person, siren, id: res.body.id as string, activationCode, oppositionCode };
  }
  const wrongOf = (code: string) => (code.startsWith("0") ? "1111-1111-1111" : "0000-0000-0000");

  it("counts wrong codes, voids at the 5th (410) and never accepts the right one after", async () => {
    const a = await pendingAdhesion();
    for (let left = 4; left >= 1; left--) {
      const r = await call(t.app, "POST", `/api/v1/adhesions/${a.id}/activate`, { jar: a.jar, body: { code: wrongOf(a.activationCode) } });
      expect(r.status).toBe(422);
      expect(r.body.error).toMatchObject({ code: "invalid_activation_code", details: { attemptsLeft: left } });
    }
    const fifth = await call(t.app, "POST", `/api/v1/adhesions/${a.id}/activate`, { jar: a.jar, body: { code: wrongOf(a.activationCode) } });
    expect(fifth.status).toBe(410);
    expect(fifth.body.error.code).toBe("activation_code_voided");
    const right = await call(t.app, "POST", `/api/v1/adhesions/${a.id}/activate`, { jar: a.jar, body: { code: a.activationCode } });
    expect(right.status).toBe(410);
    expect((await call(t.app, "GET", `/api/v1/adhesions/${a.id}`, { jar: a.jar })).body.status).toBe("voided");
  });

  it("20 simultaneous correct entries: exactly one succeeds, the others get 409", async () => {
    const a = await pendingAdhesion();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => call(t.app, "POST", `/api/v1/adhesions/${a.id}/activate`, { jar: a.jar, body: { code: a.activationCode } })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(19);
    const rights = await t.ctx.db.selectFrom("rights").select("service").where("adhesion_id", "=", a.id).execute();
    expect(rights.map((r) => r.service).sort()).toEqual(["tva_declarer", "tva_payer"]);
  });

  it("20 simultaneous wrong entries never grant a 6th try", async () => {
    const a = await pendingAdhesion();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => call(t.app, "POST", `/api/v1/adhesions/${a.id}/activate`, { jar: a.jar, body: { code: wrongOf(a.activationCode) } })),
    );
    expect(results.filter((r) => r.status === 422)).toHaveLength(4);
    expect(results.filter((r) => r.status === 410)).toHaveLength(16);
    expect((await call(t.app, "POST", `/api/v1/adhesions/${a.id}/activate`, { jar: a.jar, body: { code: a.activationCode } })).status).toBe(410);
  });

  it("refuses the code after 60 days (410 expired)", async () => {
    const a = await pendingAdhesion();
    t.clock.advance(60 * DAY + 1);
    const late = await call(t.app, "POST", `/api/v1/adhesions/${a.id}/activate`, { jar: await signIn(t, a.email), body: { code: a.activationCode } });
    expect(late.status).toBe(410);
    expect(late.body.error.code).toBe("activation_code_expired");
  });

  it.each([
    ["too short", "ABCD-EFGH"],
    ["too long", "ABCD-EFGH-JKMN-P"],
    ["forbidden characters", "ABCD-EFGH-JK!N"],
  ])("refuses a code %s with 400 and counts no attempt", async (_l, code) => {
    const a = await pendingAdhesion();
    const r = await call(t.app, "POST", `/api/v1/adhesions/${a.id}/activate`, { jar: a.jar, body: { code } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("invalid_code_format");
    expect((await call(t.app, "GET", `/api/v1/adhesions/${a.id}`, { jar: a.jar })).body.attemptsLeft).toBe(5);
  });

  it("hides another person's adhesion (404) on every route", async () => {
    const a = await pendingAdhesion();
    const intruder = await signedInPerson(t, { siren: SEED.concurrence.siren });
    expect((await call(t.app, "GET", `/api/v1/adhesions/${a.id}`, { jar: intruder.jar })).status).toBe(404);
    expect((await call(t.app, "POST", `/api/v1/adhesions/${a.id}/activate`, { jar: intruder.jar, body: { code: a.activationCode } })).status).toBe(404);
    expect((await call(t.app, "DELETE", `/api/v1/adhesions/${a.id}`, { jar: intruder.jar })).status).toBe(404);
    expect((await call(t.app, "GET", "/api/v1/adhesions", { jar: intruder.jar })).body.items).toEqual([]);
    expect((await call(t.app, "GET", `/api/v1/companies/${a.siren}`, { jar: intruder.jar })).status).toBe(404);
    expect((await call(t.app, "GET", "/api/v1/adhesions/not-a-uuid", { jar: intruder.jar })).status).toBe(400);
    // The owner still activates afterwards.
    expect((await call(t.app, "POST", `/api/v1/adhesions/${a.id}/activate`, { jar: a.jar, body: { code: a.activationCode } })).status).toBe(200);
    expect((await call(t.app, "GET", `/api/v1/companies/${a.siren}`, { jar: a.jar })).status).toBe(200);
  });

  it("cancels a pending adhesion, once", async () => {
    const a = await pendingAdhesion();
    expect((await call(t.app, "DELETE", `/api/v1/adhesions/${a.id}`, { jar: a.jar })).status).toBe(204);
    expect((await call(t.app, "DELETE", `/api/v1/adhesions/${a.id}`, { jar: a.jar })).status).toBe(409);
    const r = await call(t.app, "POST", `/api/v1/adhesions/${a.id}/activate`, { jar: a.jar, body: { code: a.activationCode } });
    expect(r.status).toBe(410);
    expect(r.body.error.code).toBe("adhesion_ended");
  });

  it("never writes a code to the journal", async () => {
    const a = await pendingAdhesion();
    await call(t.app, "POST", `/api/v1/adhesions/${a.id}/activate`, { jar: a.jar, body: { code: wrongOf(a.activationCode) } });
    await call(t.app, "POST", `/api/v1/adhesions/${a.id}/activate`, { jar: a.jar, body: { code: a.activationCode } });
    const journal = JSON.stringify(await t.ctx.db.selectFrom("journal").select(["action", "data"]).execute());
    for (const code of [a.activationCode, a.oppositionCode]) {
      expect(journal).not.toContain(code);
      expect(journal).not.toContain(code.replace(/-/g, ""));
    }
    expect(journal).toContain("adhesion.code_rejected");
    expect(journal).toContain("adhesion.activated");
  });
});

describe("opposition (product §5)", () => {
  it("cancels the adhesion, tells the requester, alerts the tax office and blocks the requester 90 days", async () => {
    const rival = await signedInPerson(t, { siren: SEED.concurrence.siren, firstName: "Marc", lastName: "Rival" });
    const siren = await newCompany(t, "VICTIME SARL");
    const res = await call(t.app, "POST", "/api/v1/adhesions", {
      jar: rival.jar,
      body: { siren, quality: "legal_representative", services: ["compte_fiscal"] },
    });
    const { oppositionCode, activationCode, letter } = await letterCodes(t, siren);
    expect(letter.fields.requester.fullName).toBe("Marc Rival");

    const wrong = await call(t.app, "POST", "/api/v1/opposition", {
      body: { siren, oppositionCode: oppositionCode.startsWith("0") ? "1111-1111" : "0000-0000" },
    });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error).toMatchObject({ code: "invalid_opposition_code", details: { attemptsLeft: 4 } });
    const ok = await call(t.app, "POST", "/api/v1/opposition", { body: { siren, oppositionCode: oppositionCode.toLowerCase() } });
    expect(ok.body).toEqual({ status: "opposed" });
    expect((await call(t.app, "POST", "/api/v1/opposition", { body: { siren, oppositionCode } })).status).toBe(422);

    expect((await call(t.app, "GET", `/api/v1/adhesions/${res.body.id}`, { jar: rival.jar })).body.status).toBe("opposed");
    expect((await call(t.app, "POST", `/api/v1/adhesions/${res.body.id}/activate`, { jar: rival.jar, body: { code: activationCode } })).status).toBe(410);
    expect((await lastMailTo(t, rival.email)).subject).toBe("Votre demande d'adhésion a été refusée par l'entreprise");
    const alert = await t.ctx.db.selectFrom("tax_office_alerts").selectAll().where("siren", "=", siren).executeTakeFirstOrThrow();
    expect(alert).toMatchObject({ kind: "opposition", service_code: "SIE-75111", adhesion_id: res.body.id });

    const blocked = await call(t.app, "POST", "/api/v1/adhesions", { jar: rival.jar, body: { siren, quality: "mandated", services: ["cfe"] } });
    expect(blocked.status).toBe(422);
    expect(blocked.body.error.code).toBe("adhesion_blocked");
    t.clock.advance(90 * DAY + HOUR);
    const jar = await signIn(t, rival.email);
    expect((await call(t.app, "POST", "/api/v1/adhesions", { jar, body: { siren, quality: "mandated", services: ["cfe"] } })).status).toBe(201);
  });

  it("stops an already active adhesion and its rights", async () => {
    const person = await signedInPerson(t, { siren: SEED.gestion.siren });
    const siren = await newCompany(t);
    const res = await call(t.app, "POST", "/api/v1/adhesions", { jar: person.jar, body: { siren, quality: "mandated", services: ["cfe"] } });
    const { activationCode, oppositionCode } = await letterCodes(t, siren);
    await call(t.app, "POST", `/api/v1/adhesions/${res.body.id}/activate`, { jar: person.jar, body: { code: activationCode } });
    expect((await call(t.app, "GET", "/api/v1/companies", { jar: person.jar })).body.items).toHaveLength(1);
    expect((await call(t.app, "POST", "/api/v1/opposition", { body: { siren, oppositionCode } })).status).toBe(200);
    expect((await call(t.app, "GET", "/api/v1/companies", { jar: person.jar })).body.items).toHaveLength(0);
    expect((await call(t.app, "GET", `/api/v1/companies/${siren}`, { jar: person.jar })).status).toBe(404);
  });

  it("allows 5 wrong codes per SIREN per day, then 429", async () => {
    const siren = await newCompany(t);
    for (let i = 0; i < 5; i++) expect((await call(t.app, "POST", "/api/v1/opposition", { body: { siren, oppositionCode: "ZZZZ-ZZZZ" } })).status).toBe(422);
    const sixth = await call(t.app, "POST", "/api/v1/opposition", { body: { siren, oppositionCode: "ZZZZ-ZZZZ" } });
    expect(sixth.status).toBe(429);
    expect(sixth.body.error.code).toBe("too_many_opposition_attempts");
    expect(Number(sixth.headers["retry-after"])).toBeGreaterThan(0);
  });

  it.each([
    [{ siren: "12345", oppositionCode: "ABCD-EFGH" }, 400, "invalid_request"],
    [{ siren: SEED.martin.siren, oppositionCode: "ABC" }, 400, "invalid_code_format"],
    [{ siren: SEED.martin.siren }, 400, "invalid_request"],
  ])("refuses %j", async (body, status, code) => {
    const res = await call(t.app, "POST", "/api/v1/opposition", { body });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
  });
});

describe("company e-mail address (product §6)", () => {
  it("refuses expired, unknown and used links with 410", async () => {
    const siren = await newCompany(t);
    const { jar } = await signedInPerson(t, { siren: SEED.gestion.siren });
    await call(t.app, "POST", "/api/v1/adhesions", { jar, body: { siren, quality: "mandated", services: ["messagerie"], companyEmail: "lent@exemple.fr" } });
    const token = await linkTokenFor(t, "lent@exemple.fr");
    t.clock.advance(72 * HOUR + 1);
    expect((await call(t.app, "GET", `/api/v1/company-email/link?token=${token}`)).body.status).toBe("expired");
    const late = await call(t.app, "POST", "/api/v1/company-email/confirm", { body: { token } });
    expect(late.status).toBe(410);
    expect(late.body.error.code).toBe("link_expired");
    const unknown = await call(t.app, "POST", "/api/v1/company-email/confirm", { body: { token: "x".repeat(43) } });
    expect(unknown.status).toBe(410);
    expect(unknown.body.error.code).toBe("link_invalid");
    expect((await call(t.app, "POST", "/api/v1/company-email/confirm", { body: {} })).status).toBe(400);
  });

  it("changes the address: the old one stays until the new one is confirmed, then is told, and a notice letter goes out", async () => {
    const siren = await newCompany(t, "IMPRIMERIE HENRY");
    const admin = await signedInPerson(t, { siren: SEED.gestion.siren, firstName: "Hélène", lastName: "Henry" });
    const res = await call(t.app, "POST", "/api/v1/adhesions", {
      jar: admin.jar,
      body: { siren, quality: "legal_representative", services: ["messagerie"], companyEmail: "ancienne@henry.fr" },
    });
    await call(t.app, "POST", "/api/v1/company-email/confirm", { body: { token: await linkTokenFor(t, "ancienne@henry.fr") } });
    const { activationCode } = await letterCodes(t, siren);
    await call(t.app, "POST", `/api/v1/adhesions/${res.body.id}/activate`, { jar: admin.jar, body: { code: activationCode } });

    const outsider = await signedInPerson(t, { siren: SEED.concurrence.siren });
    expect((await call(t.app, "PUT", `/api/v1/companies/${siren}/email`, { jar: outsider.jar, body: { email: "pirate@exemple.fr" } })).status).toBe(404);
    expect((await call(t.app, "PUT", `/api/v1/companies/${siren}/email`, { jar: admin.jar, body: { email: "pas-une-adresse" } })).status).toBe(400);
    expect((await call(t.app, "PUT", `/api/v1/companies/${siren}/email`, { jar: admin.jar, body: { email: "ancienne@henry.fr" } })).status).toBe(409);

    const change = await call(t.app, "PUT", `/api/v1/companies/${siren}/email`, { jar: admin.jar, body: { email: "nouvelle@henry.fr" } });
    expect(change.status).toBe(202);
    expect(change.body).toEqual({ status: "pending_verification" });
    const during = await call(t.app, "GET", `/api/v1/companies/${siren}`, { jar: admin.jar });
    expect(during.body).toMatchObject({ companyEmail: "ancienne@henry.fr", pendingCompanyEmail: "nouvelle@henry.fr" });

    await call(t.app, "POST", "/api/v1/company-email/confirm", { body: { token: await linkTokenFor(t, "nouvelle@henry.fr") } });
    const after = await call(t.app, "GET", `/api/v1/companies/${siren}`, { jar: admin.jar });
    expect(after.body).toMatchObject({ companyEmail: "nouvelle@henry.fr", pendingCompanyEmail: null });
    const told = await lastMailTo(t, "ancienne@henry.fr");
    expect(told.subject).toBe("L'adresse électronique de votre entreprise a changé");
    expect(told.text).toContain("nouvelle@henry.fr");
    const letters = (await call(t.app, "GET", `/api/v1/dev/letters?siren=${siren}`)).body.items;
    const notice = letters.find((l: { kind: string }) => l.kind === "email_change_notice");
    expect(notice.fields).toMatchObject({ oldEmail: "ancienne@henry.fr", newEmail: "nouvelle@henry.fr", changedBy: { fullName: "Hélène Henry" } });
  });

  it("refuses a change by a person who is not administrator of messagerie (403)", async () => {
    const siren = await newCompany(t);
    const person = await signedInPerson(t, { siren: SEED.gestion.siren });
    const res = await call(t.app, "POST", "/api/v1/adhesions", { jar: person.jar, body: { siren, quality: "mandated", services: ["cfe"] } });
    const { activationCode } = await letterCodes(t, siren);
    await call(t.app, "POST", `/api/v1/adhesions/${res.body.id}/activate`, { jar: person.jar, body: { code: activationCode } });
    const refused = await call(t.app, "PUT", `/api/v1/companies/${siren}/email`, { jar: person.jar, body: { email: "x@exemple.fr" } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("not_messagerie_administrator");
  });
});

describe("companies", () => {
  it("lists only the companies where I hold a right", async () => {
    const person = await signedInPerson(t, { siren: SEED.gestion.siren });
    expect((await call(t.app, "GET", "/api/v1/companies", { jar: person.jar })).body).toEqual({ items: [], nextCursor: null, total: 0 });
    expect((await call(t.app, "GET", `/api/v1/companies/${SEED.martin.siren}`, { jar: person.jar })).status).toBe(404);
    expect((await call(t.app, "GET", "/api/v1/companies/abc", { jar: person.jar })).status).toBe(400);
    expect((await call(t.app, "GET", "/api/v1/companies")).status).toBe(401);
    const catalogue = await call(t.app, "GET", "/api/v1/catalogue");
    expect(catalogue.body.items.map((s: { code: string }) => s.code)).toEqual(ALL_SERVICES);
  });
});
