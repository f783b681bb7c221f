import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as client from "openid-client";
import { seedReferenceData } from "../helpers/app.js";
import { axeViolations, signInThroughUi, startBrowserApp, type BrowserApp } from "../helpers/browser.js";
import { fromMailCatcher } from "../helpers/browser.js";
import { makeActiveSpace, makeCompany, makePortfolio, makeSimplifiedAdministrator } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";
import { withLuhnKey } from "../../src/modules/companies/index.js";
import { registerSoftware } from "../../src/modules/software/index.js";

const PASSWORD = "Vingt-Trois-Lapins-Bleus";
const CLAIRE = "cabinet.comptable@gestion.com";
const ROBERT = "robert.lambda@martindistribution.com";
const paris11 = { streetNumber: "10", streetType: "RUE", streetName: "OBERKAMPF", postalCode: "75011", communeName: "PARIS 11", communeCode: "75111" };
const BOULANGERIE = withLuhnKey("71000007");
const GARAGE = withLuhnKey("71000014");

let app: BrowserApp;
let software: Awaited<ReturnType<typeof registerSoftware>>;
let redirectUri: string;

beforeAll(async () => {
  app = await startBrowserApp();
  await seedReferenceData(app.ctx);
  const deps = { ...app.ctx, publicUrl: app.base };
  await makeSimplifiedAdministrator(deps, { email: ROBERT, password: PASSWORD, firstName: "Robert", lastName: "Lambda", siren: SEED.martin.siren });
  const { spaceId } = await makeActiveSpace(app.ctx, {
    email: CLAIRE,
    password: PASSWORD,
    firstName: "Claire",
    lastName: "Vasseur",
    siren: SEED.gestion.siren,
  });
  await makeCompany(app.ctx, { siren: BOULANGERIE, name: "BOULANGERIE DU CANAL", ...paris11 });
  await makeCompany(app.ctx, { siren: GARAGE, name: "GARAGE DES LILAS", ...paris11 });
  await makePortfolio(deps, {
    spaceId,
    sirens: [SEED.martin.siren, BOULANGERIE, GARAGE],
    services: ["messagerie"],
    companyEmail: (siren) => `contact.${siren}@clients.example`,
  });
  // The software's redirect URI: any page of this server (the browser lands there with the code).
  redirectUri = `${app.base}/retour-logiciel`;
  software = await registerSoftware(
    { db: app.ctx.db, clock: app.ctx.clock, oauthKey: app.ctx.config.oauthKey },
    { name: "Compta Express", redirectUris: [redirectUri], public: false },
  );
}, 180_000);
afterAll(async () => app?.stop());

