import { TAX_CODES } from "../adhesions/index.js";

export { TAX_CODES };

/** Natures of a request (product §8); `remboursement_credit_tva` only for TVA. */
export const NATURES = [
  { code: "reclamation", label: "Je formule une réclamation" },
  { code: "question", label: "Je pose une question" },
  { code: "delai_paiement", label: "Je demande un délai de paiement" },
  { code: "remboursement_credit_tva", label: "Je demande le remboursement d'un crédit de TVA" },
  { code: "attestation", label: "Je demande une attestation" },
  { code: "changement_situation", label: "Je signale un changement" },
  { code: "autre", label: "Autre demande" },
] as const;
export const NATURE_CODES = NATURES.map((n) => n.code) as [string, ...string[]];

export const TAX_LABELS: Record<string, string> = {
  TVA: "TVA",
  IS: "Impôt sur les sociétés",
  "CFE-CVAE": "CFE-CVAE",
  TS: "Taxe sur les salaires",
  PAS: "Prélèvement à la source",
  "BIC-BNC": "BIC-BNC",
  TF: "Taxes foncières",
  AUTRE: "Autre",
};

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

export const LIMITS = { subjectMax: 150, bodyMax: 10_000, attachmentsMax: 10, attachmentMaxBytes: 10 * 1024 * 1024, attachmentsTotalBytes: 25 * 1024 * 1024 };
