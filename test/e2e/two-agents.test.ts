import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call } from "../helpers/app.js";
import { agentSignsInThroughUi, robertDelegatesVatToLila, startBrowserApp, type BrowserApp } from "../helpers/browser.js";
import { makeAgent } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";
import { addTemplateAsOperator } from "../../src/modules/backoffice/index.js";

/** Issue 24, defect 2: two agents on one request; the second is warned, nothing contradictory goes out unasked. */
const AGENT_PASSWORD = "Guichet-Fiscal-Solide-42";
const PAUL = { email: "agent.paris11@dgfip.test", secret: "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B" };
const PIERRE = { email: "pierre.paris11@dgfip.test", secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" };
// A TOTP code is accepted once: the second test signs in an agent of its own, never Paul again within his code's 30 s.
const JEANNE = { email: "jeanne.paris11@dgfip.test", secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" };
const SUBJECT = "Remboursement demandé deux fois";
let app: BrowserApp;
let id: string;
let reference: string;

beforeAll(async () => {
  app = await startBrowserApp();
  const { lila } = await robertDelegatesVatToLila(app);
  const filed = await call(app.app, "POST", "/api/v1/requests", {
    jar: lila,
    body: { siren: SEED.martin.siren, tax: "TVA", nature: "remboursement_credit_tva", subject: SUBJECT, body: "Bonjour", uploadIds: [] },
  });
  ({ id, reference } = filed.body as { id: string; reference: string });
  await makeAgent(app.ctx, { email: PAUL.email, name: "Paul Agent", services: ["SIE-75111"], password: AGENT_PASSWORD, totpSecret: PAUL.secret });
  await addTemplateAsOperator(app.ctx, { serviceCode: "SIE-75111", title: "Formule de politesse", body: "Cordialement, le service." });
  await makeAgent(app.ctx, { email: PIERRE.email, name: "Pierre Collègue", services: ["SIE-75111"], password: AGENT_PASSWORD, totpSecret: PIERRE.secret });
  await makeAgent(app.ctx, { email: JEANNE.email, name: "Jeanne Modèle", services: ["SIE-75111"], password: AGENT_PASSWORD, totpSecret: JEANNE.secret });
});
afterAll(async () => app?.stop());

const agentMessages = async () =>
  (await app.ctx.db.selectFrom("messages").select("body").where("request_id", "=", id).where("author_kind", "=", "agent").orderBy("created_at").execute()).map(
    (m) => m.body,
  );

describe("two agents on one request", () => {
  it("the second sees the first there and typing; his reply, started before the first's, is stopped until he chooses", async () => {
    const paul = await app.newPage();
    const pierre = await app.newPage();
    await agentSignsInThroughUi(app, paul, PAUL);
    await agentSignsInThroughUi(app, pierre, PIERRE);
    for (const page of [paul, pierre]) {
      await page.getByRole("link", { name: reference }).click();
      await page.getByRole("heading", { name: `${reference} — ${SUBJECT}` }).waitFor();
    }
    await pierre.getByTestId("presence").getByText("Aussi sur cette demande : Paul Agent").waitFor();
    await paul.getByLabel("Message à l'entreprise").fill("Bonjour, le remboursement est accordé.");
    await pierre.getByText("Paul Agent (en train d'écrire une réponse)").waitFor();
    await paul.getByTestId("presence").getByText("Pierre Collègue").waitFor();

    // Pierre starts his own answer, then Paul sends his.
    await pierre.getByLabel("Message à l'entreprise").fill("Bonjour, le remboursement est refusé.");
    await paul.getByRole("button", { name: "Envoyer", exact: true }).click();
    await paul.getByText("Votre réponse a été envoyée à l'entreprise.").waitFor();
    // Pierre's page refreshes the thread (what used to move the version under his draft, so that it went out).
    await pierre.getByRole("button", { name: "Afficher le nouveau message" }).click();
    await pierre.getByText("Bonjour, le remboursement est accordé.").first().waitFor();
    await pierre.getByRole("button", { name: "Envoyer", exact: true }).click();
    const warning = pierre.getByTestId("reply-conflict");
    await warning.getByText("Votre réponse n'a pas été envoyée").waitFor();
    await warning.getByText(/Réponse de .*Paul Agent.*le remboursement est accordé/).waitFor();
    expect(await agentMessages()).toEqual(["Bonjour, le remboursement est accordé."]);

    // « Revoir »: the request as it now is, the draft kept; a colleague's note since stops it again.
    await warning.getByRole("button", { name: "Revoir" }).click();
    await pierre.getByTestId("reply-conflict").waitFor({ state: "detached" });
    expect(await pierre.getByLabel("Message à l'entreprise").inputValue()).toBe("Bonjour, le remboursement est refusé.");
    await paul.getByLabel("Nouvelle note").fill("Accord validé par la cheffe de service.");
    await paul.getByRole("button", { name: "Ajouter la note" }).click();
    await paul.getByText("Votre note a été ajoutée.").waitFor();
    await pierre.getByRole("button", { name: "Envoyer", exact: true }).click();
    await pierre
      .getByTestId("reply-conflict")
      .getByText(/Note interne de Paul Agent.*Accord validé/)
      .waitFor();
    expect(await agentMessages()).toHaveLength(1);

    // Sent anyway, knowingly.
    await pierre.getByRole("button", { name: "Envoyer quand même" }).click();
    await pierre.getByText("Votre réponse a été envoyée à l'entreprise.").waitFor();
    expect(await agentMessages()).toEqual(["Bonjour, le remboursement est accordé.", "Bonjour, le remboursement est refusé."]);
    expect(await pierre.getByLabel("Message à l'entreprise").inputValue()).toBe("");

    // The timeline tells who did what; the consultations are one line per agent.
    await pierre.getByText("Chronologie").click();
    await pierre.getByText(/Message de Paul Agent : « Bonjour, le remboursement est accordé. »/).waitFor();
    await pierre
      .getByText(/Note interne de Paul Agent : « Accord validé/)
      .first()
      .waitFor();
    await pierre.getByText(/Consultée par Pierre Collègue, \d+ fois/).waitFor();
  });

  it("a template is inserted where the cursor is, never over the text typed (arrow keys in the list change nothing)", async () => {
    const jeanne = await app.newPage();
    await agentSignsInThroughUi(app, jeanne, JEANNE);
    await jeanne.getByRole("link", { name: reference }).click();
    const text = jeanne.getByLabel("Message à l'entreprise");
    await text.fill("Bonjour,\n");
    const list = jeanne.getByLabel("Modèle de réponse");
    await list.focus();
    await jeanne.keyboard.press("ArrowDown");
    await list.selectOption({ label: "Formule de politesse" });
    expect(await text.inputValue()).toBe("Bonjour,\n");
    await jeanne.getByRole("button", { name: "Insérer le modèle" }).click();
    expect(await text.inputValue()).toBe("Bonjour,\nCordialement, le service.");
    expect(await jeanne.evaluate(() => document.activeElement?.tagName)).toBe("TEXTAREA");
  });
});
