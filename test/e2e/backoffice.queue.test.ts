import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Page } from "playwright-core";
import { axeViolations, robertDelegatesVatToLila, startBrowserApp, type BrowserApp } from "../helpers/browser.js";
import { call } from "../helpers/app.js";
import { makeAgent } from "../../src/app/factories.js";
import { totpNow } from "../../src/modules/backoffice/index.js";
import { SEED } from "../../src/app/demo.js";

/** The queue worked with the keyboard only, and its states (sorted, filtered, shortcuts shown, 390 px) pass axe. */
const AGENT = { email: "agent.file@dgfip.test", password: "Guichet-Fiscal-Solide-42", secret: "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B" };

let app: BrowserApp;
let page: Page;
let lila: Awaited<ReturnType<typeof robertDelegatesVatToLila>>["lila"];
const filed: { id: string; reference: string }[] = [];
beforeAll(async () => {
  app = await startBrowserApp();
  ({ lila } = await robertDelegatesVatToLila(app));
  for (const subject of ["Premier sujet", "Deuxième sujet", "Troisième sujet"]) {
    const res = await call(app.app, "POST", "/api/v1/requests", {
      jar: lila,
      body: { siren: SEED.martin.siren, tax: "TVA", nature: "question", subject, body: "Bonjour", uploadIds: [] },
    });
    filed.push(res.body as { id: string; reference: string });
    // The browser app's clock follows real time by steps of 200 ms: the next request is filed at a later instant, so
    // that the sorts by date have no ties to break.
    const receivedAt = new Date(res.body.receivedAt as string).getTime();
    await vi.waitFor(() => expect(app.clock.now().getTime()).toBeGreaterThan(receivedAt), { timeout: 5_000, interval: 20 });
  }
  await makeAgent(app.ctx, {
    email: AGENT.email,
    name: "Agent File",
    services: ["SIE-75111"],
    isSupervisor: false,
    password: AGENT.password,
    totpSecret: AGENT.secret,
  });
  // One sign-in for the whole file: a TOTP code is accepted once.
  page = await app.newPage();
  await signIn(page);
}, 120_000);
afterAll(async () => app?.stop());

async function signIn(page: Page) {
  await page.goto(`${app.base}/agent/connexion`);
  await page.getByLabel(/Adresse électronique/).fill(AGENT.email);
  await page.getByLabel("Mot de passe", { exact: true }).fill(AGENT.password);
  await page.getByLabel(/Code/).fill(await totpNow(AGENT.secret, new Date()));
  await page.getByRole("button", { name: /Se connecter/ }).click();
  await page.waitForURL(`${app.base}/agent`);
}

const focusedText = (page: Page) => page.evaluate(() => document.activeElement?.textContent ?? "");

