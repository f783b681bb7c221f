/**
 * `npx tsx bench/receipts.ts`: the time to render and sign one receipt (PAdES), and to sign one export manifest
 * (CMS), with a fresh RSA 3072 identity. Printed, not compared with a target.
 */
import { signedReceipt, type ReceiptPayload } from "../src/modules/requests/index.js";
import { cmsSignDetached, generateSigningIdentity, signingIdentityFromPem } from "../src/platform/signing.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 50);

const payload: ReceiptPayload = {
  version: 1,
  reference: "2026-SIE-75111-0000001",
  receivedAt: "2026-02-01T08:05:09.000Z",
  service: { code: "SIE-75111", name: "SIE Paris 11e" },
  author: { name: "Lila Rosemonde", connectionEmail: "lila.rosemonde@gestion.com" },
  company: { siren: "812345676", name: "MARTIN DISTRIBUTION" },
  tax: "TVA",
  nature: "Je pose une question",
  subject: "Taux réduit",
  bodySha256: "0".repeat(64),
  attachments: [{ name: "ventes.csv", size: 1234, mediaType: "text/csv", sha256: "1".repeat(64) }],
  firstAnswerTarget: "2026-03-01T22:59:59.999Z",
  legalDeadline: null,
};

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
