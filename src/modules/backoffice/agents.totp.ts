import { generate, generateSecret, generateURI, verify } from "otplib";

/** TOTP parameters (RFC 6238): SHA-1, 6 digits, 30-second steps. */
export const TOTP_PERIOD_S = 30;

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
 * step already used (replay). Returns the matched step, or null.
 */
export async function verifyTotp(secret: string, token: string, at: Date, lastUsedStep: number): Promise<number | null> {
  if (!/^\d{6}$/.test(token)) return null;
  try {
    const result = await verify({
      secret,
      token,
      epoch: Math.floor(at.getTime() / 1000),
      epochTolerance: [TOTP_PERIOD_S, 0],
      afterTimeStep: lastUsedStep,
    });
    return result.valid && "timeStep" in result ? result.timeStep : null;
  } catch {
    return null;
  }
}
