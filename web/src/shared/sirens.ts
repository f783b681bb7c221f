import { sirenProblem } from "../../../src/shared/siren";

/** A SIREN's key (Luhn), as the server checks it: a typing error is caught on the line where it was typed. */
function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** « Le SIREN compte 9 chiffres ; vous en avez saisi 5. » as the end of a line's sentence. */
const asReason = (sentence: string) => sentence.charAt(0).toLowerCase() + sentence.slice(1).replace(/\.$/, "");

export type PastedSirens = { sirens: string[]; invalid: { line: number; value: string; reason: string }[] };

/**
 * SIREN pasted from anywhere: separated by spaces, commas, semicolons, tabs or line breaks. A line that is one
 * SIREN written in groups (« 845 123 900 ») counts as that SIREN. Each value that is not a SIREN is reported with its
 * line; a SIREN given twice counts once.
 */
export function parseSirens(text: string): PastedSirens {
  const sirens: string[] = [];
  const invalid: PastedSirens["invalid"] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const grouped = raw.replace(/[\s.]/g, "");
    const values = /^\d{9}$/.test(grouped) ? [grouped] : raw.split(/[\s,;]+/).filter(Boolean);
    for (const value of values) {
      if (!/^\d{9}$/.test(value)) invalid.push({ line: i + 1, value, reason: asReason(sirenProblem(value) ?? "") });
      else if (!luhnValid(value)) invalid.push({ line: i + 1, value, reason: "la clé de ce SIREN est fausse (faute de frappe ?)" });
      else if (!sirens.includes(value)) sirens.push(value);
    }
  });
  return { sirens, invalid };
}