describe("the consent page in Chromium", () => {
  it("Claire signs in from the software's link, chooses two companies with the keyboard only, and the software gets a token for those two", async () => {
    const config = await client.discovery(new URL(app.base), software.clientId, undefined, client.ClientSecretBasic(software.clientSecret!), {
      algorithm: "oauth2",
      execute: [client.allowInsecureRequests],
    });
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: "companies.read messagerie.read",
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
    });

    const page = await app.newPage();
    await page.goto(url.href);
    // Not signed in: the sign-in page, then back to the consent page.
    await page.waitForURL(/\/connexion\?retour=%2Fautorisation%2F/);
    await page.getByLabel(/^Adresse électronique de connexion/).fill(CLAIRE);
    await page.getByLabel("Mot de passe", { exact: true }).fill(PASSWORD);
    await page.getByLabel("Mot de passe", { exact: true }).press("Enter");
    await page.waitForURL(/\/connexion\/appareil/);
    await page.getByLabel("Code de connexion").fill(await fromMailCatcher(app, CLAIRE, /Code de connexion : (\d{6})/));
    await page.getByLabel("Code de connexion").press("Enter");
    await page.getByRole("heading", { level: 1, name: "Autoriser « Compta Express » à agir pour vous" }).waitFor();
    await page.getByText("Voir la liste de vos entreprises et vos droits sur chacune").waitFor();
    expect(await axeViolations(page)).toEqual([]);

    // Keyboard only: the combobox adds two companies, Tab reaches « Autoriser », Enter answers.
    const combobox = page.getByRole("combobox", { name: /Ajouter une entreprise/ });
    await combobox.focus();
    for (const [typed, name] of [
      ["boulan", "BOULANGERIE DU CANAL"],
      ["martin", SEED.martin.name],
    ] as const) {
      await page.keyboard.type(typed);
      await page.getByRole("option", { name: new RegExp(name) }).waitFor();
      await page.keyboard.press("ArrowDown");
      await page.keyboard.press("Enter");
      await page.getByRole("button", { name: new RegExp(`^Retirer ${name}`) }).waitFor();
    }
    expect(await axeViolations(page)).toEqual([]);
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press("Tab");
      if ((await page.evaluate(() => document.activeElement?.textContent?.trim())) === "Autoriser") break;
    }
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe("Autoriser");
    await page.keyboard.press("Enter");
    await page.waitForURL(new RegExp(`^${redirectUri}\\?`));

    const tokens = await client.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier, expectedState: state });
    const res = await client.fetchProtectedResource(config, tokens.access_token, new URL("/api/v1/companies", app.base), "GET");
    const sirens = ((await res.json()) as { items: { siren: string }[] }).items.map((c) => c.siren).sort();
    expect(sirens).toEqual([BOULANGERIE, SEED.martin.siren].sort());

    // « Logiciels autorisés » lists it, with its two companies.
    await page.goto(`${app.base}/logiciels-autorises`);
    const row = page.locator("tr", { hasText: "Compta Express" });
    await row.waitFor();
    expect(await row.textContent()).toContain("BOULANGERIE DU CANAL");
    expect(await axeViolations(page)).toEqual([]);

    // Robert sees it in « Qui agit pour mon entreprise », and cuts it off for Martin distribution.
    const robert = await app.newPage();
    await signInThroughUi(app, robert, ROBERT, PASSWORD);
    await robert.goto(`${app.base}/entreprises/${SEED.martin.siren}`);
    const entry = robert.locator("li", { hasText: "Logiciel Compta Express" });
    await entry.waitFor();
    expect(await entry.textContent()).toContain("via Claire Vasseur");
    expect(await axeViolations(robert)).toEqual([]);
    await entry.getByRole("button", { name: /Couper l'accès/ }).click();
    await robert.getByRole("dialog").getByRole("button", { name: "Couper l'accès" }).click();
    await robert
      .locator("li", { hasText: "Logiciel Compta Express" })
      .getByText(/Accès coupé le .* par Robert Lambda/)
      .waitFor();
    const after = await client.fetchProtectedResource(config, tokens.access_token, new URL("/api/v1/companies", app.base), "GET");
    expect(((await after.json()) as { items: { siren: string }[] }).items.map((c) => c.siren)).toEqual([BOULANGERIE]);
    await robert.close();

    // Claire withdraws her authorisation: a confirmation first, naming the software and the companies it leaves.
    await row.getByRole("button", { name: "Retirer l'autorisation…" }).click();
    const dialog = page.getByRole("dialog", { name: "Retirer l'autorisation de Compta Express ?" });
    await dialog
      .getByText(
        /^Le logiciel Compta Express ne pourra plus rien faire en votre nom pour (BOULANGERIE DU CANAL, MARTIN DISTRIBUTION|MARTIN DISTRIBUTION, BOULANGERIE DU CANAL), dès son prochain appel\./,
      )
      .waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await dialog.getByRole("button", { name: "Annuler" }).click();
    await dialog.waitFor({ state: "hidden" });
    expect((await client.fetchProtectedResource(config, tokens.access_token, new URL("/api/v1/companies", app.base), "GET")).status).toBe(200);
    await row.getByRole("button", { name: "Retirer l'autorisation…" }).click();
    await dialog.getByRole("button", { name: "Retirer l'autorisation" }).click();
    await page.getByText("L'autorisation de Compta Express est retirée : le logiciel ne peut plus rien faire en votre nom.").waitFor();
    // Its token is refused at once (a 401 with its challenge).
    await expect(client.fetchProtectedResource(config, tokens.access_token, new URL("/api/v1/companies", app.base), "GET")).rejects.toMatchObject({
      status: 401,
    });
    await page.close();
    expect(app.cspViolations).toEqual([]);
  }, 180_000);
});
