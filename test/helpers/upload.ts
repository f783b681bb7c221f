import { createHash } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { safeJson, type CookieJar, type WireJson } from "./app.js";
import { encodedFileName } from "../../src/shared/file-names.js";

/** One file in the field `file`, as a browser's multipart/form-data: the body and its content type. */
export function fileForm(name: string, content: Buffer | string, contentType = "application/octet-stream") {
  const boundary = `----messagerie${Math.random().toString(16).slice(2)}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: ${contentType}\r\n\r\n`),
    Buffer.isBuffer(content) ? content : Buffer.from(content),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

/** Posts one file as multipart/form-data, as a browser does (to the company side's route unless told). */
export async function upload(
  app: FastifyInstance,
  jar: CookieJar,
  name: string,
  content: Buffer | string,
  contentType = "application/octet-stream",
  url = "/api/v1/uploads",
) {
  const form = fileForm(name, content, contentType);
  const res = await app.inject({
    method: "POST",
    url,
    headers: { cookie: jar.header(), "x-csrf-token": jar.csrf ?? "", "content-type": form.type },
    payload: form.body,
  });
  return { status: res.statusCode, body: safeJson(res.body) as Record<string, WireJson> };
}

/**
 * Posts one file as its bytes (`application/octet-stream`), named by Content-Disposition, announced with its SHA-256
 * (Repr-Digest) unless `digestOf` says otherwise (`null`: no announcement; a buffer: the digest of other bytes).
 */
export async function uploadBytes(
  app: FastifyInstance,
  jar: CookieJar,
  name: string,
  content: Buffer,
  options: { digestOf?: Buffer | null; headers?: Record<string, string>; url?: string } = {},
) {
  const announced = options.digestOf === undefined ? content : options.digestOf;
  const res = await app.inject({
    method: "POST",
    url: options.url ?? "/api/v1/uploads",
    headers: {
      cookie: jar.header(),
      "x-csrf-token": jar.csrf ?? "",
      "content-type": "application/octet-stream",
      "content-disposition": `attachment; filename*=UTF-8''${encodedFileName(name)}`,
      ...(announced ? { "repr-digest": `sha-256=:${createHash("sha256").update(announced).digest("base64")}:` } : {}),
      ...options.headers,
    },
    payload: content,
  });
  return { status: res.statusCode, body: safeJson(res.body) as Record<string, WireJson> };
}
