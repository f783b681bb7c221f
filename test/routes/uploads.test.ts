import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConnection } from "node:net";
import { createHash } from "node:crypto";
import { zipSync, strToU8 } from "fflate";
import { call, seedReferenceData, startTestApp, type TestApp } from "../helpers/app.js";
import { activeAdministrator, signedInPerson } from "../helpers/people.js";
import { upload } from "../helpers/upload.js";
import { SEED } from "../../src/app/demo.js";
import { HOUR } from "../../src/platform/clock.js";
import { readdir, utimes } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { expireUploads, sweepFiles } from "../../src/modules/requests/index.js";
import { renderLetterPdf as letterPdf } from "../../src/modules/letters/index.js";
import { verifyReceipt } from "../../src/modules/requests/requests.receipts.js";

const EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
const CLAMAV_URL = process.env.TEST_CLAMAV_URL ?? "tcp://127.0.0.1:3310";
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

async function samplePdf(): Promise<Buffer> {
  return letterPdf({
    kind: "email_change_notice",
    number: "1",
    editedAt: new Date().toISOString(),
    addressLines: ["X"],
    fields: {
      companyName: "X",
      siren: "812345676",
      oldEmail: null,
      newEmail: "a@b.fr",
      changedBy: { fullName: "A", connectionEmail: "a@b.fr" },
      changedAt: new Date().toISOString(),
    },
  });
}
const PNG = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000", "hex");

let t: TestApp;
type Person = Awaited<ReturnType<typeof signedInPerson>>;
let robert: Person;
beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
  robert = await activeAdministrator(t, SEED.martin.siren, {
    quality: "legal_representative",
    companyEmail: "robert.lambda@martindistribution.com",
    email: "robert.lambda@martindistribution.com",
  });
});
afterAll(async () => t.close());

