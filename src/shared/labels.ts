/**
 * The one catalogue of the words a person reads for the product's codes: states, roles, qualities, taxes, natures,
 * services. Shared by the server (mails, CSV reports, errors) and the web UI, so that a state never reads
 * differently from one screen to the next. No dependency: both sides import it as it is.
 */

export type RequestStatusCode = "received" | "in_progress" | "awaiting_user" | "answered" | "closed";

/** A request's state as the company side reads it. */
export const REQUEST_STATUS_LABELS: Record<RequestStatusCode, string> = {
  received: "Reçue",
  in_progress: "En cours de traitement",
  awaiting_user: "En attente de votre réponse",
  answered: "Traitée",
  closed: "Clôturée",
};

/** The same states as agents read them (the company is « l'usager »). */
export const AGENT_REQUEST_STATUS_LABELS: Record<RequestStatusCode, string> = { ...REQUEST_STATUS_LABELS, awaiting_user: "En attente de l'usager" };

export const ADHESION_STATUS_LABELS: Record<string, string> = {
  awaiting_company_email: "En attente de la confirmation de l'adresse de l'entreprise",
  letter_issued: "Courrier envoyé, en attente du code",
  active: "Active",
  cancelled: "Annulée",
  opposed: "Opposition de l'entreprise",
  expired: "Expirée",
  voided: "Annulée (codes épuisés)",
};

export const LETTER_STATUS_LABELS: Record<string, string> = {
  edited: "Édité",
  printed: "Imprimé",
  posted: "Posté",
  returned: "Retour (NPAI)",
  voided: "Annulé",
};

export const LETTER_KIND_LABELS: Record<string, string> = {
  activation: "code d'activation",
  email_change_notice: "avis de changement d'adresse",
  correspondence: "message de l'administration",
};

export const DELEGATION_STATUS_LABELS: Record<string, string> = {
  offered: "En attente de réponse",
  accepted: "En vigueur",
  declined: "Refusée",
  expired: "Expirée",
  cancelled: "Retirée",
  revoked: "Révoquée",
};

export const RIGHT_STATE_LABELS: Record<string, string> = { active: "active", suspended: "en veille", revoked: "révoquée", expired: "expirée" };

export const ROLE_LABELS: Record<string, string> = { administrator: "administrateur", deputy: "administrateur suppléant", delegate: "délégataire" };

export const QUALITY_LABELS: Record<string, string> & Record<"legal_representative" | "mandated", string> = {
  legal_representative: "représentant légal",
  mandated: "personne mandatée",
};

export const ORIGIN_LABELS: Record<string, string> = { simplified: "mode simplifié", expert: "mode expert" };

/** Taxes of product §8, in catalogue order. */
export const TAXES = [
  { code: "TVA", label: "TVA" },
  { code: "IS", label: "Impôt sur les sociétés" },
  { code: "CFE-CVAE", label: "CFE-CVAE" },
  { code: "TS", label: "Taxe sur les salaires" },
  { code: "PAS", label: "Prélèvement à la source" },
  { code: "BIC-BNC", label: "BIC-BNC" },
  { code: "TF", label: "Taxes foncières" },
  { code: "AUTRE", label: "Autre" },
] as const;

/** Natures of a request (product §8); `remboursement_credit_tva` only for TVA. */
export const NATURES: readonly { readonly code: string; readonly label: string; readonly onlyFor?: string }[] = [
  { code: "reclamation", label: "Je formule une réclamation" },
  { code: "question", label: "Je pose une question" },
  { code: "delai_paiement", label: "Je demande un délai de paiement" },
  { code: "remboursement_credit_tva", label: "Je demande le remboursement d'un crédit de TVA", onlyFor: "TVA" },
  { code: "attestation", label: "Je demande une attestation" },
  { code: "changement_situation", label: "Je signale un changement" },
  { code: "autre", label: "Autre demande" },
] as const;

/** Natures of a thread the administration opens (product §16). */
export const ADMIN_NATURES: readonly { readonly code: string; readonly label: string }[] = [
  { code: "demande_de_pieces", label: "Demande de pièces" },
  { code: "information", label: "Information" },
  { code: "decision", label: "Décision" },
  { code: "relance", label: "Relance" },
] as const;

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

const labelOf = (list: readonly { code: string; label: string }[], code: string) => list.find((x) => x.code === code)?.label ?? code;
export const taxLabel = (code: string) => labelOf(TAXES, code);
export const natureLabel = (code: string) => labelOf([...NATURES, ...ADMIN_NATURES], code);
export const serviceLabel = (code: string) => labelOf(SERVICE_CATALOGUE, code);
export const TAX_LABELS: Record<string, string> = Object.fromEntries(TAXES.map((t) => [t.code, t.label]));

/** The permissions a software may ask for (product §15), in plain words for the consent page. */
export const SOFTWARE_SCOPE_LABELS = {
  "companies.read": "Voir la liste de vos entreprises et vos droits sur chacune",
  "messagerie.read": "Lire les demandes et les messages échangés avec l'administration, et leurs accusés de réception",
  "messagerie.write": "Déposer des demandes, y répondre et joindre des documents en votre nom",
} as const;
