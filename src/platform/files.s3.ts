import { createReadStream } from "node:fs";
import { unlink } from "node:fs/promises";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { checkedKey, FileUnavailableError, hashingTap, localStaging, openLocalFile, writeStaged, type FileStore } from "./files.js";

export type S3Settings = {
  /** The object store's URL (any S3 API: AWS, Swift, MinIO, Ceph…); the SDK's default for AWS when absent. */
  endpoint: string | undefined;
  bucket: string;
  region: string;
  forcePathStyle: boolean;
  /** Where uploads stream in before they are checked and sent: a local folder, never the data folder. */
  stagingDir: string;
};

/** The objects' prefix in the bucket: files/<sha256>. */
const PREFIX = "files/";
/** Parts of a multipart upload: at most `QUEUE` parts of `PART_SIZE` bytes in memory per upload. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE = 2;
/**
 * Up to this size a file goes up in one streamed PUT (an attachment, 10 MiB at most, always does): one request
 * instead of three or more, nothing held in memory, and the store itself checks the bytes against the SHA-256
 * computed while the file streamed in (the request's signed payload hash).
 */
const SINGLE_PUT_MAX = 16 * 1024 * 1024;

/** A pass-through that refuses a stream longer or shorter than `size` (a request announcing a length must send it). */
function exactLength(size: number) {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      done(seen > size ? new Error(`file integrity: more than the ${size} bytes staged`) : null, chunk);
    },
    flush(done) {
      done(seen === size ? null : new Error(`file integrity: ${seen} bytes read of the ${size} staged`));
    },
  });
}

const statusOf = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const isMissing = (error: unknown) => {
  const name = (error as { name?: string }).name;
  return name === "NoSuchKey" || name === "NotFound" || statusOf(error) === 404;
};

/** The client of an S3 API as our object stores need it. */
export function s3Client(settings: Pick<S3Settings, "endpoint" | "region" | "forcePathStyle">): S3Client {
  // The stack is pinned to Node 20 (docs/operations.md); the SDK's notice about future Node versions is not news.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  return new S3Client({
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    // Checksums only where the API requires them: S3 APIs other than AWS's (Swift) refuse the aws-chunked uploads
    // that default checksums bring. Our own SHA-256 is checked on every write instead.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    // A store that does not answer fails the request in bounded time (the download answers 503, the job retries).
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
  });
}

/**
 * A content-addressed store in an S3 bucket: objects `files/<sha256>` with their SHA-256 recorded as metadata.
 * Uploads stream into a local staging file (hashed, size-limited, scanned), then to the bucket: in one PUT that the
 * store checks against the SHA-256 (up to 16 MiB), else in parts hashed again on the way. An upload announced with its
 * SHA-256 and length streams straight to the bucket in one PUT as it arrives (`write`). Bytes that are not the key's
 * are refused (no object is left).
 * Downloads stream from the bucket. The data folder holds no file content.
 */
