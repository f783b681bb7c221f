import type { ReceiptPayload } from "../../src/modules/requests/index.js";

/**
 * A receipt's signed content as the seed's story gives it (Lila asks the SIE Paris 11e about Martin distribution's
 * VAT), for the tests and benchmarks that sign receipts outside a request; `over` changes any field.
 */
export function sampleReceiptPayload(over: Partial<ReceiptPayload> = {}): ReceiptPayload {
  return {
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
    ...over,
  };
}
