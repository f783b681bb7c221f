import { sql } from "kysely";
import { MINUTE, HOUR } from "../../platform/clock.js";
import { DomainError } from "../../platform/errors.js";
import { formatGrouped, hashCode, randomCrockford, randomDigits, randomToken, sha256Hex } from "../../platform/crypto.js";
import type { Executor } from "../../platform/db/database.js";
import { getCompany } from "../companies/index.js";
import { appendJournal } from "../journal/index.js";
import { deviceCodeMail, passwordResetMail, passwordChangedMail, queueMail, spaceVerificationCodeMail } from "../mail/index.js";
import * as repo from "./spaces.repository.js";
import { assertPasswordAccepted, DEVICE_CODE, EMAIL_CODE, normaliseEmail, SPACE_RULES, type SpacesDeps } from "./spaces.service.js";
import * as throttle from "./spaces.throttle.js";

/** Figures of the recovery paths (api.md « Recovery »). */
export const RECOVERY_RULES = {
  resetLinkValidityMs: 30 * MINUTE,
  /** Reset links mailed per address per hour (more asks still get 202, and no mail). */
  resetLinksPerHour: 3,
  /** New device codes per address per 15 minutes; beyond: 429. */
  deviceCodesPer15Min: 3,
  /** New space codes per address per hour (more asks still get 202, and no mail). */
  spaceCodesPerHour: 3,
};

type Kind = "password_reset" | "device_code" | "space_code";

/**
 * Counts one more ask for `identifier` (an address, known or not: the limit reveals nothing) and says whether it
 * is within `max` over the window. The count and the new row are one statement.
 */
async function withinLimit(
  db: Executor,
  kind: Kind,
  identifier: string,
  now: Date,
  windowMs: number,
  max: number,
): Promise<{ ok: boolean; retryAfterSeconds: number }> {
  const since = new Date(now.getTime() - windowMs);
  const rows = await sql<{ n: number; oldest: Date | null }>`
    WITH recent AS (SELECT at FROM recovery_requests WHERE kind = ${kind} AND identifier = ${identifier} AND at > ${since}),
    added AS (INSERT INTO recovery_requests (kind, identifier, at) SELECT ${kind}, ${identifier}, ${now} WHERE (SELECT count(*) FROM recent) < ${max} RETURNING at)
    SELECT (SELECT count(*)::int FROM recent) AS n, (SELECT min(at) FROM recent) AS oldest`.execute(db);
  const { n, oldest } = rows.rows[0]!;
  const retryAfterSeconds = oldest ? Math.max(1, Math.ceil((oldest.getTime() + windowMs - now.getTime()) / 1000)) : 1;
  return { ok: n < max, retryAfterSeconds };
}

/**
 * « Mot de passe oublié » : mails a single-use link (30 minutes) to the connection address of an active space; it
 * voids the links asked before it.
 * The answer is the same whether the address exists or not; the work differs only by a row and a queued mail.
 */
export async function requestPasswordReset(deps: SpacesDeps & { publicUrl: string }, input: { email: string; ip: string }): Promise<void> {
  const email = normaliseEmail(input.email);
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    const allowed = await withinLimit(tx, "password_reset", email, now, HOUR, RECOVERY_RULES.resetLinksPerHour);
    const space = await repo.findSpaceByEmail(tx, email);
    if (!allowed.ok || !space || space.status !== "active") return;
    const token = randomToken();
    const expiresAt = new Date(now.getTime() + RECOVERY_RULES.resetLinkValidityMs);
    // Only the newest link works: the earlier unused ones are voided (a mailbox read later cannot use an old one).
    await tx.deleteFrom("password_resets").where("space_id", "=", space.id).where("used_at", "is", null).execute();
    await tx
      .insertInto("password_resets")
      .values({ token_hash: sha256Hex(token), space_id: space.id, created_at: now, expires_at: expiresAt, used_at: null })
      .execute();
    await queueMail(
      tx,
      now,
      passwordResetMail({ to: space.connection_email, firstName: space.first_name, link: `${deps.publicUrl}/mot-de-passe-oublie/nouveau#${token}`, expiresAt }),
    );
    await appendJournal(tx, now, {
      actor: { kind: "anonymous" },
      action: "space.password_reset_requested",
      subject: { type: "space", id: space.id },
      data: { ip: input.ip },
    });
  });
}

const linkGone = () =>
  new DomainError(
    "gone",
    "reset_link_invalid",
    "Ce lien n'est plus valable (déjà utilisé, remplacé par un lien plus récent, ou vieux de plus de 30 minutes) : utilisez le dernier lien reçu, ou demandez-en un nouveau.",
  );

/**
 * Sets a new password with the link's token: the token is used once; every session of the space is closed, the
 * other reset links voided, the sign-in back-off lifted, the person told by mail, the change journaled.
 */
