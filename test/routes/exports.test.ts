import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWriteStream, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createHash, generateKeyPairSync, X509Certificate } from "node:crypto";
import { spawnSync } from "node:child_process";
import { pipeline } from "node:stream/promises";
import yauzl from "yauzl";
import yazl from "yazl";
import { call, seedReferenceData, startTestApp, type CookieJar, type TestApp } from "../helpers/app.js";
import { activeAdministrator, signedInPerson, signIn } from "../helpers/people.js";
import { upload } from "../helpers/upload.js";
import { tempDir } from "../helpers/temp.js";
import { cli } from "../helpers/cli.js";
import { SEED } from "../../src/app/demo.js";
import { verifyExport } from "../../src/modules/requests/index.js";

let t: TestApp;
let robert: Awaited<ReturnType<typeof activeAdministrator>>;
let lila: Awaited<ReturnType<typeof signedInPerson>>;
const dir = tempDir("mp-export");

beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
  robert = await activeAdministrator(t, SEED.martin.siren, { entitySiren: SEED.martin.siren, companyEmail: "contact@martin.example" });
  lila = await signedInPerson(t, { siren: SEED.gestion.siren, firstName: "Lila", lastName: "Rosemonde" });
  const offer = await call(t.app, "POST", `/api/v1/companies/${SEED.martin.siren}/delegations`, {
    jar: robert.jar,
    body: { email: lila.email, role: "delegate", services: ["tva_declarer", "tva_payer", "messagerie"], taxScope: ["TVA"] },
  });
  await call(t.app, "POST", `/api/v1/delegations/${offer.body.id}/accept`, { jar: lila.jar });
  for (const [tax, subject, files] of [
    ["TVA", "Crédit de TVA du T3", ["ventes.csv", "notes.txt"]],
    ["IS", "Acompte d'IS", ["bilan.txt"]],
  ] as const) {
    const ids: string[] = [];
    for (const name of files) ids.push((await upload(t.app, robert.jar, name, `contenu de ${name}\n`.repeat(20))).body.uploadId);
    const res = await call(t.app, "POST", "/api/v1/requests", {
      jar: robert.jar,
      body: { siren: SEED.martin.siren, tax, nature: "question", subject, body: `Bonjour, au sujet de : ${subject}`, uploadIds: ids },
    });
    expect(res.status).toBe(201);
  }
});
afterAll(() => t.close());

async function exportAndDownload(jar: CookieJar, body: Record<string, unknown>, name: string): Promise<string> {
  const res = await call(t.app, "POST", "/api/v1/exports", { jar, body });
  expect(res.status).toBe(202);
  const pending = await call(t.app, "GET", `/api/v1/exports/${res.body.exportId}`, { jar });
  expect(pending.body.status).toBe("running");
  expect((await call(t.app, "GET", `/api/v1/exports/${res.body.exportId}/download`, { jar })).status).toBe(409);
  await t.ctx.worker.drain();
  const ready = await call(t.app, "GET", `/api/v1/exports/${res.body.exportId}`, { jar });
  expect(ready.body).toMatchObject({ status: "ready", progress: 1 });
  const zip = await t.app.inject({ method: "GET", url: `/api/v1/exports/${res.body.exportId}/download`, headers: { cookie: jar.header() } });
  expect(zip.statusCode).toBe(200);
  expect(zip.headers["content-type"]).toBe("application/zip");
  const path = join(dir, name);
  writeFileSync(path, zip.rawPayload);
  return path;
}

/** Every entry of a ZIP, by name. */
function entries(path: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    const out = new Map<string, Buffer>();
    yauzl.open(path, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error ?? new Error("no archive"));
      zip.on("end", () => resolve(out));
      zip.on("entry", (entry: yauzl.Entry) =>
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error(`no stream for ${entry.fileName}`));
          const chunks: Buffer[] = [];
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("end", () => {
            out.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        }),
      );
      zip.readEntry();
    });
  });
}

/** Writes a ZIP holding these entries (to forge a tampered export). */
async function writeZip(path: string, files: Map<string, Buffer>) {
  const zip = new yazl.ZipFile();
  for (const [name, bytes] of files) zip.addBuffer(bytes, name);
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(path));
}

