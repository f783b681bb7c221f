import { createCipheriv, createDecipheriv, createHash, createPublicKey, randomBytes, randomInt, scryptSync, timingSafeEqual } from "node:crypto";

/** 256-bit random token, base64url (43 characters). */
export function randomToken(): string {
  return randomBytes(32).toString("base64url");
}

/** SHA-256 of a string or buffer, hex. Used to store tokens and codes that carry ≥ 40 bits of entropy. */
export function sha256Hex(input: string | Uint8Array): string {
  return createHash("sha256").update(input).digest("hex");
}

/** Constant-time equality of two hex digests (or any two strings of the same length). */
/**
 * The SHA-256 of a JSON value in canonical form (object keys sorted at every depth): two requests carrying the same
 * fields in another order have the same fingerprint.
 */
export function fingerprintOf(value: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v !== null && typeof v === "object"
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          )
        : v;
  return sha256Hex(JSON.stringify(canonical(value)));
}

export function safeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

/** Crockford's base-32 alphabet: no I, L, O, U. */
export const CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A random code of `length` Crockford base-32 characters drawn with the CSPRNG (5 bits each). */
export function randomCrockford(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += CROCKFORD_ALPHABET[randomInt(32)];
  return out;
}

/**
 * Normalises a code typed by a person: case, spaces and dashes ignored; I/L read as 1, O as 0 (Crockford).
 * Returns null when a character is outside the alphabet.
 */
export function normaliseCrockford(input: string): string | null {
  const s = input.toUpperCase().replace(/[\s-]/g, "").replace(/[IL]/g, "1").replace(/O/g, "0");
  return /^[0-9A-HJKMNP-TV-Z]*$/.test(s) ? s : null;
}

/** Groups a code by 4 characters: `ABCD-EFGH`. */
export function formatGrouped(code: string): string {
  return code.match(/.{1,4}/g)?.join("-") ?? code;
}

/** A random string of decimal digits (e.g. the 6-digit device code). */
export function randomDigits(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += String(randomInt(10));
  return out;
}

/**
 * Hash of a short code bound to its owner: SHA-256 over (purpose, owner id, code).
 * Short codes live minutes to days and are limited to 5 attempts, so a salted fast hash suffices;
 * binding to the owner prevents a table-wide precomputation.
 */
export function hashCode(purpose: string, ownerId: string, code: string): string {
  return sha256Hex(`${purpose}\u0000${ownerId}\u0000${code}`);
}

/** Symmetric encryption at rest (AES-256-GCM) with a key derived from the configured secret. */
export function createSealer(secret: string) {
  const key = scryptSync(secret, "messagerie-pro/sealer/v1", 32);
  return {
    seal(plain: string): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return ["v1", iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), body.toString("base64url")].join(".");
    },
    open(sealed: string): string {
      const [version, iv, tag, body] = sealed.split(".");
      if (version !== "v1" || !iv || !tag || body === undefined) throw new Error("sealed value has an unknown format");
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
    },
  };
}
export type Sealer = ReturnType<typeof createSealer>;

/** The SHA-256 of a public key's DER encoding (SubjectPublicKeyInfo), in hex: how an export names its signing key. */
export function keyFingerprint(publicKeyPem: string): string {
  return createHash("sha256")
    .update(createPublicKey(publicKeyPem).export({ type: "spki", format: "der" }))
    .digest("hex");
}
