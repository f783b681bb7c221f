import { correspondenceDepsOf } from "../../src/app/context.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { axeViolations, robertDelegatesVatToLila, signInThroughUi, startBrowserApp, STORY, type BrowserApp } from "../helpers/browser.js";
import { call } from "../helpers/app.js";
import { makeAgent } from "../../src/app/factories.js";
import { totpNow } from "../../src/modules/backoffice/index.js";
import { SEED } from "../../src/app/demo.js";
import { openThread, runCampaign, submitCampaign } from "../../src/modules/correspondence/index.js";

/** Every page of both sides, in its normal state and its error state, passes axe (WCAG 2.1 A and AA). */
const AGENT = { email: "agent.axe@dgfip.test", password: "Guichet-Fiscal-Solide-42", secret: "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B" };

let app: BrowserApp;
let requestId: string;
let threadId: string;
let campaignId: string;
beforeAll(async () => {
  app = await startBrowserApp();
  const { lila } = await robertDelegatesVatToLila(app);
  const filed = await call(app.app, "POST", "/api/v1/requests", {
    jar: lila,
    body: { siren: SEED.martin.siren, tax: "TVA", nature: "question", subject: "Accessibilité", body: "Bonjour", uploadIds: [] },
  });
  requestId = filed.body.id;
  const agent = await makeAgent(app.ctx, {
    email: AGENT.email,
    name: "Agent Axe",
    services: ["SIE-75111"],
    isSupervisor: true,
    password: AGENT.password,
    totpSecret: AGENT.secret,
  });
  // A thread the administration opened, and a campaign, for the pages that show them.
  const deps = correspondenceDepsOf(app.ctx);
  const scope = { id: agent.id, services: ["SIE-75111"], isSupervisor: true };
  const message = {
    tax: "TVA",
    nature: "demande_de_pieces",
    subject: "Pièces à fournir",
    body: "Bonjour {{raison_sociale}}",
    acknowledgementRequired: true,
    repliesAllowed: true,
  };
  threadId = (await openThread(deps, scope, { ...message, siren: SEED.martin.siren, uploadIds: [] })).id;
  campaignId = (
    await submitCampaign(deps, scope, { ...message, fileName: "liste.csv", csv: Buffer.from(`siren\n${SEED.martin.siren}\n${SEED.concurrence.siren}\n`) })
  ).campaignId;
  await runCampaign(deps, campaignId);
}, 120_000);
afterAll(async () => app?.stop());

/**
 * The header's links and buttons shown now (the phone menu's too, once open) that have no name: no text, visually
 * hidden or not, no `aria-label`, no `title`. An icon alone is no name for a screen reader.
 */
function unnamedHeaderControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const nameOf = (el: HTMLElement) => {
      const by = el.getAttribute("aria-labelledby");
      const labelled = by ? by.split(/\s+/).map((id) => document.getElementById(id)?.textContent ?? "") : [];
      return [el.innerText, el.getAttribute("aria-label"), el.getAttribute("title"), ...labelled].map((t) => (t ?? "").trim()).find(Boolean) ?? "";
    };
    return [...document.querySelectorAll<HTMLElement>("header a, header button")]
      .filter((el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden")
      .filter((el) => !nameOf(el))
      .map((el) => el.outerHTML.slice(0, 160));
  });
}

/** Opens `path`, waits for its heading (and `ready`, when given), and returns what axe finds. */
async function audit(page: Page, path: string, ready?: (p: Page) => Promise<unknown>): Promise<string[]> {
  await page.goto(`${app.base}${path}`);
  await page.getByRole("heading", { level: 1 }).first().waitFor();
  if (ready) await ready(page);
  return axeViolations(page);
}

