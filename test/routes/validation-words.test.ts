import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, seedReferenceData, startTestApp, type TestApp } from "../helpers/app.js";
import { activeAdministrator, newCompany, signedInPerson } from "../helpers/people.js";
import { SEED } from "../../src/app/demo.js";

/**
 * A refusal says what is wrong in the words of the forms: the field as it is labelled (« Adresse électronique », never
 * « email »), the choices as they are named (« Payer la TVA », never « tva_payer »), and exactly what to correct.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
});
afterAll(async () => t.close());

const space = (over: Record<string, unknown>) => ({
  mode: "expert",
  connectionEmail: "camille.martin@gestion.com",
  password: "Vingt-Trois-Lapins-Bleus",
  firstName: "Camille",
  lastName: "Martin",
  phone: "04 72 00 00 00",
  siren: SEED.gestion.siren,
  ...over,
});

describe("a SIREN of the wrong length", () => {
  it.each([
    ["8 digits", "81234567", "Champ « SIREN » : Le SIREN compte 9 chiffres ; vous en avez saisi 8."],
    ["10 digits", "8123456760", "Champ « SIREN » : Le SIREN compte 9 chiffres ; vous en avez saisi 10."],
    ["a SIRET", "81234567600014", "Champ « SIREN » : Vous avez saisi un SIRET (14 chiffres) : le SIREN en est les 9 premiers, 812345676."],
    ["letters", "81234567A", "Champ « SIREN » : Le SIREN ne compte que des chiffres (9) : retirez les lettres et les autres signes."],
    ["spaces", "812 345 676", "Champ « SIREN » : Le SIREN s'écrit en 9 chiffres, sans espace ni point : 812345676."],
    ["nothing", "", "Champ « SIREN » : Saisissez le SIREN : 9 chiffres."],
  ])("%s: says what is wrong", async (_case, siren, message) => {
    const res = await call(t.app, "POST", "/api/v1/spaces", { body: space({ siren }) });
    expect([res.status, res.body.error.code, res.body.error.message]).toEqual([400, "invalid_request", message]);
  });

  it("is told the same way in the address (a company's page) and in a list of SIREN (an export)", async () => {
    const { jar } = await signedInPerson(t, { siren: SEED.gestion.siren });
    const page = await call(t.app, "GET", "/api/v1/companies/81234567", { jar });
    expect([page.status, page.body.error.message]).toEqual([400, "Champ « SIREN » : Le SIREN compte 9 chiffres ; vous en avez saisi 8."]);
    const exported = await call(t.app, "POST", "/api/v1/exports", { jar, body: { sirens: ["8123456760"] } });
    expect([exported.status, exported.body.error.message]).toEqual([400, "Champ « SIREN » : Le SIREN compte 9 chiffres ; vous en avez saisi 10."]);
  });
});

describe("fields and choices", () => {
  it("names the fields as the forms do: « Adresse électronique », « Prénom », « Téléphone »", async () => {
    const res = await call(t.app, "POST", "/api/v1/session", { body: { email: "camille", password: "x" } });
    expect(res.body.error.message).toBe("Champ « Adresse électronique » : saisissez une adresse au format nom@domaine.fr.");
    const created = await call(t.app, "POST", "/api/v1/spaces", { body: space({ connectionEmail: "x", firstName: " ", phone: "?" }) });
    expect(created.body.error.message).toBe(
      "3 champs à corriger : « Adresse électronique de connexion » (saisissez une adresse au format nom@domaine.fr), « Prénom » (ce champ ne peut pas être vide), « Téléphone » (saisissez un numéro de téléphone, par exemple 01 23 45 67 89).",
    );
    const nul = await call(t.app, "POST", "/api/v1/session", { body: { email: "camille\u0000@gestion.com", password: "x" } });
    expect(nul.body.error.message).toBe("Le champ « Adresse électronique » contient le caractère nul (U+0000), qui ne peut pas être enregistré : retirez-le.");
  });

  it("names the services by their labels, and keeps their codes for programs", async () => {
    const { jar } = await signedInPerson(t, { siren: SEED.gestion.siren });
    const res = await call(t.app, "POST", "/api/v1/adhesions", {
      jar,
      body: { siren: SEED.martin.siren, quality: "mandated", services: ["tva_payer", "tva_payee"] },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(
      "Champ « Services » : Valeur non reconnue : choisissez parmi « Messagerie sécurisée », « Consulter le compte fiscal », « Déclarer la TVA », « Payer la TVA », « Payer l'IS », « Consulter et payer la CFE », « Payer la taxe sur les salaires ».",
    );
    expect(res.body.error.details.issues).toEqual([
      {
        field: "body.services.1",
        message: expect.stringContaining("« Payer la TVA »"),
        accepted: ["messagerie", "compte_fiscal", "tva_declarer", "tva_payer", "is_payer", "cfe", "ts_payer"],
      },
    ]);
    const quality = await call(t.app, "POST", "/api/v1/adhesions", { jar, body: { siren: SEED.martin.siren, quality: "boss", services: ["messagerie"] } });
    expect(quality.body.error.message).toBe("Champ « Votre qualité » : Valeur non reconnue : choisissez parmi « représentant légal », « personne mandatée ».");
  });

  it("names the dates of the inbox « Date de début » and « Date de fin », never « from » and « to »", async () => {
    const { jar } = await signedInPerson(t, { siren: SEED.gestion.siren });
    const res = await call(t.app, "GET", "/api/v1/requests?from=2026-13-01&to=hier", { jar });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^2 champs à corriger : « Date de début » \(date attendue .*\), « Date de fin » \(date attendue .*\)\.$/);
  });

  it("names a service one may not delegate by its label (« Payer l'IS »)", async () => {
    const siren = await newCompany(t);
    const admin = await activeAdministrator(t, siren, { services: ["messagerie", "tva_payer"], companyEmail: "contact@societe-test.fr" });
    const other = await signedInPerson(t, { siren: SEED.gestion.siren });
    const res = await call(t.app, "POST", `/api/v1/companies/${siren}/delegations`, {
      jar: admin.jar,
      body: { email: other.email, role: "delegate", services: ["is_payer"] },
    });
    expect([res.status, res.body.error.code, res.body.error.message]).toEqual([
      422,
      "service_not_held",
      "Vous ne détenez pas le service « Payer l'IS » pour cette entreprise : vous ne pouvez pas le déléguer.",
    ]);
  });
});
