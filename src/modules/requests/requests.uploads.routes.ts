import type { FastifyInstance, FastifyRequest } from "fastify";
import fastifyMultipart from "@fastify/multipart";
import { z } from "zod";
import { DomainError } from "../../platform/errors.js";
import { checkedFileName, guardedFileStream, multipartRefusal, rawFileBody, rawUpload } from "../../platform/http/multipart.js";
import { LIMITS } from "./requests.catalogue.js";
import { tooLarge, type IncomingFile } from "./requests.uploads.js";

/** The HTTP side of the upload routes (company side and back office): the bodies they take and their answer. */

/**
 * The bodies of the upload routes of a plugin: multipart (a browser's form: one file, no other field, at most the
 * size of an attachment), or the file's bytes themselves (`application/octet-stream`), streamed to the route.
 */
export async function acceptUploads(app: FastifyInstance): Promise<void> {
  await app.register(fastifyMultipart, { limits: { fileSize: LIMITS.attachmentMaxBytes, files: 1, fields: 0, parts: 2 } });
  app.addContentTypeParser("application/octet-stream", (_req, payload, done) => done(null, payload));
}

const ONE_FILE = { expected: "Un seul fichier par envoi, dans le champ « file ».", tooLarge: tooLarge().message };

/**
 * The one file of an upload request (field `file`), streamed; coded errors for anything else (platform/http/
 * multipart). `noMoreParts` is called once the file is read: a second part refuses the whole upload.
 */
export async function uploadedFile(req: FastifyRequest): Promise<IncomingFile> {
  if (rawFileBody(req)) return rawUpload(req);
  if (!req.isMultipart())
    throw new DomainError(
      "unsupported_type",
      "multipart_required",
      "Envoyez le fichier en multipart/form-data dans le champ « file », ou ses octets en application/octet-stream avec son nom (Content-Disposition).",
    );
  const parts = req.parts();
  const oneFileOnly = (error: unknown) => {
    const code = (error as { code?: string }).code;
    return code === "FST_FILES_LIMIT" || code === "FST_PARTS_LIMIT"
      ? new DomainError("invalid", "one_file_only", "Un seul fichier par envoi.")
      : multipartRefusal(error, ONE_FILE);
  };
  let first;
  try {
    first = await parts.next();
  } catch (error) {
    throw oneFileOnly(error);
  }
  const part = first.done ? undefined : first.value;
  if (!part || part.type !== "file" || part.fieldname !== "file")
    throw new DomainError("invalid", "file_required", "Le fichier est attendu dans le champ « file ».");
  return {
    filename: checkedFileName(part.filename),
    stream: guardedFileStream(part.file, ONE_FILE),
    async noMoreParts() {
      let next;
      try {
        next = await parts.next();
      } catch (error) {
        throw oneFileOnly(error);
      }
      if (!next.done) throw new DomainError("invalid", "one_file_only", "Un seul fichier par envoi.");
    },
  };
}

/** How an upload route takes its file (docs/api.md « Pièces jointes »). */
export const UPLOAD_DESCRIPTION =
  "Two forms. A browser's form: `multipart/form-data`, one part `file`. Or the file's bytes as `application/octet-stream`, " +
  "with `Content-Length`, its name in `Content-Disposition: attachment; filename*=UTF-8''bilan%202025.pdf` and, optionally, " +
  "its SHA-256 in `Repr-Digest: sha-256=:<base64>:` (RFC 9530): a file announced so streams to the object store as it " +
  "arrives (no staging), and bytes that do not match the announcement are refused with 422 `digest_mismatch`, nothing kept.";

export const uploadAnswer = z.object({ uploadId: z.uuid(), name: z.string(), size: z.number().int(), mediaType: z.string(), sha256: z.string() });