describe("signed exports", () => {
  it("holds transcripts, receipts and attachments with a signed manifest; the CLI verifies it offline", async () => {
    const path = await exportAndDownload(robert.jar, { sirens: [SEED.martin.siren] }, "robert.zip");
    const files = await entries(path);
    const names = [...files.keys()].sort();
    expect(names.filter((n) => n.endsWith("transcript.pdf"))).toHaveLength(2);
    expect(names.filter((n) => n.endsWith("receipt.pdf"))).toHaveLength(2);
    expect(names.filter((n) => n.includes("/attachments/"))).toHaveLength(3);
    expect(names).toContain("manifest.json");
    const manifest = JSON.parse(files.get("manifest.json")!.toString("utf8"));
    expect(manifest).toMatchObject({ format: "messagerie-pro-export/1", requests: 2, person: { connectionEmail: robert.email } });
    expect(files.get([...files.keys()].find((n) => n.endsWith("01-ventes.csv"))!)!.toString()).toContain("contenu de ventes.csv");
    expect((await verifyExport(path, t.ctx.receiptKeys.publicKeyPem)).valid).toBe(true);

    expect(names).toContain("manifest.p7s");
    expect(names).not.toContain("manifest.sig");

    // The certificate a stranger checks it with: the one the platform publishes; the export names its key by its fingerprint.
    const published = await call(t.app, "GET", "/api/v1/receipts/certificate");
    expect(published.status).toBe(200);
    const keyFile = join(dir, "certificat.pem");
    writeFileSync(keyFile, published.raw.body);
    const fingerprint = createHash("sha256")
      .update(new X509Certificate(published.raw.body).publicKey.export({ type: "spki", format: "der" }))
      .digest("hex");
    expect(manifest.keyFingerprint).toBe(fingerprint);
    // OpenSSL checks the manifest's CMS signature with that certificate alone.
    writeFileSync(join(dir, "manifest.json"), files.get("manifest.json")!);
    writeFileSync(join(dir, "manifest.p7s"), files.get("manifest.p7s")!);
    const openssl = (content: string) =>
      spawnSync(
        "openssl",
        [
          "cms",
          "-verify",
          "-binary",
          "-inform",
          "DER",
          "-in",
          join(dir, "manifest.p7s"),
          "-content",
          content,
          "-CAfile",
          keyFile,
          "-purpose",
          "any",
          "-out",
          "/dev/null",
        ],
        { encoding: "utf8" },
      );
    const checked = openssl(join(dir, "manifest.json"));
    expect(checked.stderr).toContain("CMS Verification successful");
    expect(checked.status).toBe(0);
    writeFileSync(join(dir, "manifest-modifie.json"), Buffer.concat([files.get("manifest.json")!, Buffer.from(" ")]));
    const refused = openssl(join(dir, "manifest-modifie.json"));
    expect(refused.stderr).toContain("CMS Verification failure");
    expect(refused.status).not.toBe(0);
    const signer = spawnSync("openssl", ["cms", "-cmsout", "-print", "-inform", "DER", "-in", join(dir, "manifest.p7s")], { encoding: "utf8" }).stdout;
    expect(signer).toContain("signingTime");
    expect(signer).toContain("id-smime-aa-signingCertificateV2");

    const ok = await cli(["verify-export", path, "--certificate", keyFile]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^VALIDE : export du .* 2 demande\(s\), 7 fichier\(s\)/);
    expect(ok.stdout).toContain(`Signé par la clé d'empreinte SHA-256 ${fingerprint}.`);
    // Without a certificate, the command says which one and where to find it (never a local one that would read INVALIDE).
    const keyless = await cli(["verify-export", path]);
    expect(keyless.code).toBe(1);
    expect(keyless.stderr).toContain("--certificate");
    expect(keyless.stderr).toContain("/api/v1/receipts/certificate");
    // Another key: named by its fingerprint, against the one that signed.
    const other = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }).toString();
    const wrong = await verifyExport(path, other);
    expect(wrong).toMatchObject({ valid: false, file: "manifest.p7s" });
    expect(!wrong.valid && wrong.reason).toContain(`n'est pas celui qui a signé cet export (empreinte ${fingerprint})`);
    // A signature replaced by junk is named.
    const junkSignature = new Map(files);
    junkSignature.set("manifest.p7s", Buffer.from("pas une signature"));
    await writeZip(join(dir, "junk-signature.zip"), junkSignature);
    expect(await verifyExport(join(dir, "junk-signature.zip"), published.raw.body)).toMatchObject({ valid: false, file: "manifest.p7s" });

    // One byte of one attachment changed: the file is named.
    const attachment = [...files.keys()].find((n) => n.endsWith("02-notes.txt"))!;
    const altered = new Map(files);
    const bytes = Buffer.from(files.get(attachment)!);
    bytes[3] = bytes[3]! ^ 1;
    altered.set(attachment, bytes);
    await writeZip(join(dir, "altered.zip"), altered);
    const bad = await cli(["verify-export", join(dir, "altered.zip"), "--certificate", keyFile]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`INVALIDE : ${attachment} — contenu modifié`);
    // A file added after the signature.
    const added = new Map(files);
    added.set(`${SEED.martin.siren}/faux.pdf`, Buffer.from("%PDF-1.4 faux"));
    await writeZip(join(dir, "added.zip"), added);
    const extra = await verifyExport(join(dir, "added.zip"), t.ctx.receiptKeys.publicKeyPem);
    expect(extra).toMatchObject({ valid: false, file: `${SEED.martin.siren}/faux.pdf` });
    // The manifest rewritten to match the change: its signature fails.
    const forged = new Map(altered);
    const m = JSON.parse(files.get("manifest.json")!.toString("utf8")) as { files: { path: string; sha256: string }[] };
    m.files.find((f) => f.path === attachment)!.sha256 = (await import("node:crypto")).createHash("sha256").update(bytes).digest("hex");
    forged.set("manifest.json", Buffer.from(JSON.stringify(m)));
    await writeZip(join(dir, "forged.zip"), forged);
    expect(await verifyExport(join(dir, "forged.zip"), t.ctx.receiptKeys.publicKeyPem)).toMatchObject({ valid: false, file: "manifest.json" });
    // Not a ZIP at all.
    writeFileSync(join(dir, "junk.zip"), readFileSync(keyFile));
    expect((await cli(["verify-export", join(dir, "junk.zip"), "--certificate", keyFile])).code).toBe(1);
  }, 200_000); // four starts of the command line, each a process of its own

  it("holds only what the person may see: Lila's export of Martin distribution is its VAT requests", async () => {
    const path = await exportAndDownload(lila.jar, { sirens: [SEED.martin.siren, SEED.concurrence.siren] }, "lila.zip");
    const files = await entries(path);
    const manifest = JSON.parse(files.get("manifest.json")!.toString("utf8")) as { requests: number; files: { path: string }[] };
    expect(manifest.requests).toBe(1);
    expect(manifest.files.filter((f) => f.path.includes("/attachments/")).map((f) => f.path.split("/").pop())).toEqual(["01-ventes.csv", "02-notes.txt"]);
    const transcript = files.get(manifest.files.find((f) => f.path.endsWith("transcript.pdf"))!.path)!;
    expect(transcript.subarray(0, 5).toString()).toBe("%PDF-");
    // A tagged PDF, in French, with its title (what a screen reader announces).
    writeFileSync(join(dir, "transcript.pdf"), transcript);
    const info = spawnSync("pdfinfo", [join(dir, "transcript.pdf")], { encoding: "utf8" }).stdout;
    expect(info).toMatch(/^Tagged:\s+yes$/m);
    expect(info).toMatch(/^Title:\s+Échanges \d{4}-/m);
    expect(transcript.includes(Buffer.from("/Lang (fr-FR)"))).toBe(true);
    const structure = spawnSync("pdfinfo", ["-struct-text", join(dir, "transcript.pdf")], { encoding: "utf8" });
    expect(structure.stderr).toBe("");
    expect(structure.stdout).toMatch(/^Document\n {2}P \(block\)\n/);
    expect(structure.stdout).toMatch(/ {2}H1 \(block\)\n {4}"\d{4}-/);
    expect(files.get(manifest.files.find((f) => f.path.endsWith("transcript.pdf"))!.path)!.includes(Buffer.from("Acompte"))).toBe(false);
  });

  it("fails cleanly when the archive cannot be written (the attempt fails, nothing is left unhandled) and succeeds once it can", async () => {
    const res = await call(t.app, "POST", "/api/v1/exports", { jar: robert.jar, body: { sirens: [SEED.martin.siren] } });
    expect(res.status).toBe(202);
    // A file where the store's staging folder goes: the archive cannot be written (ENOTDIR) while the requests are read.
    const staging = join(t.ctx.config.filesDir, "tmp");
    renameSync(staging, `${staging}.away`);
    writeFileSync(staging, "");
    await t.ctx.worker.drain();
    const failed = await t.ctx.db
      .selectFrom("outbox")
      .select(["status", "attempts", "last_error"])
      .where("kind", "=", "export.build")
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    expect(failed).toMatchObject({ status: "pending", attempts: 1, last_error: expect.stringContaining("ENOTDIR") });
    expect((await call(t.app, "GET", `/api/v1/exports/${res.body.exportId}`, { jar: robert.jar })).body.status).toBe("running");
    rmSync(staging);
    renameSync(`${staging}.away`, staging);
    t.clock.advance(60_000);
    await t.ctx.worker.drain();
    expect((await call(t.app, "GET", `/api/v1/exports/${res.body.exportId}`, { jar: robert.jar })).body).toMatchObject({ status: "ready", progress: 1 });
  });

  it("fails cleanly when an attachment cannot be read (the attempt fails, nothing is left unhandled) and succeeds once it can", async () => {
    const { storage_key: key } = await t.ctx.db.selectFrom("uploads").select("storage_key").orderBy("created_at").executeTakeFirstOrThrow();
    const stored = join(t.ctx.config.filesDir, key.slice(0, 2), key);
    renameSync(stored, `${stored}.away`);
    const res = await call(t.app, "POST", "/api/v1/exports", { jar: robert.jar, body: { sirens: [SEED.martin.siren] } });
    expect(res.status).toBe(202);
    await t.ctx.worker.drain();
    const failed = await t.ctx.db
      .selectFrom("outbox")
      .select(["status", "attempts", "last_error"])
      .where("kind", "=", "export.build")
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    expect(failed).toMatchObject({ status: "pending", attempts: 1, last_error: expect.stringContaining("ENOENT") });
    // Its download answers a coded 503 (the file is gone: no Retry-After), and the process serves on.
    const { id: attachmentId } = await t.ctx.db
      .selectFrom("attachments as a")
      .innerJoin("uploads as u", "u.id", "a.upload_id")
      .select("a.id")
      .where("u.storage_key", "=", key)
      .executeTakeFirstOrThrow();
    const gone = await call(t.app, "GET", `/api/v1/attachments/${attachmentId}`, { jar: robert.jar });
    expect(gone.status).toBe(503);
    expect(gone.body.error).toMatchObject({ code: "file_unavailable" });
    expect(gone.headers["retry-after"]).toBeUndefined();
    expect((await call(t.app, "GET", `/api/v1/exports/${res.body.exportId}`, { jar: robert.jar })).status).toBe(200);
    renameSync(`${stored}.away`, stored);
    expect((await call(t.app, "GET", `/api/v1/attachments/${attachmentId}`, { jar: robert.jar })).status).toBe(200);
    t.clock.advance(60_000);
    await t.ctx.worker.drain();
    expect((await call(t.app, "GET", `/api/v1/exports/${res.body.exportId}`, { jar: robert.jar })).body).toMatchObject({ status: "ready", progress: 1 });
    // The archive lost from the store: its download is a coded 503, not a bare 500 nor a cut-off body.
    const { storage_key: archive } = await t.ctx.db.selectFrom("exports").select("storage_key").where("id", "=", res.body.exportId).executeTakeFirstOrThrow();
    await t.ctx.files.remove(archive!);
    const lost = await call(t.app, "GET", `/api/v1/exports/${res.body.exportId}/download`, { jar: robert.jar });
    expect(lost.status).toBe(503);
    expect(lost.body.error).toMatchObject({ code: "file_unavailable" });
  });

  it("answers 404 to anyone else, and refuses bad input", async () => {
    const res = await call(t.app, "POST", "/api/v1/exports", { jar: robert.jar, body: { tax: "IS" } });
    await t.ctx.worker.drain();
    const stranger = await signedInPerson(t, { siren: SEED.gestion.siren });
    expect((await call(t.app, "GET", `/api/v1/exports/${res.body.exportId}`, { jar: stranger.jar })).status).toBe(404);
    expect((await call(t.app, "GET", `/api/v1/exports/${res.body.exportId}/download`, { jar: stranger.jar })).status).toBe(404);
    expect((await call(t.app, "GET", "/api/v1/exports", { jar: stranger.jar })).body.items).toEqual([]);
    expect((await call(t.app, "GET", `/api/v1/exports/${res.body.exportId}/download`)).status).toBe(401);
    // A company nobody gave the stranger: an empty export, never an error that would reveal it.
    const empty = await call(t.app, "POST", "/api/v1/exports", { jar: stranger.jar, body: { sirens: [SEED.martin.siren] } });
    expect(empty.status).toBe(202);
    await t.ctx.worker.drain();
    expect((await call(t.app, "GET", `/api/v1/exports/${empty.body.exportId}`, { jar: stranger.jar })).body).toMatchObject({ status: "ready", requests: 0 });
    for (const body of [{ sirens: ["12"] }, { tax: "ISF" }, { from: "2026-02-30" }, { from: "2026-12-02", to: "2026-12-01" }, { sirens: [] }]) {
      expect((await call(t.app, "POST", "/api/v1/exports", { jar: robert.jar, body })).status).toBe(400);
    }
    expect((await call(t.app, "GET", "/api/v1/exports/pas-un-id", { jar: robert.jar })).status).toBe(400);
    // Kept 7 days.
    t.clock.advance(8 * 24 * 3600_000);
    const again = await signIn(t, robert.email);
    expect((await call(t.app, "GET", `/api/v1/exports/${res.body.exportId}`, { jar: again })).status).toBe(404);
  });
});
