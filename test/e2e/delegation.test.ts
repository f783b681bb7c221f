import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedReferenceData } from "../helpers/app.js";
import { fromLetterBox, signInThroughUi, startBrowserApp, type BrowserApp } from "../helpers/browser.js";
import { makeActiveSpace, makeSimplifiedAdministrator } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";

const PASSWORD = "Vingt-Trois-Lapins-Bleus";
const ROBERT = "robert.lambda@martindistribution.com";
const CHIEF = "cabinet.comptable@gestion.com";
const LILA = "lila.rosemonde@gestion.com";
let app: BrowserApp;

beforeAll(async () => {
  app = await startBrowserApp();
  await seedReferenceData(app.ctx);
  await makeSimplifiedAdministrator(
    { ...app.ctx, publicUrl: app.base },
    { email: ROBERT, password: PASSWORD, firstName: "Robert", lastName: "Lambda", siren: SEED.martin.siren },
  );
  await makeActiveSpace(app.ctx, { email: CHIEF, password: PASSWORD, firstName: "Claire", lastName: "Vasseur", siren: SEED.gestion.siren });
  await makeActiveSpace(app.ctx, { email: LILA, password: PASSWORD, firstName: "Lila", lastName: "Rosemonde", siren: SEED.gestion.siren });
});
afterAll(async () => app?.stop());

describe("the seed's delegation story in the browser", () => {
  it("the head accountant adheres, activates and delegates the VAT to Lila; Robert sees both, revokes the head accountant, and Lila's delegation falls", async () => {
    // The head accountant adheres to Martin distribution as a mandated person.
    const chief = await app.newPage();
    await signInThroughUi(app, chief, CHIEF, PASSWORD);
    await chief.getByRole("link", { name: "Adhérer à un service" }).click();
    await chief.getByLabel(/^SIREN de l'entreprise/).fill(SEED.martin.siren);
    for (const label of ["Consulter le compte fiscal", "Déclarer la TVA", "Payer la TVA", "Payer l'IS"])
      await chief.locator("label", { hasText: label }).click();
    await chief.getByRole("button", { name: "Envoyer la demande" }).click();
    await chief.getByText("Courrier envoyé", { exact: true }).waitFor();
    const code = await fromLetterBox(app, SEED.martin.siren, "activationCode");
    await chief.getByLabel(/^Code d'activation reçu par courrier — MARTIN DISTRIBUTION/).fill(code);
    await chief.getByRole("button", { name: "Activer" }).click();
    await chief.getByRole("list", { name: "Services détenus pour MARTIN DISTRIBUTION" }).waitFor();

    // She delegates « gestion de la TVA » to Lila.
    await chief.getByRole("link", { name: "MARTIN DISTRIBUTION", exact: true }).click();
    await chief.getByLabel("Adresse électronique de connexion de la personne").fill(LILA);
    await chief.getByLabel("Habilitation", { exact: true }).selectOption("tva");
    await chief.getByText("Services : Messagerie sécurisée, Déclarer la TVA, Payer la TVA — messagerie limitée à TVA").waitFor();
    await chief.getByRole("button", { name: "Proposer l'habilitation" }).click();
    await chief.getByText(/Proposition envoyée/).waitFor();

    // Lila accepts.
    const lila = await app.newPage();
    await signInThroughUi(app, lila, LILA, PASSWORD);
    const offer = lila.getByRole("region", { name: /Habilitation proposée par Claire Vasseur pour MARTIN DISTRIBUTION/ });
    await offer.getByText("délégataire : Messagerie sécurisée, Déclarer la TVA, Payer la TVA — messagerie limitée à TVA").waitFor();
    await offer.getByRole("button", { name: "Accepter" }).click();
    const lilaServices = lila.getByRole("list", { name: "Services détenus pour MARTIN DISTRIBUTION" });
    await lilaServices.waitFor();
    expect(await lilaServices.getByRole("listitem").allTextContents()).toEqual([
      "Messagerie sécurisée (délégataire)",
      "Déclarer la TVA (délégataire)",
      "Payer la TVA (délégataire)",
    ]);

    // Robert sees both of them on « who acts for my company ».
    const robert = await app.newPage();
    await signInThroughUi(app, robert, ROBERT, PASSWORD);
    await robert.goto(`${app.base}/entreprises/${SEED.martin.siren}`);
    await robert.getByRole("heading", { name: "Qui agit pour mon entreprise" }).waitFor();
    const rows = robert.locator("tbody tr");
    await robert.locator(`tr[data-person="${LILA}"]`).waitFor();
    expect(await rows.count()).toBe(3);
    await robert.locator(`tr[data-person="${LILA}"]`).getByText("Messagerie sécurisée — délégataire (TVA)", { exact: false }).waitFor();
    await robert
      .locator(`tr[data-person="${LILA}"]`)
      .getByText(/accordée par Claire Vasseur/)
      .first()
      .waitFor();

    // He revokes the head accountant's rights: Lila's delegation falls with them.
    await robert.locator(`tr[data-person="${CHIEF}"]`).getByRole("button", { name: "Révoquer…" }).click();
    // A confirmation first, naming what falls with it.
    const dialog = robert.getByRole("dialog", { name: /Révoquer les habilitations de Claire Vasseur/ });
    await dialog.getByText("la délégation de Lila Rosemonde tombera aussi").waitFor();
    await dialog.getByRole("button", { name: "Révoquer", exact: true }).click();
    await robert.locator(`tr[data-person="${CHIEF}"]`).waitFor({ state: "detached" });
    await robert.locator(`tr[data-person="${LILA}"]`).waitFor({ state: "detached" });
    expect(await rows.count()).toBe(1);

    await lila.reload();
    await lila.getByText("Aucune entreprise", { exact: true }).waitFor();
    await chief.goto(`${app.base}/mon-espace`);
    await chief.getByText("Aucune entreprise", { exact: true }).waitFor();
    expect(app.cspViolations).toEqual([]);
  });
});
