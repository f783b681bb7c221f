import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { generate } from "otplib";
import { seedReferenceData } from "../helpers/app.js";
import { fromMailCatcher, startBrowserApp, type BrowserApp } from "../helpers/browser.js";
import { makeAgent } from "../../src/app/factories.js";
import { WEB_DIST } from "../../src/app/http.js";

const PASSWORD = "Vingt-Trois-Lapins-Bleus";
const AGENT_SECRET = "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B";

let app: BrowserApp;
let base: string;

beforeAll(async () => {
  if (!existsSync(join(WEB_DIST, "index.html"))) throw new Error("the web UI is not built: run `npm run build:web` first");
  app = await startBrowserApp();
  base = app.base;
  await seedReferenceData(app.ctx);
  await makeAgent(app.ctx, {
    email: "agent.paris11@dgfip.test",
    name: "Paul Agent",
    services: ["SIE-75111"],
    password: "Guichet-Fiscal-Solide-42",
    totpSecret: AGENT_SECRET,
  });
});
afterAll(async () => app?.stop());

const newPage = (): Promise<Page> => app.newPage();
const codeFromMailCatcher = (_page: Page, to: string, pattern: RegExp) => fromMailCatcher(app, to, pattern);

describe("browser journeys", () => {
  it("creates an expert space, verifies it, signs in from a new device and reaches an empty « mon espace »", async () => {
    const page = await newPage();
    const email = "lila.rosemonde@gestion.com";
    await page.goto(base);
    await page.getByRole("heading", { level: 1 }).waitFor();
    await page.getByRole("link", { name: "Créer mon espace professionnel" }).first().click();
    await page.waitForURL(`${base}/creer-un-espace`);
    await page.getByRole("heading", { level: 1, name: "Créer mon espace professionnel" }).waitFor();
    expect(await page.title()).toContain("Créer mon espace professionnel");

    await page.getByLabel(/^Adresse électronique de connexion/).fill(email);
    await page.getByLabel(/^Mot de passe/).fill(PASSWORD);
    await page.getByLabel("Prénom").fill("Lila");
    await page.getByLabel("Nom", { exact: true }).fill("Rosemonde");
    await page.getByLabel("Téléphone").fill("04 72 00 00 00");
    await page.getByLabel("SIREN de l'entité à laquelle vous appartenez").fill("845 123 900");
    await page.getByRole("button", { name: "Créer mon espace" }).click();
    await page.waitForURL(/\/valider-mon-adresse/);
    await page.getByText(/Votre demande de création est enregistrée/).waitFor();

    const code = await codeFromMailCatcher(page, email, /code de validation : ([0-9A-Z]{4}-[0-9A-Z]{4})/);
    await page.getByLabel("Code de validation").fill(code.toLowerCase());
    await page.getByRole("button", { name: "Valider" }).click();
    await page.getByRole("heading", { name: "Votre espace est activé" }).waitFor();

    await page.getByRole("link", { name: "Se connecter" }).last().click();
    await page.getByLabel("Adresse électronique de connexion").fill(email);
    await page.getByLabel("Mot de passe", { exact: true }).fill("mauvais-mot-de-passe");
    await page.getByRole("button", { name: "Se connecter" }).click();
    // The refusal is in the error summary, which receives the focus.
    await page.locator(":focus", { hasText: "Adresse électronique ou mot de passe incorrect." }).waitFor();
    await page.getByLabel("Mot de passe", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Se connecter" }).click();
    await page.waitForURL(`${base}/connexion/appareil`);

    // The device code arrives by mail; the page keeps the address in its state, so the catcher opens in another tab.
    const deviceCode = await codeFromMailCatcher(page, email, /Code de connexion : (\d{6})/);
    // A wrong code: the field is in error and takes the focus back; the attempts left are in its hint, after its label.
    await page.getByLabel(/^Code de connexion/).fill(deviceCode === "000000" ? "111111" : "000000");
    await page.getByRole("button", { name: "Valider" }).click();
    await page.locator("#champ-code:focus").waitFor();
    expect(await page.locator("#champ-code").getAttribute("aria-invalid")).toBe("true");
    expect(await page.locator("label[for=champ-code] .fr-hint-text").textContent()).toMatch(/Il vous reste 4 essais\.$/);
    expect(await page.getByText("Code de connexion incorrect.").getAttribute("id")).toBe(await page.locator("#champ-code").getAttribute("aria-describedby"));
    await page.getByLabel(/^Code de connexion/).fill(deviceCode);
    await page.getByRole("button", { name: "Valider" }).click();
    await page.waitForURL(`${base}/mon-espace`);
    await page.getByText("Aucune entreprise", { exact: true }).waitFor();
    await page.getByText(email).waitFor();

    // Signing out ends the session; « mon espace » then sends back to the sign-in page.
    await page.getByRole("button", { name: "Se déconnecter" }).click();
    await page.waitForURL(`${base}/`);
    await page.goto(`${base}/mon-espace`);
    await page.waitForURL(`${base}/connexion`);

    // The device is remembered: the next sign-in needs no code.
    await page.getByLabel("Adresse électronique de connexion").fill(email);
    await page.getByLabel("Mot de passe", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Se connecter" }).click();
    await page.waitForURL(`${base}/mon-espace`);
    await page.close();
  });

  it("signs an agent in with password and TOTP to the back-office home", async () => {
    const page = await newPage();
    await page.goto(`${base}/agent/connexion`);
    await page.getByLabel("Adresse électronique professionnelle").fill("agent.paris11@dgfip.test");
    // Wrong credentials: the summary takes the focus and links to the password field, which is in error, its message tied to it.
    await page.getByLabel("Mot de passe", { exact: true }).fill("pas-le-bon-mot-de-passe");
    await page.getByLabel("Code de votre application d'authentification").fill("000000");
    await page.getByRole("button", { name: "Se connecter" }).click();
    await page.locator(":focus", { hasText: "Le formulaire contient une erreur" }).waitFor();
    const password = page.getByLabel("Mot de passe", { exact: true });
    expect(await password.getAttribute("aria-invalid")).toBe("true");
    const described = (await password.getAttribute("aria-describedby")) ?? "";
    expect(await page.locator(`[id="${described.split(" ")[0]}"]`).textContent()).toContain("Adresse électronique, mot de passe ou code TOTP incorrect.");
    await page.getByRole("link", { name: /^Mot de passe : / }).click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("champ-password");
    await page.getByLabel("Mot de passe", { exact: true }).fill("Guichet-Fiscal-Solide-42");
    await page.getByLabel("Code de votre application d'authentification").fill(await generate({ secret: AGENT_SECRET }));
    await page.getByRole("button", { name: "Se connecter" }).click();
    await page.waitForURL(`${base}/agent`);
    await page.getByText("SIE Paris 11e").waitFor();
    await page.getByText("Aucune demande à traiter").waitFor();
    await page.close();
  });

  it("is usable with the keyboard alone and breaks no Content-Security-Policy rule", async () => {
    const page = await newPage();
    await page.goto(`${base}/connexion`);
    // The page is drawn by the script: wait for it, then the first Tab reaches the skip links: the content can be reached without the mouse.
    await page.getByRole("heading", { level: 1, name: "Se connecter à mon espace professionnel" }).waitFor();
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => document.activeElement?.textContent ?? "");
    expect(focused).toContain("Contenu");
    // Every input of the sign-in form has a label.
    const unlabelled = await page.$$eval("main input", (inputs) => inputs.filter((i) => !(i as HTMLInputElement).labels?.length).length);
    expect(unlabelled).toBe(0);
    expect(await page.getAttribute("html", "lang")).toBe("fr");

    // Sign in with the keyboard alone: Tab to the address, type, Tab to the password, type, Enter.
    const focusedLabel = () => page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.labels?.[0]?.textContent?.trim() ?? "");
    for (let i = 0; i < 40 && !(await focusedLabel()).startsWith("Adresse électronique de connexion"); i++) await page.keyboard.press("Tab");
    expect(await focusedLabel()).toMatch(/^Adresse électronique de connexion/);
    await page.keyboard.type("personne.inconnue@gestion.com");
    await page.keyboard.press("Tab");
    expect(await focusedLabel()).toMatch(/^Mot de passe/);
    await page.keyboard.type("mauvais-mot-de-passe");
    await page.keyboard.press("Enter");
    // Refused: the focus lands on the error summary, which names the problem and keeps the reference apart.
    const summary = page.locator(":focus", { hasText: "Adresse électronique ou mot de passe incorrect." });
    await summary.waitFor();
    expect(await summary.textContent()).toMatch(/Référence de l'erreur : [0-9a-f-]{36}/);
    expect(await page.locator("[role=alert] [role=alert]").count()).toBe(0);
    await page.close();
    expect(app.cspViolations).toEqual([]);
  });
});
