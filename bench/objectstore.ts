/**
 * Files in the object store (docs/operations.md): upload and download throughput through the API (multipart form to
 * POST /api/v1/uploads: staged, hashed, checked, then sent to the bucket; GET /api/v1/attachments/{id}: streamed
 * from the bucket) against the same bytes straight to the store with the SDK (one PutObject, one GetObject),
 * alternated in one run. Sizes: 1 MiB and 10 MiB (the attachment limit). The application runs in a process of its own
 * (bench/objectstore.server.ts); the clients run here, both through node:http with keep-alive (the SDK's own client).
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { fork } from "node:child_process";
import { Agent, request } from "node:http";
import { fileURLToPath } from "node:url";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type { Readable } from "node:stream";
import { fileForm } from "../test/helpers/upload.js";
import { s3Client } from "../src/platform/files.s3.js";

const MiB = 1024 * 1024;

/** Text content (an accepted type), unique per call: the store is content-addressed. */
function textFile(size: number): Buffer<ArrayBuffer> {
  const line = () => `${randomBytes(32).toString("hex")}\n`;
  const head = `mesure ${randomUUID()}\n`;
  const chunk = Buffer.from(Array.from({ length: 1024 }, line).join(""));
  const parts = [Buffer.from(head)];
  let n = head.length;
  while (n < size) {
    parts.push(chunk);
    n += chunk.length;
  }
  return Buffer.concat(parts, size);
}

async function drain(body: Readable): Promise<number> {
  let n = 0;
  for await (const chunk of body as AsyncIterable<Uint8Array>) n += chunk.length;
  return n;
}

/**
 * One request through node:http with a keep-alive agent: the HTTP client the SDK itself uses, so that both sides of
 * the ratio pay the same client (fetch's web streams cost the client more CPU per byte on a machine of two cores).
 */