describe("accessibility (axe, WCAG 2.1 AA)", () => {
  it("public pages, normal and refused", async () => {
    const page = await app.newPage();
    const found: Record<string, string[]> = {};
    for (const path of [
      "/",
      "/connexion",
      "/creer-un-espace",
      "/mot-de-passe-oublie",
      "/valider-mon-adresse",
      "/opposition",
      "/agent/connexion",
      "/mentions-legales",
      "/donnees-personnelles",
      "/gestion-des-cookies",
      "/plan-du-site",
      "/accessibilite",
      "/page-qui-n-existe-pas",
    ]) {
      found[path] = await audit(page, path);
    }
    found["/connexion (refusée)"] = await audit(page, "/connexion", async (p) => {
      await p.getByLabel(/^Adresse électronique de connexion/).fill("quelquun@exemple.fr");
      await p.getByLabel("Mot de passe", { exact: true }).fill("mauvais-mot-de-passe");
      await p.getByRole("button", { name: "Se connecter" }).click();
      // Under the password field, which is in error (the summary links to it).
      await p.getByText("Adresse électronique ou mot de passe incorrect.", { exact: true }).waitFor();
    });
    found["/creer-un-espace (refusée)"] = await audit(page, "/creer-un-espace", async (p) => {
      await p.getByRole("button", { name: "Créer mon espace" }).click();
      await p.getByText(/Le formulaire contient \d+ erreurs/).waitFor();
      // The summary names the fields as they are labelled, in the order they come in the form.
      const named = (await p.locator("a[href^='#champ-']").allTextContents()).map((t) => t.split(" : ")[0]);
      expect(named).toEqual([
        "SIREN de l'entité à laquelle vous appartenez",
        "Adresse électronique de connexion",
        "Mot de passe",
        "Prénom",
        "Nom",
        "Téléphone",
      ]);
    });
    await page.close();
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
  }, 120_000);

  it("the company side, signed in, normal and refused", async () => {
    const page = await app.newPage();
    await signInThroughUi(app, page, STORY.lila, STORY.password);
    const found: Record<string, string[]> = {};
    for (const path of [
      "/mon-espace",
      "/demandes",
      `/demandes/${requestId}`,
      `/demandes/${threadId}`,
      "/adherer",
      "/adherer/en-nombre",
      "/delegations/en-nombre",
      "/exports",
      "/equipes",
      "/logiciels-autorises",
      `/entreprises/${SEED.martin.siren}`,
      "/ecrire",
    ]) {
      found[path] = await audit(page, path);
    }
    found["/ecrire (refusée)"] = await audit(page, `/ecrire?siren=${SEED.martin.siren}`, async (p) => {
      await p.getByLabel("Impôt").selectOption("TVA");
      await p.getByLabel("Nature de la demande").selectOption("question");
      await p.getByRole("button", { name: "Envoyer la demande" }).click();
      await p.getByText(/Le formulaire contient \d+ erreurs/).waitFor();
    });
    // The header's controls have a name, on a wide screen and in the phone's menu.
    const unnamed: Record<string, string[]> = { wide: await unnamedHeaderControls(page) };
    // On a phone (390 px wide), the pages with tables scroll within their tables, never sideways as a whole.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${app.base}/mon-espace`);
    await page.getByRole("banner").getByRole("button", { name: "Menu" }).click();
    await page.getByRole("banner").getByRole("button", { name: "Fermer" }).waitFor();
    unnamed["phone menu"] = await unnamedHeaderControls(page);
    found["/mon-espace (menu du téléphone ouvert)"] = await axeViolations(page);
    expect(unnamed).toEqual({ wide: [], "phone menu": [] });
    const overflowing: Record<string, number> = {};
    for (const path of ["/mon-espace", "/demandes", `/entreprises/${SEED.martin.siren}`]) {
      await page.goto(`${app.base}${path}`);
      await page.getByRole("heading", { level: 1 }).first().waitFor();
      await page.waitForLoadState("networkidle");
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      if (width > 390) overflowing[path] = width;
    }
    await page.close();
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
    expect(overflowing).toEqual({});
  }, 180_000);

  it("the back office, signed in", async () => {
    const page = await app.newPage();
    await page.goto(`${app.base}/agent/connexion`);
    await page.getByLabel(/Adresse électronique/).fill(AGENT.email);
    await page.getByLabel("Mot de passe", { exact: true }).fill(AGENT.password);
    await page.getByLabel(/Code/).fill(await totpNow(AGENT.secret, new Date()));
    await page.getByRole("button", { name: /Se connecter/ }).click();
    await page.waitForURL(`${app.base}/agent`);
    const found: Record<string, string[]> = {};
    for (const path of [
      "/agent",
      `/agent/demandes/${requestId}`,
      `/agent/demandes/${threadId}`,
      `/agent/entreprises/${SEED.martin.siren}`,
      "/agent/recherche",
      "/agent/entreprises",
      "/agent/tableau-de-bord",
      "/agent/ecrire",
      "/agent/attente",
      "/agent/campagnes",
      "/agent/modeles",
    ]) {
      found[path] = await audit(page, path);
    }
    found[`/agent/campagnes/${campaignId}`] = await audit(page, `/agent/campagnes/${campaignId}`, (p) =>
      p.getByText("Lignes de la campagne").waitFor({ state: "attached" }),
    );
    found["/agent/ecrire (refusée)"] = await audit(page, "/agent/ecrire", async (p) => {
      await p.getByRole("combobox", { name: "Entreprise" }).fill("martin");
      await p.getByRole("option", { name: /MARTIN/ }).click();
      await p.getByLabel("Impôt").selectOption("TVA");
      await p.getByLabel("Nature du message").selectOption("information");
      await p.getByRole("button", { name: "Envoyer le message" }).click();
      await p
        .getByText(/Le formulaire contient|Objet/)
        .first()
        .waitFor();
    });
    await page.close();
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
  }, 180_000);
});
