import { tempDir } from "../helpers/temp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { generate } from "otplib";
import { call, CookieJar } from "../helpers/app.js";
import { robertDelegatesVatToLila, signInThroughUi, startBrowserApp, type BrowserApp } from "../helpers/browser.js";
import { makeAgent } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";
import { renderLetterPdf } from "../../src/modules/letters/index.js";

const PASSWORD = "Vingt-Trois-Lapins-Bleus";
const ROBERT = "robert.lambda@martindistribution.com";
const LILA = "lila.rosemonde@gestion.com";
const AGENT_SECRET = "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B";
let app: BrowserApp;

beforeAll(async () => {
  app = await startBrowserApp();
  await robertDelegatesVatToLila(app);
  await makeAgent(app.ctx, {
    email: "agent.paris11@dgfip.test",
    name: "Paul Agent",
    services: ["SIE-75111"],
    password: "Guichet-Fiscal-Solide-42",
    totpSecret: AGENT_SECRET,
  });
});
afterAll(async () => app?.stop());

describe("the seed's messagerie story in the browser", () => {
  it("Lila files a VAT credit refund with a PDF, gets the receipt; an agent answers; Robert and Lila read it; the company address got a content-free notice", async () => {
    const dir = tempDir("pj");
    const pdfPath = join(dir, "formulaire-3519.pdf");
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
    await lila.getByRole("link", { name: "Écrire pour MARTIN DISTRIBUTION" }).click();
    await lila.getByLabel("Impôt").selectOption("TVA");
    await lila.getByLabel("Nature de la demande").selectOption("remboursement_credit_tva");
    await lila.getByLabel(/^Objet/).fill("Remboursement du crédit de TVA du 3e trimestre");
    await lila.getByLabel(/^Message/).fill("Bonjour,\nVeuillez trouver ci-joint le formulaire 3519.\nCordialement,\nLila Rosemonde");
    // A file refused in the browser (over 10 Mo) stops the sending and names the field: the request never leaves
    // without it.
    await lila.getByLabel(/^Pièces jointes/).setInputFiles({ name: "trop-gros.pdf", mimeType: "application/pdf", buffer: Buffer.alloc(10.5 * 1024 * 1024) });
    await lila.getByText(/^trop volumineux \(10,5 Mo\)/).waitFor();
    await lila.getByRole("button", { name: "Envoyer la demande" }).click();
    await lila.getByRole("link", { name: /^Pièces jointes : le fichier « trop-gros\.pdf » est refusé/ }).waitFor();
    expect(new URL(lila.url()).pathname).toBe("/ecrire");
    await lila.getByRole("button", { name: "retirer trop-gros.pdf" }).click();
    await lila.getByLabel(/^Pièces jointes/).setInputFiles(pdfPath);
    await lila.getByText("formulaire-3519.pdf — envoyé").waitFor();
    await lila.getByRole("button", { name: "Envoyer la demande" }).click();
    await lila.getByText("Votre demande est déposée").waitFor();
    const reference = ((await lila.locator("p.fr-text--lead").textContent()) ?? "").split(" — ")[0]!;
    expect(reference).toMatch(/^2026-SIE-75111-\d{7}$|^\d{4}-SIE-75111-\d{7}$/);
    const [download] = await Promise.all([lila.waitForEvent("download"), lila.getByRole("link", { name: /Télécharger l'accusé de réception signé/ }).click()]);
    expect(download.suggestedFilename()).toBe(`accuse-reception-${reference}.pdf`);
    const requestId = new URL(lila.url()).pathname.split("/").pop()!;

    // An agent of the SIE answers through the API.
    const agent = new CookieJar();
    await call(app.app, "POST", "/api/v1/backoffice/session", {
      jar: agent,
      body: { email: "agent.paris11@dgfip.test", password: "Guichet-Fiscal-Solide-42", totp: await generate({ secret: AGENT_SECRET }) },
    });
    const seen = await call(app.app, "GET", `/api/v1/backoffice/requests/${requestId}`, { jar: agent });
    const answered = await call(app.app, "POST", `/api/v1/backoffice/requests/${requestId}/messages`, {
      jar: agent,
      body: { body: "Votre demande de remboursement est acceptée.", status: "answered", version: seen.body.version },
    });
    expect(answered.status).toBe(201);

    // Robert and Lila see the answer.
    for (const [page, who] of [
      [lila, LILA],
      [await app.newPage(), ROBERT],
    ] as const) {
      if (who === ROBERT) await signInThroughUi(app, page, ROBERT, PASSWORD);
      await page.goto(`${app.base}/demandes`);
      await page.getByRole("link", { name: "Remboursement du crédit de TVA du 3e trimestre" }).click();
      await page.getByText("Votre demande de remboursement est acceptée.").waitFor();
      await page.getByText("Traitée", { exact: true }).waitFor();
      await page.getByText("SIE Paris 11e", { exact: true }).first().waitFor();
    }
    // The company address got the content-free notice.
    await app.ctx.worker.drain();
    const mails = (await call(app.app, "GET", `/api/v1/dev/mails?to=${encodeURIComponent(ROBERT)}`)).body.items as { subject: string; text: string }[];
    const notice = mails.find((m) => m.subject === `Nouveau message concernant votre demande ${reference}`)!;
    expect(notice.text).toContain(`Un nouveau message concernant votre demande ${reference} est disponible dans votre messagerie sécurisée.`);
    expect(notice.text).not.toContain("acceptée");
    expect(app.cspViolations).toEqual([]);
  });
});