export async function confirmPasswordReset(deps: SpacesDeps, input: { token: string; password: string; ip: string }): Promise<{ status: "password_changed" }> {
  const now = deps.clock.now();
  const tokenHash = sha256Hex(input.token);
  const pending = await deps.db
    .selectFrom("password_resets")
    .select(["space_id", "expires_at", "used_at"])
    .where("token_hash", "=", tokenHash)
    .executeTakeFirst();
  if (!pending || pending.used_at || pending.expires_at <= now) throw linkGone();
  const space = await repo.findSpaceById(deps.db, pending.space_id);
  if (!space) throw linkGone();
  const company = await getCompany(deps.db, space.entity_siren);
  assertPasswordAccepted(input.password, {
    email: space.connection_email,
    siren: space.entity_siren,
    companyName: company?.name ?? "",
    firstName: space.first_name,
    lastName: space.last_name,
  });
  const passwordHash = await deps.hasher.hash(input.password);
  const done = await deps.db.transaction().execute(async (tx) => {
    // Used once, even by two clicks at the same instant: the row is claimed under the condition.
    const claimed = await tx
      .updateTable("password_resets")
      .set({ used_at: now })
      .where("token_hash", "=", tokenHash)
      .where("used_at", "is", null)
      .where("expires_at", ">", now)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) return false;
    await tx.updateTable("spaces").set({ password_hash: passwordHash }).where("id", "=", space.id).execute();
    const closed = await tx.deleteFrom("sessions").where("kind", "=", "person").where("subject_id", "=", space.id).executeTakeFirst();
    await tx.updateTable("password_resets").set({ used_at: now }).where("space_id", "=", space.id).where("used_at", "is", null).execute();
    await throttle.clearFailures(tx, "person", space.connection_email);
    await queueMail(tx, now, passwordChangedMail({ to: space.connection_email, firstName: space.first_name, at: now }));
    await appendJournal(tx, now, {
      actor: { kind: "person", id: space.id },
      action: "space.password_reset",
      subject: { type: "space", id: space.id },
      data: { ip: input.ip, sessionsClosed: Number(closed.numDeletedRows) },
    });
    return true;
  });
  if (!done) throw linkGone();
  return { status: "password_changed" };
}

/**
 * « Renvoyer le code » of a sign-in from a new device: a new 6-digit code replaces the previous one (void),
 * only while a sign-in with the right password awaits it. 202 whatever the address; more than 3 asks in 15 minutes
 * for one address: 429.
 */
export async function resendDeviceCode(deps: SpacesDeps, input: { email: string; ip: string }): Promise<void> {
  const email = normaliseEmail(input.email);
  const now = deps.clock.now();
  const refused = await deps.db.transaction().execute(async (tx) => {
    const allowed = await withinLimit(tx, "device_code", email, now, 15 * MINUTE, RECOVERY_RULES.deviceCodesPer15Min);
    if (!allowed.ok) return allowed.retryAfterSeconds;
    const space = await repo.findSpaceByEmail(tx, email);
    if (!space || space.status !== "active" || !(await repo.codeExists(tx, "device_challenges", space.id))) return 0;
    const code = randomDigits(6);
    const expiresAt = new Date(now.getTime() + SPACE_RULES.deviceCodeValidityMs);
    await repo.putCode(tx, "device_challenges", space.id, hashCode(DEVICE_CODE, space.id, code), expiresAt);
    await queueMail(tx, now, deviceCodeMail({ to: space.connection_email, firstName: space.first_name, code, expiresAt }));
    await appendJournal(tx, now, {
      actor: { kind: "anonymous" },
      action: "session.device_code_resent",
      subject: { type: "space", id: space.id },
      data: { ip: input.ip },
    });
    return 0;
  });
  if (refused > 0) {
    throw new DomainError(
      "rate_limited",
      "too_many_codes",
      `Trois codes ont déjà été envoyés à cette adresse : réessayez dans ${Math.ceil(refused / 60)} min.`,
      { retryAfterSeconds: refused },
      refused,
    );
  }
}

/** « Renvoyer le code » of a space being created: a new 8-character code (48 h) replaces the previous one. */
export async function resendSpaceCode(deps: SpacesDeps, input: { connectionEmail: string }): Promise<void> {
  const email = normaliseEmail(input.connectionEmail);
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    const allowed = await withinLimit(tx, "space_code", email, now, HOUR, RECOVERY_RULES.spaceCodesPerHour);
    const space = await repo.findSpaceByEmail(tx, email);
    if (!allowed.ok || !space || space.status !== "pending_email_verification" || !(await repo.codeExists(tx, "space_email_codes", space.id))) return;
    const code = randomCrockford(SPACE_RULES.emailCodeLength);
    const expiresAt = new Date(now.getTime() + SPACE_RULES.emailCodeValidityMs);
    await repo.putCode(tx, "space_email_codes", space.id, hashCode(EMAIL_CODE, space.id, code), expiresAt);
    await queueMail(
      tx,
      now,
      spaceVerificationCodeMail({ to: email, firstName: space.first_name, code: formatGrouped(code), expiresAt, subscriberNumber: space.subscriber_number }),
    );
    await appendJournal(tx, now, { actor: { kind: "anonymous" }, action: "space.code_resent", subject: { type: "space", id: space.id } });
  });
}

/** Housekeeping: reset links and recovery counts older than a day are of no use. */
export async function purgeRecovery(deps: Pick<SpacesDeps, "db" | "clock">): Promise<void> {
  const before = new Date(deps.clock.now().getTime() - 24 * HOUR);
  await deps.db.deleteFrom("password_resets").where("created_at", "<", before).execute();
  await deps.db.deleteFrom("recovery_requests").where("at", "<", before).execute();
}
