import { z } from "zod";

/**
 * Validation messages in French a person can act on (zod's own are English, its French locale mechanical:
 * « Trop petit : chaîne de caractères doit avoir >=1 caractères »). A schema's own message, where it gives one
 * (« Le SIREN comporte 9 chiffres »), wins; the error answer adds the field's name (errors.ts).
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
      return `Valeur non reconnue : choisissez parmi ${(i.values ?? []).map((v: unknown) => `« ${String(v)} »`).join(", ")}.`;
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
