import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedReferenceData } from "../helpers/app.js";
import { fromLetterBox, fromMailCatcher, signInThroughUi, startBrowserApp, type BrowserApp } from "../helpers/browser.js";
import { makeActiveSpace } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";

const PASSWORD = "Vingt-Trois-Lapins-Bleus";
const ROBERT = "robert.lambda@martindistribution.com";
let app: BrowserApp;

beforeAll(async () => {
  app = await startBrowserApp();
  await seedReferenceData(app.ctx);
});
afterAll(async () => app?.stop());

describe("the seed's stories in the browser", () => {
  it("Robert Lambda creates his space in simplified mode and ends up administrator of every service of Martin distribution", async () => {
    const page = await app.newPage();
    await page.goto(`${app.base}/creer-un-espace`);
    await page.locator("label", { hasText: "Mode simplifié" }).click();
    await page.getByLabel(/^SIREN de votre entreprise/).fill("812 345 676");
    await page.getByLabel(/^Adresse électronique de connexion/).fill(ROBERT);
    await page.getByLabel(/^Mot de passe/).fill(PASSWORD);
    await page.getByLabel("Prénom").fill("Robert");
    await page.getByLabel("Nom", { exact: true }).fill("Lambda");
    await page.getByLabel("Téléphone").fill("01 43 00 00 00");
    await page.getByRole("button", { name: "Créer mon espace" }).click();
    await page.getByRole("heading", { name: "Confirmez l'adresse de votre entreprise" }).waitFor();

    // The link arrives at the company address (here also Robert's connection address).
    const link = await fromMailCatcher(app, ROBERT, /(http:\/\/\S+\/company-email\/confirm\?token=[\w-]+)/);
    await page.goto(link);
    await page.getByText(`${ROBERT}`).first().waitFor();
    await page.getByRole("button", { name: "Confirmer l'adresse" }).click();
    await page.getByRole("heading", { name: "Adresse confirmée" }).waitFor();

    const code = await fromLetterBox(app, SEED.martin.siren, "activationCode");
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);

    await signInThroughUi(app, page, ROBERT, PASSWORD);
    await page.getByText(/Un courrier a été envoyé le .* à l'adresse de l'entreprise ; saisissez le code reçu/).waitFor();
    await page.getByLabel(/^Code d'activation reçu par courrier — MARTIN DISTRIBUTION/).fill(code.toLowerCase());
    await page.getByRole("button", { name: "Activer" }).click();
    // The form leaves the list; a success takes its place, and the focus, naming the company and what he may now do.
    const done = page.getByRole("status").filter({ hasText: "Adhésion activée : vous agissez désormais pour MARTIN DISTRIBUTION" });
    await done.waitFor();
    expect(await done.textContent()).toContain(
      "Vous êtes administrateur de MARTIN DISTRIBUTION (SIREN 812345676) pour : Messagerie sécurisée, Consulter le compte fiscal, Déclarer la TVA, Payer la TVA, Payer l'IS, Consulter et payer la CFE, Payer la taxe sur les salaires. Vous pouvez dès maintenant écrire à l'administration pour cette entreprise",
    );
    expect(await page.evaluate(() => document.activeElement?.textContent ?? "")).toContain("Adhésion activée");
    await done.getByRole("link", { name: "Écrire pour MARTIN DISTRIBUTION" }).waitFor();
    const services = page.getByRole("list", { name: "Services détenus pour MARTIN DISTRIBUTION" });
    await services.waitFor();
    expect(await services.getByRole("listitem").allTextContents()).toEqual([
      "Messagerie sécurisée (administrateur)",
      "Consulter le compte fiscal (administrateur)",
      "Déclarer la TVA (administrateur)",
      "Payer la TVA (administrateur)",
      "Payer l'IS (administrateur)",
      "Consulter et payer la CFE (administrateur)",
      "Payer la taxe sur les salaires (administrateur)",
    ]);
    await page.close();
  });

  it("a competitor asks to adhere to Martin distribution; the letter names him; the opposition code stops him for 90 days", async () => {
    const rival = "marc.rival@concurrence.fr";
    await makeActiveSpace(app.ctx, { email: rival, password: PASSWORD, firstName: "Marc", lastName: "Rival", siren: SEED.concurrence.siren });
    const page = await app.newPage();
    await signInThroughUi(app, page, rival, PASSWORD);
    await page.getByRole("link", { name: "Adhérer à un service" }).click();
    // A SIREN one digit short: the field says exactly what is wrong.
    await page.getByLabel(/^SIREN de l'entreprise/).fill(SEED.martin.siren.slice(0, 8));
    await page.getByRole("button", { name: "Envoyer la demande" }).click();
    await page.locator(".fr-input-group--error", { hasText: "Le SIREN compte 9 chiffres ; vous en avez saisi 8." }).waitFor();
    await page.getByLabel(/^SIREN de l'entreprise/).fill(SEED.martin.siren);
    await page.locator("label", { hasText: "Représentant légal de l'entreprise" }).click();
    await page.locator("label", { hasText: "Consulter le compte fiscal" }).click();
    await page.getByRole("button", { name: "Envoyer la demande" }).click();
    await page.waitForURL(`${app.base}/mon-espace`);
    await page.getByText("Courrier envoyé", { exact: true }).waitFor();

    const requester = await fromLetterBox(app, SEED.martin.siren, "requester");
    expect(requester).toContain("Marc Rival");
    expect(requester).toContain(rival);
    const oppositionCode = await fromLetterBox(app, SEED.martin.siren, "oppositionCode");

    // Robert, who received the letter, opposes without signing in.
    const robertPage = await app.newPage();
    await robertPage.goto(`${app.base}/opposition`);
    await robertPage.getByLabel(/^SIREN de votre entreprise/).fill(SEED.martin.siren);
    await robertPage.getByLabel(/^Code d'opposition/).fill(oppositionCode);
    await robertPage.getByRole("button", { name: "M'opposer à cette demande" }).click();
    await robertPage.getByText("La demande d'adhésion est annulée").waitFor();
    await robertPage.close();

    await page.reload();
    await page.getByText("Refusée par l'entreprise").waitFor();
    await page.goto(`${app.base}/adherer`);
    await page.getByLabel(/^SIREN de l'entreprise/).fill(SEED.martin.siren);
    await page.getByRole("button", { name: "Envoyer la demande" }).click();
    // Under the field, and in the error summary (which takes the focus) as a link to it.
    const refusal = /L'entreprise s'est opposée à votre précédente demande : vous ne pouvez pas adhérer à ses services avant le/;
    await page.locator(".fr-input-group--error", { hasText: refusal }).waitFor();
    await page.locator(":focus").getByRole("link", { name: refusal }).waitFor();
    await page.close();
    expect(app.cspViolations).toEqual([]);
  });
});
