import { PassThrough, type Readable } from "node:stream";
import type { FastifyRequest } from "fastify";
import { parse as parseDisposition } from "content-disposition";
import { DomainError } from "../errors.js";

/**
 * Reading a multipart body: whatever goes wrong while its parts are read is the sender's doing (a body cut short, a
 * boundary that is not the announced one, a part without a name, a header too large, too many parts), so it is a
 * coded 4xx in French, never a 500. One place for every upload route.
 */

/** A file name longer than this is refused (a header of hundreds of kilobytes is an attack, not a name). */
const MAX_FILE_NAME = 255;

const LIMIT_CODES = new Set(["FST_FILES_LIMIT", "FST_PARTS_LIMIT", "FST_FIELDS_LIMIT"]);

/**
 * The refusal that an error raised while reading a multipart body means. `tooLarge` is the route's sentence for a
 * file over its size; `expected` says what the route expects (« un seul fichier dans le champ « file » »…).
 */
export function multipartRefusal(error: unknown, sentences: { expected: string; tooLarge?: string }): DomainError {
  if (error instanceof DomainError) return error;
  const code = (error as { code?: string }).code;
  if (code === "FST_REQ_FILE_TOO_LARGE" && sentences.tooLarge) return new DomainError("too_large", "file_too_large", sentences.tooLarge);
  if (code !== undefined && LIMIT_CODES.has(code)) return new DomainError("invalid", "too_many_parts", `Envoi refusé : trop de parties. ${sentences.expected}`);
  if (code === "FST_PROTO_VIOLATION") return new DomainError("invalid", "invalid_multipart", `Envoi refusé : nom de champ interdit. ${sentences.expected}`);
  return new DomainError("invalid", "invalid_multipart", `Envoi mal formé (multipart/form-data incomplet ou frontière incorrecte). ${sentences.expected}`);
}

/** A part's file name, or a refusal when it is absurdly long. */
export function checkedFileName(name: string | undefined): string {
  if ((name ?? "").length > MAX_FILE_NAME)
    throw new DomainError("invalid", "file_name_too_long", `Le nom du fichier dépasse ${MAX_FILE_NAME} caractères : renommez-le.`);
  return name ?? "";
}

/**
 * A file part's stream whose failure while streaming (the body ends before the part does, the file outgrows the
 * limit) is a coded refusal; the plugin's `truncated` flag stays readable.
 */
export function guardedFileStream(
  file: Readable & { truncated?: boolean },
  sentences: { expected: string; tooLarge?: string },
): Readable & { truncated?: boolean } {
  const out = new PassThrough();
  file.once("error", (error: Error) => out.destroy(multipartRefusal(error, sentences)));
  file.pipe(out);
  Object.defineProperty(out, "truncated", { get: () => file.truncated });
  return out;
}

/** Whether an upload's body is the file's bytes themselves (`application/octet-stream`), not a form. */
export function rawFileBody(req: FastifyRequest): boolean {
  return (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase() === "application/octet-stream";
}

/** The SHA-256 member of a `Repr-Digest` field (RFC 9530): `sha-256=:<base64>:`. */
const SHA256_MEMBER = /(?:^|,)\s*sha-256=:([A-Za-z0-9+/]{43}=):\s*(?:;[^,]*)?(?:,|$)/;

/**
 * An upload sent as the file's bytes: its name from `Content-Disposition` (`attachment; filename*=UTF-8''…`), its
 * length from `Content-Length` (required), and, when `Repr-Digest` gives its SHA-256, the announcement that lets it
 * stream to the store as it arrives. Coded refusals name the header at fault.
 */
export function rawUpload(req: FastifyRequest): { filename: string; stream: Readable; size: number; sha256?: string } {
  const stream = guardedRawStream(req.body as Readable);
  const refuse = (code: string, message: string, kind: "invalid" | "too_large" = "invalid") => {
    stream.resume();
    return new DomainError(kind, code, message);
  };
  const lengthHeader = req.headers["content-length"];
  if (lengthHeader === undefined || !/^\d+$/.test(lengthHeader))
    throw refuse("length_required", "En-tête Content-Length manquant : envoyez la taille du fichier avec ses octets.");
  const size = Number(lengthHeader);
  let filename: string | undefined;
  try {
    const disposition = parseDisposition(req.headers["content-disposition"] ?? "");
    filename = disposition.parameters.filename;
  } catch {
    filename = undefined;
  }
  if (!filename)
    throw refuse("file_name_required", "En-tête Content-Disposition manquant ou mal formé : donnez le nom du fichier (attachment; filename*=UTF-8''nom.pdf).");
  const digestHeader = req.headers["repr-digest"];
  if (digestHeader === undefined) return { filename: checkedFileName(filename), stream, size };
  const digest = SHA256_MEMBER.exec(String(digestHeader));
  if (!digest) throw refuse("invalid_digest", "En-tête Repr-Digest illisible : attendu sha-256=:<empreinte SHA-256 en base64>: (RFC 9530).");
  return { filename: checkedFileName(filename), stream, size, sha256: Buffer.from(digest[1]!, "base64").toString("hex") };
}

/**
 * A request body's stream whose failure (the sender stopped before the end) is a coded refusal; when the route stops
 * reading it (a refusal), the rest of the body is read and dropped, so that the answer reaches the sender.
 */
function guardedRawStream(source: Readable): Readable {
  const out = new PassThrough();
  source.once("error", () =>
    out.destroy(new DomainError("invalid", "upload_interrupted", "L'envoi du fichier s'est interrompu avant sa fin : envoyez-le de nouveau.")),
  );
  source.pipe(out);
  out.once("close", () => {
    if (!source.readableEnded) {
      source.unpipe(out);
      source.resume();
    }
  });
  return out;
}
