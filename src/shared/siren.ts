/**
 * What is wrong with a SIREN as typed, in words a person can act on: a SIREN has 9 digits, a SIRET 14 (the SIREN and
 * the establishment's 5-digit NIC). Shared by the server's validation and the web forms, so that both say the same.
 * The key (Luhn) is not checked here: a SIREN of the right length that matches no company is answered by the rule
 * that looks it up.
 */
export function sirenProblem(typed: string): string | null {
  const value = typed.trim();
  if (/^\d{9}$/.test(value)) return null;
  if (value === "") return "Saisissez le SIREN : 9 chiffres.";
  if (/[^\d]/.test(value)) {
    const digits = value.replace(/\D/g, "");
    return digits.length === 9 && /^[\d\s.]+$/.test(value)
      ? `Le SIREN s'écrit en 9 chiffres, sans espace ni point : ${digits}.`
      : "Le SIREN ne compte que des chiffres (9) : retirez les lettres et les autres signes.";
  }
  if (value.length === 14) return `Vous avez saisi un SIRET (14 chiffres) : le SIREN en est les 9 premiers, ${value.slice(0, 9)}.`;
  return `Le SIREN compte 9 chiffres ; vous en avez saisi ${value.length}.`;
}
