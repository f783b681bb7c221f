import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { agentSignsInThroughUi, axeViolations, robertDelegatesVatToLila, startBrowserApp, type BrowserApp } from "../helpers/browser.js";
import { call } from "../helpers/app.js";
import { makeAgent } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";

/**
 * Answer templates managed by supervisors (product §18): written with a live preview and placeholders inserted at
 * the cursor, edited, then inserted from a request's page; the page passes axe for a supervisor and a plain agent.
 */
const AGENT_PASSWORD = "Guichet-Fiscal-Solide-42";
// A TOTP code is accepted once: each agent signs in once, on a page of his own kept for the whole file.
const SOPHIE = { email: "superviseure.modeles@dgfip.test", secret: "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U" };
const PAUL = { email: "agent.modeles@dgfip.test", secret: "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B" };
let app: BrowserApp;
let sophie: Page;
let paul: Page;
let request: { id: string; reference: string };

beforeAll(async () => {
  app = await startBrowserApp();
  const { lila } = await robertDelegatesVatToLila(app);
  const filed = await call(app.app, "POST", "/api/v1/requests", {
    jar: lila,
    body: { siren: SEED.martin.siren, tax: "TVA", nature: "question", subject: "Pièces du dossier", body: "Bonjour", uploadIds: [] },
  });
  request = filed.body as { id: string; reference: string };
  await makeAgent(app.ctx, {
    email: SOPHIE.email,
    name: "Sophie Superviseure",
    services: ["SIE-75111"],
    isSupervisor: true,
    password: AGENT_PASSWORD,
    totpSecret: SOPHIE.secret,
  });
  await makeAgent(app.ctx, {
    email: PAUL.email,
    name: "Paul Agent",
    services: ["SIE-75111"],
    isSupervisor: false,
    password: AGENT_PASSWORD,
    totpSecret: PAUL.secret,
  });
  sophie = await app.newPage();
  await agentSignsInThroughUi(app, sophie, SOPHIE);
  paul = await app.newPage();
  await agentSignsInThroughUi(app, paul, PAUL);
}, 120_000);
afterAll(async () => app?.stop());

/** The text typed so far, the cursor put at `at` (a click somewhere in the text, as an agent would). */
const putCursor = (page: Page, at: number) =>
  page.getByLabel("Texte du modèle").evaluate((el, n) => {
    (el as HTMLTextAreaElement).focus();
    (el as HTMLTextAreaElement).setSelectionRange(n, n);
  }, at);

