import { readFileSync } from "node:fs";
import { hash, verify } from "@node-rs/argon2";
import { createSemaphore, QueueFullError } from "../../platform/semaphore.js";
import { DomainError } from "../../platform/errors.js";

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

let blocklist: Set<string> | undefined;

/** The 10,000 most common passwords shipped with the project, lower-cased. */
export function commonPasswords(): Set<string> {
  if (!blocklist) {
    const text = readFileSync(new URL("./data/common-passwords.txt", import.meta.url), "utf8");
    blocklist = new Set(
      text
        .split("\n")
        .filter((l) => l && !l.startsWith("#"))
        .map((l) => l.trim().toLowerCase()),
    );
  }
  return blocklist;
}

export type PasswordContext = {
  email?: string | undefined;
  siren?: string | undefined;
  companyName?: string | undefined;
  firstName?: string | undefined;
  lastName?: string | undefined;
};

export type PasswordProblem = "too_short" | "too_long" | "too_common" | "contains_siren" | "contains_company_name" | "contains_email" | "contains_name";

/** Words of at least 4 letters, lower-cased, accents removed. */
function fold(s: string): string {
  return s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

/** Digits that only go up or down by one (123456789012, 987654…). */
function isDigitRun(s: string): boolean {
  if (!/^\d+$/.test(s)) return false;
  const step = (i: number) => (Number(s[i + 1]) - Number(s[i]) + 10) % 10;
  const first = step(0);
  return (first === 1 || first === 9) && [...s.slice(1, -1)].every((_, i) => step(i + 1) === first);
}

/**
 * A password is common when it is in the list, or is a listed password with digits and symbols added before or
 * after it ("Password2026!"), or is one repeated character or a run of digits.
 */
function isCommon(password: string): boolean {
  const lower = password.toLowerCase();
  const list = commonPasswords();
  const core = lower.replace(/^[^\p{L}]+/u, "").replace(/[^\p{L}]+$/u, "");
  return list.has(lower) || (core.length >= 4 && list.has(core)) || new Set(lower).size === 1 || isDigitRun(lower);
}

/**
 * Checks a password against the rules of product §13: 12–128 characters (Unicode code points), no composition
 * rule, not among the most common, not containing the SIREN, the company name, the e-mail or the person's names.
 */
export function checkPassword(password: string, context: PasswordContext = {}): PasswordProblem[] {
  const problems: PasswordProblem[] = [];
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) problems.push("too_short");
  if (length > PASSWORD_MAX_LENGTH) problems.push("too_long");
  const folded = fold(password);
  const squeezed = folded.replace(/[\s._-]/g, "");
  if (isCommon(password)) problems.push("too_common");
  if (context.siren && squeezed.includes(context.siren)) problems.push("contains_siren");
  if (context.companyName) {
    const name = fold(context.companyName).replace(/[\s._-]/g, "");
    const words = fold(context.companyName)
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length >= 4);
    if ((name.length >= 4 && squeezed.includes(name)) || words.some((w) => folded.includes(w))) problems.push("contains_company_name");
  }
  if (context.email) {
    const email = fold(context.email);
    const local = email.split("@")[0] ?? "";
    const localWords = local.split(/[^a-z0-9]+/).filter((w) => w.length >= 4);
    if (folded.includes(email) || (local.length >= 4 && squeezed.includes(local.replace(/[._-]/g, ""))) || localWords.some((w) => folded.includes(w))) {
      problems.push("contains_email");
    }
  }
  const names = [context.firstName, context.lastName]
    .filter((n): n is string => !!n)
    .map(fold)
    .filter((n) => n.length >= 4);
  if (names.some((n) => folded.includes(n))) problems.push("contains_name");
  return problems;
}

export const PASSWORD_PROBLEM_MESSAGES: Record<PasswordProblem, string> = {
  too_short: `Le mot de passe doit contenir au moins ${PASSWORD_MIN_LENGTH} caractères.`,
  too_long: `Le mot de passe doit contenir au plus ${PASSWORD_MAX_LENGTH} caractères.`,
  too_common: "Ce mot de passe fait partie des plus courants : choisissez-en un autre.",
  contains_siren: "Le mot de passe ne doit pas contenir le SIREN.",
  contains_company_name: "Le mot de passe ne doit pas contenir le nom de l'entreprise.",
  contains_email: "Le mot de passe ne doit pas contenir l'adresse électronique.",
  contains_name: "Le mot de passe ne doit pas contenir vos nom et prénom.",
};

/** argon2id, m = 19 MiB, t = 2, p = 1 (product §13; OWASP's recommended minimum). */
// `Algorithm` is a const enum that isolated modules cannot read: 2 is Algorithm.Argon2id.
const ARGON2_OPTIONS = { algorithm: 2 as const, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Sign-ins beyond the hashes in progress and those waiting get 503 (a flood must not queue without bound). */
const busy = () => new DomainError("unavailable", "too_many_sign_ins", "Trop de connexions simultanées : réessayez dans quelques secondes.", undefined, 2);

/**
 * Hashes and verifies passwords with argon2id, a bounded number at a time (each costs 19 MiB of memory), with a
 * bounded queue (`maxWaiting`) behind them.
 */
export function createPasswordHasher(concurrency: number, maxWaiting = concurrency * 32) {
  const semaphore = createSemaphore(concurrency, maxWaiting);
  const limit = async <T>(task: () => Promise<T>): Promise<T> => {
    try {
      return await semaphore(task);
    } catch (error) {
      throw error instanceof QueueFullError ? busy() : error;
    }
  };
  let dummy: Promise<string> | undefined;
  return {
    hash: (password: string) => limit(() => hash(password, ARGON2_OPTIONS)),
    verify: (passwordHash: string, password: string) =>
      limit(async () => {
        try {
          return await verify(passwordHash, password);
        } catch {
          return false;
        }
      }),
    /** A hash to verify against when the account does not exist, so that both paths take the same time. */
    dummyHash: () => {
      // A refused attempt must not leave a rejected promise behind for the next caller.
      dummy ??= limit(() => hash("messagerie-pro/no-such-account", ARGON2_OPTIONS)).catch((error: unknown) => {
        dummy = undefined;
        throw error;
      });
      return dummy;
    },
  };
}
export type PasswordHasher = ReturnType<typeof createPasswordHasher>;
