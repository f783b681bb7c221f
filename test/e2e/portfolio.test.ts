import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { seedReferenceData } from "../helpers/app.js";
import { fromLetterBox, signInThroughUi, startBrowserApp, type BrowserApp } from "../helpers/browser.js";
import { tempDir } from "../helpers/temp.js";
import { cli } from "../helpers/cli.js";
import { makeActiveSpace, makeCompany, makePortfolio } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";
import { withLuhnKey } from "../../src/modules/companies/index.js";
import { fileRequest } from "../../src/modules/requests/index.js";

const PASSWORD = "Vingt-Trois-Lapins-Bleus";
const CHIEF = "cabinet.comptable@gestion.com";
const TRADES = ["BOULANGERIE", "GARAGE", "PHARMACIE", "MENUISERIE", "TRANSPORTS", "IMPRIMERIE"];
const PORTFOLIO = 300;
/** The client companies: « GARAGE CLIENT 137 »… in Paris 11e (SIE Paris 11e). */
const clientName = (i: number) => `${TRADES[i % TRADES.length]} CLIENT ${i}`;
const clientSiren = (i: number) => withLuhnKey(String(61_000_000 + i * 7));
const newcomerSiren = (i: number) => withLuhnKey(String(62_000_000 + i * 7));
let app: BrowserApp;
const dir = tempDir("mp-portfolio-e2e");

const paris11 = { streetNumber: "10", streetType: "RUE", streetName: "OBERKAMPF", postalCode: "75011", communeName: "PARIS 11", communeCode: "75111" };

beforeAll(async () => {
  app = await startBrowserApp();
  await seedReferenceData(app.ctx);
  const deps = { ...app.ctx, publicUrl: app.base };
  const { spaceId } = await makeActiveSpace(app.ctx, { email: CHIEF, password: PASSWORD, firstName: "Claire", lastName: "Vasseur", siren: SEED.gestion.siren });
  // She administers her own firm (so she may adhere in bulk) and 300 clients.
  await makePortfolio(deps, { spaceId, sirens: [SEED.gestion.siren], services: ["compte_fiscal"], quality: "legal_representative" });
  const clients = Array.from({ length: PORTFOLIO }, (_, i) => i + 1);
  for (const i of clients) await makeCompany(app.ctx, { siren: clientSiren(i), name: clientName(i), ...paris11 });
  await makePortfolio(deps, {
    spaceId,
    sirens: clients.map(clientSiren),
    services: ["messagerie", "tva_declarer"],
    companyEmail: (siren) => `contact.${siren}@clients.example`,
  });
  await fileRequest(app.ctx, spaceId, {
    siren: clientSiren(137),
    tax: "TVA",
    nature: "question",
    subject: "Taux réduit sur la vente à emporter",
    body: "Bonjour, quel taux appliquer ?",
    uploadIds: [],
  });
  // Twenty companies she does not act for yet.
  for (let i = 1; i <= 18; i++) await makeCompany(app.ctx, { siren: newcomerSiren(i), name: `NOUVEAU CLIENT ${i}`, ...paris11 });
}, 300_000);
afterAll(async () => app?.stop());

