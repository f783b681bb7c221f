import { z } from "zod";
import {
  ADMIN_NATURES,
  DELEGATION_STATUS_LABELS,
  NATURES,
  ORIGIN_LABELS,
  QUALITY_LABELS,
  REQUEST_STATUS_LABELS,
  RIGHT_STATE_LABELS,
  ROLE_LABELS,
  SERVICE_CATALOGUE,
  TAX_LABELS,
} from "../../shared/labels.js";

/**
 * Validation messages in French a person can act on (zod's own are English, its French locale mechanical:
 * « Trop petit : chaîne de caractères doit avoir >=1 caractères »). A schema's own message, where it gives one
 * (« Le SIREN compte 9 chiffres ; vous en avez saisi 8. »), wins; the error answer adds the field's name (errors.ts).
 */
const TYPES: Record<string, string> = {
  string: "un texte",
  number: "un nombre",
  int: "un nombre entier",
  safeint: "un nombre entier",
  boolean: "vrai ou faux",
  array: "une liste",
  object: "un objet",
  date: "une date",
};

const FORMATS: Record<string, string> = {
  email: "Adresse électronique invalide (par exemple : nom@domaine.fr).",
  uuid: "Identifiant invalide.",
  guid: "Identifiant invalide.",
  url: "Adresse web invalide.",
  datetime: "Date et heure invalides (format attendu : 2026-12-31T23:59:59Z).",
  date: "Date invalide (format attendu : AAAA-MM-JJ).",
  regex: "Format invalide.",
};

/**
 * The words for the codes a list of choices holds (« Payer la TVA », never « tva_payer »): the product's catalogues
 * first, then the choices of the API's own lists. A list takes the first catalogue that names all its codes (« active »
 * is a right's state or an adhesion's); a code named by none is shown as it is.
 */
const byCode = (list: readonly { code: string; label: string }[]) => Object.fromEntries(list.map((x) => [x.code, x.label]));
const VALUE_CATALOGUES: Record<string, string>[] = [
  byCode(SERVICE_CATALOGUE),
  TAX_LABELS,
  byCode([...NATURES, ...ADMIN_NATURES]),
  REQUEST_STATUS_LABELS,
  QUALITY_LABELS,
  ROLE_LABELS,
  RIGHT_STATE_LABELS,
  DELEGATION_STATUS_LABELS,
  ORIGIN_LABELS,
  { true: "oui", false: "non" },
  { immediate: "un courriel à chaque nouveau message", daily: "un courriel récapitulatif par jour" },
  { received: "proposées à moi", given: "accordées par moi" },
  { pending: "en attente de leur code", ended: "terminées", letter_issued: "courrier envoyé" },
  { name: "nom", siren: "SIREN", lastActivity: "dernière activité", unread: "messages non lus", openRequests: "demandes en cours" },
  { deadline: "échéance", receivedAt: "date de réception", lastActivityAt: "dernière activité", company: "entreprise" },
  { asc: "croissant", desc: "décroissant" },
  { me: "moi", none: "personne" },
  { allow: "autoriser", deny: "refuser", all: "toutes mes entreprises" },
  { company: "l'entreprise", administration: "l'administration", campaign: "une campagne" },
  { assign: "attribuer", close: "clôturer", transfer: "transférer" },
  { write: "écrire", desk: "guichet des entreprises" },
  { acknowledgement: "accusé de réception", reply: "réponse" },
  { pending: "en attente", thread: "message en ligne", letter: "courrier", refused: "refusée" },
];

/** How the choices of a list read: « « Messagerie sécurisée », « Payer la TVA » ». */
export function choiceWords(values: readonly unknown[]): string {
  const codes = values.map(String);
  const catalogue = VALUE_CATALOGUES.find((c) => codes.every((code) => Object.hasOwn(c, code)));
  return codes.map((code) => `« ${catalogue?.[code] ?? code} »`).join(", ");
}

const plural = (n: number | bigint, one: string, many: string) => `${n} ${Number(n) > 1 ? many : one}`;

type Issue = z.core.$ZodRawIssue;

export function frenchMessage(i: Issue): string | undefined {
  switch (i.code) {
    case "invalid_type":
      if (i.input === undefined || i.input === null) return "Ce champ est obligatoire.";
      return `Valeur invalide : ${TYPES[i.expected ?? ""] ?? "une autre valeur"} est attendu.`;
    case "too_small":
      if (i.origin === "string")
        return Number(i.minimum) <= 1 ? "Ce champ ne peut pas être vide." : `Au moins ${plural(i.minimum, "caractère", "caractères")}.`;
      if (i.origin === "array" || i.origin === "set")
        return Number(i.minimum) <= 1 ? "Choisissez au moins un élément." : `Au moins ${plural(i.minimum, "élément", "éléments")}.`;
      return `La valeur doit être ${i.inclusive === false ? "supérieure à" : "au moins égale à"} ${i.minimum}.`;
    case "too_big":
      if (i.origin === "string")
        return `Au plus ${plural(i.maximum, "caractère", "caractères")}${typeof i.input === "string" ? ` (${i.input.length} saisis)` : ""}.`;
      if (i.origin === "array" || i.origin === "set") return `Au plus ${plural(i.maximum, "élément", "éléments")}.`;
      return `La valeur doit être ${i.inclusive === false ? "inférieure à" : "au plus égale à"} ${i.maximum}.`;
    case "invalid_format":
      return FORMATS[i.format ?? ""] ?? "Format invalide.";
    case "invalid_value":
      return `Valeur non reconnue : choisissez parmi ${choiceWords(i.values ?? [])}.`;
    case "unrecognized_keys":
      return `${(i.keys ?? []).length > 1 ? "Champs inconnus" : "Champ inconnu"} : ${(i.keys ?? []).join(", ")}.`;
    case "not_multiple_of":
      return "Valeur invalide.";
    case "invalid_union":
    case "invalid_key":
    case "invalid_element":
      return "Valeur invalide.";
    default:
      return undefined;
  }
}

let installed = false;
/** Installs the French messages for every schema of the process (once). */
export function installFrenchErrors(): void {
  if (installed) return;
  installed = true;
  z.config({ customError: frenchMessage });
}
