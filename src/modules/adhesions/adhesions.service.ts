import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { DB, Row } from "../../platform/db/schema.js";
import type { Tx } from "../../platform/db/database.js";
import type { Clock } from "../../platform/clock.js";
import { DAY, HOUR } from "../../platform/clock.js";
import type { Sealer } from "../../platform/crypto.js";
import { formatGrouped, hashCode, normaliseCrockford, randomCrockford, randomToken, safeEqual, sha256Hex } from "../../platform/crypto.js";
import { DomainError } from "../../platform/errors.js";
import { getCompanyDetails, type CompanyDetails } from "../companies/index.js";
import { ceasedCompany, getSpaces, normaliseEmail, unknownCompany, type PasswordHasher } from "../spaces/index.js";
import { appendJournal, type Actor } from "../journal/index.js";
import { companyEmailLinkMail, queueMail } from "../mail/index.js";
import { addressBlock, issueLetter, voidPendingLettersOf } from "../letters/index.js";
import * as repo from "./adhesions.repository.js";
import * as errors from "./adhesions.errors.js";
import { orderedServices, QUALITY_LABELS, serviceLabel, type Quality, type ServiceCode } from "./adhesions.catalogue.js";
import type { RightsPort } from "./adhesions.ports.js";
import { assertAdhesionQuota, lockQuotas } from "./adhesions.quota.js";

export type AdhesionsDeps = { db: Kysely<DB>; clock: Clock; hasher: PasswordHasher; sealer: Sealer; publicUrl: string; rights: RightsPort };

/** Figures of product §4–§6. */
export const ADHESION_RULES = {
  linkValidityMs: 72 * HOUR,
  codeValidityMs: 60 * DAY,
  maxCodeAttempts: 5,
  maxPendingOutsidePortfolio: 3,
  pendingWindowMs: DAY,
  maxLettersPerSiren: 3,
  letterWindowMs: 30 * DAY,
  oppositionBlockMs: 90 * DAY,
  maxOppositionFailuresPerDay: 5,
};

const ACTIVATION = "activation";
export const OPPOSITION = "opposition";

export async function requireCompany(db: Kysely<DB> | Tx, siren: string): Promise<CompanyDetails> {
  const company = await getCompanyDetails(db, siren);
  if (!company) throw unknownCompany(siren);
  if (!company.isActive) throw ceasedCompany(siren);
  return company;
}

/** Refuses a request that would send a 4th letter to the SIREN within 30 days (letter flooding). */
export async function assertLetterQuota(db: Kysely<DB> | Tx, siren: string, now: Date): Promise<void> {
  const dates = await repo.lettersPromisedTo(db, siren, new Date(now.getTime() - ADHESION_RULES.letterWindowMs));
  if (dates.length >= ADHESION_RULES.maxLettersPerSiren) {
    throw errors.letterQuotaReached(new Date(dates[dates.length - ADHESION_RULES.maxLettersPerSiren]!.getTime() + ADHESION_RULES.letterWindowMs));
  }
}

/** Creates a 72-hour link to verify an address for a company; only its hash is stored. */
export async function sendCompanyEmailLink(
  tx: Tx,
  deps: Pick<AdhesionsDeps, "publicUrl">,
  now: Date,
  p: {
    siren: string;
    companyName: string;
    email: string;
    purpose: "adhesion" | "change";
    requestedBy: string;
    requesterName: string;
    adhesionId: string | null;
  },
): Promise<void> {
  const token = randomToken();
  const expiresAt = new Date(now.getTime() + ADHESION_RULES.linkValidityMs);
  await repo.insertLink(tx, {
    id: randomUUID(),
    token_hash: sha256Hex(token),
    siren: p.siren,
    email: p.email,
    purpose: p.purpose,
    requested_by: p.requestedBy,
    adhesion_id: p.adhesionId,
    created_at: now,
    expires_at: expiresAt,
    consumed_at: null,
  });
  await queueMail(
    tx,
    now,
    companyEmailLinkMail({
      to: p.email,
      companyName: p.companyName,
      siren: p.siren,
      link: `${deps.publicUrl}/company-email/confirm?token=${token}`,
      expiresAt,
      purpose: p.purpose,
      requester: p.requesterName,
    }),
  );
  await appendJournal(tx, now, {
    actor: { kind: "person", id: p.requestedBy },
    action: "company_email.link_sent",
    subject: { type: "company", id: p.siren },
    data: { email: p.email, purpose: p.purpose, adhesionId: p.adhesionId },
  });
}

