import { tempDir } from "../helpers/temp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { call } from "../helpers/app.js";
import { agentSignsInThroughUi, robertDelegatesVatToLila, signInThroughUi, startBrowserApp, type BrowserApp } from "../helpers/browser.js";
import { makeAgent } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";
import { renderLetterPdf } from "../../src/modules/letters/index.js";

const PASSWORD = "Vingt-Trois-Lapins-Bleus";
const AGENT_PASSWORD = "Guichet-Fiscal-Solide-42";
const LILA = "lila.rosemonde@gestion.com";
const PAUL = { email: "agent.paris11@dgfip.test", secret: "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B" };
const SOPHIE = { email: "superviseure.paris11@dgfip.test", secret: "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U" };
const SUBJECT = "Remboursement du crédit de TVA du 3e trimestre";
let app: BrowserApp;
let reference: string;

beforeAll(async () => {
  app = await startBrowserApp();
  const { lila } = await robertDelegatesVatToLila(app);
  const filed = await call(app.app, "POST", "/api/v1/requests", {
    jar: lila,
    body: {
      siren: SEED.martin.siren,
      tax: "TVA",
      nature: "remboursement_credit_tva",
      subject: SUBJECT,
      body: "Bonjour,\nNous demandons le remboursement de notre crédit de TVA.\nLila Rosemonde",
      uploadIds: [],
    },
  });
  reference = filed.body.reference;
  await makeAgent(app.ctx, { email: PAUL.email, name: "Paul Agent", services: ["SIE-75111"], password: AGENT_PASSWORD, totpSecret: PAUL.secret });
  await makeAgent(app.ctx, {
    email: SOPHIE.email,
    name: "Sophie Superviseure",
    services: ["SIE-75111"],
    isSupervisor: true,
    password: AGENT_PASSWORD,
    totpSecret: SOPHIE.secret,
  });
});
afterAll(async () => app?.stop());

describe("the back office in the browser", () => {
  it("the SIE agent takes Lila's request, asks for a document, gets it, answers: « Traitée »; the supervisor's dashboard counts it", async () => {
    const agent = await app.newPage();
    await agentSignsInThroughUi(app, agent, PAUL);
    await agent.getByText("Mes services : SIE Paris 11e").waitFor();
    await agent.getByRole("link", { name: reference }).click();
    await agent.getByRole("heading", { name: `${reference} — ${SUBJECT}` }).waitFor();
    await agent.getByRole("button", { name: "Me l'attribuer" }).click();
    await agent.getByText("Attribuée à : Paul Agent").waitFor();
    await agent.getByText("En cours de traitement").first().waitFor();

    await agent.getByLabel("Message à l'entreprise").fill("Bonjour,\nMerci de joindre un relevé d'identité bancaire de l'entreprise.");
    await agent.getByText("Demander un complément (en attente de l'usager)").click();
    await agent.getByRole("button", { name: "Envoyer" }).click();
    await agent.getByText("En attente de l'usager").first().waitFor();
    await agent.getByLabel("Nouvelle note").fill("RIB demandé, relancer sous 8 jours.");
    await agent.getByRole("button", { name: "Ajouter la note" }).click();
    await agent.getByRole("listitem").filter({ hasText: "RIB demandé, relancer sous 8 jours." }).waitFor();

    // Lila answers with the document, from her own browser.
    const dir = tempDir("rib");
    const pdfPath = join(dir, "rib-martin.pdf");
    writeFileSync(
      pdfPath,
      await renderLetterPdf({
        kind: "email_change_notice",
        number: "1",
        editedAt: new Date().toISOString(),
        addressLines: ["X"],
        fields: {
          companyName: "X",
          siren: SEED.martin.siren,
          oldEmail: null,
          newEmail: "a@b.fr",
          changedBy: { fullName: "A", connectionEmail: "a@b.fr" },
          changedAt: new Date().toISOString(),
        },
      }),
    );
    const lila = await app.newPage();
    await signInThroughUi(app, lila, LILA, PASSWORD);
    await lila.goto(`${app.base}/demandes`);
    await lila.getByRole("link", { name: SUBJECT }).click();
    await lila.getByText("Merci de joindre un relevé d'identité bancaire de l'entreprise.").waitFor();
    await lila.getByLabel("Votre réponse").fill("Voici le relevé d'identité bancaire demandé.");
    await lila.getByLabel(/^Pièces jointes/).setInputFiles(pdfPath);
    await lila.getByText("rib-martin.pdf — envoyé").waitFor();
    await lila.getByRole("button", { name: "Répondre" }).click();
    await lila.getByRole("listitem").filter({ hasText: "Voici le relevé d'identité bancaire demandé." }).waitFor();
    expect(await lila.getByText("RIB demandé").count()).toBe(0);

    // The agent's view updates live; he gives the answer.
    await agent.getByText("Voici le relevé d'identité bancaire demandé.").waitFor();
    const [download] = await Promise.all([agent.waitForEvent("download"), agent.getByRole("link", { name: "rib-martin.pdf" }).click()]);
    expect(download.suggestedFilename()).toBe("rib-martin.pdf");
    await agent.getByLabel("Message à l'entreprise").fill("Votre remboursement est accordé ; il sera versé sous quelques jours.");
    // He joins the decision as a PDF, uploaded from the back office with its progress.
    const decisionPath = join(dir, "decision-remboursement.pdf");
    writeFileSync(
      decisionPath,
      await renderLetterPdf({
        kind: "email_change_notice",
        number: "2",
        editedAt: new Date().toISOString(),
        addressLines: ["Y"],
        fields: {
          companyName: "Martin distribution",
          siren: SEED.martin.siren,
          oldEmail: null,
          newEmail: "b@c.fr",
          changedBy: { fullName: "B", connectionEmail: "b@c.fr" },
          changedAt: new Date().toISOString(),
        },
      }),
    );
    await agent.getByLabel(/^Pièces jointes/).setInputFiles(decisionPath);
    await agent.getByText("decision-remboursement.pdf — envoyé").waitFor();
    await agent.getByText("Donner la réponse (traitée)").click();
    await agent.getByRole("button", { name: "Envoyer" }).click();
    await agent.getByText("Traitée", { exact: true }).first().waitFor();

    await lila.reload();
    await lila.getByText("Votre remboursement est accordé ; il sera versé sous quelques jours.").waitFor();
    await lila.getByText("Traitée", { exact: true }).waitFor();
    const [decision] = await Promise.all([lila.waitForEvent("download"), lila.getByRole("link", { name: "decision-remboursement.pdf" }).click()]);
    expect(decision.suggestedFilename()).toBe("decision-remboursement.pdf");

    // The supervisor's dashboard counts it.
    const supervisor = await app.newPage();
    await agentSignsInThroughUi(app, supervisor, SOPHIE);
    await supervisor.getByRole("link", { name: "Tableau de bord" }).click();
    const tile = (label: string) => supervisor.locator(".fr-tile", { hasText: label }).locator(".fr-tile__title");
    await tile("Reçues sur la période").waitFor();
    expect(await tile("Reçues sur la période").textContent()).toBe("1");
    expect(await tile("Traitées (première réponse)").textContent()).toBe("1");
    await supervisor.getByText("Données du graphique (tableau)").click();
    await supervisor.getByText("Traitée : 1", { exact: true }).waitFor();
    expect(await supervisor.locator(".recharts-bar-rectangle").count()).toBeGreaterThan(0);
    expect(app.cspViolations).toEqual([]);
  });
});
