import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { utimes } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { call, seedReferenceData, startTestApp, type TestApp } from "./helpers/app.js";
import { activeAdministrator } from "./helpers/people.js";
import { upload } from "./helpers/upload.js";
import { SEED } from "../src/app/demo.js";
import { HOUR } from "../src/platform/clock.js";
import { runHousekeeping } from "../src/app/worker.js";
import { releaseFiles } from "../src/modules/requests/index.js";
import { claimFile } from "../src/modules/requests/requests.stored-files.js";

/**
 * The sweep of stored files no row names waits FILES_SWEEP_GRACE_HOURS (7 days in production): a database restored
 * from a backup of the window finds every file it names (docs/operations.md « Sauvegardes et restauration »).
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ FILES_SWEEP_GRACE_HOURS: String(7 * 24) });
  await seedReferenceData(t.ctx);
});
afterAll(async () => t.close());

/** A file in the store that no row names, written `hoursAgo` by the application's clock. */
async function storedAt(content: string, hoursAgo: number) {
  const staged = await t.ctx.files.stage(Readable.from([Buffer.from(content)]));
  await staged.keep();
  await staged.drop();
  await age(staged.key, hoursAgo);
  return staged.key;
}
const age = async (key: string, hoursAgo: number) => {
  const at = new Date(t.clock.now().getTime() - hoursAgo * HOUR);
  await utimes(join(t.ctx.config.filesDir, key.slice(0, 2), key), at, at);
};

describe("the sweep of unreferenced files", () => {
  it("keeps an unreferenced file younger than its grace, removes an older one, never one a row names", async () => {
    expect(t.ctx.config.filesSweepGraceMs).toBe(7 * 24 * HOUR);
    const young = await storedAt("relevé que la restauration d'hier nomme encore", 7 * 24 - 1);
    const old = await storedAt("relevé sorti de toute sauvegarde", 7 * 24 + 1);
    const robert = await activeAdministrator(t, SEED.martin.siren, { companyEmail: "contact@martin.example" });
    const kept = await upload(t.app, robert.jar, "bilan.txt", "bilan 2025, stocké il y a longtemps");
    const filed = await call(t.app, "POST", "/api/v1/requests", {
      jar: robert.jar,
      body: { siren: SEED.martin.siren, tax: "TVA", nature: "question", subject: "Bilan", body: "Ci-joint.", uploadIds: [kept.body.uploadId] },
    });
    expect(filed.status).toBe(201);
    await age(kept.body.sha256 as string, 30 * 24);

    const report = await runHousekeeping(t.ctx, { sweepFiles: true });
    expect(report.files).toEqual({ staged: 0, unreferenced: 1 });
    expect(await t.ctx.files.exists(young)).toBe(true);
    expect(await t.ctx.files.exists(old)).toBe(false);
    expect(await t.ctx.files.exists(kept.body.sha256 as string)).toBe(true);

    // Two hours later the young one is past its grace too.
    t.clock.advance(2 * HOUR);
    expect((await runHousekeeping(t.ctx, { sweepFiles: true })).files).toEqual({ staged: 0, unreferenced: 1 });
    expect(await t.ctx.files.exists(young)).toBe(false);
    expect(await t.ctx.files.exists(kept.body.sha256 as string)).toBe(true);
  });

  it("counts the grace of a file let go by a purge from the purge, not from when it was stored", async () => {
    // Stored a month ago; its last row goes now (a retention purge, an expired export): it stays for the whole window.
    const released = await storedAt("pièce d'une demande purgée aujourd'hui", 30 * 24);
    await releaseFiles(t.ctx, [released]);
    expect((await runHousekeeping(t.ctx, { sweepFiles: true })).files).toEqual({ staged: 0, unreferenced: 0 });
    expect(await t.ctx.files.exists(released)).toBe(true);
    t.clock.advance(7 * 24 * HOUR + HOUR);
    expect((await runHousekeeping(t.ctx, { sweepFiles: true })).files).toEqual({ staged: 0, unreferenced: 1 });
    expect(await t.ctx.files.exists(released)).toBe(false);
  });

  it("keeps an old unreferenced file that a write has claimed, until the claim is 6 hours old", async () => {
    // An upload of content stored long ago and let go: claimed before its bytes leave for the store, so that the sweep
    // does not delete the object the write is putting back.
    const key = await storedAt("relevé envoyé de nouveau", 30 * 24);
    await claimFile(t.ctx, key);
    expect((await runHousekeeping(t.ctx, { sweepFiles: true })).files).toEqual({ staged: 0, unreferenced: 0 });
    expect(await t.ctx.files.exists(key)).toBe(true);
    // Its row never came (the process stopped): past 6 hours the claim goes, then the file.
    t.clock.advance(6 * HOUR + 1000);
    expect((await runHousekeeping(t.ctx, { sweepFiles: true })).files).toEqual({ staged: 0, unreferenced: 1 });
    expect(await t.ctx.files.exists(key)).toBe(false);
    expect(await t.ctx.db.selectFrom("file_claims").select("storage_key").where("storage_key", "=", key).execute()).toEqual([]);
  });
});
