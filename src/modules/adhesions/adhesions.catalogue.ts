/** The catalogue of online services (product §4): codes fixed, labels in French. */
export const SERVICE_CATALOGUE = [
  { code: "messagerie", label: "Messagerie sécurisée", taxes: null },
  { code: "compte_fiscal", label: "Consulter le compte fiscal", taxes: null },
  { code: "tva_declarer", label: "Déclarer la TVA", taxes: ["TVA"] },
  { code: "tva_payer", label: "Payer la TVA", taxes: ["TVA"] },
  { code: "is_payer", label: "Payer l'IS", taxes: ["IS"] },
  { code: "cfe", label: "Consulter et payer la CFE", taxes: ["CFE-CVAE"] },
  { code: "ts_payer", label: "Payer la taxe sur les salaires", taxes: ["TS"] },
] as const;

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
export const QUALITY_LABELS: Record<Quality, string> = {
  legal_representative: "représentant légal",
  mandated: "personne mandatée",
};

/** Tax codes of product §8 (the messagerie's tax scope of a delegation uses them). */
export const TAX_CODES = ["TVA", "IS", "CFE-CVAE", "TS", "PAS", "BIC-BNC", "TF", "AUTRE"] as const;
export type TaxCode = (typeof TAX_CODES)[number];