describe("an accounting firm's portfolio in the browser", () => {
  it("the head accountant adheres for 20 SIREN, activates three, finds a client among 300, filters her inbox, writes to #250 and exports two companies", async () => {
    const page = await app.newPage();
    await signInThroughUi(app, page, CHIEF, PASSWORD);
    await page.getByText("301 entreprises, 50 affichées.").waitFor();

    // Bulk adhesion: 20 lines pasted, two of them wrong.
    await page.getByRole("navigation", { name: "Menu principal" }).getByRole("link", { name: "Adhérer en nombre" }).click();
    const badKey = `${newcomerSiren(1).slice(0, 8)}${(Number(newcomerSiren(1)[8]) + 1) % 10}`;
    const unknown = withLuhnKey("63000000");
    const lines = [...Array.from({ length: 18 }, (_, i) => newcomerSiren(i + 1)), badKey, unknown];
    await page.getByLabel(/^SIREN, un par ligne/).fill(lines.join("\n"));
    await page.getByText("20 lignes").waitFor();
    await page.locator("label", { hasText: "Messagerie sécurisée" }).click();
    await page.locator("label", { hasText: "Consulter le compte fiscal" }).click();
    await page.getByRole("button", { name: "Envoyer les demandes" }).click();
    await page.getByText(/Terminé : 18 demandes créées .*, 2 refusées\./).waitFor({ timeout: 30_000 });
    const rows = page.locator("tbody tr");
    expect(await rows.count()).toBe(20);
    expect(await rows.nth(18).textContent()).toMatch(/clé de contrôle ne correspond pas/);
    expect(await rows.nth(19).textContent()).toMatch(`Le SIREN ${unknown} ne correspond à aucune entreprise connue.`);
    await page.getByRole("link", { name: "Télécharger le rapport (CSV)" }).waitFor();

    // Three letters arrive; she enters their codes.
    await page.goto(`${app.base}/mon-espace`);
    for (const i of [1, 2, 3]) {
      const code = await fromLetterBox(app, newcomerSiren(i), "activationCode");
      const section = page.locator("section", { hasText: `SIREN ${newcomerSiren(i)}` }).filter({ has: page.getByRole("button", { name: "Activer" }) });
      await section.getByLabel(/^Code d'activation reçu par courrier/).fill(code);
      await section.getByRole("button", { name: "Activer" }).click();
      await section.waitFor({ state: "detached" });
    }
    // 300 clients, the firm, and the 18 new ones (those still waiting for their code are listed as such).
    await page.getByText("319 entreprises, 50 affichées.").waitFor();
    await page.getByText("15 en attente de leur code.").waitFor();

    // One client among 300, by part of its name.
    const typed = `${clientName(137).slice(0, 5).toLowerCase()} 137`;
    await page.getByLabel(/^Rechercher une entreprise/).fill(typed);
    await page.getByText("1 entreprise.", { exact: true }).waitFor();
    expect(
      await page
        .getByRole("table", { name: /^Mes entreprises/ })
        .locator("tbody tr")
        .count(),
    ).toBe(1);
    expect(page.url()).toContain(`q=${typed.replace(" ", "+")}`);
    // Its requests: the inbox filtered by that company (the filter in the address).
    await page.getByRole("link", { name: `1 demande en cours pour ${clientName(137)}` }).click();
    await page.waitForURL(new RegExp(`/demandes\\?siren=${clientSiren(137)}`));
    await page.getByRole("link", { name: "Taux réduit sur la vente à emporter" }).waitFor();
    // The filter shows the company by name once its name has come back (its own request, which may end after the list's).
    const picked = page.getByRole("combobox", { name: /^Entreprise/ });
    await expect.poll(() => picked.inputValue()).toBe(`${clientName(137)} (${clientSiren(137)})`);
    await page.getByLabel("Impôt").selectOption("IS");
    await page.getByRole("button", { name: "Filtrer" }).click();
    await page.getByText("Aucune demande ne correspond à ces filtres.").waitFor();
    await page.goBack();
    await page.getByRole("link", { name: "Taux réduit sur la vente à emporter" }).waitFor();

    // Écrire to client #250, chosen with the keyboard in the combobox.
    await page.getByRole("navigation", { name: "Menu principal" }).getByRole("link", { name: "Écrire" }).click();
    // The inbox has an « Entreprise » combobox too: type only once the page Écrire is drawn (its code loads on demand).
    await page.getByRole("heading", { level: 1, name: "Écrire à l'administration" }).waitFor();
    const company = page.getByRole("combobox", { name: /^Entreprise/ });
    await company.fill("client 250");
    await page.getByRole("option", { name: new RegExp(`${clientName(250)} SIREN ${clientSiren(250)}`) }).waitFor();
    await company.press("ArrowDown");
    await company.press("Enter");
    expect(await company.inputValue()).toBe(`${clientName(250)} (${clientSiren(250)})`);
    await page.getByLabel("Impôt").selectOption("TVA");
    await page.getByLabel("Nature de la demande").selectOption("question");
    await page.getByLabel(/^Objet/).fill("Option pour les débits");
    await page.getByLabel(/^Message/).fill("Bonjour, comment opter pour la TVA sur les débits ?");
    await page.getByRole("button", { name: "Envoyer la demande" }).click();
    await page.getByRole("heading", { name: "Option pour les débits" }).waitFor();

    // An export of two companies, verified offline by the command line.
    await page.getByRole("navigation", { name: "Menu principal" }).getByRole("link", { name: "Exports" }).click();
    const picker = page.getByRole("combobox", { name: /^Entreprises/ });
    for (const i of [137, 250]) {
      await picker.fill(`client ${i}`);
      await page.getByRole("option", { name: new RegExp(`${clientName(i)} SIREN`) }).waitFor();
      await picker.press("Enter");
    }
    await page.getByText("2 entreprises choisies.").waitFor();
    await page.getByRole("button", { name: "Préparer l'export" }).click();
    const link = page.getByRole("link", { name: /^Télécharger \(/ });
    await link.waitFor({ timeout: 30_000 });
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    const zip = join(dir, "export.zip");
    await download.saveAs(zip);
    const key = join(dir, "public.pem");
    writeFileSync(key, app.ctx.receiptKeys.publicKeyPem);
    const verdict = await cli(["verify-export", zip, "--public-key", key]);
    expect(verdict.stdout).toMatch(/^VALIDE : export du .* pour Claire Vasseur <cabinet\.comptable@gestion\.com>, 2 demande\(s\), 4 fichier\(s\)\./);
    expect(verdict.code).toBe(0);
    expect(app.cspViolations).toEqual([]);
  }, 180_000);

  it("back from a company's page, « Mes entreprises » is as she left it: the pages loaded and the place in the list", async () => {
    const page = await app.newPage();
    await page.setViewportSize({ width: 1280, height: 720 });
    await signInThroughUi(app, page, CHIEF, PASSWORD);
    await page.getByText(/^\d+ entreprises, 50 affichées\.$/).waitFor();
    await page.getByRole("button", { name: "Afficher 50 entreprises de plus" }).click();
    await page.getByText(/^\d+ entreprises, 100 affichées\.$/).waitFor();
    const rows = page.getByRole("table", { name: /^Mes entreprises/ }).locator("tbody tr");
    // The focus went to the first company loaded (never to the page's body), to go on from there.
    const first = (await rows.nth(50).getByRole("link").first().textContent())!;
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent ?? "")).toBe(first);
    // Once with the browser's own restoration, once without it: the page puts the place back itself (the browser
    // restores only what is drawn at once, and other browsers restore before a list comes back from the cache).
    for (const restoredBy of ["the browser", "the page"]) {
      if (restoredBy === "the page") await page.evaluate(() => (history.scrollRestoration = "manual"));
      // A company of the second page, read in the middle of the window.
      const link = rows.nth(79).getByRole("link").first();
      const name = (await link.textContent())!;
      await link.evaluate((e) => e.scrollIntoView({ block: "center" }));
      // The place is kept as the window scrolls, at the next frame.
      await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
      const left = await page.evaluate(() => window.scrollY);
      expect(left, restoredBy).toBeGreaterThan(2000);
      await link.click();
      await page.getByRole("heading", { level: 1, name }).waitFor();
      await page.goBack();
      await page.getByText(/^\d+ entreprises, 100 affichées\.$/).waitFor();
      expect(await rows.count(), restoredBy).toBe(100);
      expect(await rows.nth(79).getByRole("link").first().textContent(), restoredBy).toBe(name);
      await expect.poll(async () => Math.abs((await page.evaluate(() => window.scrollY)) - left), { message: restoredBy }).toBeLessThan(20);
    }
    await page.close();
  });

  it("« Effacer les filtres » empties every field of the inbox, the company's included, whether chosen or only typed", async () => {
    const page = await app.newPage();
    await signInThroughUi(app, page, CHIEF, PASSWORD);
    await page.goto(`${app.base}/demandes`);
    await page.getByRole("heading", { level: 1, name: "Suivre mes demandes" }).waitFor();
    const company = page.getByRole("combobox", { name: /^Entreprise/ });
    const clear = page.getByRole("button", { name: /^Effacer les filtres/ });

    // A company chosen in the list, and a tax.
    await company.fill("client 137");
    await page.getByRole("option", { name: new RegExp(`${clientName(137)} SIREN`) }).click();
    await page.getByLabel("Impôt").selectOption("TVA");
    await page.getByRole("button", { name: "Filtrer" }).click();
    await page.waitForURL(new RegExp(`/demandes\\?siren=${clientSiren(137)}&tax=TVA$`));
    await page.getByRole("link", { name: "Taux réduit sur la vente à emporter" }).waitFor();
    await clear.click();
    await page.waitForURL(`${app.base}/demandes`);
    expect([await company.inputValue(), await page.getByLabel("Impôt").inputValue()]).toEqual(["", ""]);

    // The start of a name typed but never chosen (it filters nothing), with « non lus seulement ».
    await company.fill("garage cli");
    // Its suggestions open over the fields below: Escape closes them, keeping the text, as a person would.
    await page.getByRole("option").first().waitFor();
    await company.press("Escape");
    await page.getByRole("listbox").waitFor({ state: "hidden" });
    expect(await company.inputValue()).toBe("garage cli");
    await page.locator("label", { hasText: "Non lus seulement" }).click();
    await page.getByRole("button", { name: "Filtrer" }).click();
    await page.waitForURL(`${app.base}/demandes?unread=true`);
    await clear.click();
    await page.waitForURL(`${app.base}/demandes`);
    expect(await company.inputValue()).toBe("");
    expect(await page.getByRole("checkbox", { name: "Non lus seulement" }).isChecked()).toBe(false);
    await page.close();
  });
});
