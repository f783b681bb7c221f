import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { agentSignsInThroughUi, robertDelegatesVatToLila, signInThroughUi, startBrowserApp, STORY, type BrowserApp } from "../helpers/browser.js";
import { makeAgent } from "../../src/app/factories.js";
import { DAY, manualClock } from "../../src/platform/clock.js";
import { sendReminders } from "../../src/modules/requests/index.js";

/**
 * The administration writes first (product §16), in the browser: an agent of SIE Paris 11e asks Martin distribution
 * for documents with an acknowledgement required; Lila (TVA delegate) sees it, not the IS one; Robert acknowledges;
 * the agent sees who and when; the unread one gets its reminder after 7 days.
 */
const AGENT_PASSWORD = "Guichet-Fiscal-Solide-42";
const PAUL = { email: "agent.paris11@dgfip.test", secret: "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B" };
const VAT_SUBJECT = "Factures d'achat du 3e trimestre";
const IS_SUBJECT = "Liasse fiscale de l'exercice 2025";
let app: BrowserApp;

/** The agent writes to Martin distribution through the form; answers the reference shown. */
async function writeToMartin(agent: Page, tax: string, subject: string): Promise<string> {
  await agent.goto(`${app.base}/agent/ecrire`);
  await agent.getByRole("combobox", { name: "Entreprise" }).fill("martin");
  await agent.getByRole("option", { name: /MARTIN DISTRIBUTION/ }).click();
  await agent.getByLabel("Impôt").selectOption(tax);
  await agent.getByLabel("Nature du message").selectOption("demande_de_pieces");
  await agent.getByRole("textbox", { name: /^Objet/ }).fill(subject);
  await agent
    .getByRole("textbox", { name: /^Message/ })
    .fill("Bonjour,\nMerci de nous transmettre les pièces demandées pour {{raison_sociale}}.\nLe service des impôts des entreprises");
  await agent.getByText("Accusé de réception demandé").click();
  await agent.getByRole("button", { name: "Envoyer le message" }).click();
  const title = await agent.getByText(/^Message publié : /).textContent();
  return title!.replace("Message publié : ", "").trim();
}

beforeAll(async () => {
  app = await startBrowserApp();
  await robertDelegatesVatToLila(app);
  await makeAgent(app.ctx, { email: PAUL.email, name: "Paul Agent", services: ["SIE-75111"], password: AGENT_PASSWORD, totpSecret: PAUL.secret });
}, 120_000);
afterAll(async () => app?.stop());

describe("the administration writes first, in the browser", () => {
  it("asks for documents with an acknowledgement; Lila sees the TVA one only; Robert acknowledges; the agent sees who and when; the unread one is reminded", async () => {
    const agent = await app.newPage();
    await agentSignsInThroughUi(app, agent, PAUL);
    const vatRef = await writeToMartin(agent, "TVA", VAT_SUBJECT);
    const isRef = await writeToMartin(agent, "IS", IS_SUBJECT);
    expect(vatRef).toMatch(/^2026-SIE-75111-\d{7}$/);
    expect(isRef).not.toBe(vatRef);

    // Lila, VAT delegate: the TVA message, marked as the administration's; not the IS one.
    const lila = await app.newPage();
    await signInThroughUi(app, lila, STORY.lila, STORY.password);
    await lila.goto(`${app.base}/demandes`);
    const row = lila.getByRole("row", { name: new RegExp(VAT_SUBJECT) });
    await row.waitFor();
    await row.getByText("Message de l'administration").waitFor();
    expect(await lila.getByText(IS_SUBJECT).count()).toBe(0);

    // Robert opens it and acknowledges.
    const robert = await app.newPage();
    await signInThroughUi(app, robert, STORY.robert, STORY.password);
    await robert.goto(`${app.base}/demandes`);
    await robert.getByText(IS_SUBJECT).waitFor();
    await robert.getByRole("link", { name: VAT_SUBJECT }).click();
    await robert.getByRole("heading", { name: "Message de l'administration" }).waitFor();
    await robert.getByText("Merci de nous transmettre les pièces demandées pour MARTIN DISTRIBUTION.").waitFor();
    await robert.getByRole("button", { name: "J'accuse réception" }).click();
    await robert.getByText(/Accusé de réception donné le .* par Robert Lambda\./).waitFor();
    expect(await robert.getByRole("button", { name: "J'accuse réception" }).count()).toBe(0);

    // The agent: who opened it and who acknowledged, when; it leaves the list of what companies owe.
    await agent.goto(`${app.base}/agent/attente`);
    await agent.getByRole("link", { name: IS_SUBJECT }).waitFor();
    expect(await agent.getByRole("link", { name: VAT_SUBJECT }).count()).toBe(0);
    await agent.goto(`${app.base}/agent`);
    await agent.getByRole("link", { name: vatRef }).click();
    await agent.getByText(/Accusé de réception : le .*, par Robert Lambda\./).waitFor();
    await agent.getByText(/Ouvert par l'entreprise le .* \(Robert Lambda\)\./).waitFor();

    // Nobody reads the IS message: 7 days later (a test clock), one content-free reminder to the company address.
    const threads = await app.ctx.db.selectFrom("requests").select(["id", "reference"]).where("reference", "in", [vatRef, isRef]).execute();
    const later = manualClock(new Date(Date.now() + 7 * DAY + 60_000));
    expect(await sendReminders({ db: app.ctx.db, clock: later })).toBe(1);
    const queued = await app.ctx.db.selectFrom("outbox").select(["payload"]).where("kind", "=", "mail").execute();
    const reminders = queued.map((q) => q.payload as { to: string; subject: string; text: string }).filter((m) => m.subject.startsWith("Rappel"));
    expect(reminders).toHaveLength(1);
    expect(reminders[0]!.subject).toContain(isRef);
    expect(reminders[0]!.to).toBe(STORY.robert);
    expect(reminders[0]!.text).not.toContain(IS_SUBJECT);
    expect(threads).toHaveLength(2);
    // The acknowledgement is in the journal.
    const vat = threads.find((t) => t.reference === vatRef)!;
    const journal = await app.ctx.db.selectFrom("journal").select("action").where("subject_id", "=", vat.id).execute();
    expect(journal.map((j) => j.action)).toEqual(expect.arrayContaining(["thread.published", "thread.acknowledged"]));
  }, 180_000);
});
