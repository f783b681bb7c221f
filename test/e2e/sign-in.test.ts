import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBrowserApp, type BrowserApp } from "../helpers/browser.js";

let app: BrowserApp;
beforeAll(async () => {
  app = await startBrowserApp();
}, 120_000);
afterAll(async () => app?.stop());

describe("the sign-in page", () => {
  it("« Mot de passe oublié ? » takes a mouse click, with and without an error shown", async () => {
    const page = await app.newPage();
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${app.base}/connexion`);
      // A real click at the link's centre: Playwright refuses it when another element (the field, a message) covers it.
      await page.getByRole("link", { name: "Mot de passe oublié ?" }).click();
      await page.waitForURL(`${app.base}/mot-de-passe-oublie`);

      await page.goto(`${app.base}/connexion`);
      await page.getByLabel(/^Adresse électronique de connexion/).fill("personne.inconnue@exemple.fr");
      await page.getByLabel("Mot de passe", { exact: true }).fill("pas-le-bon-mot-de-passe");
      await page.getByRole("button", { name: "Se connecter" }).click();
      await page
        .getByText(/incorrect/i)
        .first()
        .waitFor();
      await page.getByRole("link", { name: "Mot de passe oublié ?" }).click({ timeout: 5_000 });
      await page.waitForURL(`${app.base}/mot-de-passe-oublie`);
    }
  });

  it("the footer's « Documentation de l'API » opens the served API documentation", async () => {
    const page = await app.newPage();
    await page.goto(`${app.base}/connexion`);
    const [answer] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname.startsWith("/api/docs")),
      page.getByRole("contentinfo").getByRole("link", { name: "Documentation de l'API" }).click(),
    ]);
    expect(answer.status()).toBe(200);
    await page.waitForURL(/\/api\/docs/);
  });
});
