import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generate } from "otplib";
import { call, CookieJar } from "../helpers/app.js";
import { robertDelegatesVatToLila, signInThroughUi, startBrowserApp, STORY, type BrowserApp } from "../helpers/browser.js";
import { makeAgent } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";

const AGENT = { email: "agent.paris11@dgfip.test", password: "Guichet-Fiscal-Solide-42", secret: "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B" };
let app: BrowserApp;
let lila: CookieJar;
const agent = new CookieJar();

beforeAll(async () => {
  app = await startBrowserApp();
  ({ lila } = await robertDelegatesVatToLila(app));
  await makeAgent(app.ctx, { email: AGENT.email, name: "Paul Agent", services: ["SIE-75111"], password: AGENT.password, totpSecret: AGENT.secret });
  await call(app.app, "POST", "/api/v1/backoffice/session", {
    jar: agent,
    body: { email: AGENT.email, password: AGENT.password, totp: await generate({ secret: AGENT.secret }) },
  });
});
afterAll(async () => app?.stop());

/** The agent answers through the API, on the version he reads. */
async function agentAnswers(id: string, body: string) {
  const seen = await call(app.app, "GET", `/api/v1/backoffice/requests/${id}`, { jar: agent });
  const sent = await call(app.app, "POST", `/api/v1/backoffice/requests/${id}/messages`, { jar: agent, body: { body, version: seen.body.version } });
  expect(sent.status, JSON.stringify(sent.body)).toBe(201);
}

describe("a live answer while the company writes (the rule for drafts)", () => {
  it("Lila's draft stays as typed: « Nouveau message reçu », the answer shown when she asks; with no draft it shows at once", async () => {
    const filed = await call(app.app, "POST", "/api/v1/requests", {
      jar: lila,
      body: { siren: SEED.martin.siren, tax: "TVA", nature: "remboursement_credit_tva", subject: "Crédit de TVA de novembre", body: "Bonjour.", uploadIds: [] },
    });
    expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    const id = filed.body.id as string;

    const page = await app.newPage();
    await signInThroughUi(app, page, STORY.lila, STORY.password);
    await page.goto(`${app.base}/demandes/${id}`);
    await page.getByRole("heading", { name: "Crédit de TVA de novembre" }).waitFor();
    const reply = page.getByLabel("Votre réponse");
    await reply.fill("Je vous joins le relevé bancaire");

    await agentAnswers(id, "Merci, pouvez-vous préciser la période ?");
    await page.getByText("Nouveau message reçu pendant que vous écriviez.").waitFor();
    // Nothing moved under her eyes: the thread she answers is as she read it, her draft as she typed it.
    expect(await page.getByText("Merci, pouvez-vous préciser la période ?").count()).toBe(0);
    expect(await reply.inputValue()).toBe("Je vous joins le relevé bancaire");

    await page.getByRole("button", { name: "Afficher le nouveau message" }).click();
    await page.getByText("Merci, pouvez-vous préciser la période ?").waitFor();
    expect(await reply.inputValue()).toBe("Je vous joins le relevé bancaire");
    expect(await page.getByText("Nouveau message reçu pendant que vous écriviez.").count()).toBe(0);

    // Sent, the draft is gone; the next answer shows by itself.
    await reply.fill("La période est novembre 2026.");
    await page.getByRole("button", { name: "Répondre" }).click();
    // The thread's item, not the text area: a controlled text area also holds its text as content.
    await page.getByRole("listitem").filter({ hasText: "La période est novembre 2026." }).waitFor();
    expect(await reply.inputValue()).toBe("");
    await agentAnswers(id, "Bien reçu, votre demande est en cours d'instruction.");
    await page.getByText("Bien reçu, votre demande est en cours d'instruction.").waitFor();
    expect(await page.getByText("Nouveau message reçu pendant que vous écriviez.").count()).toBe(0);
    expect(app.cspViolations).toEqual([]);
  });
});
