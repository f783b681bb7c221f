import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { call, seedReferenceData, startTestApp, type TestApp } from "../helpers/app.js";
import { cli } from "../helpers/cli.js";
import { activeAdministrator } from "../helpers/people.js";
import { upload } from "../helpers/upload.js";
import { tempDir } from "../helpers/temp.js";
import { SEED } from "../../src/app/demo.js";
import { openDatabase } from "../../src/platform/db/database.js";
import { BACKUP_SOCKET } from "../../src/platform/backup.js";
import { chainJournal } from "../../src/modules/journal/index.js";

/**
 * The embedded backup drill (docs/operations.md « Sauvegardes et restauration »): a data folder with requests,
 * messages and attachments is backed up by `cli backup` while the application holds it, restored by
 * `cli restore` into a new folder, opened, and compared row by row and byte by byte.
 */
const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
const TABLES = ["requests", "messages", "attachments", "uploads", "journal"] as const;
const REQUESTS = 6;

/** Every file under a folder, relative to it, with its SHA-256. */
function digestsUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of readdirSync(dir, { recursive: true, encoding: "utf8" }).sort()) {
    if (statSync(join(dir, p)).isFile()) out[p] = sha256(readFileSync(join(dir, p)));
  }
  return out;
}

async function snapshot(t: TestApp) {
  const rows: Record<string, unknown[]> = {};
  for (const table of TABLES) rows[table] = await t.ctx.db.selectFrom(table).selectAll().orderBy("id").execute();
  return rows;
}

