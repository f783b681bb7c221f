import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { DeleteObjectCommand, HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { call, seedReferenceData, startTestApp, type TestApp } from "../helpers/app.js";
import { activeAdministrator, signedInPerson } from "../helpers/people.js";
import { upload, uploadBytes } from "../helpers/upload.js";
import { tempDir } from "../helpers/temp.js";
import { SEED } from "../../src/app/demo.js";
import { s3Client } from "../../src/platform/files.s3.js";
import { dropBucket, S3_ENDPOINT, useTestS3Credentials } from "../helpers/s3.js";

/** Attachments and exports through the API with the files in an S3 bucket (Swift's S3 API, ops/object-store/start.sh). */
const ENDPOINT = S3_ENDPOINT;
useTestS3Credentials("S3 route tests");

const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
/** Every file under a folder, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((p) => statSync(join(dir, p)).isFile())
    .map((p) => relative(dir, join(dir, p)))
    .sort();
}

describe.skipIf(!ENDPOINT)("attachments and exports in an S3 bucket", () => {
  const bucket = `mp-test-${randomBytes(6).toString("hex")}`;
  const client = s3Client({ endpoint: ENDPOINT, region: "us-east-1", forcePathStyle: true });
  const staging = tempDir("mp-s3-staging");
  let t: TestApp;
  let robert: Awaited<ReturnType<typeof activeAdministrator>>;
  beforeAll(async () => {
    // The bucket does not exist yet: created at start outside production.
    t = await startTestApp({ S3_ENDPOINT: ENDPOINT!, S3_BUCKET: bucket, S3_STAGING_DIR: staging });
    await seedReferenceData(t.ctx);
    robert = await activeAdministrator(t, SEED.martin.siren, { companyEmail: "contact@martin.example" });
  });
  afterAll(async () => {
    await t?.close();
    await dropBucket(client, bucket);
  });

  it("streams a file announced with its SHA-256 straight to the bucket, and keeps nothing of bytes that are not the announced ones", async () => {
    const content = randomBytes(2 * 1024 * 1024).toString("base64");
    const bytes = Buffer.from(content);
    const res = await uploadBytes(t.app, robert.jar, "relevé annoncé.txt", bytes);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ sha256: sha256(bytes), size: bytes.length, mediaType: "text/plain" });
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: `files/${sha256(bytes)}` }));
    expect(head.ContentLength).toBe(bytes.length);
    expect(filesUnder(staging)).toEqual([]);
    // The same length, one byte changed: Swift refuses the PUT whose signed SHA-256 is not the bytes'; no object.
    const altered = Buffer.from(bytes);
    altered[12345] = altered[12345] === 0x41 ? 0x42 : 0x41;
    const refused = await uploadBytes(t.app, robert.jar, "relevé altéré.txt", altered, { digestOf: Buffer.concat([altered, Buffer.from("!")]) });
    expect(refused.status).toBe(422);
    expect((refused.body.error as { code: string }).code).toBe("digest_mismatch");
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "files/" }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual([`files/${sha256(bytes)}`]);
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: `files/${sha256(bytes)}` }));
    await t.ctx.db
      .deleteFrom("uploads")
      .where("id", "=", res.body.uploadId as string)
      .execute();
  });

  it("stores an uploaded attachment as an object in the bucket, nothing in the data folder, and serves it back", async () => {
    const content = "mois;montant\njanvier;1200,50\n".repeat(2000);
    const res = await upload(t.app, robert.jar, "ventes.csv", content);
    expect(res.status).toBe(201);
    expect(res.body.sha256).toBe(sha256(content));
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: `files/${sha256(content)}` }));
    expect(head.ContentLength).toBe(Buffer.byteLength(content));
    expect(head.Metadata).toEqual({ sha256: sha256(content) });
    // The data folder keeps the signing keys generated outside production, and no file content; staging is empty.
    expect(filesUnder(t.ctx.config.dataDir).filter((p) => !p.endsWith(".pem"))).toEqual([]);
    expect(filesUnder(staging)).toEqual([]);

    const filed = await call(t.app, "POST", "/api/v1/requests", {
      jar: robert.jar,
      body: { siren: SEED.martin.siren, tax: "TVA", nature: "question", subject: "Ventes", body: "Ci-joint.", uploadIds: [res.body.uploadId] },
    });
    expect(filed.status).toBe(201);
    const thread = await call(t.app, "GET", `/api/v1/requests/${filed.body.id}`, { jar: robert.jar });
    const attachmentId = thread.body.messages[0].attachments[0].id as string;
    const download = await call(t.app, "GET", `/api/v1/attachments/${attachmentId}`, { jar: robert.jar });
    expect(download.status).toBe(200);
    expect(download.raw.body).toBe(content);
    expect((await call(t.app, "GET", `/api/v1/attachments/${attachmentId}`)).status).toBe(401);
    const stranger = await signedInPerson(t, { siren: SEED.gestion.siren });
    expect((await call(t.app, "GET", `/api/v1/attachments/${attachmentId}`, { jar: stranger.jar })).status).toBe(404);

    // An export: its archive is an object too, downloaded through the API.
    const exported = await call(t.app, "POST", "/api/v1/exports", { jar: robert.jar, body: { sirens: [SEED.martin.siren] } });
    await t.ctx.worker.drain();
    const row = await t.ctx.db.selectFrom("exports").selectAll().where("id", "=", exported.body.exportId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "ready", file_path: null });
    const zip = await t.app.inject({ method: "GET", url: `/api/v1/exports/${row.id}/download`, headers: { cookie: robert.jar.header() } });
    expect(zip.statusCode).toBe(200);
    expect(sha256(zip.rawPayload)).toBe(row.storage_key);
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(listed.Contents?.map((o) => o.Key).sort()).toEqual([`files/${sha256(content)}`, `files/${row.storage_key}`].sort());
    expect(filesUnder(t.ctx.config.dataDir).filter((p) => !p.endsWith(".pem"))).toEqual([]);

    // The object lost from the bucket: the download is a coded 503, the export job fails and is retried, the
    // process serves on; the same content sent again restores it (content-addressed) and the retry succeeds.
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: `files/${sha256(content)}` }));
    const gone = await call(t.app, "GET", `/api/v1/attachments/${attachmentId}`, { jar: robert.jar });
    expect(gone.status).toBe(503);
    expect(gone.body.error).toMatchObject({ code: "file_unavailable" });
    const again = await call(t.app, "POST", "/api/v1/exports", { jar: robert.jar, body: { sirens: [SEED.martin.siren] } });
    await t.ctx.worker.drain();
    const job = await t.ctx.db
      .selectFrom("outbox")
      .select(["status", "attempts", "last_error"])
      .where("kind", "=", "export.build")
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    expect(job).toMatchObject({ status: "pending", attempts: 1, last_error: expect.stringContaining("NoSuchKey") });
    expect((await call(t.app, "GET", `/api/v1/exports/${again.body.exportId}`, { jar: robert.jar })).body.status).toBe("running");
    expect((await upload(t.app, robert.jar, "ventes-bis.csv", content)).status).toBe(201);
    t.clock.advance(60_000);
    await t.ctx.worker.drain();
    expect((await call(t.app, "GET", `/api/v1/exports/${again.body.exportId}`, { jar: robert.jar })).body.status).toBe("ready");
    expect((await call(t.app, "GET", `/api/v1/attachments/${attachmentId}`, { jar: robert.jar })).raw.body).toBe(content);
  });
});
