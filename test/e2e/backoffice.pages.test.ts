import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { generate } from "otplib";
import { call, CookieJar } from "../helpers/app.js";
import { agentSignsInThroughUi, axeViolations, robertDelegatesVatToLila, startBrowserApp, type BrowserApp } from "../helpers/browser.js";
import { makeAgent } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";

/**
 * The back office's pages in the states an agent meets them (issue 24): a request with a reply draft stopped by a
 * colleague's answer, the companies' desk and a company's desk, the supervisors' dashboard. None has an axe
 * violation at 1280 or 390 px wide, and each names its tab on its own.
 */
const PASSWORD = "Guichet-Fiscal-Solide-42";
const PAUL = { email: "agent.paris11@dgfip.test", secret: "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B" };
const PIERRE = { email: "pierre.paris11@dgfip.test", secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" };
const SOPHIE = { email: "superviseure.paris11@dgfip.test", secret: "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U" };
const SUBJECT = "Crédit de TVA du trimestre";
const SITE = "Messagerie Pro (agents)";

let app: BrowserApp;
let paul: Page;
let request: { id: string; reference: string };
/** Each page's tab title, by page: all different. */
const titles = new Map<string, string>();

beforeAll(async () => {
  app = await startBrowserApp();
  const { lila } = await robertDelegatesVatToLila(app);
  const filed = await call(app.app, "POST", "/api/v1/requests", {
    jar: lila,
    body: { siren: SEED.martin.siren, tax: "TVA", nature: "remboursement_credit_tva", subject: SUBJECT, body: "Bonjour", uploadIds: [] },
  });
  request = filed.body as { id: string; reference: string };
  await makeAgent(app.ctx, { email: PAUL.email, name: "Paul Agent", services: ["SIE-75111"], password: PASSWORD, totpSecret: PAUL.secret });
  await makeAgent(app.ctx, { email: PIERRE.email, name: "Pierre Collègue", services: ["SIE-75111"], password: PASSWORD, totpSecret: PIERRE.secret });
  await makeAgent(app.ctx, {
    email: SOPHIE.email,
    name: "Sophie Superviseure",
    services: ["SIE-75111"],
    isSupervisor: true,
    password: PASSWORD,
    totpSecret: SOPHIE.secret,
  });
  // One sign-in of Paul for the file (a TOTP code is accepted once); Pierre and Sophie sign in once each.
  paul = await app.newPage();
  await agentSignsInThroughUi(app, paul, PAUL);
}, 120_000);
afterAll(async () => app?.stop());

/** axe at full width and at 390 px, the page as it is (nothing reloaded between the two). */
async function axeAtBothWidths(page: Page, name: string): Promise<Record<string, string[]>> {
  const found: Record<string, string[]> = {};
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    found[`${name} @${width}`] = await axeViolations(page);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  return found;
}
const clean = (found: Record<string, string[]>) => Object.fromEntries(Object.keys(found).map((k) => [k, []]));

describe("the back office's pages (issue 24)", () => {
  it("a request with a reply draft and the warning that a colleague answered first", async () => {
    await paul.goto(`${app.base}/agent/demandes/${request.id}`);
    await paul.getByRole("heading", { name: `${request.reference} — ${SUBJECT}` }).waitFor();
    await paul.getByLabel("Message à l'entreprise").fill("Bonjour, votre crédit sera remboursé.");
    // Pierre answers meanwhile (through the API): Paul's reply, begun before, is stopped.
    const pierre = new CookieJar();
    const signed = await call(app.app, "POST", "/api/v1/backoffice/session", {
      jar: pierre,
      body: { email: PIERRE.email, password: PASSWORD, totp: await generate({ secret: PIERRE.secret }) },
    });
    expect(signed.status).toBe(200);
    const version = (await call(app.app, "GET", `/api/v1/backoffice/requests/${request.id}`, { jar: pierre })).body.version as number;
    const answered = await call(app.app, "POST", `/api/v1/backoffice/requests/${request.id}/messages`, {
      jar: pierre,
      body: { body: "Bonjour, nous examinons votre demande.", status: "answered", version },
    });
    expect(answered.status, JSON.stringify(answered.body)).toBe(201);
    await paul.getByRole("button", { name: "Envoyer", exact: true }).click();
    await paul.getByTestId("reply-conflict").getByText("Votre réponse n'a pas été envoyée").waitFor();
    expect(await paul.title()).toBe(`Demande ${request.reference} — ${SUBJECT} — ${SITE}`);
    titles.set("request", await paul.title());
    const found = await axeAtBothWidths(paul, "request");
    expect(found).toEqual(clean(found));
  }, 120_000);

  it("the companies' desk from the menu, its search as one types, then a company's desk", async () => {
    await paul.goto(`${app.base}/agent`);
    await paul.getByRole("navigation", { name: "Espace agent" }).getByRole("link", { name: "Guichet entreprises" }).click();
    await paul.waitForURL(`${app.base}/agent/entreprises`);
    await paul.getByRole("heading", { level: 1, name: "Guichet entreprises" }).waitFor();
    titles.set("desk search", await paul.title());
    const field = paul.getByRole("combobox", { name: /Entreprise/ });
    await field.fill("martin distri");
    await paul.getByRole("option", { name: /MARTIN DISTRIBUTION/ }).waitFor();
    const found = await axeAtBothWidths(paul, "desk search, list open");
    // Chosen with the keyboard: the company's desk opens.
    await field.press("ArrowDown");
    await field.press("Enter");
    await paul.waitForURL(`${app.base}/agent/entreprises/${SEED.martin.siren}`);
    await paul.getByRole("heading", { level: 2, name: new RegExp(`MARTIN DISTRIBUTION — SIREN ${SEED.martin.siren}`) }).waitFor();
    await paul.getByRole("table", { name: /Courriers/ }).waitFor();
    await paul
      .getByText(/75011 PARIS/)
      .first()
      .waitFor();
    expect(await paul.title()).toBe(`MARTIN DISTRIBUTION (${SEED.martin.siren}) — Guichet des adhésions — ${SITE}`);
    titles.set("company desk", await paul.title());
    Object.assign(found, await axeAtBothWidths(paul, "company desk"));
    expect(found).toEqual(clean(found));
  }, 120_000);

  it("the supervisors' dashboard, with its table per agent", async () => {
    const sophie = await app.newPage();
    await agentSignsInThroughUi(app, sophie, SOPHIE);
    await sophie.getByRole("heading", { level: 1, name: "File d'attente" }).waitFor();
    titles.set("queue", await sophie.title());
    await sophie.getByRole("navigation", { name: "Espace agent" }).getByRole("link", { name: "Tableau de bord" }).click();
    await sophie.getByRole("heading", { name: "Par agent" }).waitFor();
    const row = sophie.getByRole("row", { name: /Pierre Collègue/ });
    await row.waitFor();
    expect(await row.textContent()).toMatch(/Pierre Collègue1/);
    expect(await sophie.getByRole("row", { name: /Sophie Superviseure/ }).textContent()).toContain("sans réponse sur la période");
    titles.set("dashboard", await sophie.title());
    const found = await axeAtBothWidths(sophie, "dashboard");
    expect(found).toEqual(clean(found));

    expect(titles.get("dashboard")).toBe(`Tableau de bord — ${SITE}`);
    expect(titles.get("queue")).toBe(`File d'attente — ${SITE}`);
    expect(titles.get("desk search")).toBe(`Guichet entreprises — ${SITE}`);
    expect(new Set(titles.values()).size).toBe(titles.size);
  }, 120_000);
});
