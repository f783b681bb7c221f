import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import {
  agentSignsInThroughUi,
  axeViolations,
  robertDelegatesVatToLila,
  signInThroughUi,
  startBrowserApp,
  STORY,
  type BrowserApp,
} from "../helpers/browser.js";
import { call } from "../helpers/app.js";
import { AGENT_PASSWORD, agentSignIn } from "../helpers/people.js";
import { pdfLines } from "../helpers/pdf.js";
import { makeAgent } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";

/** A reply received by post recorded from the request's page, and its printable transcript (issue 24). */
const WRITER = { email: "courrier.redacteur@dgfip.test", secret: "ONSWG4TFOQYTEMZUGU3DOOBZGAYTEMZU" };
const CLERK = { email: "courrier.agent@dgfip.test", secret: "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B" };

let app: BrowserApp;
let page: Page;
let thread: { id: string; reference: string };
beforeAll(async () => {
  app = await startBrowserApp();
  await robertDelegatesVatToLila(app);
  await makeAgent(app.ctx, { email: WRITER.email, name: "Rémi Rédacteur", services: ["SIE-75111"], password: AGENT_PASSWORD, totpSecret: WRITER.secret });
  await makeAgent(app.ctx, { email: CLERK.email, name: "Claire Courrier", services: ["SIE-75111"], password: AGENT_PASSWORD, totpSecret: CLERK.secret });
  // The thread is opened through the API by one agent; another (her own TOTP code) works it in the browser.
  const writer = await agentSignIn(app, WRITER.email, WRITER.secret);
  const res = await call(app.app, "POST", "/api/v1/backoffice/threads", {
    jar: writer,
    body: {
      siren: SEED.martin.siren,
      tax: "TVA",
      nature: "demande_de_pieces",
      subject: "Factures de septembre",
      body: "Madame, Monsieur,\n\nMerci de nous adresser vos factures de septembre.",
      replyDueAt: new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10),
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  thread = res.body as { id: string; reference: string };
  page = await app.newPage();
  await agentSignsInThroughUi(app, page, CLERK);
}, 120_000);
afterAll(async () => app?.stop());

describe("paper replies and the transcript on the agent's request page", () => {
  it("records a reply by post (date, scan, note), announces it, shows it in the thread, and prints the transcript", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${app.base}/agent/demandes/${thread.id}`);
    const form = page.getByRole("region", { name: "Enregistrer une réponse reçue par courrier" });
    await form.waitFor();
    expect(await axeViolations(page)).toEqual([]);

    // Without a scan, the form says what is missing: under the field, and in the summary that takes the focus.
    await form.getByRole("button", { name: "Enregistrer la réponse reçue par courrier" }).click();
    await form.getByText("Joignez au moins un scan du courrier reçu.", { exact: true }).waitFor();
    await form.locator(":focus", { hasText: "Scan du courrier reçu : joignez au moins un scan du courrier reçu." }).waitFor();

    const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Paris" }).format(new Date());
    await form.getByLabel(/Date de réception du courrier/).fill(today);
    await form.getByLabel(/Scan du courrier reçu/).setInputFiles({
      name: "reponse-martin.pdf",
      mimeType: "application/pdf",
      buffer: Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"),
    });
    await form.getByText(/reponse-martin\.pdf — envoyé/).waitFor();
    await form.getByLabel(/Note interne/).fill("Courrier signé du gérant.");
    await form.getByRole("button", { name: "Enregistrer la réponse reçue par courrier" }).click();

    // The confirmation, in an aria-live region, focused.
    const live = form.locator("[aria-live=polite]").first();
    await expect.poll(() => live.textContent()).toMatch(/^Réponse reçue par courrier le .+ enregistrée : elle figure dans les échanges\.$/);
    // The thread: the company's message, marked, with the agent who recorded it.
    const paper = page.locator("li.fr-card", { hasText: "Reçu par courrier le" });
    await paper.waitFor();
    expect(await paper.textContent()).toMatch(/MARTIN DISTRIBUTION.*Reçu par courrier le \d+ \S+ \d{4} — enregistré par Claire Courrier/);
    expect(await page.getByText("Courrier signé du gérant.").count()).toBeGreaterThan(0);
    expect(await axeViolations(page)).toEqual([]);

    // The printable transcript, from the page's link.
    const link = page.getByRole("link", { name: "Imprimer la transcription (PDF)" });
    const href = await link.getAttribute("href");
    expect(href).toBe(`/api/v1/backoffice/requests/${thread.id}/transcript.pdf`);
    const pdf = await page.request.get(`${app.base}${href}`);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()["content-type"]).toBe("application/pdf");
    const lines = pdfLines(Buffer.from(await pdf.body()));
    expect(lines).toContain(`Référence : ${thread.reference}`);
    expect(lines.some((l) => /^Reçu par courrier le .+ — enregistré par Claire Courrier$/.test(l))).toBe(true);
    expect(lines).toContain("Courrier signé du gérant.");
  });

  it("the company side sees its own message received by post (never the agent's name)", async () => {
    const robert = await app.newPage();
    await signInThroughUi(app, robert, STORY.robert, STORY.password);
    await robert.goto(`${app.base}/demandes/${thread.id}`);
    const paper = robert.locator("li.fr-card", { hasText: "Reçu par courrier le" });
    await paper.waitFor();
    expect(await paper.textContent()).toContain("MARTIN DISTRIBUTION");
    expect(await robert.locator("main").textContent()).not.toContain("Claire Courrier");
    expect(await axeViolations(robert)).toEqual([]);
    await robert.close();
  });
});
