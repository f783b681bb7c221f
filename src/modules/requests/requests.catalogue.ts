import { TAX_CODES } from "../adhesions/index.js";

export { TAX_CODES };

import { ADMIN_NATURES, NATURES, TAX_LABELS } from "../../shared/labels.js";

/** Natures of a request (product §8), from the shared catalogue of labels. */
export { ADMIN_NATURES, NATURES, TAX_LABELS };
export const NATURE_CODES = NATURES.map((n) => n.code) as [string, ...string[]];
/** Natures of the threads the administration opens (product §16). */
export const ADMIN_NATURE_CODES = ADMIN_NATURES.map((n) => n.code) as [string, ...string[]];
/** Every nature a thread may have, whoever opened it (the filters of the lists). */
export const ALL_NATURE_CODES = [...NATURE_CODES, ...ADMIN_NATURE_CODES] as [string, ...string[]];

export function natureAllowed(tax: string, nature: string): boolean {
  return nature !== "remboursement_credit_tva" || tax === "TVA";
}

/**
 * Routing (product §8): the type of service a request goes to, by (tax, nature); the company's managing SIE by
 * default. Taxes foncières go to the CDIF of the company's commune.
 */
export function routedServiceType(tax: string, _nature: string): "SIE" | "CDIF" {
  return tax === "TF" ? "CDIF" : "SIE";
}

/** The media types an attachment may be sent back with: the types its content was checked to have on upload (§8). */
export const ATTACHMENT_MEDIA_TYPES = [
  "application/pdf",
  "image/jpeg",
  "image/png",
  "application/vnd.oasis.opendocument.text",
  "application/vnd.oasis.opendocument.spreadsheet",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  "text/csv",
  "text/plain",
] as const;

export const LIMITS = { subjectMax: 150, bodyMax: 10_000, attachmentsMax: 10, attachmentMaxBytes: 10 * 1024 * 1024, attachmentsTotalBytes: 25 * 1024 * 1024 };
