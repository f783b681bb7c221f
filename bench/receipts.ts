/**
 * `npx tsx bench/receipts.ts`: the time to render and sign one receipt (PAdES), and to sign one export manifest
 * (CMS), with a fresh RSA 3072 identity. Printed, not compared with a target.
 */
import { signedReceipt } from "../src/modules/requests/index.js";
import { sampleReceiptPayload } from "../test/helpers/receipts.js";
import { cmsSignDetached, generateSigningIdentity, signingIdentityFromPem } from "../src/platform/signing.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 50);

const payload = sampleReceiptPayload({ attachments: [{ name: "ventes.csv", size: 1234, mediaType: "text/csv", sha256: "1".repeat(64) }] });

async function timed(label: string, run: () => Promise<unknown>) {
  await run(); // warm-up: fonts, JIT
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(1);
  console.log(`${label}: median ${at(0.5)} ms, p95 ${at(0.95)} ms (${RUNS} runs)`);
}

const started = performance.now();
const generated = generateSigningIdentity();
console.log(`RSA 3072 key and self-signed certificate generated in ${(performance.now() - started).toFixed(0)} ms`);
const identity = signingIdentityFromPem(generated.keyPem, generated.certificatePem);
await timed("receipt rendered and signed (PAdES)", () => signedReceipt(payload, identity));
const manifest = Buffer.from(JSON.stringify({ files: Array.from({ length: 100 }, (_, i) => ({ path: `f${i}`, sha256: "0".repeat(64) })) }));
await timed("export manifest signed (CMS, 100 files)", () => cmsSignDetached(identity, manifest, new Date()));