/**
 * Issues the activation letter of an adhesion (product §5): a 60-bit activation code and an opposition code,
 * stored hashed, printed on a letter sent to the registered address from the reference data.
 */
export async function issueActivationLetter(tx: Tx, deps: AdhesionsDeps, adhesion: Row<"adhesions">, now: Date): Promise<void> {
  const company = await requireCompany(tx, adhesion.siren);
  const [requester] = await getSpaces(tx, [adhesion.space_id]);
  if (!requester) throw errors.adhesionNotFound();
  const entity = await getCompanyDetails(tx, requester.entity_siren);
  const companyEmail = (await repo.findCompanyEmail(tx, adhesion.siren))?.email ?? adhesion.declared_email;
  const activationCode = randomCrockford(12);
  const oppositionCode = randomCrockford(8);
  const codeExpiresAt = new Date(now.getTime() + ADHESION_RULES.codeValidityMs);
  await repo.updateAdhesion(tx, adhesion.id, {
    status: "letter_issued",
    letter_issued_at: now,
    code_hash: hashCode(ACTIVATION, adhesion.id, activationCode),
    code_expires_at: codeExpiresAt,
    code_attempts: 0,
    opposition_hash: hashCode(OPPOSITION, adhesion.siren, oppositionCode),
  });
  const addressLines = addressBlock({
    recipient: company.name,
    attention: company.legalRepresentative
      ? `${company.legalRepresentative.firstName ?? ""} ${company.legalRepresentative.lastName}`.trim()
      : "Représentant légal",
    ...(company.address ?? {}),
  });
  const letter = await issueLetter(tx, deps.sealer, now, {
    kind: "activation",
    siren: adhesion.siren,
    adhesionId: adhesion.id,
    addressLines,
    fields: {
      companyName: company.name,
      siren: adhesion.siren,
      requester: {
        fullName: `${requester.first_name} ${requester.last_name}`,
        connectionEmail: requester.connection_email,
        entityName: entity?.name ?? requester.entity_siren,
        entitySiren: requester.entity_siren,
      },
      quality: QUALITY_LABELS[adhesion.quality],
      services: adhesion.services.map(serviceLabel),
      companyEmail,
      activationCode: formatGrouped(activationCode),
      validUntil: codeExpiresAt.toISOString(),
      oppositionCode: formatGrouped(oppositionCode),
      oppositionUrl: `${deps.publicUrl}/opposition`,
    },
  });
  await appendJournal(tx, now, {
    actor: { kind: "system" },
    action: "letter.issued",
    subject: { type: "adhesion", id: adhesion.id },
    data: { siren: adhesion.siren, letterId: letter.id, letterNumber: letter.number, kind: "activation", codeExpiresAt: codeExpiresAt.toISOString() },
  });
}

type AdhesionInput = { siren: string; quality: Quality; services: ServiceCode[]; companyEmail?: string | undefined };

/**
 * Opens an adhesion in the caller's transaction: the 72-hour link to the declared company address first when
 * `messagerie` is asked and the company has no verified address, otherwise the letter at once.
 */
