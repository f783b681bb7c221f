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
import { pdfLines } from "../helpers/pdf.js";
import { makeAgent } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";

/**
 * A supervisor of SIE Paris 11e launches a campaign in the browser, with a text of paragraphs and a reply due date
 * typed in the form: Martin distribution (adherent) gets a thread, CONCURRENCE SARL (no adhesion) a letter. The
 * letter is read back line by line with pdftotext; the due date is shown back as the day typed, on both sides.
 */
const SOPHIE = { email: "superviseure.campagne@dgfip.test", secret: "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U" };
const SUBJECT = "Vérification de vos déclarations";
const BODY = [
  "Madame, Monsieur,",
  "",
  "L'entreprise {{raison_sociale}} (SIREN {{siren}}) est invitée à vérifier ses déclarations.",
  "Référence à rappeler : {{reference}}.",
  "",
  "Le service {{service}}",
].join("\n");

let app: BrowserApp;
const paris = (d: Date, options: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat("fr-FR", { timeZone: "Europe/Paris", ...options }).format(d);

beforeAll(async () => {
  app = await startBrowserApp();
  await robertDelegatesVatToLila(app);
  await makeAgent(app.ctx, {
    email: SOPHIE.email,
    name: "Sophie Superviseure",
    services: ["SIE-75111"],
    isSupervisor: true,
    password: "Guichet-Fiscal-Solide-42",
    totpSecret: SOPHIE.secret,
  });
}, 120_000);
afterAll(async () => app?.stop());

describe("a campaign in the browser, read back on paper", () => {
  it("letter line by line: letterhead, Paris date, company, reference, paragraphs, the due date typed; the thread shows the same day", async () => {
    // The due date as a person types it: the Paris day 13 days from now (the form's date field).
    const dueDay = new Date(app.clock.now().getTime() + 13 * 86_400_000);
    const typed = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Paris", year: "numeric", month: "2-digit", day: "2-digit" }).format(dueDay);
    const page: Page = await app.newPage();
    await agentSignsInThroughUi(app, page, SOPHIE);
    await page.goto(`${app.base}/agent/campagnes`);
    await page.getByLabel("Fichier des SIREN (CSV)").setInputFiles({
      name: "campagne.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(`siren\n${SEED.concurrence.siren}\n${SEED.martin.siren}\n`),
    });
    await page.getByLabel("Impôt").selectOption("TVA");
    await page.getByLabel("Nature du message").selectOption("information");
    await page.getByRole("textbox", { name: /^Objet/ }).fill(SUBJECT);
    await page.getByRole("textbox", { name: /^Message/ }).fill(BODY);
    await page.getByLabel(/Réponse attendue au plus tard le/).fill(typed);
    await page.getByRole("button", { name: "Lancer la campagne" }).click();
    await page.waitForURL(/\/agent\/campagnes\/[0-9a-f-]{36}$/);
    const campaignId = page.url().split("/").pop()!;

    // The worker writes it: one thread, one letter, each with its own reference.
    type Recipient = { siren: string; status: string; reference: string | null; requestId?: string | null };
    let recipients: Recipient[] = [];
    const sophie = await (async () => {
      const cookies = await page.context().cookies();
      return cookies.map((c) => `${c.name}=${c.value}`).join("; ");
    })();
    await expect
      .poll(
        async () => {
          const res = await app.app.inject({ method: "GET", url: `/api/v1/backoffice/campaigns/${campaignId}/recipients`, headers: { cookie: sophie } });
          recipients = (JSON.parse(res.body) as { items: Recipient[] }).items ?? [];
          return recipients.map((r) => r.status).sort();
        },
        { timeout: 30_000, interval: 250 },
      )
      .toEqual(["letter", "thread"]);
    const letterRef = recipients.find((r) => r.siren === SEED.concurrence.siren)!.reference!;
    const threadRef = recipients.find((r) => r.siren === SEED.martin.siren)!.reference!;
    expect(letterRef).not.toBe(threadRef);

    const letter = (await call(app.app, "GET", `/api/v1/dev/letters?siren=${SEED.concurrence.siren}`)).body.items[0] as { pdfUrl: string };
    const pdf = await app.app.inject({ method: "GET", url: letter.pdfUrl });
    expect(pdf.statusCode).toBe(200);
    const lines = pdfLines(pdf.rawPayload);
    const today = paris(app.clock.now(), { day: "numeric", month: "long", year: "numeric" });
    const due = paris(dueDay, { day: "numeric", month: "long", year: "numeric" });
    const expected = [
      "SIE Paris 11e",
      "12 rue Godefroy Cavaignac",
      "75011 PARIS",
      `Le ${today}`,
      `Objet : ${SUBJECT}`,
      `CONCURRENCE SARL — SIREN ${SEED.concurrence.siren}`,
      `Référence : ${letterRef}`,
      "TVA — Information",
      "Madame, Monsieur,",
      `L'entreprise CONCURRENCE SARL (SIREN ${SEED.concurrence.siren}) est invitée à vérifier ses déclarations.`,
      `Référence à rappeler : ${letterRef}.`,
      "Le service SIE Paris 11e",
      `Réponse attendue au plus tard le ${due}.`,
    ];
    // Each expected line is there, whole, in this order.
    let from = 0;
    for (const line of expected) {
      const at = lines.indexOf(line, from);
      expect(at, `« ${line} » after line ${from} in:\n${lines.join("\n")}`).toBeGreaterThanOrEqual(from);
      from = at + 1;
    }
    expect(lines.join("\n")).not.toMatch(/\r|\{\{|\}\}|\uFFFD|TVA \(TVA\)/);

    // The thread of Martin distribution, on the agent's side: the due date is the day typed, not the next one, and
    // without « 00:00 », in the style of every screen (« 17 décembre 2026 », as the company reads it).
    await page.goto(`${app.base}/agent?origin=campaign&q=${threadRef}`);
    await page.getByRole("link", { name: threadRef }).click();
    const agentSide = `Réponse attendue au plus tard le ${due}.`;
    await page.getByText(agentSide, { exact: true }).waitFor();
    expect(await axeViolations(page)).toEqual([]);

    // And on the company's side, for Robert (« 17 décembre 2026 »).
    const robert = await app.newPage();
    await signInThroughUi(app, robert, STORY.robert, STORY.password);
    await robert.goto(`${app.base}/demandes`);
    await robert
      .getByRole("link", { name: new RegExp(SUBJECT) })
      .first()
      .click();
    await robert.getByText(`Réponse attendue au plus tard le ${due}.`).waitFor();
    expect(await robert.locator("main").textContent()).not.toMatch(/00:00/);
  }, 180_000);
});
