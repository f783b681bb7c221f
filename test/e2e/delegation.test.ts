import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, seedReferenceData } from "../helpers/app.js";
import { signIn } from "../helpers/people.js";
import type { Page } from "playwright-core";
import { axeViolations, fromLetterBox, signInThroughUi, startBrowserApp, type BrowserApp } from "../helpers/browser.js";
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

  it("on « mon espace », what ends or stops someone's access is done only once confirmed, the dialog naming who loses what", async () => {
    const robertApi = await signIn(app, ROBERT, PASSWORD);
    const lilaApi = await signIn(app, LILA, PASSWORD);
    const offer = async (services: string[]) =>
      (
        await call(app.app, "POST", `/api/v1/companies/${SEED.martin.siren}/delegations`, {
          jar: robertApi,
          body: { email: LILA, role: "delegate", services },
        })
      ).body.id as string;
    const vat = await offer(["tva_declarer", "tva_payer"]);
    expect((await call(app.app, "POST", `/api/v1/delegations/${vat}/accept`, { jar: lilaApi })).status).toBe(200);
    await offer(["is_payer"]);
    const lilaHolds = async () =>
      ((await call(app.app, "GET", "/api/v1/companies", { jar: lilaApi })).body.items as { siren: string; rights: { service: string }[] }[]).flatMap((c) =>
        c.rights.map((r) => `${c.siren} ${r.service}`),
      );
    expect(await lilaHolds()).toEqual([`${SEED.martin.siren} tva_declarer`, `${SEED.martin.siren} tva_payer`]);

    const robert = await app.newPage();
    await signInThroughUi(app, robert, ROBERT, PASSWORD);
    const given = robert.getByRole("region", { name: "Habilitation accordée à Lila Rosemonde pour MARTIN DISTRIBUTION" });
    const inForce = given.filter({ hasText: "En vigueur" });
    const offered = given.filter({ hasText: "En attente de réponse" });
    await inForce.waitFor();

    // Both at once: the dialog lists what she loses; « Annuler » changes nothing.
    await robert.getByRole("button", { name: "Révoquer les 2 habilitations accordées à Lila Rosemonde (ci-dessous)" }).click();
    let dialog = robert.getByRole("dialog", { name: "Révoquer les 2 habilitations accordées à Lila Rosemonde ?" });
    await dialog.getByText("MARTIN DISTRIBUTION — délégataire : Déclarer la TVA, Payer la TVA").waitFor();
    await dialog.getByText("MARTIN DISTRIBUTION — délégataire : Payer l'IS (proposition retirée)").waitFor();
    await dialog.getByRole("button", { name: "Annuler" }).click();
    await dialog.waitFor({ state: "hidden" });
    expect(await lilaHolds()).toHaveLength(2);

    // Suspending, then revoking, the delegation in force.
    await inForce.getByRole("button", { name: "Mettre en veille…" }).click();
    dialog = confirmation(robert, "Mettre en veille l'habilitation de Lila Rosemonde ?");
    await dialog
      .getByText(
        "Lila Rosemonde ne pourra plus agir pour MARTIN DISTRIBUTION (délégataire : Déclarer la TVA, Payer la TVA) jusqu'à ce que vous réactiviez l'habilitation.",
      )
      .waitFor();
    await dialog.getByRole("button", { name: "Mettre en veille" }).click();
    await given.filter({ hasText: "En veille" }).getByRole("button", { name: "Réactiver" }).click();
    await inForce.getByRole("button", { name: "Révoquer…" }).click();
    dialog = confirmation(robert, "Révoquer l'habilitation de Lila Rosemonde ?");
    await dialog
      .getByText("Lila Rosemonde ne pourra plus agir pour MARTIN DISTRIBUTION (délégataire : Déclarer la TVA, Payer la TVA) dès maintenant.")
      .waitFor();
    await dialog.getByRole("button", { name: "Révoquer", exact: true }).click();
    await given.filter({ hasText: "Révoquée" }).waitFor();
    await expect.poll(lilaHolds).toEqual([]);

    // The offer not yet accepted.
    await offered.getByRole("button", { name: "Retirer la proposition…" }).click();
    dialog = confirmation(robert, "Retirer la proposition faite à Lila Rosemonde ?");
    await dialog.getByText("Lila Rosemonde ne pourra plus accepter d'agir pour MARTIN DISTRIBUTION (délégataire : Payer l'IS).").waitFor();
    await dialog.getByRole("button", { name: "Retirer la proposition" }).click();
    await given.filter({ hasText: "Retirée" }).waitFor();
    expect(await axeViolations(robert)).toEqual([]);
    await robert.close();
    expect(app.cspViolations).toEqual([]);
  });
});

/** The confirmation dialog of that title, open. */
const confirmation = (page: Page, title: string) => page.getByRole("dialog", { name: title });
