import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { call, seedReferenceData, startTestApp, type TestApp } from "../helpers/app.js";
import { activeAdministrator, signedInPerson } from "../helpers/people.js";
import { SEED } from "../../src/app/demo.js";
import { uploadBytes } from "../helpers/upload.js";

/**
 * An upload sent as the file's bytes (`application/octet-stream`), its name in Content-Disposition, announced with
 * its SHA-256 (Repr-Digest, RFC 9530): it streams to the store as it arrives; bytes that are not the announced ones
 * are refused and nothing is kept.
 */
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest();

let t: TestApp;
let robert: Awaited<ReturnType<typeof signedInPerson>>;
beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
  robert = await activeAdministrator(t, SEED.martin.siren, { companyEmail: "contact@martin.example" });
});
afterAll(async () => t.close());

type Answer = { uploadId?: string; size?: number; sha256?: string; error?: { code: string; message: string } };
const send = async (content: Buffer, name: string | null, options: Parameters<typeof uploadBytes>[4] = {}) => {
  const res = await uploadBytes(t.app, robert.jar, name ?? "", content, name === null ? { ...options, headers: { "content-disposition": "" } } : options);
  return { status: res.status, body: res.body as Answer };
};

describe("an upload sent as its bytes", () => {
  it("stores a file announced with its SHA-256, named by Content-Disposition, and serves it back byte-exact", async () => {
    const content = Buffer.from("Relevé de TVA de novembre 2026\n".repeat(5000));
    const res = await send(content, "relevé novembre.txt");
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: "relevé novembre.txt", size: content.length, mediaType: "text/plain", sha256: sha256(content).toString("hex") });
    const filed = await call(t.app, "POST", "/api/v1/requests", {
      jar: robert.jar,
      body: { siren: SEED.martin.siren, tax: "TVA", nature: "question", subject: "Relevé", body: "Ci-joint.", uploadIds: [res.body.uploadId] },
    });
    expect(filed.status).toBe(201);
    const thread = await call(t.app, "GET", `/api/v1/requests/${filed.body.id}`, { jar: robert.jar });
    const download = await t.app.inject({
      method: "GET",
      url: `/api/v1/attachments/${thread.body.messages[0].attachments[0].id}`,
      headers: { cookie: robert.jar.header() },
    });
    expect(download.statusCode).toBe(200);
    expect(Buffer.compare(download.rawPayload, content)).toBe(0);
  });

  it("stores an empty file and a file without announcement (staged) alike", async () => {
    const empty = await send(Buffer.alloc(0), "vide.txt");
    expect(empty.status).toBe(201);
    expect(empty.body.size).toBe(0);
    const plain = Buffer.from("sans empreinte annoncée\n");
    const res = await send(plain, "simple.txt", { digestOf: null });
    expect(res.status).toBe(201);
    expect(res.body.sha256).toBe(sha256(plain).toString("hex"));
  });

  it("refuses bytes that are not the announced ones, and keeps nothing", async () => {
    const content = Buffer.from("le bon fichier\n".repeat(100));
    const other = Buffer.from("un autre fichier\n".repeat(100));
    const res = await send(content, "faux.txt", { digestOf: other });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: "digest_mismatch", message: expect.stringMatching(/Repr-Digest/) });
    expect(await t.ctx.files.exists(sha256(other).toString("hex"))).toBe(false);
    expect(await t.ctx.files.exists(sha256(content).toString("hex"))).toBe(false);
    expect(await readdir(join(t.ctx.config.filesDir, "tmp"))).toEqual([]);
  });

  it("refuses a type its first bytes do not show before anything is stored, and a file over the limit before reading it", async () => {
    const html = Buffer.from("<html><body>pas un PDF</body></html>");
    const refused = await send(html, "faux.pdf");
    expect(refused.status).toBe(415);
    expect(await t.ctx.files.exists(sha256(html).toString("hex"))).toBe(false);
    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 0x62);
    const tooBig = await send(big, "gros.txt");
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error).toMatchObject({ code: "file_too_large" });
  });

  it("names the header at fault: no name, an unreadable digest", async () => {
    const content = Buffer.from("texte\n");
    const noName = await send(content, null);
    expect(noName.status).toBe(400);
    expect(noName.body.error).toMatchObject({ code: "file_name_required", message: expect.stringMatching(/Content-Disposition/) });
    const badDigest = await send(content, "a.txt", { headers: { "repr-digest": "md5=:abc:" } });
    expect(badDigest.status).toBe(400);
    expect(badDigest.body.error).toMatchObject({ code: "invalid_digest", message: expect.stringMatching(/Repr-Digest/) });
  });

  it("answers 404 to another company's person for the attachment (cross-tenant)", async () => {
    const content = Buffer.from("pièce de Martin\n");
    const res = await send(content, "martin.txt");
    const filed = await call(t.app, "POST", "/api/v1/requests", {
      jar: robert.jar,
      body: { siren: SEED.martin.siren, tax: "TVA", nature: "question", subject: "Pièce", body: "Ci-joint.", uploadIds: [res.body.uploadId] },
    });
    const thread = await call(t.app, "GET", `/api/v1/requests/${filed.body.id}`, { jar: robert.jar });
    const stranger = await signedInPerson(t, { email: "inconnu@ailleurs.example", siren: SEED.concurrence.siren });
    const download = await call(t.app, "GET", `/api/v1/attachments/${thread.body.messages[0].attachments[0].id}`, { jar: stranger.jar });
    expect(download.status).toBe(404);
  });
});
