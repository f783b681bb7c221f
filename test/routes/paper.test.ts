import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, seedReferenceData, startTestApp, type CookieJar, type TestApp } from "../helpers/app.js";
import { activeAdministrator, AGENT_PASSWORD, agentSignIn } from "../helpers/people.js";
import { makeAgent } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";
import { pdfLines } from "../helpers/pdf.js";
import { submitCampaign } from "../helpers/campaign.js";

let t: TestApp;
let paul: CookieJar; // agent of SIE Paris 11e, competent for Martin distribution
let sophie: CookieJar; // supervisor of SIE Paris 11e
const SOPHIE = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U";
const SECRET = "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B";
const ASK = { siren: SEED.martin.siren, tax: "TVA", nature: "demande_de_pieces", subject: "Pièces", body: "Bonjour,\nMerci.", acknowledgementRequired: false };
const write = async (body: Record<string, unknown>) => call(t.app, "POST", "/api/v1/backoffice/threads", { jar: paul, body: { ...ASK, ...body } });

beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
  await activeAdministrator(t, SEED.martin.siren, {
    quality: "legal_representative",
    companyEmail: "contact@martindistribution.com",
    email: "robert@martin.com",
  });
  await makeAgent(t.ctx, { email: "agent.paris11@dgfip.test", name: "Paul Agent", services: ["SIE-75111"], password: AGENT_PASSWORD, totpSecret: SECRET });
  await makeAgent(t.ctx, {
    email: "superviseure.paris11@dgfip.test",
    name: "Sophie Superviseure",
    services: ["SIE-75111"],
    isSupervisor: true,
    password: AGENT_PASSWORD,
    totpSecret: SOPHIE,
  });
  paul = await agentSignIn(t, "agent.paris11@dgfip.test", SECRET);
  sophie = await agentSignIn(t, "superviseure.paris11@dgfip.test", SOPHIE);
});
afterAll(async () => t?.close());

describe("a date without a time means the end of that day in Paris", () => {
  it("stores a reply due date typed 2026-12-17 as 2026-12-17 23:59:59.999 Paris, winter and summer time alike", async () => {
    const cases: [string, string][] = [
      ["2026-12-17", "2026-12-17T22:59:59.999Z"], // winter time (UTC+1)
      ["2027-03-28", "2027-03-28T21:59:59.999Z"], // the day summer time begins: 23 hours
      ["2027-06-15", "2027-06-15T21:59:59.999Z"], // summer time (UTC+2)
      ["2027-10-31", "2027-10-31T22:59:59.999Z"], // the day summer time ends: 25 hours
    ];
    for (const [typed, stored] of cases) {
      const res = await write({ replyDueAt: typed });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const seen = await call(t.app, "GET", `/api/v1/backoffice/requests/${res.body.id}`, { jar: paul });
      expect(seen.body.correspondence.replyDueAt).toBe(stored);
      // The administration opened it: no « délai légal » (what is due is the company's reply).
      expect(seen.body.deadlines.legal).toBeNull();
      const shown = new Date(stored).toLocaleDateString("fr-FR", { timeZone: "Europe/Paris", day: "numeric", month: "short" });
      expect(shown).toBe(new Date(`${typed}T12:00:00Z`).toLocaleDateString("fr-FR", { timeZone: "Europe/Paris", day: "numeric", month: "short" }));
    }
    expect(new Date("2026-12-17T22:59:59.999Z").toLocaleDateString("fr-FR", { timeZone: "Europe/Paris", day: "numeric", month: "short" })).toBe("17 déc.");
  });

  it("a publication day without a time is the end of that day; a wrong date names the field as the form does", async () => {
    const res = await write({ publishAt: "2026-12-20", replyDueAt: "2026-12-31" });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ status: "scheduled", publishAt: "2026-12-20T22:59:59.999Z" });
    const bad = await write({ replyDueAt: "17/12/2026" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe(
      "Champ « Réponse attendue au plus tard le » : date attendue au format AAAA-MM-JJ, ou AAAA-MM-JJTHH:MM (heure de Paris).",
    );
  });
});

describe("errors name the fields as the forms do, never the schema's names", () => {
  it("« Objet », « Message », « Publication différée », not subject, body, publishAt", async () => {
    const both = await write({ subject: "  ", publishAt: "demain" });
    expect(both.status).toBe(400);
    expect(both.body.error.message).toMatch(/« Objet »/);
    expect(both.body.error.message).toMatch(/« Publication différée »/);
    expect(both.body.error.message).not.toMatch(/subject|publishAt/);
    const transfer = await call(t.app, "POST", `/api/v1/backoffice/threads`, { jar: paul, body: { ...ASK, tax: "DIME" } });
    expect(transfer.body.error.message).toMatch(/^Champ « Impôt » : /);
  });
});

