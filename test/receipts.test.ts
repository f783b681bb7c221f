import { describe, expect, it } from "vitest";
import { pdfLines } from "./helpers/pdf.js";
import { signedReceipt, verifyReceipt, type ReceiptPayload } from "../src/modules/requests/requests.receipts.js";
import { generateSigningIdentity, signingIdentityFromPem } from "../src/platform/signing.js";

const generated = generateSigningIdentity();
const keys = signingIdentityFromPem(generated.keyPem, generated.certificatePem);

const payload: ReceiptPayload = {
  version: 1,
  reference: "2026-SIE-75111-0000001",
  // 09:05:09 in Paris on 1 February 2026 (winter time, UTC+1).
  receivedAt: "2026-02-01T08:05:09.000Z",
  service: { code: "SIE-75111", name: "SIE Paris 11e" },
  author: { name: "Lila Rosemonde", connectionEmail: "lila.rosemonde@gestion.com" },
  company: { siren: "812345676", name: "MARTIN DISTRIBUTION" },
  tax: "TVA",
  nature: "Je pose une question",
  subject: "Taux réduit",
  bodySha256: "0".repeat(64),
  attachments: [],
  firstAnswerTarget: "2026-03-01T22:59:59.999Z",
  legalDeadline: null,
};

describe("the acknowledgement of receipt", () => {
  it("dates the receipt in French, to the second: « 1er février 2026 à 09:05:09 », never « 1 février »", async () => {
    const pdf = await signedReceipt(payload, keys);
    expect(verifyReceipt(pdf, keys.publicKeyPem).valid).toBe(true);
    const text = pdfLines(pdf).join("\n");
    expect(text).toContain("Date et heure légales de réception : 1er février 2026 à 09:05:09 (heure de Paris)");
    expect(text).toContain("Délai de première réponse annoncé : au plus tard le 1er mars 2026");
    expect(text).not.toMatch(/\b1 (février|mars)\b/);
  });
});
