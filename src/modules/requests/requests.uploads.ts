import type { FastifyReply } from "fastify";
import { randomUUID } from "node:crypto";
import { PassThrough, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { sql, type Kysely } from "kysely";
import { fileTypeFromBuffer } from "file-type";
import type { DB } from "../../platform/db/schema.js";
import type { Tx } from "../../platform/db/database.js";
import type { Clock } from "../../platform/clock.js";
import { HOUR } from "../../platform/clock.js";
import { DomainError } from "../../platform/errors.js";
import { hashingTap, type FileStore, type StagedFile } from "../../platform/files.js";
import type { Antivirus } from "../../platform/antivirus.js";
import { can } from "../rights/index.js";
import { appendJournal } from "../journal/index.js";
import { LIMITS } from "./requests.catalogue.js";
import type { UploadOwner } from "./requests.repository.js";

export type UploadsDeps = { db: Kysely<DB>; clock: Clock; files: FileStore; antivirus?: Antivirus | undefined };

/** The accepted types (product §8), by extension, with the media type their content must show. */
const ACCEPTED: Record<string, string> = {
  pdf: "application/pdf",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  odt: "application/vnd.oasis.opendocument.text",
  ods: "application/vnd.oasis.opendocument.spreadsheet",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  csv: "text/csv",
  txt: "text/plain",
};
const SNIFF_BYTES = 64 * 1024;

/** A file name safe to show and to send back: no path, no control character, at most 200 characters. */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const cleaned = base
    .normalize("NFC")
    .replace(/[\p{Cc}\p{Cf}"<>|:*?]/gu, "_")
    .replace(/^\.+/, "")
    .trim();
  return (cleaned || "fichier").slice(-200);
}

/** A control character of C0 (NUL included) or DEL, but not a tab or a line break. */
const CONTROL_CHARACTER = /(?![\t\n\r\u0080-\u009F])\p{Cc}/u;

/** Plain text: valid UTF-8 without NUL or control characters other than tab and line breaks. */
function looksLikeText(sample: Buffer): boolean {
  const text = new TextDecoder("utf-8", { fatal: false }).decode(sample);
  // A cut multi-byte character at the end of the sample is not an error.
  const body = text.replace(/\uFFFD$/, "");
  return !body.includes("\uFFFD") && !CONTROL_CHARACTER.test(body);
}

/** The media type the content shows, checked against the extension; null when refused. */
export async function recogniseType(name: string, sample: Buffer): Promise<string | null> {
  const ext = name.toLowerCase().split(".").pop() ?? "";
  const expected = ACCEPTED[ext];
  if (!expected) return null;
  const detected = await fileTypeFromBuffer(sample);
  if (expected.startsWith("text/")) {
    if (detected) return null;
    if (!looksLikeText(sample)) return null;
    // HTML or SVG disguised as text would be rendered by a careless viewer: refused.
    if (/^\s*<(?:!doctype|html|svg|script|\?xml)/i.test(sample.subarray(0, 512).toString("utf8"))) return null;
    return expected;
  }
  return detected?.mime === expected ? expected : null;
}

/** A file announced whole before its bytes: its length and its SHA-256 (`Repr-Digest`, RFC 9530), hex. */
type AnnouncedFile = { size: number; sha256: string };

/**
 * One file sent to an upload route: its name, its bytes, and what the sender announced of them (its length when the
 * body is the file, its SHA-256 when given).
 */
export type IncomingFile = { filename: string; stream: Readable; noMoreParts?: () => Promise<void>; size?: number; sha256?: string };

/**
 * Receives one file (streamed: never held whole in memory): size limit while it streams, type recognised from its
 * content, SHA-256, antivirus when configured (fail closed). Returns the upload, to be referenced by a message
 * within 24 hours. A file announced with its length and SHA-256 streams to the store as it arrives, once its first
 * bytes show an accepted type (with an antivirus, it is staged and scanned first like any other).
 */
export async function receiveUpload(deps: UploadsDeps, owner: UploadOwner, file: IncomingFile) {
  const name = safeFileName(file.filename);
  const ext = name.toLowerCase().split(".").pop() ?? "";
  if (!ACCEPTED[ext]) {
    file.stream.resume();
    throw new DomainError("unsupported_type", "unsupported_file_type", "Type de fichier refusé : PDF, JPEG, PNG, ODT, ODS, DOCX, XLSX, CSV ou TXT uniquement.");
  }
  if (file.size !== undefined && file.size > LIMITS.attachmentMaxBytes) {
    file.stream.resume();
    throw tooLarge();
  }
  const announced = file.size !== undefined && file.sha256 !== undefined ? { size: file.size, sha256: file.sha256 } : undefined;
  if (announced && !deps.antivirus) return receiveAnnounced(deps, owner, name, file.stream, announced);
  const chunks: Buffer[] = [];
  let sampled = 0;
  const staged = await deps.files.stage(file.stream, (chunk) => {
    if (sampled < SNIFF_BYTES) {
      chunks.push(chunk.subarray(0, SNIFF_BYTES - sampled));
      sampled += Math.min(chunk.length, SNIFF_BYTES - sampled);
    }
  });
  try {
    // A body with more than the one file is refused whole: nothing of it is kept.
    await file.noMoreParts?.();
    if (announced && (announced.size !== staged.size || announced.sha256 !== staged.sha256)) throw notAnnounced();
    const upload = await checkStaged(deps, owner, name, staged, file.stream, Buffer.concat(chunks));
    // The file is stored before the row that names it is written (outside any transaction: an upload to an object
    // store takes time); a row that fails after it leaves a file no row refers to, which the sweep deletes.
    await claimFile(deps, staged.key);
    await staged.keep();
    return await insertUpload(deps, owner, name, { size: staged.size, sha256: staged.sha256, mediaType: upload.mediaType, scanStatus: upload.scanStatus });
  } finally {
    // Kept, the staged name is gone already; refused or failed, the content goes (it was never stored).
    await staged.drop();
  }
}

/**
 * An announced file, without antivirus: its first bytes (64 KiB) are held while its type is recognised, then the
 * file is claimed and streams to the store as it arrives; the store refuses bytes that are not the announced ones.
 */
async function receiveAnnounced(deps: UploadsDeps, owner: UploadOwner, name: string, input: Readable, announced: AnnouncedFile) {
  const chunks: Buffer[] = [];
  let sampled = 0;
  let sniffed!: () => void;
  const sampleReady = new Promise<void>((resolve) => (sniffed = resolve));
  if (announced.size === 0) sniffed();
  const { tap } = hashingTap((chunk) => {
    if (sampled < SNIFF_BYTES) {
      chunks.push(chunk.subarray(0, SNIFF_BYTES - sampled));
      sampled += Math.min(chunk.length, SNIFF_BYTES - sampled);
      if (sampled >= Math.min(SNIFF_BYTES, announced.size)) sniffed();
    }
  });
  // Room for the sample while the type is checked: the rest waits in the sender's socket.
  const body = new PassThrough({ highWaterMark: 2 * SNIFF_BYTES });
  const arriving = pipeline(input, tap, body);
  arriving.then(sniffed, sniffed);
  let mediaType: string | null = null;
  // Claimed while the first bytes arrive (a claim of a file then refused is harmless: it only delays a sweep).
  const claimed = claimFile(deps, announced.sha256);
  try {
    await sampleReady;
    mediaType = await recogniseType(name, Buffer.concat(chunks));
    if (!mediaType) throw refusedType();
    await claimed;
    await deps.files.write(announced.sha256, announced.size, body);
    await arriving;
  } catch (error) {
    body.destroy();
    await claimed.catch(() => undefined);
    const failure = await arriving.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (failure instanceof DomainError) throw failure;
    if (error instanceof Error && error.message.startsWith("file integrity")) throw notAnnounced();
    throw error;
  }
  return insertUpload(deps, owner, name, { ...announced, mediaType, scanStatus: "not_scanned" });
}

/** The row of an upload whose file is stored. */
async function insertUpload(
  deps: UploadsDeps,
  owner: UploadOwner,
  name: string,
  file: { size: number; sha256: string; mediaType: string; scanStatus: "clean" | "not_scanned" },
) {
  const id = randomUUID();
  await deps.db
    .insertInto("uploads")
    .values({
      id,
      space_id: owner.kind === "person" ? owner.id : null,
      agent_id: owner.kind === "agent" ? owner.id : null,
      name,
      size: file.size,
      media_type: file.mediaType,
      sha256: file.sha256,
      storage_key: file.sha256,
      scan_status: file.scanStatus,
      created_at: deps.clock.now(),
      attached_at: null,
    })
    .execute();
  return { uploadId: id, name, size: file.size, mediaType: file.mediaType, sha256: file.sha256 };
}

/** The refusal of bytes that are not those the sender announced (length or SHA-256). */
const notAnnounced = () =>
  new DomainError(
    "refused",
    "digest_mismatch",
    "Le fichier reçu ne correspond pas à son empreinte SHA-256 (en-tête Repr-Digest) ou à sa taille (Content-Length) : il n'a pas été conservé. Envoyez-le de nouveau.",
  );

const refusedType = () =>
  new DomainError(
    "unsupported_type",
    "unsupported_file_type",
    "Le contenu du fichier ne correspond pas à un type accepté (ou à son extension) : PDF, JPEG, PNG, ODT, ODS, DOCX, XLSX, CSV ou TXT.",
  );

/** Size, antivirus (fail closed) and type of a staged file; throws the refusal. */
async function checkStaged(deps: UploadsDeps, owner: UploadOwner, name: string, staged: StagedFile, stream: Readable, sample: Buffer) {
  if ((stream as Readable & { truncated?: boolean }).truncated || staged.size > LIMITS.attachmentMaxBytes) throw tooLarge();
  // The scan comes first: an infected archive is reported as such, whatever its type.
  if (deps.antivirus) {
    let verdict;
    try {
      verdict = await deps.antivirus.scan(await staged.open());
    } catch {
      throw new DomainError(
        "unavailable",
        "antivirus_unavailable",
        "L'analyse antivirus est momentanément indisponible : le fichier n'a pas été accepté. Réessayez dans quelques minutes.",
        undefined,
        60,
      );
    }
    if (!verdict.clean) {
      const now = deps.clock.now();
      await deps.db
        .transaction()
        .execute((tx) =>
          appendJournal(tx, now, { actor: owner, action: "upload.infected", data: { sha256: staged.sha256, signature: verdict.signature, name } }),
        );
      throw new DomainError("refused", "infected", `Fichier refusé : l'antivirus y a détecté « ${verdict.signature} ».`, { signature: verdict.signature });
    }
  }
  const mediaType = await recogniseType(name, sample);
  if (!mediaType) throw refusedType();
  return { mediaType, scanStatus: deps.antivirus ? ("clean" as const) : ("not_scanned" as const) };
}

/** The refusal of a file over the attachment limit. */
export const tooLarge = () =>
  new DomainError("too_large", "file_too_large", `Fichier trop volumineux : ${LIMITS.attachmentMaxBytes / 1024 / 1024} Mio au plus par pièce jointe.`);

/**
 * The lock of one stored file (transaction-scoped): storing a file with its row and deleting a file no row refers to
 * exclude each other, so that a deletion never takes the file of an upload of the same content being written.
 */
async function lockFile(tx: Tx, key: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(727003, ('x' || substr(${key}, 1, 8))::bit(32)::int)`.execute(tx);
}

/**
 * Claims a file before its bytes leave for the store, under the file's lock, in one statement: the sweep, which
 * deletes under the same lock, keeps a claimed file. Without it, a sweep that found an old unreferenced copy of the
 * same content could delete it just as this write puts it back, and the row written next would name a missing file
 * (an object store keeps the request that arrived last, and a deletion may arrive after a write began).
 */
export async function claimFile(deps: Pick<UploadsDeps, "db" | "clock">, key: string): Promise<void> {
  await sql`WITH locked AS (SELECT pg_advisory_xact_lock(727003, ('x' || substr(${key}, 1, 8))::bit(32)::int))
    INSERT INTO file_claims (storage_key, claimed_at) SELECT ${key}, ${deps.clock.now()}::timestamptz FROM locked
    ON CONFLICT (storage_key) DO UPDATE SET claimed_at = GREATEST(file_claims.claimed_at, EXCLUDED.claimed_at)`.execute(deps.db);
}

/** Claims and stores a staged file (an export's archive, a letter's PDF): the row that names it comes next. */
export async function storeStaged(deps: Pick<UploadsDeps, "db" | "clock">, staged: StagedFile): Promise<void> {
  await claimFile(deps, staged.key);
  await staged.keep();
}

/** The keys among `keys` that a row names (an upload, or an export's archive) or that a write claimed since `claimedAfter`. */
async function referencedKeys(db: Kysely<DB> | Tx, keys: string[], claimedAfter: Date): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db
    .selectFrom("uploads")
    .select("storage_key as key")
    .where("storage_key", "in", keys)
    .union(db.selectFrom("exports").select("storage_key as key").where("storage_key", "in", keys).$narrowType<{ key: string }>())
    .union(db.selectFrom("file_claims").select("storage_key as key").where("storage_key", "in", keys).where("claimed_at", ">", claimedAfter))
    .execute();
  return new Set(rows.map((r) => r.key));
}

/** How long a claim protects its file: the longest an upload may take to stream in and be named by its row. */
const CLAIM_MS = 6 * HOUR;
/** How long an upload may take to stream in: a staged file older than this was left by a crash. */
const STAGED_GRACE_MS = CLAIM_MS;

/** Deletes the stored files that no row refers to any more (the store is content-addressed: one file, many rows). */
export async function removeUnreferencedFiles(deps: Pick<UploadsDeps, "db" | "files" | "clock">, keys: string[]): Promise<number> {
  let removed = 0;
  const claimedAfter = new Date(deps.clock.now().getTime() - CLAIM_MS);
  for (const key of new Set(keys)) {
    await deps.db.transaction().execute(async (tx) => {
      await lockFile(tx, key);
      if (!(await referencedKeys(tx, [key], claimedAfter)).has(key)) {
        await deps.files.remove(key);
        removed++;
      }
    });
  }
  return removed;
}

/**
 * Lets go of the stored files of rows just deleted: each is marked released now and left to the sweep, which removes
 * it once no row names it and its grace (FILES_SWEEP_GRACE_HOURS, the restore window) is over. Never deleted at
 * once: a database restored to a moment before the rows went must find them.
 */
export async function releaseFiles(deps: Pick<UploadsDeps, "files" | "clock">, keys: string[]): Promise<void> {
  for (const key of new Set(keys)) await deps.files.release(key, deps.clock.now());
}

/** An attachment of a request the person may see (else 404), to stream back. */
export async function openAttachment(deps: UploadsDeps, spaceId: string, attachmentId: string) {
  return openAttachmentIf(deps, attachmentId, (r) => can(deps.db, { spaceId, siren: r.siren, service: "messagerie", tax: r.tax }, deps.clock.now()));
}

/** An attachment of a request of the agent's services (404 for any other). */
export async function openAttachmentForAgent(deps: UploadsDeps, agentServices: string[], attachmentId: string) {
  return openAttachmentIf(deps, attachmentId, (r) => agentServices.includes(r.service_code));
}

async function openAttachmentIf(
  deps: UploadsDeps,
  attachmentId: string,
  may: (r: { siren: string; tax: string; service_code: string }) => boolean | Promise<boolean>,
) {
  const row = await deps.db
    .selectFrom("attachments as a")
    .innerJoin("uploads as u", "u.id", "a.upload_id")
    .innerJoin("messages as m", "m.id", "a.message_id")
    .innerJoin("requests as r", "r.id", "m.request_id")
    .select(["u.name", "u.size", "u.media_type", "u.storage_key", "r.siren", "r.tax", "r.service_code"])
    .where("a.id", "=", attachmentId)
    .executeTakeFirst();
  if (!row || !(await may(row))) throw new DomainError("not_found", "not_found", "Pièce jointe introuvable.");
  // Opened before anything is sent: a missing or unreadable file answers 503 file_unavailable, not a cut download.
  return { name: row.name, size: row.size, mediaType: row.media_type, stream: await deps.files.open(row.storage_key) };
}

/** Sends an attachment as a download: its checked media type, a safe file name, no sniffing. */
export function sendAttachment(reply: FastifyReply, file: Awaited<ReturnType<typeof openAttachment>>) {
  const ascii = file.name.replace(/[^\x20-\x7E]/g, "_").replace(/["\\]/g, "_");
  return reply
    .type(file.mediaType)
    .header("Content-Length", String(file.size))
    .header("Content-Disposition", `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.name)}`)
    .header("X-Content-Type-Options", "nosniff")
    .send(file.stream);
}

/** Deletes uploads never referenced by a message within 24 hours, and lets go of their files (job). */
export async function expireUploads(deps: Pick<UploadsDeps, "db" | "clock" | "files">): Promise<number> {
  const rows = await deps.db
    .deleteFrom("uploads")
    .where("attached_at", "is", null)
    .where("created_at", "<", new Date(deps.clock.now().getTime() - 24 * HOUR))
    .returning("storage_key")
    .execute();
  await releaseFiles(
    deps,
    rows.map((r) => r.storage_key),
  );
  return rows.length;
}

/**
 * How long a stored file may wait for the row that names it (the file is written first): a file no row names is
 * swept only once it is older than this. The least grace: the server's is FILES_SWEEP_GRACE_HOURS (7 days in
 * production), at least the restore window of the backups.
 */
export const STORED_GRACE_MS = HOUR;

/**
 * The sweep of the file store (job): staged files left by a crash, and stored files no row refers to (a commit lost
 * after the file was stored) once past their grace period. Walks the store in batches; each deletion is checked
 * again under the file's lock.
 */
export async function sweepFiles(
  deps: Pick<UploadsDeps, "db" | "clock" | "files">,
  options: { graceMs?: number } = {},
): Promise<{ staged: number; unreferenced: number }> {
  const graceMs = Math.max(options.graceMs ?? STORED_GRACE_MS, STORED_GRACE_MS);
  const staged = await deps.files.dropStaleStaged(new Date(deps.clock.now().getTime() - STAGED_GRACE_MS));
  const claimedAfter = new Date(deps.clock.now().getTime() - CLAIM_MS);
  await deps.db.deleteFrom("file_claims").where("claimed_at", "<=", claimedAfter).execute();
  let unreferenced = 0;
  let batch: string[] = [];
  const flush = async () => {
    const used = await referencedKeys(deps.db, batch, claimedAfter);
    unreferenced += await removeUnreferencedFiles(
      deps,
      batch.filter((k) => !used.has(k)),
    );
    batch = [];
  };
  for await (const key of deps.files.keys(new Date(deps.clock.now().getTime() - graceMs))) {
    batch.push(key);
    if (batch.length === 500) await flush();
  }
  if (batch.length > 0) await flush();
  return { staged, unreferenced };
}
