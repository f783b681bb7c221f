/**
 * The backup of the embedded mode (docs/operations.md « Sauvegardes et restauration »): one `.tar.gz` holding
 * - `database.tar`: the PGlite data folder as PGlite dumps it (`dumpDataDir`), taken between two statements — a
 *   crash-consistent copy that PostgreSQL's recovery opens like after a power cut;
 * - `data/…`: the rest of the data folder (the signing keys), without the database, its lock and its socket;
 * - `files/…`: the content-addressed file store (attachments, exports);
 * - `manifest.json`: every other entry with its size and SHA-256.
 *
 * PGlite lives inside the process that locked the folder (src/platform/db/lock.ts): no second process may open it.
 * That process (the server, a worker) answers dump requests on a Unix socket of the data folder (`backup.sock`,
 * reachable only by who may read the folder anyway); the command asks it, or opens the database itself when no
 * process holds it. Files are copied after the dump: they are never overwritten (content-addressed) and the sweep
 * waits its grace period, so every file the dumped database names is still there.
 *
 * A restore writes only into an empty data folder: the archive is unpacked into a sibling folder, every entry
 * checked against the manifest (and nothing more than it), the database loaded, and only then is the folder
 * moved into place. A damaged archive leaves nothing behind.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readdirSync } from "node:fs";
import { copyFile, link, lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, rmdir, stat, unlink, writeFile } from "node:fs/promises";
import { createConnection, createServer, type Server } from "node:net";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { promisify } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import { DomainError } from "./errors.js";

const run = promisify(execFile);

export const BACKUP_FORMAT = "messagerie-pro-backup";
/** The Unix socket of a data folder on which its holder answers dump requests. */
export const BACKUP_SOCKET = "backup.sock";
/** What of the data folder is not copied as a file: the database (dumped), its lock, the socket. */
const NOT_COPIED = new Set(["pg", "messagerie-pro.lock", BACKUP_SOCKET]);

export type ManifestEntry = { path: string; size: number; sha256: string };
export type Manifest = { format: typeof BACKUP_FORMAT; version: 1; createdAt: string; database: "pglite"; entries: ManifestEntry[] };

const refused = (code: string, message: string) => new DomainError("invalid", code, message);

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** The regular files under `root`, relative to it, sorted; `skip` names top-level entries left out. */
async function filesUnder(root: string, skip: (top: string) => boolean = () => false): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (dir === root && skip(entry.name)) continue;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) found.push(relative(root, path));
    }
  };
  if (existsSync(root)) await walk(root);
  return found;
}

/** Serves dump requests on the data folder's socket (by the process holding the embedded database). */
export async function serveDumps(dataDir: string, dump: () => Promise<Uint8Array>): Promise<{ close(): Promise<void> }> {
  const path = join(dataDir, BACKUP_SOCKET);
  // The folder is locked by this process: a socket file left there is a dead process's.
  await unlink(path).catch(() => {});
  const server: Server = createServer((socket) => {
    socket.on("error", () => {});
    dump().then(
      (bytes) => {
        socket.write(`${JSON.stringify({ ok: true, size: bytes.length })}\n`);
        socket.end(bytes);
      },
      (error: unknown) => socket.end(`${JSON.stringify({ ok: false, error: error instanceof Error ? error.message : String(error) })}\n`),
    );
  });
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(path, () => done());
  });
  server.unref();
  return {
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
      }),
  };
}

