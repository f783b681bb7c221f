import { randomInt, randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { DB } from "../../platform/db/schema.js";
import type { Tx } from "../../platform/db/database.js";
import type { Clock } from "../../platform/clock.js";
import { DAY, HOUR, MINUTE } from "../../platform/clock.js";
import { DomainError } from "../../platform/errors.js";
import { formatGrouped, hashCode, normaliseCrockford, randomCrockford, randomDigits, randomToken, safeEqual, sha256Hex } from "../../platform/crypto.js";
import { openSession, type Session } from "../../platform/sessions.js";
import { getCompany, luhnValid } from "../companies/index.js";
import { appendJournal } from "../journal/index.js";
import { deviceCodeMail, queueMail, spaceCreationAttemptMail, spaceVerificationCodeMail } from "../mail/index.js";
import * as repo from "./spaces.repository.js";
import * as errors from "./spaces.errors.js";
import { checkPassword, PASSWORD_PROBLEM_MESSAGES, type PasswordHasher } from "./spaces.passwords.js";
import * as throttle from "./spaces.throttle.js";

export type SpacesDeps = { db: Kysely<DB>; clock: Clock; hasher: PasswordHasher };

/** Figures of product §3 and §13. */
export const SPACE_RULES = {
  emailCodeLength: 8,
  emailCodeValidityMs: 48 * HOUR,
  maxCodeAttempts: 5,
  deviceCodeValidityMs: 30 * MINUTE,
  deviceRememberedMs: 183 * DAY,
  unverifiedSpaceLifetimeMs: 7 * DAY,
};

export type PersonView = { id: string; firstName: string; lastName: string; connectionEmail: string; subscriberNumber: string };

export const EMAIL_CODE = "space-email";
export const DEVICE_CODE = "device";

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

function personView(s: { id: string; first_name: string; last_name: string; connection_email: string; subscriber_number: string }): PersonView {
  return { id: s.id, firstName: s.first_name, lastName: s.last_name, connectionEmail: s.connection_email, subscriberNumber: s.subscriber_number };
}

/** 14-digit subscriber number: 13 random digits and a Luhn key, unique. */
async function newSubscriberNumber(db: Kysely<DB>): Promise<string> {
  for (;;) {
    const body = String(randomInt(1, 10)) + randomDigits(12);
    let candidate = "";
    for (let d = 0; d <= 9; d++) if (luhnValid(body + d)) candidate = body + d;
    if (!(await repo.subscriberNumberExists(db, candidate))) return candidate;
  }
}

export type CreateSpaceInput = {
  mode: "simplified" | "expert";
  connectionEmail: string;
  password: string;
  firstName: string;
  lastName: string;
  phone: string;
  siren: string;
  companyEmail?: string | undefined;
};

/** Checks the password rules of product §13 in the context of the space, or throws 422 `weak_password`. */
export function assertPasswordAccepted(password: string, context: Parameters<typeof checkPassword>[1]): void {
  const problems = checkPassword(password, context);
  if (problems.length > 0) {
    throw new DomainError("refused", "weak_password", problems.map((p) => PASSWORD_PROBLEM_MESSAGES[p]).join(" "), { problems });
  }
}

export type PendingSpaceInput = Omit<CreateSpaceInput, "companyEmail" | "password"> & {
  passwordHash: string;
  sendVerificationCode: boolean;
  publicUrl: string;
};

/** What a space creation answers: the same whether the address was free or not (nobody learns which have a space). */
export type PendingSpace = { status: "pending_email_verification" } & ({ created: true; spaceId: string; subscriberNumber: string } | { created: false });

/**
 * Opens a space waiting for its connection address to be verified, in the caller's transaction; when asked, the
 * 8-character code (48 h) is e-mailed to the connection address. An address that already has a space, active or
 * waiting for its code, keeps it untouched (its code too): its owner is told by mail that someone tried, and the
 * caller answers as for a new space.
 */
export async function openPendingSpace(tx: Tx, now: Date, input: PendingSpaceInput): Promise<PendingSpace> {
  const email = normaliseEmail(input.connectionEmail);
  const existing = await repo.findSpaceByEmail(tx, email);
  if (existing) {
    await queueMail(
      tx,
      now,
      spaceCreationAttemptMail({ to: email, firstName: existing.first_name, pending: existing.status !== "active", publicUrl: input.publicUrl }),
    );
    await appendJournal(tx, now, { actor: { kind: "anonymous" }, action: "space.creation_attempted", subject: { type: "space", id: existing.id } });
    return { status: "pending_email_verification", created: false };
  }
  const id = randomUUID();
  const subscriberNumber = await newSubscriberNumber(tx);
  await repo.insertSpace(tx, {
    id,
    subscriber_number: subscriberNumber,
    mode: input.mode,
    connection_email: email,
    password_hash: input.passwordHash,
    first_name: input.firstName.trim(),
    last_name: input.lastName.trim(),
    phone: input.phone.trim(),
    entity_siren: input.siren,
    status: "pending_email_verification",
    created_at: now,
    verified_at: null,
  });
  if (input.sendVerificationCode) {
    const code = randomCrockford(SPACE_RULES.emailCodeLength);
    const expiresAt = new Date(now.getTime() + SPACE_RULES.emailCodeValidityMs);
    await repo.putCode(tx, "space_email_codes", id, hashCode(EMAIL_CODE, id, code), expiresAt);
    await queueMail(
      tx,
      now,
      spaceVerificationCodeMail({ to: email, firstName: input.firstName.trim(), code: formatGrouped(code), expiresAt, subscriberNumber }),
    );
  }
  await appendJournal(tx, now, {
    actor: { kind: "anonymous" },
    action: "space.created",
    subject: { type: "space", id },
    data: { mode: input.mode, connectionEmail: email, entitySiren: input.siren, subscriberNumber },
  });
  return { status: "pending_email_verification", created: true, spaceId: id, subscriberNumber };
}

/**
 * Runs a space creation. Two creations for one address at the same instant: the unique address lets one through;
 * the other is told apart by nobody (it answers as a new space and creates nothing).
 */
export async function inCreationTransaction<T>(db: Kysely<DB>, work: (tx: Tx) => Promise<T>, onTaken: () => T): Promise<T> {
  try {
    return await db.transaction().execute(work);
  } catch (error) {
    if ((error as { code?: string }).code === "23505") return onTaken();
    throw error;
  }
}

/**
 * Creates a professional space in expert mode (product §3): the space waits for its connection address to be
 * verified with an 8-character code e-mailed for 48 hours.
 */
export async function createSpace(deps: SpacesDeps & { publicUrl: string }, input: CreateSpaceInput) {
  if (input.mode === "simplified") throw errors.simplifiedModeUnavailable();
  const company = await getCompany(deps.db, input.siren);
  if (!company) throw errors.unknownCompany(input.siren);
  if (!company.isActive) throw errors.ceasedCompany(input.siren);
  assertPasswordAccepted(input.password, {
    email: normaliseEmail(input.connectionEmail),
    siren: input.siren,
    companyName: company.name,
    firstName: input.firstName,
    lastName: input.lastName,
  });
  // The password is hashed whether or not the address is free: both answers take the same time.
  const passwordHash = await deps.hasher.hash(input.password);
  const now = deps.clock.now();
  return inCreationTransaction<PendingSpace>(
    deps.db,
    (tx) => openPendingSpace(tx, now, { ...input, passwordHash, sendVerificationCode: true, publicUrl: deps.publicUrl }),
    () => ({ status: "pending_email_verification", created: false }),
  );
}

/** Activates a pending space whose connection address a confirmed link just proved (simplified mode). */
export async function activateSpaceByLink(tx: Tx, spaceId: string, now: Date): Promise<boolean> {
  const space = await repo.findSpaceById(tx, spaceId);
  if (!space || space.status === "active") return false;
  await repo.activateSpace(tx, spaceId, now);
  await repo.deleteCode(tx, "space_email_codes", spaceId);
  await appendJournal(tx, now, {
    actor: { kind: "person", id: spaceId },
    action: "space.email_verified",
    subject: { type: "space", id: spaceId },
    data: { by: "company_email_link" },
  });
  return true;
}

/** The people behind some spaces (names for letters, lists). */
export async function getSpaces(db: Kysely<DB> | Tx, ids: string[]) {
  return repo.findSpacesByIds(db, ids);
}

/** Parses a typed Crockford code of a given length, or throws a 400 without consuming an attempt. */
function parseCode(input: string, length: number): string {
  const code = normaliseCrockford(input);
  if (code === null || code.length !== length) {
    throw new DomainError("invalid", "invalid_code_format", `Le code comporte ${length} caractères (chiffres et lettres).`);
  }
  return code;
}

/**
 * Checks one attempt at a short code: at most 5 attempts even under concurrency (the attempt is counted before
 * the comparison, in its own statement, so a wrong entry is never rolled back).
 */
async function consumeCode(
  deps: SpacesDeps,
  table: "space_email_codes" | "device_challenges",
  purpose: string,
  spaceId: string,
  code: string,
  now: Date,
  messages: { expired: [string, string]; voided: [string, string]; wrong: [string, string] },
): Promise<void> {
  const attempt = await repo.takeCodeAttempt(deps.db, table, spaceId, SPACE_RULES.maxCodeAttempts);
  if (!attempt) {
    if (await repo.codeExists(deps.db, table, spaceId)) throw errors.codeExpired(...messages.voided);
    throw errors.codeExpired(...messages.expired);
  }
  if (attempt.expires_at <= now) throw errors.codeExpired(...messages.expired);
  const ok = safeEqual(hashCode(purpose, spaceId, code), attempt.code_hash);
  if (!ok) {
    const attemptsLeft = SPACE_RULES.maxCodeAttempts - attempt.attempts;
    await deps.db.transaction().execute((tx) =>
      appendJournal(tx, now, {
        actor: { kind: "anonymous" },
        action: `${purpose}.code_rejected`,
        subject: { type: "space", id: spaceId },
        data: { attemptsLeft },
      }),
    );
    if (attemptsLeft <= 0) throw errors.codeExpired(...messages.voided);
    throw errors.wrongCode(messages.wrong[0], messages.wrong[1], attemptsLeft);
  }
}

/** Verifies the connection address with the e-mailed code; the space becomes active (product §3). */
export async function verifySpaceEmail(deps: SpacesDeps, input: { connectionEmail: string; code: string }) {
  const code = parseCode(input.code, SPACE_RULES.emailCodeLength);
  const now = deps.clock.now();
  const space = await repo.findSpaceByEmail(deps.db, normaliseEmail(input.connectionEmail));
  if (!space) throw errors.noPendingVerification();
  if (space.status === "active") {
    throw new DomainError("conflict", "already_verified", "Cette adresse est déjà validée : vous pouvez vous connecter.");
  }
  await consumeCode(deps, "space_email_codes", EMAIL_CODE, space.id, code, now, {
    expired: ["verification_code_expired", "Ce code a expiré : recommencez la création de votre espace."],
    voided: ["verification_code_voided", "Trop de saisies erronées : ce code est annulé. Recommencez la création de votre espace."],
    wrong: ["invalid_verification_code", "Code incorrect."],
  });
  await deps.db.transaction().execute(async (tx) => {
    await repo.activateSpace(tx, space.id, now);
    await repo.deleteCode(tx, "space_email_codes", space.id);
    await appendJournal(tx, now, { actor: { kind: "person", id: space.id }, action: "space.email_verified", subject: { type: "space", id: space.id } });
  });
  return { status: "active" as const };
}

export type SignInResult = { status: "authenticated"; token: string; csrfToken: string; person: PersonView } | { status: "device_verification_required" };

/**
 * Signs a person in (product §13): generic error and equal work whether the address exists or not; back-off per
 * address from the 5th failure, which a remembered device passes; a device not seen before must enter a 6-digit
 * code e-mailed for 30 minutes.
 */
export async function signIn(
  deps: SpacesDeps,
  input: { email: string; password: string; deviceToken?: string | undefined; ip: string },
): Promise<SignInResult> {
  const email = normaliseEmail(input.email);
  const now = deps.clock.now();
  const space = await repo.findSpaceByEmail(deps.db, email);
  // The back-off stops whoever guesses passwords for an address, but must not lock its owner out: a device this
  // space remembers (its cookie proves possession) goes through the lock with the right password.
  const device = space && input.deviceToken ? await repo.findLiveDevice(deps.db, sha256Hex(input.deviceToken), space.id, now) : undefined;
  if (!device) await throttle.assertNotLocked(deps.db, "person", email, now);
  const passwordOk = await deps.hasher.verify(space?.password_hash ?? (await deps.hasher.dummyHash()), input.password);
  if (!space || !passwordOk) {
    const failures = await throttle.recordFailure(deps.db, "person", email, now);
    await deps.db.transaction().execute((tx) =>
      appendJournal(tx, now, {
        actor: { kind: "anonymous" },
        action: "session.sign_in_failed",
        subject: space ? { type: "space", id: space.id } : undefined,
        data: { email, ip: input.ip, failures },
      }),
    );
    throw errors.invalidCredentials();
  }
  if (space.status !== "active") throw errors.emailNotVerified();
  await throttle.clearFailures(deps.db, "person", email);

  if (!device) {
    const code = randomDigits(6);
    const expiresAt = new Date(now.getTime() + SPACE_RULES.deviceCodeValidityMs);
    await deps.db.transaction().execute(async (tx) => {
      await repo.putCode(tx, "device_challenges", space.id, hashCode(DEVICE_CODE, space.id, code), expiresAt);
      await queueMail(tx, now, deviceCodeMail({ to: space.connection_email, firstName: space.first_name, code, expiresAt }));
      await appendJournal(tx, now, {
        actor: { kind: "person", id: space.id },
        action: "session.device_challenged",
        subject: { type: "space", id: space.id },
        data: { ip: input.ip },
      });
    });
    return { status: "device_verification_required" };
  }
  return deps.db.transaction().execute(async (tx) => {
    await repo.touchDevice(tx, device.token_hash, now);
    const { token, csrfToken } = await openSession(tx, "person", space.id, now);
    await repo.touchLastSignIn(tx, space.id, now);
    await appendJournal(tx, now, {
      actor: { kind: "person", id: space.id },
      action: "session.signed_in",
      subject: { type: "space", id: space.id },
      data: { ip: input.ip },
    });
    return { status: "authenticated" as const, token, csrfToken, person: personView(space) };
  });
}

/** Completes a sign-in from a new device with the e-mailed 6-digit code; the device is remembered 6 months. */
export async function verifyDevice(deps: SpacesDeps, input: { email: string; code: string; ip: string }) {
  const code = input.code.replace(/\s/g, "");
  if (!/^\d{6}$/.test(code)) throw new DomainError("invalid", "invalid_code_format", "Le code de connexion comporte 6 chiffres.");
  const now = deps.clock.now();
  const email = normaliseEmail(input.email);
  await throttle.assertNotLocked(deps.db, "person", email, now);
  const space = await repo.findSpaceByEmail(deps.db, email);
  if (!space || space.status !== "active") {
    throw new DomainError("gone", "device_code_expired", "Ce code n'est plus valable : reconnectez-vous pour en recevoir un nouveau.");
  }
  await consumeCode(deps, "device_challenges", DEVICE_CODE, space.id, code, now, {
    expired: ["device_code_expired", "Ce code n'est plus valable : reconnectez-vous pour en recevoir un nouveau."],
    voided: ["device_code_voided", "Trop de saisies erronées : reconnectez-vous pour recevoir un nouveau code."],
    wrong: ["invalid_device_code", "Code de connexion incorrect."],
  });
  const deviceToken = randomToken();
  return deps.db.transaction().execute(async (tx) => {
    await repo.deleteCode(tx, "device_challenges", space.id);
    await repo.insertDevice(tx, {
      token_hash: sha256Hex(deviceToken),
      space_id: space.id,
      created_at: now,
      expires_at: new Date(now.getTime() + SPACE_RULES.deviceRememberedMs),
      last_used_at: now,
    });
    const { token, csrfToken } = await openSession(tx, "person", space.id, now);
    await repo.touchLastSignIn(tx, space.id, now);
    await appendJournal(tx, now, {
      actor: { kind: "person", id: space.id },
      action: "session.device_verified",
      subject: { type: "space", id: space.id },
      data: { ip: input.ip },
    });
    await appendJournal(tx, now, {
      actor: { kind: "person", id: space.id },
      action: "session.signed_in",
      subject: { type: "space", id: space.id },
      data: { ip: input.ip },
    });
    return { status: "authenticated" as const, token, csrfToken, deviceToken, person: personView(space) };
  });
}

/** The person behind a session. */
export async function getPerson(deps: Pick<SpacesDeps, "db">, session: Session): Promise<PersonView> {
  const space = await repo.findSpaceById(deps.db, session.subjectId);
  if (!space) throw new DomainError("unauthenticated", "unauthenticated", "Connectez-vous pour continuer.");
  return personView(space);
}

export async function journalSignOut(deps: Pick<SpacesDeps, "db" | "clock">, session: Session): Promise<void> {
  await deps.db.transaction().execute((tx) =>
    appendJournal(tx, deps.clock.now(), {
      actor: { kind: "person", id: session.subjectId },
      action: "session.signed_out",
      subject: { type: "space", id: session.subjectId },
    }),
  );
}

/** Deletes spaces whose address was never verified after 7 days (housekeeping job). */
export async function purgeUnverifiedSpaces(deps: Pick<SpacesDeps, "db" | "clock">): Promise<number> {
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (tx) => {
    const ids = await repo.deleteUnverifiedSpaces(tx, new Date(now.getTime() - SPACE_RULES.unverifiedSpaceLifetimeMs));
    for (const id of ids) await appendJournal(tx, now, { actor: { kind: "system" }, action: "space.purged_unverified", subject: { type: "space", id } });
    return ids.length;
  });
}

/** The active space of a connection address, if any (a delegation is offered to a person by this address). */
export async function findActiveSpaceByEmail(db: Kysely<DB> | Tx, email: string) {
  const space = await repo.findSpaceByEmail(db, normaliseEmail(email));
  return space?.status === "active"
    ? { id: space.id, firstName: space.first_name, lastName: space.last_name, connectionEmail: space.connection_email }
    : undefined;
}