describe("embedded backup and restore", () => {
  const dataDir = tempDir("mp-bk-src");
  const archive = join(tempDir("mp-bk-out"), "sauvegarde.tar.gz");
  let t: TestApp;
  let before: Record<string, unknown[]>;
  const attachments: { id: string; content: Buffer }[] = [];
  let jar: Awaited<ReturnType<typeof activeAdministrator>>["jar"];
  const figures: Record<string, string> = {};

  beforeAll(async () => {
    // The application holds the data folder (its lock and its backup socket), as the server would.
    t = await startTestApp({ DATA_DIR: dataDir }, { database: await openDatabase({ dataDir }) });
    await seedReferenceData(t.ctx);
    const robert = await activeAdministrator(t, SEED.martin.siren, { companyEmail: "contact@martin.example" });
    jar = robert.jar;
    for (let i = 0; i < REQUESTS; i++) {
      const content = Buffer.from(`Relevé n° ${i}\n${"ligne;montant;1200,50\n".repeat(500 * (i + 1))}`);
      const up = await upload(t.app, jar, `releve-${i}.csv`, content);
      expect(up.status).toBe(201);
      const filed = await call(t.app, "POST", "/api/v1/requests", {
        jar,
        body: {
          siren: SEED.martin.siren,
          tax: "TVA",
          nature: "question",
          subject: `Relevé ${i}`,
          body: `Ci-joint le relevé ${i}.`,
          uploadIds: [up.body.uploadId],
        },
      });
      expect(filed.status).toBe(201);
      const reply = await call(t.app, "POST", `/api/v1/requests/${filed.body.id}/messages`, { jar, body: { body: `Complément ${i}`, uploadIds: [] } });
      expect(reply.status).toBe(201);
      const thread = await call(t.app, "GET", `/api/v1/requests/${filed.body.id}`, { jar });
      attachments.push({ id: thread.body.messages[0].attachments[0].id as string, content });
    }
    await t.ctx.worker.drain();
    // The journal is chained now, as `journal verify` will chain it after the restore: the rows compare whole.
    await chainJournal(t.ctx.db);
    before = await snapshot(t);
  });
  afterAll(async () => {
    await t?.close();
    process.stdout.write(
      `\nExercice de sauvegarde embarquée : ${Object.entries(figures)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}\n`,
    );
  });

  it("backs up while the application holds the folder, restores into a new folder, and finds every row and every byte", async () => {
    expect(existsSync(join(dataDir, BACKUP_SOCKET))).toBe(true);
    let started = performance.now();
    const backup = await cli(["backup", "--to", archive], { dataDir });
    figures["durée de sauvegarde"] = `${((performance.now() - started) / 1000).toFixed(1)} s`;
    expect(backup.stderr.replace(/oidc-provider WARNING.*\n/g, "")).toBe("");
    expect(backup.code).toBe(0);
    expect(backup.stdout).toContain("Sauvegarde écrite");
    figures["taille de l'archive"] = `${(statSync(archive).size / 1e6).toFixed(2)} Mo`;
    // The application goes on: rows written after the backup are not in it.
    const later = await call(t.app, "POST", "/api/v1/requests", {
      jar,
      body: { siren: SEED.martin.siren, tax: "TVA", nature: "question", subject: "Après la sauvegarde", body: "Écrite après.", uploadIds: [] },
    });
    expect(later.status).toBe(201);
    const sourceFiles = digestsUnder(t.ctx.config.filesDir);
    const sourceKeys = readFileSync(join(dataDir, "oauth-signing-key.pem"), "utf8");
    await t.close();
    // No process holds the folder any more: the command opens the database itself (its socket is gone with the server).
    expect(existsSync(join(dataDir, BACKUP_SOCKET))).toBe(false);
    const offline = await cli(["backup", "--to", `${archive}.hors-ligne.tar.gz`], { dataDir });
    expect(offline.code).toBe(0);
    const listed = (file: string) =>
      execFileSync("tar", ["-tzf", file], { encoding: "utf8" })
        .split("\n")
        .filter((p) => p.startsWith("files/"))
        .sort();
    expect(listed(`${archive}.hors-ligne.tar.gz`)).toEqual(listed(archive));
    expect(existsSync(join(dataDir, "messagerie-pro.lock"))).toBe(false);

    const target = join(tempDir("mp-bk-dst"), "donnees");
    started = performance.now();
    const restored = await cli(["restore", "--from", archive], { dataDir: target });
    figures["durée de restauration"] = `${((performance.now() - started) / 1000).toFixed(1)} s`;
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain("Sauvegarde restaurée");
    expect(digestsUnder(join(target, "files"))).toEqual(Object.fromEntries(Object.entries(sourceFiles).filter(([p]) => !p.startsWith("tmp"))));
    expect(readFileSync(join(target, "oauth-signing-key.pem"), "utf8")).toBe(sourceKeys);
    expect(existsSync(join(target, "messagerie-pro.lock"))).toBe(false);

    const journal = await cli(["journal", "verify"], { dataDir: target });
    expect(journal.stdout).toContain("Journal intègre");
    expect(journal.code).toBe(0);
    const files = await cli(["files", "verify"], { dataDir: target });
    expect(files.stdout).toContain("Aucun fichier manquant");
    expect(files.code).toBe(0);

    // The application starts on the restored folder: the same rows, and every attachment downloads byte for byte.
    t = await startTestApp({ DATA_DIR: target }, { database: await openDatabase({ dataDir: target }) });
    const after = await snapshot(t);
    expect(after).toEqual(before);
    expect((after.requests as { subject: string }[]).some((r) => r.subject === "Après la sauvegarde")).toBe(false);
    expect(after.requests).toHaveLength(REQUESTS);
    for (const a of attachments) {
      const download = await call(t.app, "GET", `/api/v1/attachments/${a.id}`, { jar });
      expect(download.status).toBe(200);
      expect(Buffer.from(download.raw.rawPayload).equals(a.content)).toBe(true);
    }
    figures["enregistrements vérifiés"] = String(Object.values(after).reduce((n, rows) => n + rows.length, 0));
    figures["fichiers vérifiés"] = String(Object.keys(sourceFiles).length);
  });

  it("never overwrites an archive, and names a missing folder", async () => {
    const again = await cli(["backup", "--to", archive], { dataDir: tempDir("mp-bk-src") });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("existe déjà");
    const nowhere = await cli(["backup", "--to", join(tempDir("mp-bk-out"), "absent", "s.tar.gz")], { dataDir: tempDir("mp-bk-src") });
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toContain("Le dossier de l'archive n'existe pas");
  });

  it("refuses a damaged archive (one byte flipped) and writes nothing", async () => {
    const bytes = readFileSync(archive);
    const damaged = Buffer.from(bytes);
    const at = Math.floor(bytes.length / 2);
    damaged[at] = damaged[at]! ^ 0xff;
    const file = join(tempDir("mp-bk-bad"), "abimee.tar.gz");
    writeFileSync(file, damaged);
    const parent = tempDir("mp-bk-dst");
    const target = join(parent, "donnees");
    const res = await cli(["restore", "--from", file], { dataDir: target });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain("Sauvegarde endommagée ou tronquée, rien n'a été restauré");
    process.stdout.write(`Archive abîmée : ${res.stderr}`);
    expect(readdirSync(parent)).toEqual([]);
  });

  it("refuses an archive whose content no longer matches its manifest (an attachment altered, repacked)", async () => {
    const work = tempDir("mp-bk-tamper");
    execFileSync("tar", ["-xzf", archive, "-C", work]);
    const manifest = JSON.parse(readFileSync(join(work, "manifest.json"), "utf8")) as { entries: { path: string }[] };
    const victim = manifest.entries.find((e) => e.path.startsWith("files/"))!.path;
    const content = readFileSync(join(work, victim));
    content[0] = content[0]! ^ 0x01;
    writeFileSync(join(work, victim), content);
    const file = join(tempDir("mp-bk-bad"), "modifiee.tar.gz");
    execFileSync("tar", ["-czf", file, "-C", work, "."]);
    const target = tempDir("mp-bk-dst");
    const res = await cli(["restore", "--from", file], { dataDir: target });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`l'empreinte SHA-256 du fichier ${victim} ne correspond pas au manifeste`);
    expect(readdirSync(target)).toEqual([]);
  });

  it("refuses a truncated archive and writes nothing", async () => {
    const bytes = readFileSync(archive);
    const file = join(tempDir("mp-bk-bad"), "tronquee.tar.gz");
    writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length * 0.8)));
    const target = tempDir("mp-bk-dst");
    const res = await cli(["restore", "--from", file], { dataDir: target });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain("Sauvegarde endommagée ou tronquée");
    expect(readdirSync(target)).toEqual([]);
  });

  it("refuses a data folder that is not empty, and leaves it as it was", async () => {
    const target = tempDir("mp-bk-dst");
    mkdirSync(join(target, "files"));
    writeFileSync(join(target, "notes.txt"), "à garder\n");
    const res = await cli(["restore", "--from", archive], { dataDir: target });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("n'est pas vide");
    expect(readdirSync(target).sort()).toEqual(["files", "notes.txt"]);
    expect(readFileSync(join(target, "notes.txt"), "utf8")).toBe("à garder\n");
  });
});