/** Asks the process holding the data folder for a dump; null when no process answers on its socket. */
export async function requestDump(dataDir: string): Promise<Uint8Array | null> {
  const path = join(dataDir, BACKUP_SOCKET);
  if (!existsSync(path)) return null;
  const chunks: Buffer[] = [];
  try {
    await new Promise<void>((done, fail) => {
      const socket = createConnection(path);
      socket.on("data", (chunk: Buffer) => chunks.push(chunk));
      socket.on("end", () => done());
      socket.on("error", fail);
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ECONNREFUSED" || code === "ENOENT") return null;
    throw error;
  }
  const all = Buffer.concat(chunks);
  const newline = all.indexOf(10);
  const header = JSON.parse(all.subarray(0, newline).toString("utf8")) as { ok: boolean; size?: number; error?: string };
  if (!header.ok) throw refused("dump_failed", `La copie de la base par le processus qui la tient a échoué : ${header.error}`);
  const bytes = all.subarray(newline + 1);
  if (bytes.length !== header.size) throw refused("dump_truncated", `Copie de la base incomplète : ${bytes.length} octets reçus sur ${header.size}.`);
  return bytes;
}

/** Refuses an archive path that cannot receive a new backup (checked before the database is dumped). */
export function checkBackupTarget(file: string): void {
  const to = resolve(file);
  if (!existsSync(dirname(to))) throw refused("backup_folder_missing", `Le dossier de l'archive n'existe pas : ${dirname(to)}`);
  if (existsSync(to)) throw refused("backup_exists", `L'archive ${to} existe déjà : choisissez un autre nom (une sauvegarde n'en écrase jamais une autre).`);
}

export type BackupReport = { archive: string; bytes: number; entries: number; ms: number };

/**
 * Writes the archive `to` from a dump of the database and the folders: `dataDir` (without the database) and
 * `filesDir`. Written to `to.part`, then renamed: a backup cut short leaves no archive that looks whole.
 */
export async function writeBackup(options: {
  to: string;
  dataDir: string;
  filesDir: string;
  dump: Uint8Array;
  now: Date;
  startedAt?: number;
}): Promise<BackupReport> {
  const startedAt = options.startedAt ?? performance.now();
  const dataDir = resolve(options.dataDir);
  const filesDir = resolve(options.filesDir);
  const to = resolve(options.to);
  checkBackupTarget(to);
  const filesInside = filesDir.startsWith(`${dataDir}${sep}`) ? relative(dataDir, filesDir).split(sep)[0] : undefined;
  const stage = await mkdtemp(join(dirname(to), `.${basename(to)}-`));
  try {
    await writeFile(join(stage, "database.tar"), options.dump);
    const entries: ManifestEntry[] = [{ path: "database.tar", size: options.dump.length, sha256: createHash("sha256").update(options.dump).digest("hex") }];
    // Each file is read once for its digest; tar reads it again. Nothing read here is ever rewritten in place.
    const copied: { root: string; prefix: string; path: string }[] = [];
    for (const path of await filesUnder(dataDir, (top) => NOT_COPIED.has(top) || top === filesInside)) copied.push({ root: dataDir, prefix: "data", path });
    for (const path of await filesUnder(filesDir, (top) => top === "tmp")) copied.push({ root: filesDir, prefix: "files", path });
    for (const c of copied) {
      const full = join(c.root, c.path);
      entries.push({ path: `${c.prefix}/${c.path.split(sep).join("/")}`, size: (await stat(full)).size, sha256: await sha256OfFile(full) });
    }
    const manifest: Manifest = { format: BACKUP_FORMAT, version: 1, createdAt: options.now.toISOString(), database: "pglite", entries };
    await writeFile(join(stage, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    // The tree of the archive is built from links (no copy of the files), then packed in one pass.
    for (const c of copied) {
      const target = join(stage, c.prefix, c.path);
      await mkdir(dirname(target), { recursive: true });
      await link(join(c.root, c.path), target).catch(() => copyFile(join(c.root, c.path), target));
    }
    const tops = ["manifest.json", "database.tar", ...["data", "files"].filter((d) => existsSync(join(stage, d)))];
    await run("tar", ["-czf", `${to}.part`, "-C", stage, ...tops]);
    await rename(`${to}.part`, to);
    return { archive: to, bytes: (await stat(to)).size, entries: entries.length, ms: performance.now() - startedAt };
  } catch (error) {
    await rm(`${to}.part`, { force: true });
    throw error;
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

/** A folder that may receive a restore: absent, or empty. */
function isEmptyOrAbsent(dir: string): boolean {
  return !existsSync(dir) || readdirSync(dir).length === 0;
}

export type RestoreReport = { entries: number; bytes: number; ms: number };

/**
 * Restores the archive `from` into `dataDir` (and `filesDir`), both absent or empty. Every entry is checked against
 * the manifest before anything is written there; any damage refuses the whole archive, leaving the folders as they were.
 */
export async function restoreBackup(options: { from: string; dataDir: string; filesDir: string }): Promise<RestoreReport> {
  const startedAt = performance.now();
  const from = resolve(options.from);
  const dataDir = resolve(options.dataDir);
  const filesDir = resolve(options.filesDir);
  if (!existsSync(from)) throw refused("backup_not_found", `Sauvegarde introuvable : ${from}`);
  if (!isEmptyOrAbsent(dataDir))
    throw refused("data_dir_not_empty", `Le dossier de données ${dataDir} n'est pas vide : une restauration ne s'écrit que dans un dossier vide ou absent.`);
  if (!isEmptyOrAbsent(filesDir))
    throw refused(
      "files_dir_not_empty",
      `Le dossier des fichiers ${filesDir} n'est pas vide : une restauration ne s'écrit que dans un dossier vide ou absent.`,
    );
  await mkdir(dirname(dataDir), { recursive: true });
  const stage = await mkdtemp(join(dirname(dataDir), `.${basename(dataDir)}-restauration-`));
  try {
    const damaged = (why: string) => refused("backup_damaged", `Sauvegarde endommagée ou tronquée, rien n'a été restauré : ${why}.`);
    const unpacked = join(stage, "archive");
    await mkdir(unpacked);
    try {
      await run("tar", ["-xzf", from, "-C", unpacked, "--no-same-owner"]);
    } catch {
      throw damaged("l'archive ne se décompresse pas entière (compression ou format tar rompu)");
    }
    let manifest: Manifest;
    try {
      manifest = JSON.parse(await readFile(join(unpacked, "manifest.json"), "utf8")) as Manifest;
    } catch {
      throw damaged("le manifeste (manifest.json) est absent ou illisible");
    }
    if (manifest.format !== BACKUP_FORMAT || manifest.version !== 1 || !Array.isArray(manifest.entries))
      throw damaged(`le manifeste n'est pas celui d'une sauvegarde de Messagerie Pro (format ${String(manifest.format)})`);
    const listed = new Set(manifest.entries.map((e) => e.path));
    for (const path of await filesUnder(unpacked)) {
      const name = path.split(sep).join("/");
      if (name !== "manifest.json" && !listed.has(name)) throw damaged(`le fichier ${name} n'est pas dans le manifeste`);
    }
    let bytes = 0;
    for (const entry of manifest.entries) {
      if (entry.path.split("/").includes("..") || !/^(database\.tar|data\/.+|files\/.+)$/.test(entry.path))
        throw damaged(`chemin refusé dans le manifeste : ${entry.path}`);
      const full = join(unpacked, ...entry.path.split("/"));
      const info = await lstat(full).catch(() => null);
      if (!info?.isFile()) throw damaged(`le fichier ${entry.path} du manifeste manque`);
      if (info.size !== entry.size) throw damaged(`le fichier ${entry.path} fait ${info.size} octets au lieu de ${entry.size}`);
      if ((await sha256OfFile(full)) !== entry.sha256) throw damaged(`l'empreinte SHA-256 du fichier ${entry.path} ne correspond pas au manifeste`);
      bytes += entry.size;
    }
    // Every byte checked: the data folder is built beside the target, the database loaded by PGlite and opened once.
    const data = join(stage, "data");
    if (existsSync(join(unpacked, "data"))) await rename(join(unpacked, "data"), data);
    else await mkdir(data);
    const pglite = new PGlite(join(data, "pg"), { loadDataDir: new Blob([await readFile(join(unpacked, "database.tar"))]) });
    await pglite.waitReady;
    await pglite.query("SELECT 1");
    await pglite.close();
    const files = join(stage, "files");
    if (existsSync(join(unpacked, "files"))) await rename(join(unpacked, "files"), files);
    else await mkdir(files);
    // Into place: the (empty) targets are replaced by the checked folders.
    if (existsSync(dataDir)) await rmdir(dataDir);
    await rename(data, dataDir);
    if (existsSync(filesDir)) await rmdir(filesDir);
    await mkdir(dirname(filesDir), { recursive: true });
    await rename(files, filesDir);
    return { entries: manifest.entries.length, bytes, ms: performance.now() - startedAt };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}
