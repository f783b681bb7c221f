import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { correspondenceDepsOf } from "../../src/app/context.js";
import { seedReferenceData } from "../helpers/app.js";
import { axeViolations, signInThroughUi, startBrowserApp, type BrowserApp } from "../helpers/browser.js";
import { tempDir } from "../helpers/temp.js";
import { makeActiveSpace, makeAgent, makeCompany, makePortfolio } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";
import { withLuhnKey } from "../../src/modules/companies/index.js";
import { openThread } from "../../src/modules/correspondence/index.js";

/**
 * A firm organised in teams (product §19), in the browser: the head accountant builds the team « TVA » of two
 * colleagues and 50 clients, gives one of them a request to follow; that colleague works it, the other sees who read
 * the administration's message; the client list leaves as CSV.
 */
const PASSWORD = "Vingt-Trois-Lapins-Bleus";
const CHIEF = "cabinet.comptable@gestion.com";
const LILA = "lila.rosemonde@gestion.com";
const HUGO = "hugo.bernard@gestion.com";
const CLIENTS = 60;
const clientSiren = (i: number) => withLuhnKey(String(64_000_000 + i * 7));
const clientName = (i: number) => `CLIENT EQUIPE ${i}`;
const paris11 = { streetNumber: "10", streetType: "RUE", streetName: "OBERKAMPF", postalCode: "75011", communeName: "PARIS 11", communeCode: "75111" };
const dir = tempDir("mp-teams-e2e");

let app: BrowserApp;
let threadId: string;
beforeAll(async () => {
  app = await startBrowserApp();
  await seedReferenceData(app.ctx);
  const deps = { ...app.ctx, publicUrl: app.base };
  const { spaceId } = await makeActiveSpace(app.ctx, { email: CHIEF, password: PASSWORD, firstName: "Claire", lastName: "Vasseur", siren: SEED.gestion.siren });
  await makeActiveSpace(app.ctx, { email: LILA, password: PASSWORD, firstName: "Lila", lastName: "Rosemonde", siren: SEED.gestion.siren });
  await makeActiveSpace(app.ctx, { email: HUGO, password: PASSWORD, firstName: "Hugo", lastName: "Bernard", siren: SEED.gestion.siren });
  // She administers her own firm (so she may create teams) and 60 clients, for the VAT and the messagerie.
  await makePortfolio(deps, { spaceId, sirens: [SEED.gestion.siren], services: ["compte_fiscal"], quality: "legal_representative" });
  for (let i = 1; i <= CLIENTS; i++) await makeCompany(app.ctx, { siren: clientSiren(i), name: clientName(i), ...paris11 });
  await makePortfolio(deps, {
    spaceId,
    sirens: Array.from({ length: CLIENTS }, (_, i) => clientSiren(i + 1)),
    services: ["messagerie", "tva_declarer", "tva_payer"],
    companyEmail: (siren) => `contact.${siren}@clients.example`,
  });
  // The administration writes first to client #7, about its VAT.
  const agent = await makeAgent(app.ctx, {
    email: "agent.equipes@dgfip.test",
    name: "Agent Équipes",
    services: ["SIE-75111"],
    password: "Guichet-Fiscal-Solide-42",
    totpSecret: "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B",
  });
  threadId = (
    await openThread(
      correspondenceDepsOf(app.ctx),
      { id: agent.id, services: ["SIE-75111"] },
      {
        siren: clientSiren(7),
        tax: "TVA",
        nature: "demande_de_pieces",
        subject: "Justificatifs de TVA déductible",
        body: "Bonjour, merci de nous transmettre les factures d'achat du trimestre.",
        acknowledgementRequired: false,
        repliesAllowed: true,
        uploadIds: [],
      },
    )
  ).id;
}, 300_000);
afterAll(async () => app?.stop());

async function expectAccessible(page: Page) {
  expect(await axeViolations(page)).toEqual([]);
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await axeViolations(page)).toEqual([]);
  // The page itself never scrolls sideways; wide tables scroll inside their own region.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.setViewportSize({ width: 1280, height: 900 });
}