export async function openAdhesion(
  tx: Tx,
  deps: AdhesionsDeps,
  now: Date,
  spaceId: string,
  requesterName: string,
  origin: "simplified" | "expert",
  input: AdhesionInput,
  company: CompanyDetails,
) {
  const services = orderedServices(input.services);
  const verified = await repo.findCompanyEmail(tx, input.siren);
  const needsLink = services.includes("messagerie") && !verified;
  if (needsLink && !input.companyEmail) throw errors.companyEmailRequired();
  const declaredEmail = needsLink ? normaliseEmail(input.companyEmail!) : null;
  const id = randomUUID();
  await repo.insertAdhesion(tx, {
    id,
    space_id: spaceId,
    siren: input.siren,
    origin,
    quality: input.quality,
    services: JSON.stringify(services),
    declared_email: declaredEmail,
    status: needsLink ? "awaiting_company_email" : "letter_issued",
    created_at: now,
    letter_issued_at: null,
    activated_at: null,
    ended_at: null,
    code_hash: null,
    code_expires_at: null,
    code_attempts: 0,
    opposition_hash: null,
  });
  await appendJournal(tx, now, {
    actor: { kind: "person", id: spaceId },
    action: "adhesion.requested",
    subject: { type: "adhesion", id },
    data: { siren: input.siren, origin, quality: input.quality, services, declaredEmail },
  });
  if (needsLink) {
    await sendCompanyEmailLink(tx, deps, now, {
      siren: input.siren,
      companyName: company.name,
      email: declaredEmail!,
      purpose: "adhesion",
      requestedBy: spaceId,
      requesterName,
      adhesionId: id,
    });
  } else {
    const row = await repo.findAdhesion(tx, id);
    await issueActivationLetter(tx, deps, row!, now);
  }
  return { id, status: needsLink ? ("awaiting_company_email" as const) : ("letter_issued" as const) };
}

/** Expert-mode adhesion (product §4) by a signed-in person. */
export async function requestAdhesion(
  deps: AdhesionsDeps,
  spaceId: string,
  input: AdhesionInput,
  options: { allowance?: number; onOpened?: (tx: Tx, opened: { id: string; status: string }) => Promise<void> } = {},
) {
  const company = await requireCompany(deps.db, input.siren);
  const now = deps.clock.now();
  const block = await repo.findBlock(deps.db, spaceId, input.siren, now);
  if (block) throw errors.blockedByOpposition(block.until);
  if (await repo.findPendingOf(deps.db, spaceId, input.siren)) throw errors.adhesionPending();
  const [me] = await getSpaces(deps.db, [spaceId]);
  try {
    return await deps.db.transaction().execute(async (tx) => {
      // Flooding: 3 pending adhesions outside the person's portfolio per 24 hours, 200 for a firm's administrator;
      // 3 letters to a SIREN in 30 days. Counted under the person's and the SIREN's locks, so that simultaneous
      // requests, through any number of processes, never pass the figures.
      await lockQuotas(tx, spaceId, input.siren);
      await assertAdhesionQuota({ ...deps, db: tx }, spaceId, input.siren, now, options.allowance);
      await assertLetterQuota(tx, input.siren, now);
      const opened = await openAdhesion(tx, deps, now, spaceId, `${me!.first_name} ${me!.last_name}`, "expert", input, company);
      await options.onOpened?.(tx, opened);
      return opened;
    });
  } catch (error) {
    // Two requests at the same instant: the partial unique index lets one through.
    if ((error as { code?: string }).code === "23505") throw errors.adhesionPending();
    throw error;
  }
}

export type Verdict = { ok: true } | { ok: false; error: DomainError };

/**
 * Activates an adhesion with the letter's code (product §5). Attempts are serialised on the adhesion row: of 20
 * simultaneous correct entries exactly one succeeds (the others see it active: 409), and 20 wrong ones never get
 * past the 5th.
 */