describe("the queue (issue 24)", () => {
  it("is worked with the keyboard only: j/k, Enter, ?, sort headers; typing in a field is never taken", async () => {
    await page.goto(`${app.base}/agent`);
    await page.getByRole("table").waitFor();
    const refs = await page.locator("tbody tr td:nth-child(3) a").allTextContents();
    expect(refs.length).toBe(3);
    await page.keyboard.press("j");
    expect(await focusedText(page)).toBe(refs[0]);
    await page.keyboard.press("j");
    await page.keyboard.press("j");
    await page.keyboard.press("k");
    expect(await focusedText(page)).toBe(refs[1]);
    await expect.poll(() => page.locator("[aria-live=polite]").first().textContent()).toMatch(/Demande 2 sur 3/);

    // A « j » typed in the search field stays in the field.
    await page.getByLabel(/Rechercher/).focus();
    await page.keyboard.type("jk");
    expect(await page.getByLabel(/Rechercher/).inputValue()).toBe("jk");
    await page.getByLabel(/Rechercher/).fill("");

    // ? shows the shortcuts in a dialog; Escape closes it.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press("Shift+?");
    await page.getByRole("dialog", { name: /Raccourcis clavier/ }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "hidden" });

    // A sort header, reached and pressed with the keyboard: the order lands in the address and in aria-sort.
    await page.getByRole("button", { name: /^Reçue le/ }).focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(/sort=receivedAt&order=desc/);
    // The address changes first; the table renders the new order just after (react-router navigates in a transition).
    await expect.poll(() => page.getByRole("columnheader", { name: /Reçue le/ }).getAttribute("aria-sort")).toBe("descending");
    await expect.poll(() => page.locator("tbody tr td:nth-child(3) a").first().textContent()).toBe(filed[2]!.reference);
    await page.keyboard.press("Enter");
    await page.waitForURL(/order=asc/);
    await expect.poll(() => page.getByRole("columnheader", { name: /Reçue le/ }).getAttribute("aria-sort")).toBe("ascending");

    // Enter on the row j focused opens that request.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press("j");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/agent\/demandes\/[0-9a-f-]{36}$/);

    // On the request: its heading names it (reference and subject); r brings the focus to the reply, n to a note, ?
    // lists them; a letter typed stays in the field.
    await page.getByRole("heading", { name: /Répondre/ }).waitFor();
    const opened = filed.map((f, i) => `Demande ${f.reference} — ${["Premier", "Deuxième", "Troisième"][i]} sujet`);
    expect(opened).toContain(await page.getByRole("heading", { level: 1 }).textContent());
    const focusedId = () => page.evaluate(() => document.activeElement?.id ?? "");
    await page.keyboard.press("r");
    expect(await focusedId()).toBe("reponse-texte");
    await page.keyboard.type("rn");
    expect(await page.locator("#reponse-texte").inputValue()).toBe("rn");
    await page.locator("#reponse-texte").fill("");
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press("n");
    expect(await focusedId()).toBe("nouvelle-note");
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press("Shift+?");
    await page.getByRole("dialog", { name: /Raccourcis clavier de la demande/ }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "hidden" });
  }, 120_000);

  it("a counter filters when pressed, and the address keeps filters and sort through a reload", async () => {
    await page.goto(`${app.base}/agent`);
    await page.getByRole("button", { name: /Non attribuées : 3/ }).click();
    await page.waitForURL(/assignee=none/);
    await expect.poll(() => page.getByRole("button", { name: /Non attribuées : 3/ }).getAttribute("aria-pressed")).toBe("true");
    await page.goto(`${app.base}/agent?origin=company&sort=company&order=desc&q=${filed[1]!.reference.slice(-5)}`);
    await expect.poll(() => page.locator("tbody tr").count()).toBe(1);
    expect(await page.getByLabel("Origine").inputValue()).toBe("company");

    // A view without a name: the field says so, named as it is labelled, and takes the focus.
    await page.getByRole("button", { name: "Enregistrer la vue" }).click();
    await page.locator("#champ-name:focus").waitFor();
    expect(await page.locator("#champ-name").getAttribute("aria-invalid")).toBe("true");
    await page.getByText("Saisissez un nom pour la vue.", { exact: true }).waitFor();

    // Saved as a view, picked again from a bare queue.
    await page.getByLabel("Nom de la vue").fill("Entreprises, par nom");
    await page.getByRole("button", { name: "Enregistrer la vue" }).click();
    await page.getByText("Vue « Entreprises, par nom » enregistrée.").waitFor({ state: "attached" });
    await page.goto(`${app.base}/agent`);
    await page.getByRole("option", { name: "Entreprises, par nom" }).waitFor({ state: "attached" });
    await page.getByLabel("Vue enregistrée").selectOption({ label: "Entreprises, par nom" });
    await page.waitForURL(/origin=company&sort=company&order=desc/);
  }, 120_000);

  it("acts on the selected rows at once, each with the version it had when ticked: a request changed since is refused and named", async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${app.base}/agent?sort=receivedAt&order=asc`);
    await expect.poll(() => page.locator("tbody tr td:nth-child(3) a").first().textContent()).toBe(filed[0]!.reference);
    await page.getByLabel(`Sélectionner ${filed[0]!.reference}`).check({ force: true });
    await page.getByLabel(`Sélectionner ${filed[1]!.reference}`).check({ force: true });
    await page.getByRole("heading", { name: /Actions groupées : 2 demandes sélectionnées/ }).waitFor();
    await page.getByLabel("Action", { exact: true }).selectOption("assign");
    expect(await page.getByLabel("Attribuer à").inputValue()).toBe("me");
    expect(await axeViolations(page)).toEqual([]);

    // Meanwhile the company writes again on the first one: it is no longer the request the agent ticked.
    const written = await call(app.app, "POST", `/api/v1/requests/${filed[0]!.id}/messages`, { jar: lila, body: { body: "Un complément", uploadIds: [] } });
    expect(written.status, JSON.stringify(written.body)).toBe(201);
    await page.getByRole("button", { name: "Attribuer 2 demandes" }).click();
    await page.getByText(`1 demande traitée : ${filed[1]!.reference}.`).waitFor();
    await expect.poll(() => page.getByText(new RegExp(`${filed[0]!.reference} : .*(modifiée|changé)`)).count()).toBe(1);
    await expect.poll(() => page.getByRole("heading", { name: /Actions groupées/ }).count()).toBe(0);
    // The queue shows the assignment; the refused request is untouched.
    await expect.poll(() => page.locator("tbody tr", { hasText: filed[1]!.reference }).textContent()).toMatch(/Agent File/);
    expect(await page.locator("tbody tr", { hasText: filed[0]!.reference }).textContent()).not.toMatch(/Agent File/);
    expect(await axeViolations(page)).toEqual([]);
  }, 120_000);

  it("shows the whole of each filter's choice at 1,280 px (« Origine » included)", async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${app.base}/agent`);
    await page.getByRole("table").waitFor();
    const cut = await page.locator("form[aria-label='Filtrer la file'] select").evaluateAll((selects) =>
      (selects as HTMLSelectElement[]).flatMap((s) => {
        const style = getComputedStyle(s);
        const context = document.createElement("canvas").getContext("2d")!;
        context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
        const room = s.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        const text = s.options[s.selectedIndex]?.text ?? "";
        return context.measureText(text).width > room ? [`${s.labels?.[0]?.textContent ?? s.id} : ${text}`] : [];
      }),
    );
    expect(cut).toEqual([]);
  });

  it("passes axe, at full width and 390 px wide, sorted and filtered", async () => {
    await page.goto(`${app.base}/agent`);
    const found: Record<string, string[]> = {};
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      for (const path of ["/agent", "/agent?sort=company&order=desc&status=received&origin=company", "/agent?q=introuvable"]) {
        await page.goto(`${app.base}${path}`);
        await page.getByRole("heading", { level: 1 }).first().waitFor();
        await page.locator("table, .fr-alert").first().waitFor();
        found[`${path} @${width}`] = await axeViolations(page);
      }
    }
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
  }, 120_000);
});