describe("answer templates (product §18)", () => {
  it("a supervisor writes a template with its preview, edits it, and inserts it from a request's page", async () => {
    // The request page first: its template picker is in the cache when the template changes.
    await sophie.goto(`${app.base}/agent/demandes/${request.id}`);
    await sophie.getByLabel("Message à l'entreprise").waitFor();
    await sophie.getByRole("link", { name: "Modèles de réponse" }).click();
    await sophie.getByRole("heading", { level: 1, name: "Modèles de réponse" }).waitFor();
    expect(await sophie.title()).toBe("Modèles de réponse — Messagerie Pro (agents)");

    await sophie.getByRole("button", { name: "Nouveau modèle" }).click();
    await sophie.getByRole("heading", { name: "Nouveau modèle de réponse" }).waitFor();
    await sophie.getByRole("textbox", { name: /^Titre/ }).fill("Pièces manquantes");
    const text = sophie.getByLabel("Texte du modèle");
    await text.fill("Bonjour,\n\nPour la demande , merci d'envoyer les pièces.");
    // The cursor after « demande »: the placeholder goes there, not at the end.
    await putCursor(sophie, "Bonjour,\n\nPour la demande ".length);
    await sophie.getByRole("button", { name: /^\{\{reference\}\}/ }).click();
    expect(await text.inputValue()).toBe("Bonjour,\n\nPour la demande {{reference}}, merci d'envoyer les pièces.");
    expect(await sophie.evaluate(() => document.activeElement?.tagName)).toBe("TEXTAREA");
    await sophie.keyboard.type(" de {{raison_social}}");
    // An unknown placeholder is pointed out before the server would refuse it.
    await sophie.getByText("Variable inconnue : {{raison_social}}.").waitFor();
    await text.fill("Bonjour,\n\nPour la demande {{reference}} de ");
    await sophie.keyboard.press("End");
    await sophie.getByRole("button", { name: /^\{\{raison_sociale\}\}/ }).click();
    await sophie.keyboard.type(" (SIREN ");
    await sophie.getByRole("button", { name: /^\{\{siren\}\}/ }).click();
    await sophie.keyboard.type("), merci d'envoyer les pièces.");
    const preview = sophie.getByTestId("apercu-modele");
    const year = new Date().getFullYear();
    await expect
      .poll(() => preview.textContent())
      .toBe(`Bonjour,\n\nPour la demande ${year}-SIE-75111-0000123 de MARTIN DISTRIBUTION (SIREN 123 456 789), merci d'envoyer les pièces.`);
    expect(await axeViolations(sophie)).toEqual([]);
    await sophie.getByRole("button", { name: "Créer le modèle" }).click();
    await sophie.getByText("Modèle « Pièces manquantes » créé.").waitFor();
    await sophie.getByRole("heading", { level: 3, name: "Pièces manquantes" }).waitFor();

    // Edited: a new title, the agent's name at the end; the preview shows the supervisor's own name.
    await sophie.getByRole("button", { name: "Modifier le modèle « Pièces manquantes »" }).click();
    await sophie.getByRole("heading", { name: "Modifier le modèle « Pièces manquantes »" }).waitFor();
    await sophie.getByRole("textbox", { name: /^Titre/ }).fill("Pièces à fournir");
    await putCursor(sophie, (await text.inputValue()).length);
    await sophie.keyboard.type("\n\n");
    await sophie.getByRole("button", { name: /^\{\{agent\}\}/ }).click();
    await expect.poll(() => preview.textContent()).toMatch(/merci d'envoyer les pièces\.\n\nSophie Superviseure$/);
    await sophie.getByRole("button", { name: "Enregistrer les modifications" }).click();
    await sophie.getByText("Modèle « Pièces à fournir » enregistré.").waitFor();
    expect(await sophie.getByRole("heading", { level: 3, name: "Pièces manquantes" }).count()).toBe(0);

    // Back on the request page (within the cache's freshness): its picker has the edited template, filled in.
    await sophie.goBack();
    const reply = sophie.getByLabel("Message à l'entreprise");
    await reply.fill("Madame, Monsieur,\n");
    await sophie.getByLabel("Modèle de réponse").selectOption({ label: "Pièces à fournir" });
    await sophie.getByRole("button", { name: "Insérer le modèle" }).click();
    expect(await reply.inputValue()).toBe(
      `Madame, Monsieur,\nBonjour,\n\nPour la demande ${request.reference} de MARTIN DISTRIBUTION (SIREN ${SEED.martin.siren}), merci d'envoyer les pièces.\n\nSophie Superviseure`,
    );
  });

  it("a deletion is confirmed in a dialog", async () => {
    await sophie.goto(`${app.base}/agent/modeles`);
    await sophie.getByRole("button", { name: "Nouveau modèle" }).click();
    await sophie.getByRole("textbox", { name: /^Titre/ }).fill("Brouillon à supprimer");
    await sophie.getByLabel("Texte du modèle").fill("Cordialement,\n{{service}}");
    await sophie.getByRole("button", { name: "Créer le modèle" }).click();
    await sophie.getByText("Modèle « Brouillon à supprimer » créé.").waitFor();
    await sophie.getByRole("button", { name: "Supprimer le modèle « Brouillon à supprimer »" }).click();
    const dialog = sophie.getByRole("dialog", { name: "Supprimer le modèle « Brouillon à supprimer » ?" });
    await dialog.waitFor();
    expect(await axeViolations(sophie)).toEqual([]);
    await dialog.getByRole("button", { name: "Annuler" }).click();
    await dialog.waitFor({ state: "hidden" });
    await sophie.getByRole("heading", { level: 3, name: "Brouillon à supprimer" }).waitFor();
    await sophie.getByRole("button", { name: "Supprimer le modèle « Brouillon à supprimer »" }).click();
    await dialog.getByRole("button", { name: "Supprimer le modèle" }).click();
    await sophie.getByText("Modèle « Brouillon à supprimer » supprimé.").waitFor();
    await sophie.getByRole("heading", { level: 3, name: "Brouillon à supprimer" }).waitFor({ state: "detached" });
  });

  it("searches by title and filters by service; a plain agent reads the list without writing", async () => {
    await paul.goto(`${app.base}/agent/modeles`);
    await paul.getByRole("heading", { level: 3, name: "Pièces à fournir" }).waitFor();
    await paul.getByText(/rédigés par leurs superviseurs/).waitFor();
    expect(await paul.getByRole("button", { name: /Nouveau modèle|Modifier|Supprimer/ }).count()).toBe(0);
    await paul.getByLabel("Rechercher par titre").fill("relance");
    await paul.getByText("Aucun modèle ne correspond.").waitFor();
    await paul.getByLabel("Rechercher par titre").fill("PIÈCES");
    await paul.getByRole("heading", { level: 3, name: "Pièces à fournir" }).waitFor();
    await paul.getByLabel("Service").selectOption({ label: "SIE Paris 11e" });
    await paul.getByText("1 modèle").waitFor();
  });

  it("passes axe at 1280 and 390 px, for a supervisor (list and form) and for a plain agent", async () => {
    const found: Record<string, string[]> = {};
    for (const width of [1280, 390]) {
      for (const [who, page] of [
        ["superviseure", sophie],
        ["agent", paul],
      ] as const) {
        await page.setViewportSize({ width, height: 900 });
        await page.goto(`${app.base}/agent/modeles`);
        await page.getByRole("heading", { level: 3, name: "Pièces à fournir" }).waitFor();
        found[`${who} liste @${width}`] = await axeViolations(page);
        if (who === "superviseure") {
          await page.getByRole("button", { name: "Modifier le modèle « Pièces à fournir »" }).click();
          await page.getByTestId("apercu-modele").waitFor();
          found[`${who} formulaire @${width}`] = await axeViolations(page);
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
          expect(overflow, `page wider than ${width} px`).toBeLessThanOrEqual(width);
        }
      }
    }
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
  });
});