describe("uploads", () => {
  it("accepts a PDF recognised by its content, with its SHA-256, and attaches it to a request", async () => {
    const pdf = await samplePdf();
    const res = await upload(t.app, robert.jar, "Déclaration 3519 (T3).pdf", pdf, "text/plain");
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: "Déclaration 3519 (T3).pdf", size: pdf.length, mediaType: "application/pdf", sha256: sha256(pdf) });
    const png = await upload(t.app, robert.jar, "scan.png", PNG);
    expect(png.body.mediaType).toBe("image/png");
    const csv = await upload(t.app, robert.jar, "ventes.csv", "mois;montant\njanvier;1200,50\n");
    expect(csv.body.mediaType).toBe("text/csv");

    const filed = await call(t.app, "POST", "/api/v1/requests", {
      jar: robert.jar,
      body: {
        siren: SEED.martin.siren,
        tax: "TVA",
        nature: "remboursement_credit_tva",
        subject: "Avec pièces",
        body: "Ci-joint.",
        uploadIds: [res.body.uploadId, png.body.uploadId],
      },
    });
    expect(filed.status).toBe(201);
    const thread = await call(t.app, "GET", `/api/v1/requests/${filed.body.id}`, { jar: robert.jar });
    const attachments = thread.body.messages[0].attachments;
    expect(attachments.map((a: { name: string }) => a.name)).toEqual(["Déclaration 3519 (T3).pdf", "scan.png"]);
    const download = await t.app.inject({ method: "GET", url: `/api/v1/attachments/${attachments[0].id}`, headers: { cookie: robert.jar.header() } });
    expect(download.statusCode).toBe(200);
    expect(download.headers["content-type"]).toBe("application/pdf");
    expect(download.headers["content-disposition"]).toBe(
      `attachment; filename="D_claration 3519 (T3).pdf"; filename*=UTF-8''${encodeURIComponent("Déclaration 3519 (T3).pdf")}`,
    );
    expect(download.headers["x-content-type-options"]).toBe("nosniff");
    expect(sha256(download.rawPayload)).toBe(sha256(pdf));
    // The receipt carries the attachments' hashes.
    const receipt = (await t.app.inject({ method: "GET", url: filed.body.receiptUrl, headers: { cookie: robert.jar.header() } })).rawPayload;
    const verdict = await verifyReceipt(receipt, t.ctx.receiptKeys.certificatePem);
    expect(verdict.valid && verdict.payload.attachments).toEqual([
      { name: "Déclaration 3519 (T3).pdf", size: pdf.length, mediaType: "application/pdf", sha256: sha256(pdf) },
      { name: "scan.png", size: PNG.length, mediaType: "image/png", sha256: sha256(PNG) },
    ]);
    // An upload is used once.
    const again = await call(t.app, "POST", "/api/v1/requests", {
      jar: robert.jar,
      body: { siren: SEED.martin.siren, tax: "TVA", nature: "question", subject: "Réemploi", body: "x", uploadIds: [res.body.uploadId] },
    });
    expect(again.body.error.code).toBe("unknown_upload");
    // Another person's attachment: 404.
    const stranger = await signedInPerson(t, { siren: SEED.concurrence.siren });
    expect(
      (await t.app.inject({ method: "GET", url: `/api/v1/attachments/${attachments[0].id}`, headers: { cookie: stranger.jar.header() } })).statusCode,
    ).toBe(404);
    // And somebody else's upload cannot be attached.
    const theirs = await upload(t.app, stranger.jar, "a.txt", "bonjour");
    const stolen = await call(t.app, "POST", "/api/v1/requests", {
      jar: robert.jar,
      body: { siren: SEED.martin.siren, tax: "TVA", nature: "question", subject: "Vol", body: "x", uploadIds: [theirs.body.uploadId] },
    });
    expect(stolen.body.error.code).toBe("unknown_upload");
  });

  it.each([
    ["a .pdf that is really HTML", "facture.pdf", "<!doctype html><html><script>alert(1)</script></html>", 415],
    ["HTML named .txt", "note.txt", "<html><body>x</body></html>", 415],
    ["an executable named .png", "photo.png", Buffer.from("4d5a90000300000004000000ffff0000", "hex"), 415],
    ["an unknown extension", "programme.exe", "MZ", 415],
    ["binary named .txt", "notes.txt", Buffer.from([0x00, 0x01, 0x02, 0x41]), 415],
    ["a PNG named .pdf", "scan.pdf", PNG, 415],
  ])("refuses %s", async (_l, name, content, status) => {
    const before = Number(
      (
        await t.ctx.db
          .selectFrom("uploads")
          .select((eb) => eb.fn.countAll<string>().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
    const res = await upload(t.app, robert.jar, name, content);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe("unsupported_file_type");
    expect(
      Number(
        (
          await t.ctx.db
            .selectFrom("uploads")
            .select((eb) => eb.fn.countAll<string>().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      ),
    ).toBe(before);
  });

  it("accepts 10 MiB, refuses 10 MiB + 1 byte (413)", async () => {
    const ok = await upload(t.app, robert.jar, "gros.txt", Buffer.alloc(10 * 1024 * 1024, 0x61));
    expect(ok.status).toBe(201);
    const big = await upload(t.app, robert.jar, "trop-gros.txt", Buffer.alloc(10 * 1024 * 1024 + 1, 0x61));
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe("file_too_large");
  });

  it("requires a session, the CSRF header and multipart", async () => {
    expect((await call(t.app, "POST", "/api/v1/uploads", { body: {} })).status).toBe(401);
    const json = await call(t.app, "POST", "/api/v1/uploads", { jar: robert.jar, body: { file: "x" } });
    expect(json.status).toBe(415);
    const noCsrf = await upload(t.app, { ...robert.jar, csrf: "x".repeat(43), header: () => robert.jar.header() } as never, "a.txt", "x");
    expect(noCsrf.status).toBe(403);
  });

  it("keeps a file while another upload of the same content still refers to it", async () => {
    const content = "le même relevé, envoyé deux fois";
    const first = await upload(t.app, robert.jar, "releve.txt", content);
    const second = await upload(t.app, robert.jar, "releve-bis.txt", content);
    expect(second.body.sha256).toBe(first.body.sha256);
    // The first was sent 25 hours ago and never attached; the second is recent.
    await t.ctx.db
      .updateTable("uploads")
      .set({ created_at: new Date(t.clock.now().getTime() - 25 * HOUR) })
      .where("id", "=", first.body.uploadId)
      .execute();
    expect(await expireUploads(t.ctx)).toBe(1);
    expect(await t.ctx.db.selectFrom("uploads").select("id").where("id", "=", first.body.uploadId).executeTakeFirst()).toBeUndefined();
    expect(await t.ctx.files.exists(first.body.sha256)).toBe(true);
    const filed = await call(t.app, "POST", "/api/v1/requests", {
      jar: robert.jar,
      body: { siren: SEED.martin.siren, tax: "TVA", nature: "question", subject: "Relevé", body: "Ci-joint.", uploadIds: [second.body.uploadId] },
    });
    expect(filed.status).toBe(201);
    const thread = await call(t.app, "GET", `/api/v1/requests/${filed.body.id}`, { jar: robert.jar });
    const download = await call(t.app, "GET", `/api/v1/attachments/${thread.body.messages[0].attachments[0].id}`, { jar: robert.jar });
    expect(download.status).toBe(200);
    expect(download.raw.body).toBe(content);
  });

  it("leaves nothing in the file store for a refused file", async () => {
    const staging = join(t.ctx.config.filesDir, "tmp");
    const html = Buffer.from("<html><body>pas un PDF</body></html>");
    expect((await upload(t.app, robert.jar, "faux.pdf", html)).status).toBe(415);
    expect((await upload(t.app, robert.jar, "trop-gros.txt", Buffer.alloc(10 * 1024 * 1024 + 1, 0x62))).status).toBe(413);
    expect(await t.ctx.files.exists(sha256(html))).toBe(false);
    expect(await readdir(staging)).toEqual([]);
  });

  it("sweeps the files no upload refers to and the staged files a crash left, and keeps the others", async () => {
    const staging = join(t.ctx.config.filesDir, "tmp");
    const kept = await upload(t.app, robert.jar, "garde.txt", "une pièce qui reste");
    // A file stored whose row never committed (the process stopped in between), 2 hours ago; another stored a
    // minute ago, whose row may still be on its way (within the grace period).
    const storedAt = async (content: string, at: Date) => {
      const staged = await t.ctx.files.stage(Readable.from([Buffer.from(content)]));
      await staged.keep();
      await staged.drop();
      await utimes(join(t.ctx.config.filesDir, staged.key.slice(0, 2), staged.key), at, at);
      return staged;
    };
    const lost = await storedAt("fichier sans ligne", new Date(t.clock.now().getTime() - 2 * HOUR));
    const young = await storedAt("fichier dont la ligne arrive", new Date(t.clock.now().getTime() - 60_000));
    // An upload cut off by a crash 7 hours ago, and one still streaming in (times by the application's clock).
    const setTime = async (name: string, at: Date) => utimes(join(staging, name), at, at);
    expect(await readdir(staging)).toEqual([]);
    const stale = await t.ctx.files.stage(Readable.from([Buffer.from("envoi interrompu")]));
    const [staleName] = await readdir(staging);
    await setTime(staleName!, new Date(t.clock.now().getTime() - 7 * HOUR));
    const fresh = await t.ctx.files.stage(Readable.from([Buffer.from("envoi en cours")]));
    const freshName = (await readdir(staging)).find((n) => n !== staleName)!;
    await setTime(freshName, new Date(t.clock.now().getTime() - 60_000));
    const swept = await sweepFiles(t.ctx);
    expect(swept).toEqual({ staged: 1, unreferenced: 1 });
    expect(await t.ctx.files.exists(lost.key)).toBe(false);
    expect(await t.ctx.files.exists(young.key)).toBe(true);
    expect(await t.ctx.files.exists(kept.body.sha256)).toBe(true);
    expect(await readdir(staging)).toEqual([freshName]);
    await stale.drop();
    await fresh.drop();
    expect(await sweepFiles(t.ctx)).toEqual({ staged: 0, unreferenced: 0 });
    // Past its grace period, still without a row: swept.
    const past = new Date(t.clock.now().getTime() - HOUR - 1000);
    await utimes(join(t.ctx.config.filesDir, young.key.slice(0, 2), young.key), past, past);
    expect(await sweepFiles(t.ctx)).toEqual({ staged: 0, unreferenced: 1 });
    expect(await t.ctx.files.exists(young.key)).toBe(false);
  });

  it("expires uploads never attached after 24 hours", async () => {
    const res = await upload(t.app, robert.jar, "oublie.txt", "rien");
    t.clock.advance(24 * HOUR + 1);
    expect(await expireUploads(t.ctx)).toBeGreaterThanOrEqual(1);
    expect(await t.ctx.db.selectFrom("uploads").select("id").where("id", "=", res.body.uploadId).executeTakeFirst()).toBeUndefined();
    // Its file is let go to the sweep, which waits its grace from now (a restored database may still name it).
    expect(await t.ctx.files.exists(res.body.sha256)).toBe(true);
    expect((await sweepFiles(t.ctx)).unreferenced).toBe(0);
    t.clock.advance(HOUR + 1000);
    expect((await sweepFiles(t.ctx)).unreferenced).toBeGreaterThanOrEqual(1);
    expect(await t.ctx.files.exists(res.body.sha256)).toBe(false);
  });
});

const clamdUp = await new Promise<boolean>((resolve) => {
  const s = createConnection({ host: new URL(CLAMAV_URL).hostname, port: Number(new URL(CLAMAV_URL).port) }, () => (s.end(), resolve(true)));
  s.on("error", () => resolve(false));
});

describe.skipIf(!clamdUp && !process.env.CI)("antivirus (ClamAV through clamd)", () => {
  let scanned: TestApp;
  let person: Person;
  beforeAll(async () => {
    scanned = await startTestApp({ CLAMAV_URL });
    await seedReferenceData(scanned.ctx);
    person = await activeAdministrator(scanned, SEED.martin.siren, { services: ["messagerie"], companyEmail: "contact@martin.fr" });
  });
  afterAll(async () => scanned?.close());

  it.each([
    ["plain EICAR", "eicar.txt", Buffer.from(EICAR)],
    ["zipped EICAR", "archive.docx", Buffer.from(zipSync({ "eicar.txt": strToU8(EICAR) }))],
    ["double-zipped EICAR", "archive.xlsx", Buffer.from(zipSync({ "inner.zip": zipSync({ "eicar.txt": strToU8(EICAR) }) }))],
  ])("refuses %s as infected (422)", async (_l, name, content) => {
    const res = await upload(scanned.app, person.jar, name, content);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("infected");
    // Refused before it reached the store: neither stored under its hash nor left staged.
    expect(await scanned.ctx.files.exists(sha256(Buffer.from(content)))).toBe(false);
    expect(await readdir(join(scanned.ctx.config.filesDir, "tmp"))).toEqual([]);
  });

  it("accepts a clean file, marked scanned", async () => {
    const res = await upload(scanned.app, person.jar, "propre.txt", "Bonjour");
    expect(res.status).toBe(201);
    const row = await scanned.ctx.db.selectFrom("uploads").select("scan_status").where("id", "=", res.body.uploadId).executeTakeFirstOrThrow();
    expect(row.scan_status).toBe("clean");
  });

  it("fails closed when the scanner is down (503)", async () => {
    const down = await startTestApp({ CLAMAV_URL: "tcp://127.0.0.1:1" });
    try {
      await seedReferenceData(down.ctx);
      const p = await activeAdministrator(down, SEED.martin.siren, { services: ["messagerie"], companyEmail: "contact@martin.fr" });
      const res = await upload(down.app, p.jar, "propre.txt", "Bonjour");
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe("antivirus_unavailable");
      expect(await down.ctx.files.exists(sha256(Buffer.from("Bonjour")))).toBe(false);
      expect(await down.ctx.db.selectFrom("uploads").select("id").execute()).toEqual([]);
    } finally {
      await down.close();
    }
  });
});
