import { createHash } from "node:crypto";
import yauzl from "yauzl";
import type { ExportManifest } from "./requests.export.js";
import { sha256Hex } from "../../platform/crypto.js";
import { cmsVerifyDetached, trustedPublicKeyDer } from "../../platform/signing.js";

/** The manifest and its signature (CMS detached, DER). */
const MANIFEST = "manifest.json";
const SIGNATURE = "manifest.p7s";

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
          const keep = entry.fileName === MANIFEST || entry.fileName === SIGNATURE;
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
 * Checks an export offline with the platform's certificate (or its public key) alone: the manifest's CMS signature
 * (`manifest.p7s`, made with that certificate's key), then every file against the manifest (size and SHA-256), and
 * that the ZIP holds nothing the manifest does not list. Names the first bad file.
 */
export async function verifyExport(path: string, trustedPem: string): Promise<ExportVerdict> {
  const trustedKey = trustedPublicKeyDer(trustedPem);
  if (!trustedKey) return { valid: false, reason: "certificat ou clé publique illisible (PEM attendu)" };
  let entries: Entry[];
  try {
    entries = await readEntries(path);
  } catch (error) {
    return { valid: false, reason: `archive ZIP illisible ou altérée (${(error as Error).message})` };
  }
  const manifestEntry = entries.find((e) => e.name === MANIFEST);
  const sigEntry = entries.find((e) => e.name === SIGNATURE);
  if (!manifestEntry?.bytes || !sigEntry?.bytes)
    return {
      valid: false,
      reason: `${MANIFEST} ou ${SIGNATURE} absent : ce n'est pas un export signé de la plateforme`,
      file: manifestEntry ? SIGNATURE : MANIFEST,
    };
  let signedBy: string | undefined;
  try {
    signedBy = (JSON.parse(manifestEntry.bytes.toString("utf8")) as ExportManifest).keyFingerprint;
  } catch {
    signedBy = undefined;
  }
  const given = sha256Hex(trustedKey);
  if (signedBy && signedBy !== given) {
    return {
      valid: false,
      reason: `le certificat fourni (clé d'empreinte SHA-256 ${given}) n'est pas celui qui a signé cet export (empreinte ${signedBy}) : téléchargez celui de la plateforme à /api/v1/receipts/certificate`,
      file: SIGNATURE,
    };
  }
  const cms = await cmsVerifyDetached(sigEntry.bytes, manifestEntry.bytes);
  if (!cms.valid) {
    // A readable signature whose digest differs: the manifest changed; anything else: the signature itself is bad.
    return /Message digest/i.test(cms.reason)
      ? {
          valid: false,
          reason: "la signature du manifeste ne correspond pas : le manifeste a été modifié, ou l'export vient d'une autre plateforme",
          file: MANIFEST,
        }
      : { valid: false, reason: `signature du manifeste illisible ou invalide (${cms.reason})`, file: SIGNATURE };
  }
  if (!cms.signer.publicKey.export({ type: "spki", format: "der" }).equals(trustedKey)) {
    return {
      valid: false,
      reason: `le manifeste est signé par « ${cms.signer.subject.split("\n").reverse().join(", ")} », pas par le certificat fourni`,
      file: SIGNATURE,
    };
  }
  const manifest = JSON.parse(manifestEntry.bytes.toString("utf8")) as ExportManifest;
  const listed = new Map(manifest.files.map((f) => [f.path, f]));
  const present = new Map(entries.map((e) => [e.name, e]));
  for (const e of entries) {
    if (e.name === MANIFEST || e.name === SIGNATURE) continue;
    const f = listed.get(e.name);
    if (!f) return { valid: false, reason: "fichier absent du manifeste (ajouté après la signature)", file: e.name };
    if (f.size !== e.size || f.sha256 !== e.sha256) return { valid: false, reason: "contenu modifié (empreinte SHA-256 différente)", file: e.name };
  }
  for (const f of manifest.files) if (!present.has(f.path)) return { valid: false, reason: "fichier du manifeste manquant dans l'archive", file: f.path };
  return { valid: true, manifest };
}
