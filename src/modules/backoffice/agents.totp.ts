import { generate, generateSecret, generateURI, ScureBase32Plugin, verify } from "otplib";

/** TOTP parameters (RFC 6238): SHA-1, 6 digits, 30-second steps. */
export const TOTP_PERIOD_S = 30;

/** RFC 4226 §4: a shared secret of at least 128 bits (we generate 160). */
export const TOTP_MIN_SECRET_BYTES = 16;

/**
 * Why a TOTP secret cannot be used, in French, or null when it can: valid base 32 (otplib's own decoder) of at
 * least 128 bits. An operator learns it when creating the agent, not the agent at his first failed sign-in.
 */
export function totpSecretProblem(secret: string): string | null {
  let bytes: Uint8Array;
  try {
    bytes = new ScureBase32Plugin().decode(secret);
  } catch {
    return "Le secret TOTP doit être écrit en base 32 (lettres A à Z, chiffres 2 à 7), sans caractère parasite.";
  }
  if (bytes.length < TOTP_MIN_SECRET_BYTES) {
    return `Le secret TOTP est trop court : ${bytes.length * 8} bits, il en faut au moins 128 (RFC 4226 §4), soit 26 caractères en base 32.`;
  }
  return null;
}

export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

export function totpUri(secret: string, email: string): string {
  return generateURI({ issuer: "Messagerie Pro", label: email, secret });
}

/** The current code (demo output, tests). */
export async function totpNow(secret: string, at: Date): Promise<string> {
  return generate({ secret, epoch: Math.floor(at.getTime() / 1000) });
}

/**
 * Checks a code for the current step or the previous one (clock drift, a code typed as it changed), refusing a
 * step already used (replay). Returns the matched step, or null. A secret otplib refuses is a configuration
 * error: it is thrown, never taken for a wrong code.
 */
export async function verifyTotp(secret: string, token: string, at: Date, lastUsedStep: number): Promise<number | null> {
  if (!/^\d{6}$/.test(token)) return null;
  const result = await verify({
    secret,
    token,
    epoch: Math.floor(at.getTime() / 1000),
    epochTolerance: [TOTP_PERIOD_S, 0],
    afterTimeStep: lastUsedStep,
  });
  return result.valid && "timeStep" in result ? result.timeStep : null;
}
