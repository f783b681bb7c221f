import { createHash, createPublicKey, verify } from "node:crypto";
import yauzl from "yauzl";
import type { ExportManifest } from "./requests.export.js";
import { keyFingerprint } from "../../platform/crypto.js";

export type ExportVerdict = { valid: true; manifest: ExportManifest } | { valid: false; reason: string; file?: string };

type Entry = { name: string; sha256: string; size: number; bytes?: Buffer };

/** Reads every entry of a ZIP, hashing it as it streams (the manifest and its signature are kept whole). */
function readEntries(path: string): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, validateEntrySizes: true }, (error, zip) => {
      if (error || !zip) return reject(error ?? new Error("zip unreadable"));
      const entries: Entry[] = [];
      zip.on("error", reject);
      zip.on("end", () => resolve(entries));
      zip.on("entry", (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error(`entry ${entry.fileName} unreadable`));
          const hash = createHash("sha256");
          const keep = entry.fileName === "manifest.json" || entry.fileName === "manifest.sig";
          const chunks: Buffer[] = [];
          let size = 0;
          stream.on("data", (c: Buffer) => {
            hash.update(c);
            size += c.length;
            if (keep) chunks.push(c);
          });
          stream.on("error", reject);
          stream.on("end", () => {
            entries.push({ name: entry.fileName, sha256: hash.digest("hex"), size, ...(keep ? { bytes: Buffer.concat(chunks) } : {}) });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/**
 * Checks an export offline with the public key alone: the manifest's signature, then every file against the
 * manifest (size and SHA-256), and that the ZIP holds nothing the manifest does not list. Names the first bad file.
 */
export async function verifyExport(path: string, publicKeyPem: string): Promise<ExportVerdict> {
  let entries: Entry[];
  try {
    entries = await readEntries(path);
  } catch (error) {
    return { valid: false, reason: `archive ZIP illisible ou altérée (${(error as Error).message})` };
  }
  const manifestEntry = entries.find((e) => e.name === "manifest.json");
  const sigEntry = entries.find((e) => e.name === "manifest.sig");
  if (!manifestEntry?.bytes || !sigEntry?.bytes)
    return {
      valid: false,
      reason: "manifest.json ou manifest.sig absent : ce n'est pas un export de la plateforme",
      file: manifestEntry ? "manifest.sig" : "manifest.json",
    };
  const signature = Buffer.from(sigEntry.bytes.toString("utf8").trim(), "base64");
  let key;
  try {
    key = createPublicKey(publicKeyPem);
  } catch {
    return { valid: false, reason: "clé publique illisible (PEM attendu)" };
  }
  let signedBy: string | undefined;
  try {
    signedBy = (JSON.parse(manifestEntry.bytes.toString("utf8")) as ExportManifest).keyFingerprint;
  } catch {
    signedBy = undefined;
  }
  const given = keyFingerprint(publicKeyPem);
  if (signedBy && signedBy !== given) {
    return {
      valid: false,
      reason: `la clé publique fournie (empreinte SHA-256 ${given}) n'est pas celle qui a signé cet export (empreinte ${signedBy}) : téléchargez celle de la plateforme à /api/v1/receipts/public-key`,
      file: "manifest.sig",
    };
  }
  if (!verify("sha256", manifestEntry.bytes, key, signature)) {
    return {
      valid: false,
      reason: "la signature du manifeste ne correspond pas : le manifeste a été modifié, ou l'export vient d'une autre plateforme",
      file: "manifest.json",
    };
  }
  const manifest = JSON.parse(manifestEntry.bytes.toString("utf8")) as ExportManifest;
  const listed = new Map(manifest.files.map((f) => [f.path, f]));
  const present = new Map(entries.map((e) => [e.name, e]));
  for (const e of entries) {
    if (e.name === "manifest.json" || e.name === "manifest.sig") continue;
    const f = listed.get(e.name);
    if (!f) return { valid: false, reason: "fichier absent du manifeste (ajouté après la signature)", file: e.name };
    if (f.size !== e.size || f.sha256 !== e.sha256) return { valid: false, reason: "contenu modifié (empreinte SHA-256 différente)", file: e.name };
  }
  for (const f of manifest.files) if (!present.has(f.path)) return { valid: false, reason: "fichier du manifeste manquant dans l'archive", file: f.path };
  return { valid: true, manifest };
}