const agent = new Agent({ keepAlive: true });
function send(url: string, method: string, headers: Record<string, string>, body?: Buffer) {
  return new Promise<{ status: number; bytes: number; text: string }>((resolve, reject) => {
    const req = request(url, { method, headers: body ? { ...headers, "content-length": String(body.length) } : headers, agent }, (res) => {
      let bytes = 0;
      const small: Buffer[] = [];
      res.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes <= 64 * 1024) small.push(chunk);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes, text: Buffer.concat(small).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export type ThroughputFigures = { size: string; api: number; sdk: number; ratio: number; rounds: number[] };

export async function benchObjectStore(adminUrl: string | undefined, endpoint: string) {
  const bucket = `mp-bench-${randomBytes(5).toString("hex")}`;
  // The application in a process of its own (a host of its own in production): the clients measured here share no
  // event loop with it.
  const server = fork(fileURLToPath(new URL("./objectstore.server.ts", import.meta.url)), {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, BENCH_ADMIN_URL: adminUrl ?? "", BENCH_S3_ENDPOINT: endpoint, BENCH_S3_BUCKET: bucket },
  });
  const exited = new Promise<number | null>((resolve) => server.once("exit", resolve));
  const client = s3Client({ endpoint, region: "us-east-1", forcePathStyle: true });
  try {
    const ready = await Promise.race([
      new Promise<{ base: string; cookie: string; csrf: string }>((resolve) =>
        server.once("message", (m) => resolve(m as { base: string; cookie: string; csrf: string })),
      ),
      exited.then((code) => {
        throw new Error(`the bench's application stopped at its start (exit ${code})`);
      }),
    ]);
    const { base } = ready;
    const auth = { cookie: ready.cookie, "x-csrf-token": ready.csrf };
    const { SEED } = await import("../src/app/demo.js");

    const apiUpload = async (content: Buffer) => {
      const form = fileForm("mesure.txt", content, "text/plain");
      const res = await send(`${base}/api/v1/uploads`, "POST", { ...auth, "content-type": form.type }, form.body);
      const json = JSON.parse(res.text) as { uploadId?: string };
      if (res.status !== 201 || !json.uploadId) throw new Error(`upload: ${res.status} ${res.text}`);
      return json.uploadId;
    };
    // The file's bytes announced with their SHA-256 (Repr-Digest): streamed to the store as they arrive.
    const apiAnnounced = async (content: Buffer<ArrayBuffer>) => {
      const digest = createHash("sha256").update(content).digest("base64");
      const res = await send(
        `${base}/api/v1/uploads`,
        "POST",
        {
          ...auth,
          "content-type": "application/octet-stream",
          "content-disposition": "attachment; filename*=UTF-8''mesure.txt",
          "repr-digest": `sha-256=:${digest}:`,
        },
        content,
      );
      const json = JSON.parse(res.text) as { uploadId?: string };
      if (res.status !== 201 || !json.uploadId) throw new Error(`upload: ${res.status} ${res.text}`);
      return json.uploadId;
    };
    // The SDK's plain PUT of the bytes in memory: its fastest way for these sizes (a multipart upload of 10 MiB in
    // 8 MiB parts takes three requests more and is slower on Swift).
    const sdkUpload = async (content: Buffer) => {
      const key = `bench/${randomUUID()}`;
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: content, ContentType: "application/octet-stream" }));
      return key;
    };
    const timed = async (run: () => Promise<unknown>) => {
      const started = performance.now();
      await run();
      return (performance.now() - started) / 1000;
    };

    const figures: { upload: ThroughputFigures[]; download: ThroughputFigures[] } = { upload: [], download: [] };
    for (const [size, rounds] of [
      [MiB, 12],
      [10 * MiB, 9],
    ] as const) {
      const label = `${size / MiB} MiB`;
      // Uploads, alternated (each round turns the order of the three); one warm-up of each first.
      await apiUpload(textFile(size));
      await apiAnnounced(textFile(size));
      await sdkUpload(textFile(size));
      const form: number[] = [];
      const announced: number[] = [];
      const sdk: number[] = [];
      const uploadIds: string[] = [];
      const keys: string[] = [];
      for (let i = 0; i < rounds; i++) {
        const runs = [
          async (content: Buffer<ArrayBuffer>) => form.push(size / MiB / (await timed(async () => uploadIds.push(await apiUpload(content))))),
          async (content: Buffer<ArrayBuffer>) => announced.push(size / MiB / (await timed(async () => uploadIds.push(await apiAnnounced(content))))),
          async (content: Buffer<ArrayBuffer>) => sdk.push(size / MiB / (await timed(async () => keys.push(await sdkUpload(content))))),
        ];
        for (let j = 0; j < 3; j++) await runs[(i + j) % 3]!(textFile(size));
      }
      for (const [how, api] of [
        ["a form (multipart)", form],
        ["its bytes announced with their SHA-256 (Repr-Digest)", announced],
      ] as const)
        figures.upload.push({
          size: `${label}, ${how}`,
          api: median(api),
          sdk: median(sdk),
          ratio: median(api) / median(sdk),
          rounds: api.map((x, i) => x / sdk[i]!),
        });

      // Downloads: the uploads above, attached to messages (at most 25 MiB a message), read whole.
      const perMessage = Math.max(1, Math.min(10, Math.floor((25 * MiB) / size)));
      const attachmentIds: string[] = [];
      for (let i = 0; i < uploadIds.length; i += perMessage) {
        const res = await fetch(`${base}/api/v1/requests`, {
          method: "POST",
          headers: { ...auth, "content-type": "application/json" },
          body: JSON.stringify({
            siren: SEED.martin.siren,
            tax: "TVA",
            nature: "question",
            subject: `Mesure ${label} ${i}`,
            body: "Pièces jointes de mesure.",
            uploadIds: uploadIds.slice(i, i + perMessage),
          }),
        });
        const filed = (await res.json()) as { id: string };
        const thread = (await (await fetch(`${base}/api/v1/requests/${filed.id}`, { headers: auth })).json()) as {
          messages: { attachments: { id: string }[] }[];
        };
        attachmentIds.push(...thread.messages[0]!.attachments.map((x) => x.id));
      }
      const apiDown: number[] = [];
      const sdkDown: number[] = [];
      for (let i = 0; i < Math.min(attachmentIds.length, keys.length); i++) {
        const runApi = async () =>
          apiDown.push(
            size /
              MiB /
              (await timed(async () => {
                const res = await send(`${base}/api/v1/attachments/${attachmentIds[i]}`, "GET", auth);
                if (res.status !== 200 || res.bytes !== size) throw new Error(`download: ${res.status}, ${res.bytes} bytes`);
              })),
          );
        const runSdk = async () =>
          sdkDown.push(
            size /
              MiB /
              (await timed(async () => {
                const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: keys[i] }));
                if ((await drain(object.Body as Readable)) !== size) throw new Error("SDK download: short body");
              })),
          );
        if (i % 2) await runSdk().then(runApi);
        else await runApi().then(runSdk);
      }
      figures.download.push({
        size: label,
        api: median(apiDown),
        sdk: median(sdkDown),
        ratio: median(apiDown) / median(sdkDown),
        rounds: apiDown.map((x, i) => x / sdkDown[i]!),
      });
    }
    return figures;
  } finally {
    if (server.connected) server.send("stop");
    await exited;
    const { dropBucket } = await import("../test/helpers/s3.js");
    await dropBucket(client, bucket).catch(() => undefined);
  }
}
