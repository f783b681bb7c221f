import type { FastifyReply } from "fastify";
import { randomUUID } from "node:crypto";
import { PassThrough, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { sql, type Kysely, type RawBuilder } from "kysely";
import { fileTypeFromBuffer } from "file-type";
import type { DB } from "../../platform/db/schema.js";
import type { Clock } from "../../platform/clock.js";
import { HOUR } from "../../platform/clock.js";
import { DomainError } from "../../platform/errors.js";
import { claimFile, releaseFiles, storeStaged } from "./requests.stored-files.js";
import { hashingTap, type FileStore, type StagedFile } from "../../platform/files.js";
import type { Antivirus } from "../../platform/antivirus.js";
import { messagerieScope } from "../rights/index.js";
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

/** Keeps the first 64 KiB that cross a stream (the sample its type is recognised from); `full` once it has them all. */
function sampler(size?: number) {
  const chunks: Buffer[] = [];
  let sampled = 0;
  let full!: () => void;
  const ready = new Promise<void>((resolve) => (full = resolve));
  if (size === 0) full();
  return {
    inspect(chunk: Buffer) {
      if (sampled >= SNIFF_BYTES) return;
      chunks.push(chunk.subarray(0, SNIFF_BYTES - sampled));
      sampled += Math.min(chunk.length, SNIFF_BYTES - sampled);
      if (size !== undefined && sampled >= Math.min(SNIFF_BYTES, size)) full();
    },
    sample: () => Buffer.concat(chunks),
    ready,
    /** Ends the wait (the stream ended or failed before the sample was whole). */
    end: () => full(),
  };
}

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
  const sample = sampler();
  const staged = await deps.files.stage(file.stream, (chunk) => sample.inspect(chunk));
  try {
    // A body with more than the one file is refused whole: nothing of it is kept.
    await file.noMoreParts?.();
    if (announced && (announced.size !== staged.size || announced.sha256 !== staged.sha256)) throw notAnnounced();
    const upload = await checkStaged(deps, owner, name, staged, file.stream, sample.sample());
    // The file is stored before the row that names it is written (outside any transaction: an upload to an object
    // store takes time); a row that fails after it leaves a file no row refers to, which the sweep deletes.
    await storeStaged(deps, staged);
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
  const sample = sampler(announced.size);
  const { tap } = hashingTap((chunk) => sample.inspect(chunk));
  // Room for the sample while the type is checked: the rest waits in the sender's socket.
  const body = new PassThrough({ highWaterMark: 2 * SNIFF_BYTES });
  const arriving = pipeline(input, tap, body);
  arriving.then(sample.end, sample.end);
  let mediaType: string | null = null;
  // Claimed while the first bytes arrive (a claim of a file then refused is harmless: it only delays a sweep).
  const claimed = claimFile(deps, announced.sha256);
  try {
    await sample.ready;
    mediaType = await recogniseType(name, sample.sample());
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
  new DomainError("too_large", "file_too_large", `Fichier trop volumineux : ${LIMITS.attachmentMaxBytes / 1024 / 1024} Mo au plus par pièce jointe.`);

/** An attachment of a request the person may see (else 404), to stream back. */
export async function openAttachment(deps: UploadsDeps, spaceId: string, attachmentId: string) {
  return openAttachmentWhere(deps, attachmentId, messagerieScope(spaceId, deps.clock.now()));
}

/** An attachment of a request of the agent's services (404 for any other). */
export async function openAttachmentForAgent(deps: UploadsDeps, agentServices: string[], attachmentId: string) {
  if (agentServices.length === 0) throw attachmentNotFound();
  return openAttachmentWhere(deps, attachmentId, sql<boolean>`requests.service_code = ANY(${agentServices}::text[])`);
}

const attachmentNotFound = () => new DomainError("not_found", "not_found", "Pièce jointe introuvable.");

/** The attachment, when its request meets `visible` (a condition on `requests`): one statement, then the file. */
async function openAttachmentWhere(deps: UploadsDeps, attachmentId: string, visible: RawBuilder<boolean>) {
  const row = await deps.db
    .selectFrom("attachments as a")
    .innerJoin("uploads as u", "u.id", "a.upload_id")
    .innerJoin("messages as m", "m.id", "a.message_id")
    .innerJoin("requests", "requests.id", "m.request_id")
    .select(["u.name", "u.size", "u.media_type", "u.storage_key"])
    .where("a.id", "=", attachmentId)
    .where(visible)
    .executeTakeFirst();
  if (!row) throw attachmentNotFound();
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
