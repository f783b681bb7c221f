import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { seedReferenceData, startTestApp, type TestApp } from "../helpers/app.js";
import { signedInPerson } from "../helpers/people.js";
import { upload } from "../helpers/upload.js";
import { SEED } from "../../src/app/demo.js";
import { verifyStoredFiles } from "../../src/modules/requests/index.js";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
});
afterAll(async () => t.close());

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("files verify (after a restore)", () => {
  it("finds every row's file, then names the one row whose file went missing", async () => {
    const p = await signedInPerson(t, { siren: SEED.gestion.siren });
    const kept = await upload(t.app, p.jar, "releve.txt", "Relevé de compte, novembre 2026.\n", "text/plain");
    const lost = await upload(t.app, p.jar, "facture.txt", "Facture n° 2026-118, TVA 20 %.\n", "text/plain");
    expect([kept.status, lost.status]).toEqual([201, 201]);
    const before = await verifyStoredFiles(t.ctx);
    expect(before.checked).toBeGreaterThanOrEqual(2);
    expect(before.missing).toEqual([]);
    // The object of one upload disappears from the store (a restore of an older bucket, a lost disk).
    const key = sha256("Facture n° 2026-118, TVA 20 %.\n");
    expect(await t.ctx.files.exists(key)).toBe(true);
    await t.ctx.files.remove(key);
    const after = await verifyStoredFiles(t.ctx);
    expect(after.checked).toBe(before.checked);
    expect(after.missing).toEqual([{ table: "uploads", id: lost.body.uploadId, key, name: "facture.txt" }]);
  });
});
