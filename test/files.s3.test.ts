import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, writeFileSync } from "node:fs";
import { utimes } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { CreateMultipartUploadCommand, HeadObjectCommand, ListMultipartUploadsCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { s3Client, s3FileStore, type S3Settings } from "../src/platform/files.s3.js";
import { FileUnavailableError, type FileStore } from "../src/platform/files.js";
import { HOUR } from "../src/platform/clock.js";
import { tempDir } from "./helpers/temp.js";
import { dropBucket, S3_ENDPOINT, useTestS3Credentials } from "./helpers/s3.js";

/**
 * The S3 adapter of the file store against a real S3 API: OpenStack Swift's, started by ops/object-store/start.sh
 * (`.ci/run` does, and sets TEST_S3_ENDPOINT and the credentials).
 */
const ENDPOINT = S3_ENDPOINT;
useTestS3Credentials("S3 adapter tests");

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const settingsFor = (bucket: string): S3Settings => ({
  endpoint: ENDPOINT,
  bucket,
  region: "us-east-1",
  forcePathStyle: true,
  stagingDir: tempDir("mp-s3-staging"),
});
async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
describe.skipIf(!ENDPOINT)("file store in an S3 bucket (Swift's S3 API)", () => {
  const bucket = `mp-test-${randomBytes(6).toString("hex")}`;
  const settings = settingsFor(bucket);
  const client = s3Client(settings);
  let store: FileStore;
  beforeAll(async () => {
    store = s3FileStore(settings, client);
    await store.check({ create: true });
  });
  afterAll(async () => dropBucket(client, bucket));

  it("stages, keeps, opens, lists and removes a file under its SHA-256, recorded with it", async () => {
    const content = Buffer.from("relevé de TVA du troisième trimestre\n".repeat(100));
    const staged = await store.stage(Readable.from([content]));
    expect(staged).toMatchObject({ key: sha256(content), sha256: sha256(content), size: content.length });
    expect((await readAll(await staged.open())).equals(content)).toBe(true);
    expect(await store.exists(staged.key)).toBe(false);
    await staged.keep();
    // Kept again (the same content): stored once, nothing breaks.
    await staged.keep();
    await staged.drop();
    expect(readdirSync(settings.stagingDir)).toEqual([]);
    expect(await store.exists(staged.key)).toBe(true);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: `files/${staged.key}` }));
    expect(head.Metadata).toEqual({ sha256: staged.key });
    expect((await readAll(await store.open(staged.key))).equals(content)).toBe(true);
    const all: string[] = [];
    for await (const key of store.keys()) all.push(key);
    expect(all).toEqual([staged.key]);
    // The grace period of the sweep: a file stored just now is not among those stored before an hour ago.
    const old: string[] = [];
    for await (const key of store.keys(new Date(Date.now() - HOUR))) old.push(key);
    expect(old).toEqual([]);
    await store.remove(staged.key);
    await store.remove(staged.key);
    expect(await store.exists(staged.key)).toBe(false);
  });

  it("releases an object by writing it again now (same bytes, same recorded SHA-256), so the sweep's grace starts over", async () => {
    const content = Buffer.from("pièce d'une demande purgée\n".repeat(50));
    const staged = await store.stage(Readable.from([content]));
    await staged.keep();
    await staged.drop();
    const before = (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: `files/${staged.key}` }))).LastModified!;
    // The store's dates are whole seconds: released at least a second later, the object's date moves on.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await store.release(staged.key, new Date());
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: `files/${staged.key}` }));
    expect(head.LastModified!.getTime()).toBeGreaterThan(before.getTime());
    expect(head.Metadata).toEqual({ sha256: staged.key });
    expect((await readAll(await store.open(staged.key))).equals(content)).toBe(true);
    // A missing object is left missing.
    await store.release("0".repeat(64), new Date());
    expect(await store.exists("0".repeat(64))).toBe(false);
    await store.remove(staged.key);
  });

  it("answers a missing object with a coded error, not a crash", async () => {
    const missing = "0".repeat(64);
    const error = await store.open(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileUnavailableError);
    expect(error).toMatchObject({ kind: "unavailable", code: "file_unavailable", gone: true, retryAfterSeconds: undefined });
    // A store that does not answer: unavailable too, worth a retry.
    const down = s3FileStore({ ...settingsFor(bucket), endpoint: "http://127.0.0.1:9" });
    const unreachable = await down.open(missing).catch((e: unknown) => e);
    expect(unreachable).toMatchObject({ code: "file_unavailable", gone: false, retryAfterSeconds: 30 });
    await expect(down.exists(missing)).rejects.toThrow();
    await expect(down.check()).rejects.toThrow(/ne répond pas/);
  });

  it("stores 20 MB in a multipart upload, byte-exact", async () => {
    const content = randomBytes(20 * 1024 * 1024);
    const chunks = Array.from({ length: 320 }, (_, i) => content.subarray(i * 65536, (i + 1) * 65536));
    const staged = await store.stage(Readable.from(chunks));
    const started = performance.now();
    await staged.keep();
    const upload = performance.now() - started;
    await staged.drop();
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: `files/${staged.key}` }));
    // A multipart object's ETag is "<md5 of the parts' md5s>-<parts>".
    expect(head.ETag).toMatch(/-3"$/);
    expect(head.ContentLength).toBe(content.length);
    const read = performance.now();
    const back = await readAll(await store.open(staged.key));
    const download = performance.now() - read;
    expect(back.length).toBe(content.length);
    expect(sha256(back)).toBe(sha256(content));
    console.log(`S3 adapter, 20 MiB: upload ${upload.toFixed(0)} ms (${(20 / (upload / 1000)).toFixed(0)} MiB/s), download ${download.toFixed(0)} ms`);
    await store.remove(staged.key);
  });

  it("refuses to store bytes that are not their key's (a staged file altered on disk): no object is left", async () => {
    const content = Buffer.from("le contenu vérifié");
    const staged = await store.stage(Readable.from([content]));
    const [name] = readdirSync(settings.stagingDir);
    writeFileSync(join(settings.stagingDir, name!), Buffer.from("le contenu modifié"));
    await expect(staged.keep()).rejects.toThrow(/file integrity/);
    expect(await store.exists(staged.key)).toBe(false);
    await staged.drop();
  });

  it("refuses bytes altered on disk but of the same length: the store checks them against the staged SHA-256", async () => {
    const content = Buffer.from("montant déclaré : 1200,50 €");
    const staged = await store.stage(Readable.from([content]));
    const [name] = readdirSync(settings.stagingDir);
    writeFileSync(join(settings.stagingDir, name!), Buffer.from("montant déclaré : 9200,50 €"));
    await expect(staged.keep()).rejects.toThrow(/file integrity/);
    expect(await store.exists(staged.key)).toBe(false);
    await staged.drop();
  });

  it("writes announced bytes as they stream in, without staging, and refuses bytes that are not the announced ones", async () => {
    const content = randomBytes(3 * 1024 * 1024);
    const chunks = Array.from({ length: 48 }, (_, i) => content.subarray(i * 65536, (i + 1) * 65536));
    await store.write(sha256(content), content.length, Readable.from(chunks));
    expect(readdirSync(settings.stagingDir)).toEqual([]);
    expect(sha256(await readAll(await store.open(sha256(content))))).toBe(sha256(content));
    // Same length, other bytes: the store checks the payload's signed SHA-256 and writes nothing.
    const other = Buffer.from(content);
    other[1000] = other[1000]! ^ 0xff;
    const claimed = sha256(Buffer.concat([content, Buffer.from("x")]));
    await expect(store.write(claimed, other.length, Readable.from([other]))).rejects.toThrow(/file integrity/);
    expect(await store.exists(claimed)).toBe(false);
    // Fewer bytes than announced: the request ends, nothing is written.
    const short = randomBytes(1000);
    await expect(store.write(sha256(short), 2000, Readable.from([short]))).rejects.toThrow(/file integrity/);
    expect(await store.exists(sha256(short))).toBe(false);
    await store.remove(sha256(content));
  });

  it("sends an attachment-sized file (10 MiB) in one PUT, byte-exact", async () => {
    const content = randomBytes(10 * 1024 * 1024);
    const staged = await store.stage(Readable.from(Array.from({ length: 160 }, (_, i) => content.subarray(i * 65536, (i + 1) * 65536))));
    await staged.keep();
    await staged.drop();
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: `files/${staged.key}` }));
    // One PUT: the ETag is the content's MD5, without the "-<parts>" of a multipart object.
    expect(head.ETag).toBe(`"${createHash("md5").update(content).digest("hex")}"`);
    expect(head.Metadata).toEqual({ sha256: staged.key });
    expect(sha256(await readAll(await store.open(staged.key)))).toBe(sha256(content));
    await store.remove(staged.key);
  });

  it("drops staged uploads and multipart uploads that a crash cut off, once past their grace period", async () => {
    const stale = await store.stage(Readable.from([Buffer.from("envoi interrompu")]));
    const [name] = readdirSync(settings.stagingDir);
    const sevenHoursAgo = new Date(Date.now() - 7 * HOUR);
    await utimes(join(settings.stagingDir, name!), sevenHoursAgo, sevenHoursAgo);
    // A multipart upload begun and never completed (the process died while sending parts).
    const key = `files/${"a".repeat(64)}`;
    const begun = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: begun.UploadId, PartNumber: 1, Body: Buffer.alloc(1024, 1) }));
    expect(await store.dropStaleStaged(new Date(Date.now() - 6 * HOUR))).toBe(1);
    expect(readdirSync(settings.stagingDir)).toEqual([]);
    const pending = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(pending.Uploads?.map((u) => u.UploadId)).toEqual([begun.UploadId]);
    // Later (the clock of the sweep past the upload's start): aborted.
    expect(await store.dropStaleStaged(new Date(Date.now() + 60_000))).toBe(1);
    expect((await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).toEqual([]);
    await stale.drop();
  });

  it("checks the bucket at start: created when asked (development), refused when missing otherwise", async () => {
    const other = `mp-test-${randomBytes(6).toString("hex")}`;
    const missingStore = s3FileStore(settingsFor(other), client);
    await expect(missingStore.check()).rejects.toThrow(new RegExp(`compartiment « ${other} »`));
    await missingStore.check({ create: true });
    await missingStore.check();
    await dropBucket(client, other);
  });
});