describe("a firm organised in teams, in the browser", () => {
  it("the head accountant builds a team of two colleagues and 50 clients; Lila works the request given to her, Hugo sees that she read it; the list leaves as CSV", async () => {
    const chief = await app.newPage();
    await signInThroughUi(app, chief, CHIEF, PASSWORD);
    await chief.getByRole("navigation", { name: "Menu principal" }).getByRole("link", { name: "Équipes" }).click();
    await chief.getByText("Aucune équipe pour le moment.").waitFor();
    await expectAccessible(chief);

    // The team « TVA »: the VAT bundle, as delegates.
    await chief.getByLabel(/^Nom de l'équipe/).fill("TVA");
    await chief.getByLabel(/^Habilitation donnée aux membres/).selectOption({ label: "Gestion de la TVA" });
    await chief.locator("label", { hasText: "Délégataire" }).click();
    await chief.getByRole("button", { name: "Créer l'équipe" }).click();
    await chief.waitForURL(/\/equipes\/[0-9a-f-]{36}$/);
    const teamUrl = chief.url();

    // Two colleagues invited; each accepts once.
    for (const email of [LILA, HUGO]) {
      await chief.getByLabel(/^Adresse de connexion/).fill(email);
      await chief.getByRole("button", { name: "Inviter", exact: true }).click();
      await chief.getByText(`Invitation envoyée à ${email}`).waitFor();
    }
    // 50 clients by a pasted list (the other ten stay outside the team).
    const fifty = Array.from({ length: 50 }, (_, i) => clientSiren(i + 1));
    await chief.getByLabel(/^Ou collez une liste de SIREN/).fill(fifty.join("\n"));
    await chief.getByRole("button", { name: "Ajouter 50 entreprises" }).click();
    await chief.getByRole("heading", { name: "Entreprises (50)" }).waitFor();
    await expectAccessible(chief);

    const lila = await app.newPage();
    const hugo = await app.newPage();
    for (const [page, email] of [
      [lila, LILA],
      [hugo, HUGO],
    ] as const) {
      await signInThroughUi(app, page, email, PASSWORD);
      await page.goto(teamUrl);
      await page.getByRole("heading", { name: "Vous êtes invité dans cette équipe" }).waitFor();
      await expectAccessible(page);
      await page.getByRole("button", { name: "Rejoindre l'équipe" }).click();
      await page.getByRole("heading", { name: "Vous êtes invité dans cette équipe" }).waitFor({ state: "detached" });
      // Her « mes entreprises » now holds the team's 50 clients, and none of the ten others.
      await page.goto(`${app.base}/mon-espace`);
      await page.getByText(/^50 entreprises/).waitFor();
    }

    // The head accountant gives the administration's message to Lila to follow.
    await chief.goto(`${app.base}/demandes/${threadId}`);
    await chief.getByRole("heading", { name: "Justificatifs de TVA déductible" }).waitFor();
    await chief.getByLabel(/^Confier le suivi à/).selectOption({ label: "Lila Rosemonde" });
    await chief.getByRole("button", { name: "Confier le suivi" }).click();
    await chief.getByText("Cette demande est suivie par Lila Rosemonde.").waitFor();

    // Lila finds it among those she follows, reads it and answers.
    await lila.goto(`${app.base}/demandes`);
    await lila.locator("label", { hasText: "Suivies par moi" }).click();
    await lila.getByRole("link", { name: "Justificatifs de TVA déductible" }).click();
    await lila.getByText("Vous suivez cette demande.").waitFor();
    await lila.getByLabel(/^Votre réponse/).fill("Bonjour, voici les factures du trimestre.");
    await lila.getByRole("button", { name: "Répondre", exact: true }).click();
    await lila.getByRole("listitem").filter({ hasText: "Bonjour, voici les factures du trimestre." }).waitFor();

    // Hugo sees who read the administration's message, and when.
    await hugo.goto(`${app.base}/demandes/${threadId}`);
    const readBy = hugo.getByRole("list", { name: "Lu par" });
    await readBy.waitFor();
    expect(await readBy.textContent()).toMatch(/Lu par Lila Rosemonde le \d{1,2}(er)? \S+ \d{4} à \d{2}:\d{2}/);
    await hugo.getByText("Cette demande est suivie par Lila Rosemonde.").waitFor();
    await expectAccessible(hugo);

    // The client list as CSV: every row, not a page.
    await chief.goto(`${app.base}/mon-espace`);
    await chief.getByRole("table", { name: /^Mes entreprises/ }).waitFor();
    await expectAccessible(chief);
    const [download] = await Promise.all([chief.waitForEvent("download"), chief.getByRole("link", { name: "Exporter en CSV" }).click()]);
    const file = join(dir, "mes-entreprises.csv");
    await download.saveAs(file);
    const lines = readFileSync(file, "utf8")
      .replace(/^\uFEFF/, "")
      .trim()
      .split(/\r\n/);
    expect(lines).toHaveLength(1 + CLIENTS + 1);
    expect(lines[0]).toMatch(/SIREN/);
    expect(lines.filter((l) => l.includes(clientName(7)))).toHaveLength(1);

    // Taking a company off the team, then a member: each once confirmed, the dialog naming who loses what.
    await chief.goto(teamUrl);
    await chief
      .getByRole("row", { name: new RegExp(`^${clientName(50)} `) })
      .getByRole("button", { name: "Retirer…" })
      .click();
    let dialog = chief.getByRole("dialog", { name: `Retirer ${clientName(50)} de l'équipe TVA ?` });
    await dialog
      .getByText(
        `Les 2 membres de l'équipe perdent dès maintenant l'habilitation de l'équipe sur ${clientName(50)} (SIREN ${clientSiren(50)}) ; leurs autres habilitations restent.`,
      )
      .waitFor();
    await expectAccessible(chief);
    await dialog.getByRole("button", { name: "Retirer l'entreprise" }).click();
    await chief.getByRole("heading", { name: "Entreprises (49)" }).waitFor();
    await chief
      .getByRole("row", { name: /^Hugo Bernard / })
      .getByRole("button", { name: "Retirer…" })
      .click();
    dialog = chief.getByRole("dialog", { name: "Retirer Hugo Bernard de l'équipe TVA ?" });
    await dialog
      .getByText(
        /^Hugo Bernard perd dès maintenant l'habilitation de l'équipe \(délégataire — .*\) sur ses 49 entreprises ; ses autres habilitations restent\.$/,
      )
      .waitFor();
    await dialog.getByRole("button", { name: "Retirer de l'équipe" }).click();
    await chief.getByRole("row", { name: /^Hugo Bernard / }).waitFor({ state: "detached" });
    await hugo.goto(`${app.base}/mon-espace`);
    await hugo.getByText("Aucune entreprise", { exact: true }).waitFor();
    await lila.goto(`${app.base}/mon-espace`);
    await lila.getByText(/^49 entreprises/).waitFor();

    // Renamed, then closed once confirmed: Lila loses the 49 companies at once.
    await chief.getByLabel(/^Nom de l'équipe/).fill("TVA Nord");
    await chief.getByRole("button", { name: "Renommer" }).click();
    await chief.getByText("L'équipe s'appelle désormais « TVA Nord ».").waitFor();
    await chief.getByRole("heading", { level: 1, name: "Équipe TVA Nord" }).waitFor();
    await chief.getByRole("button", { name: "Fermer l'équipe…" }).click();
    dialog = chief.getByRole("dialog", { name: "Fermer l'équipe TVA Nord ?" });
    await dialog
      .getByText(
        /^Le membre perd dès maintenant l'habilitation de l'équipe \(délégataire — .*\) sur ses 49 entreprises, avec les délégations faites à partir d'elle ; ses autres habilitations restent\.$/,
      )
      .waitFor();
    await expectAccessible(chief);
    await dialog.getByRole("button", { name: "Fermer l'équipe" }).click();
    await chief.getByText("L'équipe « TVA Nord » est fermée : les habilitations qu'elle donnait ont pris fin.").waitFor();
    await chief.getByText("Aucune équipe pour le moment.").waitFor();
    await expectAccessible(chief);
    await lila.goto(`${app.base}/mon-espace`);
    await lila.getByText("Aucune entreprise", { exact: true }).waitFor();
    expect(app.cspViolations).toEqual([]);
  });
});
