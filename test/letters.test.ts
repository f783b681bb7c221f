import { tempDir } from "./helpers/temp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { call, seedReferenceData, startTestApp, type TestApp } from "./helpers/app.js";
import { letterCodes, newCompany, signedInPerson } from "./helpers/people.js";
import { pdfText } from "./helpers/pdf.js";
import { SEED } from "../src/app/demo.js";
import { markBatchPosted, MAX_LINE_LENGTH, MAX_LINES, writePrintBatch } from "../src/modules/letters/index.js";

let t: TestApp;
const squeeze = (s: string) => s.replace(/\s+/g, "");
beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
});
afterAll(async () => t.close());

describe("activation letter", () => {
  it("is a one-page A4 PDF holding the address block, the requester, the services and the codes", async () => {
    const person = await signedInPerson(t, { siren: SEED.gestion.siren, firstName: "Claire", lastName: "Vasseur" });
    await call(t.app, "POST", "/api/v1/adhesions", {
      jar: person.jar,
      body: { siren: SEED.martin.siren, quality: "mandated", services: ["tva_declarer", "tva_payer", "compte_fiscal"] },
    });
    await t.ctx.worker.drain();
    const { letter, activationCode, oppositionCode } = await letterCodes(t, SEED.martin.siren);
    expect(letter.addressLines.length).toBeLessThanOrEqual(MAX_LINES);
    for (const line of letter.addressLines) expect(line.length).toBeLessThanOrEqual(MAX_LINE_LENGTH);
    expect(letter.addressLines).toEqual(["MARTIN DISTRIBUTION", "REPRESENTANT LEGAL", "24 RUE DE LA ROQUETTE", "75011 PARIS 11"]);

    const res = await t.app.inject({ method: "GET", url: letter.pdfUrl });
    expect(res.headers["content-type"]).toBe("application/pdf");
    expect(res.headers["content-disposition"]).toMatch(/^attachment; filename="courrier-/);
    const { pages, width, height } = await pdfText(res.rawPayload);
    expect(pages).toHaveLength(1);
    expect([Math.round(width), Math.round(height)]).toEqual([595, 842]);
    const text = pages[0]!;
    for (const line of letter.addressLines) expect(text).toContain(line);
    for (const expected of [
      "Claire Vasseur",
      person.email,
      "CABINET GESTION (SIREN 845123900)",
      "personne mandatée",
      "Consulter le compte fiscal, Déclarer la TVA, Payer la TVA",
      "/opposition",
    ]) {
      expect(text).toContain(expected);
    }
    // Codes are drawn letter-spaced: pdf.js may cut them into several text items.
    expect(squeeze(text)).toContain(activationCode);
    expect(squeeze(text)).toContain(oppositionCode);
    expect(text).toMatch(/Valable jusqu'au \d{1,2} \w+ \d{4}/);
  });
});

describe("print batches", () => {
  it("writes one PDF and a CSV manifest for the day, marks the letters printed, then keeps only masked codes once posted", async () => {
    const sirens = [await newCompany(t, "LIBRAIRIE PERRIN"), await newCompany(t, "ATELIER MOREL")];
    for (const siren of sirens) {
      const p = await signedInPerson(t, { siren: SEED.gestion.siren });
      await call(t.app, "POST", "/api/v1/adhesions", { jar: p.jar, body: { siren, quality: "mandated", services: ["cfe"] } });
    }
    const codes = await Promise.all(sirens.map((s) => letterCodes(t, s)));
    const outDir = tempDir("lots");
    const batch = await writePrintBatch(t.ctx, t.clock.now().toISOString().slice(0, 10), outDir);
    expect(batch.letters).toBeGreaterThanOrEqual(2);
    const { pages } = await pdfText(readFileSync(batch.pdfPath));
    expect(pages).toHaveLength(batch.letters);
    for (const c of codes) expect(pages.some((p) => squeeze(p).includes(c.activationCode))).toBe(true);
    const manifest = readFileSync(batch.manifestPath, "utf8").trim().split("\n");
    expect(manifest[0]).toBe("page,numero,id,siren,type,adresse,edite_le");
    expect(manifest).toHaveLength(batch.letters + 1);
    expect(manifest.some((l) => l.includes("LIBRAIRIE PERRIN / REPRESENTANT LEGAL"))).toBe(true);
    const printed = (await call(t.app, "GET", `/api/v1/dev/letters?siren=${sirens[0]}`)).body.items[0];
    expect(printed.status).toBe("printed");
    // A second batch for the same day holds nothing more.
    expect((await writePrintBatch(t.ctx, t.clock.now().toISOString().slice(0, 10), outDir)).letters).toBe(0);

    await t.ctx.db.transaction().execute((tx) => markBatchPosted(t.ctx, batch.batchId, tx));
    await t.ctx.worker.drain();
    const posted = (await call(t.app, "GET", `/api/v1/dev/letters?siren=${sirens[0]}`)).body.items[0];
    expect(posted.status).toBe("posted");
    expect(posted.fields.activationCode).toBe("••••-••••-••••");
    const pdf = await t.app.inject({ method: "GET", url: posted.pdfUrl });
    const text = (await pdfText(pdf.rawPayload)).pages[0]!;
    expect(squeeze(text)).not.toContain(codes[0]!.activationCode);
    expect(squeeze(text)).toContain("••••-••••-••••");
    const stored = JSON.stringify(await t.ctx.db.selectFrom("letters").selectAll().where("siren", "=", sirens[0]!).execute());
    expect(stored).not.toContain(codes[0]!.activationCode);
  });

  it("refuses a malformed date", async () => {
    await expect(writePrintBatch(t.ctx, "28/11/2026", tempDir("lots"))).rejects.toThrow(/Date invalide/);
  });

  it("fails the batch, not the process, when its files cannot be written", async () => {
    // A folder where no file can be created (procfs): the streams' errors come after they are opened.
    await expect(writePrintBatch(t.ctx, t.clock.now().toISOString().slice(0, 10), "/proc")).rejects.toThrow(/ENOENT/);
    expect((await call(t.app, "GET", "/api/v1/dev/letters")).status).toBe(200);
  });
});
