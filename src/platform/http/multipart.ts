import { PassThrough, type Readable } from "node:stream";
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
