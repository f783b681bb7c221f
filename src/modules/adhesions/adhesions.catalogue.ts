import { QUALITY_LABELS, SERVICE_CATALOGUE } from "../../shared/labels.js";

/** The catalogue of online services (product §4), from the shared catalogue of labels. */
export { QUALITY_LABELS, SERVICE_CATALOGUE };

export type ServiceCode = (typeof SERVICE_CATALOGUE)[number]["code"];
export const SERVICE_CODES = SERVICE_CATALOGUE.map((s) => s.code) as [ServiceCode, ...ServiceCode[]];

export function serviceLabel(code: string): string {
  return SERVICE_CATALOGUE.find((s) => s.code === code)?.label ?? code;
}

/** Services in catalogue order, without duplicates. */
export function orderedServices(codes: readonly string[]): ServiceCode[] {
  return SERVICE_CODES.filter((c) => codes.includes(c));
}

export type Quality = "legal_representative" | "mandated";

/** Tax codes of product §8 (the messagerie's tax scope of a delegation uses them). */
export const TAX_CODES = ["TVA", "IS", "CFE-CVAE", "TS", "PAS", "BIC-BNC", "TF", "AUTRE"] as const;
export type TaxCode = (typeof TAX_CODES)[number];
