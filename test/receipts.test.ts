import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "./helpers/temp.js";
import { pdfLines } from "./helpers/pdf.js";
import { signedReceipt, verifyReceipt } from "../src/modules/requests/requests.receipts.js";
import { sampleReceiptPayload } from "./helpers/receipts.js";
import { generateSigningIdentity, signingIdentityFromPem } from "../src/platform/signing.js";

const generated = generateSigningIdentity();
const keys = signingIdentityFromPem(generated.keyPem, generated.certificatePem);

const payload = sampleReceiptPayload();

describe("the acknowledgement of receipt", () => {
  it("dates the receipt in French, to the second: « 1er février 2026 à 09:05:09 », never « 1 février »", async () => {
    const pdf = await signedReceipt(payload, keys);
    expect((await verifyReceipt(pdf, keys.publicKeyPem)).valid).toBe(true);
    const text = pdfLines(pdf).join("\n");
    expect(text).toContain("Date et heure légales de réception : 1er février 2026 à 09:05:09 (heure de Paris)");
    expect(text).toContain("Délai de première réponse annoncé : au plus tard le 1er mars 2026");
    expect(text).not.toMatch(/\b1 (février|mars)\b/);
  });
});

/** `pdfsig` (poppler) on a PDF: its output and exit status. */
function pdfsig(pdf: Buffer): { out: string; status: number | null } {
  const file = join(tempDir("pdfsig"), "accuse.pdf");
  writeFileSync(file, pdf);
  const run = spawnSync("pdfsig", [file], { encoding: "utf8", env: { ...process.env, TZ: "UTC" } });
  return { out: `${run.stdout}${run.stderr}`, status: run.status };
}

describe("the receipt's PDF signature (PAdES)", () => {
  it("is valid for pdfsig, names its signer, covers the whole file; the PDF is tagged, in French, with a title", async () => {
    const started = performance.now();
    const pdf = await signedReceipt(payload, keys);
    const elapsed = performance.now() - started;
    // Measured, not asserted: the time to render and sign one receipt on this machine.
    console.info(`one receipt rendered and signed in ${elapsed.toFixed(1)} ms (${pdf.length} bytes)`);
    const { out, status } = pdfsig(pdf);
    console.info(out);
    expect(status).toBe(0);
    expect(out).toContain("Signature is Valid.");
    expect(out).toContain("Signer Certificate Common Name: Direction générale des Finances publiques — Messagerie Pro");
    expect(out).toContain("Signature Type: ETSI.CAdES.detached");
    expect(out).toContain("Total document signed");
    expect(out).toContain("Signing Hash Algorithm: SHA-256");
    const file = join(tempDir("pdfinfo"), "accuse.pdf");
    writeFileSync(file, pdf);
    const info = execFileSync("pdfinfo", [file], { encoding: "utf8" });
    expect(info).toMatch(/^Tagged:\s+yes$/m);
    expect(info).toMatch(/^Title:\s+Accusé de réception 2026-SIE-75111-0000001$/m);
    expect(pdf.includes(Buffer.from("/Lang (fr-FR)"))).toBe(true);
    // Its structure, in reading order, as a screen reader gets it: one document, a heading, paragraphs.
    const structure = spawnSync("pdfinfo", ["-struct-text", file], { encoding: "utf8" });
    expect(structure.stderr).toBe("");
    expect(structure.stdout).toMatch(/^Document\n {2}P \(block\)\n {4}"RÉPUBLIQUE FRANÇAISE"\n/);
    expect(structure.stdout).toContain('  H1 (block)\n    "Accusé de réception"\n');
    expect(structure.stdout).toContain('  P (block)\n    "Référence : 2026-SIE-75111-0000001"\n');
    // The signature's time is the legal time of receipt (08:05:09 UTC, 09:05:09 in Paris).
    expect(out).toContain("Signing Time: Feb 01 2026 08:05:09");
    expect(out).not.toContain("Syntax Error");
  });

  it("fails for pdfsig, and for the platform's check, once one byte of the content is flipped", async () => {
    const pdf = await signedReceipt(payload, keys);
    // A byte of the page's text, far from the signature's room.
    const at = pdf.indexOf("stream") + 20;
    const tampered = Buffer.from(pdf);
    tampered[at] = tampered[at]! ^ 0x01;
    const { out } = pdfsig(tampered);
    // Poppler names the failure: the bytes no longer match the signed digest.
    expect(out).toContain("Signature Validation: Digest Mismatch.");
    expect(out).not.toContain("Signature is Valid.");
    expect(await verifyReceipt(tampered, keys.certificatePem)).toMatchObject({ valid: false, reason: expect.stringContaining("signature invalide") });
    // Another platform's certificate: refused, naming who signed.
    const other = generateSigningIdentity();
    expect(await verifyReceipt(pdf, other.certificatePem)).toMatchObject({ valid: false, reason: expect.stringContaining("pas par le certificat fourni") });
    // Bytes added after the signature (an incremental update): refused.
    expect(await verifyReceipt(Buffer.concat([pdf, Buffer.from("\n% ajout\n")]), keys.certificatePem)).toMatchObject({
      valid: false,
      reason: expect.stringContaining("ne couvre pas tout le fichier"),
    });
  });
});