export function s3FileStore(settings: S3Settings, client: S3Client = s3Client(settings)): FileStore {
  const { bucket } = settings;
  const staging = localStaging(settings.stagingDir);
  const objectKey = (key: string) => `${PREFIX}${checkedKey(key)}`;

  async function exists(key: string): Promise<boolean> {
    try {
      await client.send(new HeadObjectCommand({ Bucket: bucket, Key: objectKey(key) }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  /**
   * Sends `size` bytes in one PUT whose signed payload hash is their SHA-256 (`key`): a store that receives other
   * bytes refuses the request (AWS `XAmzContentSHA256Mismatch`, Swift `BadDigest`) and writes nothing. A source that
   * fails or gives another length ends the request (else the store would wait for the missing bytes).
   */
  async function putWhole(key: string, source: Readable, size: number): Promise<void> {
    const counted = exactLength(size);
    const { tap, result } = hashingTap();
    const reading = pipeline(source, counted, tap);
    const sending = new AbortController();
    reading.catch(() => sending.abort());
    const command = new PutObjectCommand({
      Bucket: bucket,
      Key: objectKey(key),
      Body: tap,
      ContentLength: size,
      ContentType: "application/octet-stream",
      Metadata: { sha256: key },
    });
    // Set before signing: the signer takes this header as the payload's hash instead of reading the body for it.
    command.middlewareStack.add(
      (next) => (args) => {
        (args.request as { headers: Record<string, string> }).headers["x-amz-content-sha256"] = key;
        return next(args);
      },
      { step: "build", name: "announcedPayloadHash" },
    );
    try {
      await client.send(command, { abortSignal: sending.signal });
      await reading;
    } catch (error) {
      source.destroy();
      tap.destroy();
      const failure = await reading.then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      const name = (error as { name?: string }).name;
      if (failure?.message.startsWith("file integrity") || name === "BadDigest" || name === "XAmzContentSHA256Mismatch")
        throw new Error(`file integrity: the bytes sent for ${key} are not the announced ones; the store refused them`, { cause: error });
      throw failure ?? error;
    }
    // A store that did not check the payload's hash: the object holds other bytes than its key's, and goes.
    if (result().sha256 !== key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: objectKey(key) }));
      throw new Error(`file integrity: the bytes sent for ${key} hash to ${result().sha256}; the object was deleted`);
    }
  }

  /** Sends a large staged file to its key in parts, hashed on the way; refused (and the object deleted) when the bytes differ. */
  async function putInParts(key: string, path: string): Promise<void> {
    const { tap, result } = hashingTap();
    const feeding = pipeline(createReadStream(path), tap);
    // The reading's failure reaches the upload through the tap; the promise itself is awaited below.
    feeding.catch(() => undefined);
    const upload = new Upload({
      client,
      params: { Bucket: bucket, Key: objectKey(key), Body: tap, ContentType: "application/octet-stream", Metadata: { sha256: key } },
      partSize: PART_SIZE,
      queueSize: QUEUE,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
      await feeding;
    } catch (error) {
      tap.destroy();
      await feeding.catch(() => undefined);
      throw error;
    }
    const sent = result();
    if (sent.sha256 !== key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: objectKey(key) }));
      throw new Error(`file integrity: the bytes sent for ${key} hash to ${sent.sha256}; the object was deleted`);
    }
  }

  return {
    async stage(input, inspect) {
      const { path, sha256, size } = await staging.write(input, inspect);
      return {
        key: sha256,
        sha256,
        size,
        open: () => openLocalFile(path),
        async keep() {
          // Sent without asking first whether the key exists: a PUT of the same key carries the same bytes (content
          // addressing), and one round trip less is a faster upload; the row's transaction checks it is there.
          await (size <= SINGLE_PUT_MAX ? putWhole(sha256, createReadStream(path), size) : putInParts(sha256, path));
        },
        drop: () => unlink(path).catch(() => {}),
      };
    },
    async write(key, size, input) {
      checkedKey(key);
      if (size <= SINGLE_PUT_MAX) return putWhole(key, input, size);
      // Larger than one PUT takes: staged, then sent in parts (an attachment never is).
      return writeStaged(this, key, size, input);
    },
    async open(key) {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: objectKey(key) }));
        return object.Body as Readable;
      } catch (error) {
        throw new FileUnavailableError(key, isMissing(error), error);
      }
    },
    exists,
    async remove(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: objectKey(key) }));
    },
    async release(key) {
      // An object's date cannot be set: copied onto itself (same bytes, same metadata), it is written again now.
      try {
        await client.send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: objectKey(key),
            CopySource: `${bucket}/${objectKey(key)}`,
            MetadataDirective: "REPLACE",
            Metadata: { sha256: key },
            ContentType: "application/octet-stream",
          }),
        );
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
    },
    async *keys(storedBefore) {
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: PREFIX, ContinuationToken: token }));
        for (const object of page.Contents ?? []) {
          const key = object.Key?.slice(PREFIX.length) ?? "";
          if (!/^[0-9a-f]{64}$/.test(key)) continue;
          if (storedBefore && (!object.LastModified || object.LastModified >= storedBefore)) continue;
          yield key;
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },
    async dropStaleStaged(before) {
      let dropped = await staging.dropOlderThan(before);
      // Multipart uploads that a crash cut off: their parts stay in the bucket until aborted.
      let keyMarker: string | undefined;
      let uploadIdMarker: string | undefined;
      for (;;) {
        const page = await client.send(
          new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: PREFIX, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
        );
        for (const u of page.Uploads ?? []) {
          if (!u.Key || !u.UploadId || !u.Initiated || u.Initiated >= before) continue;
          await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }));
          dropped++;
        }
        if (!page.IsTruncated) break;
        keyMarker = page.NextKeyMarker;
        uploadIdMarker = page.NextUploadIdMarker;
      }
      return dropped;
    },
    async check(options) {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
      } catch (error) {
        if (!(options?.create && isMissing(error))) {
          throw new Error(
            `Le stockage objet ne répond pas pour le compartiment « ${bucket} » (${settings.endpoint ?? "AWS"}) : ${(error as Error).name} ${(error as Error).message}`,
            { cause: error },
          );
        }
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
      }
    },
  };
}