describe("campaign letters are correct on paper", () => {
  const fields = {
    tax: "TVA",
    nature: "information",
    subject: "Vérification de vos déclarations",
    body: "Madame, Monsieur,\r\n\r\nL'entreprise {{raison_sociale}} (SIREN {{siren}}) est invitée à vérifier ses déclarations.\r\nRéférence à rappeler : {{reference}}.\r\n\r\nLe service {{service}}",
  };

  it("refuses before sending a text with an unknown placeholder, naming it", async () => {
    const bad = await submitCampaign(t.app, sophie, `siren\n${SEED.concurrence.siren}`, { ...fields, body: "Bonjour {{gerant}}" });
    expect(bad).toMatchObject({ status: 422, body: { error: { code: "unknown_placeholder" } } });
    expect(bad.body.error!.message).toContain("{{gerant}}");
  });

  it("a letter names the sending service and its address, the Paris date, the company, its reference and the paragraphs", async () => {
    const res = await submitCampaign(t.app, sophie, `siren\r\n${SEED.concurrence.siren}\r\n${SEED.martin.siren}\r\n`, fields);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    await t.ctx.worker.drain();
    const recipients = (await call(t.app, "GET", `/api/v1/backoffice/campaigns/${res.body.campaignId}/recipients`, { jar: sophie })).body.items as {
      siren: string;
      status: string;
      reference: string | null;
    }[];
    // Every recipient, letter or not, has its own reference.
    expect(recipients.map((r) => r.status).sort()).toEqual(["letter", "thread"]);
    const letterRef = recipients.find((r) => r.status === "letter")!.reference!;
    expect(letterRef).toMatch(/^2026-SIE-75111-\d{7}$/);
    expect(recipients.find((r) => r.status === "thread")!.reference).not.toBe(letterRef);

    const letter = (await call(t.app, "GET", `/api/v1/dev/letters?siren=${SEED.concurrence.siren}`)).body.items[0] as { pdfUrl: string };
    const pdf = await t.app.inject({ method: "GET", url: letter.pdfUrl });
    expect(pdf.statusCode).toBe(200);
    const lines = pdfLines(pdf.rawPayload);
    const text = lines.join("\n");
    const at = (line: string) => lines.indexOf(line);
    // The letterhead: the sending service and its postal address.
    expect(at("SIE Paris 11e")).toBeGreaterThan(-1);
    expect(at("12 rue Godefroy Cavaignac")).toBe(at("SIE Paris 11e") + 1);
    expect(at("75011 PARIS")).toBe(at("SIE Paris 11e") + 2);
    // The date in Paris, the company's name and address.
    expect(lines).toContain("Le 28 novembre 2026");
    expect(at("CONCURRENCE SARL")).toBeGreaterThan(-1);
    expect(at("3 BOULEVARD VOLTAIRE")).toBeGreaterThan(at("CONCURRENCE SARL"));
    expect(at("75011 PARIS 11")).toBe(at("3 BOULEVARD VOLTAIRE") + 1);
    // The reference, and the text with its paragraphs, placeholders filled.
    expect(lines).toContain(`Référence : ${letterRef}`);
    expect(lines).toContain("Madame, Monsieur,");
    expect(text).toContain(`L'entreprise CONCURRENCE SARL (SIREN ${SEED.concurrence.siren}) est invitée à vérifier ses déclarations.`);
    expect(lines).toContain(`Référence à rappeler : ${letterRef}.`);
    expect(lines).toContain("Le service SIE Paris 11e");
    // Line by line, in this order: letterhead, date, object, company, reference, paragraphs.
    const order = [
      "SIE Paris 11e",
      "Le 28 novembre 2026",
      "Objet : Vérification de vos déclarations",
      `CONCURRENCE SARL — SIREN ${SEED.concurrence.siren}`,
      `Référence : ${letterRef}`,
      "TVA — Information",
      "Madame, Monsieur,",
      `L'entreprise CONCURRENCE SARL (SIREN ${SEED.concurrence.siren}) est invitée à vérifier ses déclarations.`,
      `Référence à rappeler : ${letterRef}.`,
      "Le service SIE Paris 11e",
    ];
    const positions = order.map((l, i) => (i === order.length - 1 ? lines.lastIndexOf(l) : at(l)));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // No stray character: no carriage return, no empty placeholder, no « TVA (TVA) ».
    expect(text).not.toMatch(/\r|\{\{|\}\}|\uFFFD/);
    expect(text).not.toContain("TVA (TVA)");
    expect(text).not.toMatch(/Référence à rappeler : \./);
  });
});