export async function activateAdhesion(deps: AdhesionsDeps, spaceId: string, id: string, typedCode: string) {
  const code = normaliseCrockford(typedCode);
  if (code === null || code.length !== 12) {
    throw new DomainError("invalid", "invalid_code_format", "Le code d'activation comporte 12 caractères (chiffres et lettres), au format XXXX-XXXX-XXXX.");
  }
  const now = deps.clock.now();
  const verdict: Verdict = await deps.db.transaction().execute(async (tx): Promise<Verdict> => {
    const a = await repo.lockAdhesion(tx, id);
    if (!a || a.space_id !== spaceId) return { ok: false, error: errors.adhesionNotFound() };
    if (a.status === "active") return { ok: false, error: new DomainError("conflict", "adhesion_already_active", "Cette adhésion est déjà active.") };
    if (a.status === "awaiting_company_email") {
      return {
        ok: false,
        error: new DomainError(
          "conflict",
          "letter_not_issued",
          "Le courrier n'a pas encore été envoyé : l'adresse électronique de l'entreprise doit d'abord être confirmée.",
        ),
      };
    }
    if (a.status === "voided")
      return {
        ok: false,
        error: new DomainError("gone", "activation_code_voided", "Ce code est annulé après 5 saisies erronées : présentez une nouvelle demande d'adhésion."),
      };
    if (a.status !== "letter_issued") return { ok: false, error: new DomainError("gone", "adhesion_ended", "Cette demande d'adhésion n'est plus en cours.") };
    const actor: Actor = { kind: "person", id: spaceId };
    if (!a.code_expires_at || a.code_expires_at <= now) {
      await repo.updateAdhesion(tx, id, { status: "expired", ended_at: now, code_hash: null });
      await appendJournal(tx, now, { actor, action: "adhesion.expired", subject: { type: "adhesion", id } });
      return {
        ok: false,
        error: new DomainError("gone", "activation_code_expired", "Ce code a expiré (60 jours) : présentez une nouvelle demande d'adhésion."),
      };
    }
    if (!a.code_hash || !safeEqual(hashCode(ACTIVATION, id, code), a.code_hash)) {
      const attempts = a.code_attempts + 1;
      const attemptsLeft = ADHESION_RULES.maxCodeAttempts - attempts;
      await repo.updateAdhesion(
        tx,
        id,
        attemptsLeft <= 0 ? { code_attempts: attempts, status: "voided", ended_at: now, code_hash: null } : { code_attempts: attempts },
      );
      await appendJournal(tx, now, { actor, action: "adhesion.code_rejected", subject: { type: "adhesion", id }, data: { attemptsLeft } });
      if (attemptsLeft <= 0) {
        await voidPendingLettersOf(tx, id);
        return {
          ok: false,
          error: new DomainError(
            "gone",
            "activation_code_voided",
            "Code incorrect pour la 5e fois : il est annulé. Présentez une nouvelle demande d'adhésion.",
          ),
        };
      }
      return { ok: false, error: new DomainError("refused", "invalid_activation_code", "Code d'activation incorrect.", { attemptsLeft }) };
    }
    await repo.updateAdhesion(tx, id, { status: "active", activated_at: now, code_hash: null });
    await deps.rights.grantAdministrator(tx, { spaceId, siren: a.siren, services: a.services, adhesionId: id, at: now });
    await appendJournal(tx, now, { actor, action: "adhesion.activated", subject: { type: "adhesion", id }, data: { siren: a.siren, services: a.services } });
    return { ok: true };
  });
  if (!verdict.ok) throw verdict.error;
  return { status: "active" as const };
}

/** Cancels one of the person's pending adhesions: its code and unprinted letters are voided. */
export async function cancelAdhesion(deps: AdhesionsDeps, spaceId: string, id: string): Promise<void> {
  const now = deps.clock.now();
  const verdict = await deps.db.transaction().execute(async (tx): Promise<Verdict> => {
    const a = await repo.lockAdhesion(tx, id);
    if (!a || a.space_id !== spaceId) return { ok: false, error: errors.adhesionNotFound() };
    if (!repo.PENDING.includes(a.status))
      return { ok: false, error: new DomainError("conflict", "adhesion_not_pending", "Seule une demande en cours peut être annulée.") };
    await repo.updateAdhesion(tx, id, { status: "cancelled", ended_at: now, code_hash: null, opposition_hash: null });
    await voidPendingLettersOf(tx, id);
    await appendJournal(tx, now, { actor: { kind: "person", id: spaceId }, action: "adhesion.cancelled", subject: { type: "adhesion", id } });
    return { ok: true };
  });
  if (!verdict.ok) throw verdict.error;
}

/** Ends adhesions whose code (60 days) or company e-mail link (72 hours) ran out (housekeeping). */
export async function expireAdhesions(deps: Pick<AdhesionsDeps, "db" | "clock">): Promise<number> {
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (tx) => {
    const ended = await repo.expireStale(tx, now, ADHESION_RULES.linkValidityMs);
    for (const a of ended)
      await appendJournal(tx, now, {
        actor: { kind: "system" },
        action: "adhesion.expired",
        subject: { type: "adhesion", id: a.id },
        data: { siren: a.siren },
      });
    return ended.length;
  });
}
