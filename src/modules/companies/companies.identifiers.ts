/** Luhn checksum over a string of digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** La Poste's establishments share one SIREN and follow another rule (digits sum to a multiple of 5). */
export const LA_POSTE_SIREN = "356000000";

/** A SIREN: 9 digits with a valid Luhn key. */
export function isValidSiren(siren: string): boolean {
  return /^\d{9}$/.test(siren) && luhnValid(siren);
}

/** A SIRET: 14 digits, SIREN + NIC, Luhn key (or La Poste's rule). */
export function isValidSiret(siret: string): boolean {
  if (!/^\d{14}$/.test(siret)) return false;
  if (siret.startsWith(LA_POSTE_SIREN)) {
    const sum = [...siret].reduce((s, c) => s + Number(c), 0);
    return sum % 5 === 0;
  }
  return luhnValid(siret);
}

/** Completes an 8-digit prefix with the Luhn key digit (demo data, tests). */
export function withLuhnKey(prefix: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(prefix + d)) return prefix + d;
  throw new Error("unreachable");
}

/** The department of an INSEE commune code: 3 characters overseas (97x, 98x), else 2 (2A/2B for Corsica). */
export function departmentOf(communeCode: string): string {
  return /^9[78]/.test(communeCode) ? communeCode.slice(0, 3) : communeCode.slice(0, 2);
}
