import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { DB, Row } from "../../platform/db/schema.js";
import type { Tx } from "../../platform/db/database.js";
import type { Clock } from "../../platform/clock.js";
import { DAY, HOUR } from "../../platform/clock.js";
import type { Sealer } from "../../platform/crypto.js";
import { formatGrouped, hashCode, normaliseCrockford, randomCrockford, randomToken, safeEqual, sha256Hex } from "../../platform/crypto.js";
import { DomainError } from "../../platform/errors.js";
import { decodeKeyset, encodeKeyset } from "../../platform/cursor.js";
import { parisDay, parisDayEnd } from "../../platform/paris.js";
import { findManagingSie, getCompanies, getCompanyDetails, type CompanyDetails } from "../companies/index.js";
import {
  activateSpaceByLink,
  assertPasswordAccepted,
  ceasedCompany,
  getSpaces,
  inCreationTransaction,
  normaliseEmail,
  openPendingSpace,
  unknownCompany,
  type CreateSpaceInput,
  type PasswordHasher,
} from "../spaces/index.js";
import { appendJournal, type Actor } from "../journal/index.js";
import { companyEmailChangedMail, companyEmailLinkMail, oppositionNoticeMail, queueMail } from "../mail/index.js";
import { addressBlock, issueLetter, lettersOfAdhesions, voidPendingLettersOf } from "../letters/index.js";
import * as repo from "./adhesions.repository.js";
import * as errors from "./adhesions.errors.js";
import { orderedServices, QUALITY_LABELS, SERVICE_CODES, serviceLabel, type Quality, type ServiceCode } from "./adhesions.catalogue.js";
import type { RightsPort } from "./adhesions.ports.js";
import { assertAdhesionQuota, suspendBulkRightAfterOppositions } from "./adhesions.quota.js";

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
const OPPOSITION = "opposition";

export type AdhesionView = {
  id: string;
  siren: string;
  companyName: string;
  origin: "simplified" | "expert";
  quality: Quality;
  services: string[];
  declaredCompanyEmail: string | null;
  status: Row<"adhesions">["status"];
  createdAt: Date;
  letterIssuedAt: Date | null;
  codeExpiresAt: Date | null;
  attemptsLeft: number | null;
  activatedAt: Date | null;
  endedAt: Date | null;
  letters: { number: string; status: string; editedAt: Date; postedAt: Date | null }[];
};

async function requireCompany(db: Kysely<DB> | Tx, siren: string): Promise<CompanyDetails> {
  const company = await getCompanyDetails(db, siren);
  if (!company) throw unknownCompany(siren);
  if (!company.isActive) throw ceasedCompany(siren);
  return company;
}

/** Refuses a request that would send a 4th letter to the SIREN within 30 days (letter flooding). */
async function assertLetterQuota(db: Kysely<DB> | Tx, siren: string, now: Date): Promise<void> {
  const dates = await repo.lettersPromisedTo(db, siren, new Date(now.getTime() - ADHESION_RULES.letterWindowMs));
  if (dates.length >= ADHESION_RULES.maxLettersPerSiren) {
    throw errors.letterQuotaReached(new Date(dates[dates.length - ADHESION_RULES.maxLettersPerSiren]!.getTime() + ADHESION_RULES.letterWindowMs));
  }
}

/** Creates a 72-hour link to verify an address for a company; only its hash is stored. */
async function sendCompanyEmailLink(
  tx: Tx,
  deps: Pick<AdhesionsDeps, "publicUrl">,
  now: Date,
  p: { siren: string; companyName: string; email: string; purpose: "adhesion" | "change"; requestedBy: string; requesterName: string; adhesionId: string | null },
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
async function issueActivationLetter(tx: Tx, deps: AdhesionsDeps, adhesion: Row<"adhesions">, now: Date): Promise<void> {
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
async function openAdhesion(tx: Tx, deps: AdhesionsDeps, now: Date, spaceId: string, requesterName: string, origin: "simplified" | "expert", input: AdhesionInput, company: CompanyDetails) {
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
    await sendCompanyEmailLink(tx, deps, now, { siren: input.siren, companyName: company.name, email: declaredEmail!, purpose: "adhesion", requestedBy: spaceId, requesterName, adhesionId: id });
  } else {
    const row = await repo.findAdhesion(tx, id);
    await issueActivationLetter(tx, deps, row!, now);
  }
  return { id, status: needsLink ? ("awaiting_company_email" as const) : ("letter_issued" as const) };
}

/**
 * Simplified mode (product §3): a person creates a space for their own company, which has no online service yet.
 * The link goes to the company address; its confirmation sends the letter for every service of the catalogue.
 */
export async function createSimplifiedSpace(deps: AdhesionsDeps, input: CreateSpaceInput) {
  if (!input.companyEmail) throw errors.companyEmailRequired();
  const company = await requireCompany(deps.db, input.siren);
  if (await repo.hasActiveAdhesion(deps.db, input.siren)) throw errors.companyAlreadyAdhered(input.siren);
  const connectionEmail = normaliseEmail(input.connectionEmail);
  const companyEmail = normaliseEmail(input.companyEmail);
  assertPasswordAccepted(input.password, { email: connectionEmail, siren: input.siren, companyName: company.name, firstName: input.firstName, lastName: input.lastName });
  const now = deps.clock.now();
  await assertLetterQuota(deps.db, input.siren, now);
  const passwordHash = await deps.hasher.hash(input.password);
  return inCreationTransaction(deps.db, async (tx) => {
    // The code verifies the connection address unless the company-address link will do it (same address, and a
    // link is indeed sent: the company has no verified address yet).
    const linkWillVerify = connectionEmail === companyEmail && !(await repo.findCompanyEmail(tx, input.siren));
    const space = await openPendingSpace(tx, now, { ...input, passwordHash, sendVerificationCode: !linkWillVerify });
    const adhesion = await openAdhesion(
      tx,
      deps,
      now,
      space.spaceId,
      `${input.firstName.trim()} ${input.lastName.trim()}`,
      "simplified",
      { siren: input.siren, quality: "legal_representative", services: [...SERVICE_CODES], companyEmail },
      company,
    );
    return { ...space, adhesionId: adhesion.id };
  });
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
  // Flooding: 3 pending adhesions outside the person's portfolio per 24 hours, 200 for a firm's administrator.
  await assertAdhesionQuota(deps, spaceId, input.siren, now, options.allowance);
  await assertLetterQuota(deps.db, input.siren, now);
  const [me] = await getSpaces(deps.db, [spaceId]);
  try {
    return await deps.db.transaction().execute(async (tx) => {
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

/** The views of adhesions; `letters` when the caller already read them (else read here, in one query). */
async function toView(deps: Pick<AdhesionsDeps, "db">, rows: Row<"adhesions">[], letters?: Awaited<ReturnType<typeof lettersOfAdhesions>>): Promise<AdhesionView[]> {
  const [companies, lettersOf] = await Promise.all([
    getCompanies(deps.db, [...new Set(rows.map((r) => r.siren))]),
    letters ?? lettersOfAdhesions(deps.db, rows.map((r) => r.id)),
  ]);
  return rows.map((r) => ({
      id: r.id,
      siren: r.siren,
      companyName: companies.get(r.siren)?.name ?? r.siren,
      origin: r.origin,
      quality: r.quality,
      services: r.services,
      declaredCompanyEmail: r.declared_email,
      status: r.status,
      createdAt: r.created_at,
      letterIssuedAt: r.letter_issued_at,
      codeExpiresAt: r.code_expires_at,
      attemptsLeft: r.status === "letter_issued" ? ADHESION_RULES.maxCodeAttempts - r.code_attempts : null,
      activatedAt: r.activated_at,
      endedAt: r.ended_at,
      letters: (lettersOf.get(r.id) ?? []).map((l) => ({ number: l.number, status: l.status, editedAt: l.edited_at, postedAt: l.posted_at })),
    }));
}

/** A page of the person's adhesions, newest first; `total` counts them all (for the filter asked). */
export async function listAdhesions(
  deps: Pick<AdhesionsDeps, "db">,
  spaceId: string,
  options: { status?: "pending" | "ended" | undefined; limit: number; cursor?: string | undefined },
): Promise<{ items: AdhesionView[]; nextCursor: string | null; total: number }> {
  const after = options.cursor ? decodeKeyset(options.cursor) : undefined;
  const [rows, total] = await Promise.all([repo.listAdhesionsOf(deps.db, spaceId, { status: options.status, limit: options.limit + 1, after }), repo.countAdhesionsOf(deps.db, spaceId, options.status)]);
  const page = rows.slice(0, options.limit);
  const last = page[page.length - 1];
  return {
    items: await toView(deps, page),
    nextCursor: rows.length > options.limit && last ? encodeKeyset(last.created_at, last.id) : null,
    total,
  };
}

/** One of the person's adhesions; another person's answers 404. */
export async function getAdhesion(deps: Pick<AdhesionsDeps, "db">, spaceId: string, id: string): Promise<AdhesionView> {
  const row = await repo.findAdhesion(deps.db, id);
  if (!row || row.space_id !== spaceId) throw errors.adhesionNotFound();
  return (await toView(deps, [row]))[0]!;
}

type Verdict = { ok: true } | { ok: false; error: DomainError };

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
      return { ok: false, error: new DomainError("conflict", "letter_not_issued", "Le courrier n'a pas encore été envoyé : l'adresse électronique de l'entreprise doit d'abord être confirmée.") };
    }
    if (a.status === "voided") return { ok: false, error: new DomainError("gone", "activation_code_voided", "Ce code est annulé après 5 saisies erronées : présentez une nouvelle demande d'adhésion.") };
    if (a.status !== "letter_issued") return { ok: false, error: new DomainError("gone", "adhesion_ended", "Cette demande d'adhésion n'est plus en cours.") };
    const actor: Actor = { kind: "person", id: spaceId };
    if (!a.code_expires_at || a.code_expires_at <= now) {
      await repo.updateAdhesion(tx, id, { status: "expired", ended_at: now, code_hash: null });
      await appendJournal(tx, now, { actor, action: "adhesion.expired", subject: { type: "adhesion", id } });
      return { ok: false, error: new DomainError("gone", "activation_code_expired", "Ce code a expiré (60 jours) : présentez une nouvelle demande d'adhésion.") };
    }
    if (!a.code_hash || !safeEqual(hashCode(ACTIVATION, id, code), a.code_hash)) {
      const attempts = a.code_attempts + 1;
      const attemptsLeft = ADHESION_RULES.maxCodeAttempts - attempts;
      await repo.updateAdhesion(tx, id, attemptsLeft <= 0 ? { code_attempts: attempts, status: "voided", ended_at: now, code_hash: null } : { code_attempts: attempts });
      await appendJournal(tx, now, { actor, action: "adhesion.code_rejected", subject: { type: "adhesion", id }, data: { attemptsLeft } });
      if (attemptsLeft <= 0) {
        await voidPendingLettersOf(tx, id);
        return { ok: false, error: new DomainError("gone", "activation_code_voided", "Code incorrect pour la 5e fois : il est annulé. Présentez une nouvelle demande d'adhésion.") };
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
    if (!repo.PENDING.includes(a.status)) return { ok: false, error: new DomainError("conflict", "adhesion_not_pending", "Seule une demande en cours peut être annulée.") };
    await repo.updateAdhesion(tx, id, { status: "cancelled", ended_at: now, code_hash: null, opposition_hash: null });
    await voidPendingLettersOf(tx, id);
    await appendJournal(tx, now, { actor: { kind: "person", id: spaceId }, action: "adhesion.cancelled", subject: { type: "adhesion", id } });
    return { ok: true };
  });
  if (!verdict.ok) throw verdict.error;
}


/**
 * Opposition (product §5), without sign-in: the company stops an adhesion with the code of its letter. The
 * adhesion is cancelled, its code voided, its rights revoked; the requester is told and blocked for 90 days;
 * the company's tax office gets an alert. Five wrong codes per SIREN per day.
 */
export async function opposeAdhesion(deps: AdhesionsDeps, input: { siren: string; oppositionCode: string; ip: string }) {
  const code = normaliseCrockford(input.oppositionCode);
  if (code === null || code.length !== 8) throw new DomainError("invalid", "invalid_code_format", "Le code d'opposition comporte 8 caractères, au format XXXX-XXXX.");
  const now = deps.clock.now();
  const day = parisDay(now);
  if ((await repo.oppositionFailuresToday(deps.db, input.siren, day)) >= ADHESION_RULES.maxOppositionFailuresPerDay) {
    const tomorrow = parisDayEnd(day).getTime();
    const seconds = Math.ceil((tomorrow - now.getTime()) / 1000);
    throw new DomainError("rate_limited", "too_many_opposition_attempts", "Trop de codes d'opposition erronés aujourd'hui pour cette entreprise. Réessayez demain.", { retryAfterSeconds: seconds }, seconds);
  }
  const hash = hashCode(OPPOSITION, input.siren, code);
  const verdict = await deps.db.transaction().execute(async (tx): Promise<Verdict> => {
    const a = await repo.findByOppositionHash(tx, input.siren, hash);
    if (!a || !["letter_issued", "active"].includes(a.status)) return { ok: false, error: new DomainError("refused", "invalid_opposition_code", "Code d'opposition incorrect.") };
    await repo.updateAdhesion(tx, a.id, { status: "opposed", ended_at: now, code_hash: null, opposition_hash: null });
    await voidPendingLettersOf(tx, a.id);
    const revoked = await deps.rights.revokeFromAdhesion(tx, a.id, now);
    const until = new Date(now.getTime() + ADHESION_RULES.oppositionBlockMs);
    await repo.putBlock(tx, a.space_id, a.siren, until, "opposition");
    await repo.insertOpposition(tx, { id: randomUUID(), adhesion_id: a.id, siren: a.siren, requester_space_id: a.space_id, created_at: now, ip: input.ip });
    const sie = await findManagingSie(tx, a.siren);
    const [requester] = await getSpaces(tx, [a.space_id]);
    const company = await getCompanyDetails(tx, a.siren);
    await repo.insertAlert(tx, {
      id: randomUUID(),
      siren: a.siren,
      service_code: sie?.code ?? null,
      kind: "opposition",
      adhesion_id: a.id,
      data: JSON.stringify({ requester: requester ? { name: `${requester.first_name} ${requester.last_name}`, email: requester.connection_email, entitySiren: requester.entity_siren } : null, wasActive: a.status === "active" }),
      created_at: now,
      handled_at: null,
    });
    await suspendBulkRightAfterOppositions(tx, now, a.space_id, requester);
    if (requester) {
      await queueMail(tx, now, oppositionNoticeMail({ to: requester.connection_email, firstName: requester.first_name, companyName: company?.name ?? a.siren, siren: a.siren, blockedUntil: until }));
    }
    await appendJournal(tx, now, {
      actor: { kind: "anonymous" },
      action: "adhesion.opposed",
      subject: { type: "adhesion", id: a.id },
      data: { siren: a.siren, requesterSpaceId: a.space_id, blockedUntil: until.toISOString(), rightsRevoked: revoked, taxOffice: sie?.code ?? null, ip: input.ip },
    });
    return { ok: true };
  });
  if (!verdict.ok) {
    const failures = await repo.addOppositionFailure(deps.db, input.siren, day);
    await deps.db.transaction().execute((tx) =>
      appendJournal(tx, now, { actor: { kind: "anonymous" }, action: "adhesion.opposition_rejected", subject: { type: "company", id: input.siren }, data: { failures, ip: input.ip } }),
    );
    throw new DomainError("refused", "invalid_opposition_code", "Code d'opposition incorrect.", { attemptsLeft: Math.max(0, ADHESION_RULES.maxOppositionFailuresPerDay - failures) });
  }
  return { status: "opposed" as const };
}

export type LinkInfo = { siren: string; companyName: string; email: string; purpose: "adhesion" | "change"; status: "valid" | "expired" | "used" };

/** What a company e-mail link is about, without consuming it (the page shown before the button). */
export async function describeCompanyEmailLink(deps: Pick<AdhesionsDeps, "db" | "clock">, token: string): Promise<LinkInfo> {
  const link = await repo.findLinkByHash(deps.db, sha256Hex(token));
  if (!link) throw new DomainError("gone", "link_invalid", "Ce lien n'est pas valable. Vérifiez qu'il est complet, ou demandez-en un nouveau.");
  const company = await getCompanies(deps.db, [link.siren]);
  return {
    siren: link.siren,
    companyName: company.get(link.siren)?.name ?? link.siren,
    email: link.email,
    purpose: link.purpose,
    status: link.consumed_at ? "used" : link.expires_at <= deps.clock.now() ? "expired" : "valid",
  };
}

/**
 * Confirms a company e-mail address (product §6): only this POST consumes the token. An adhesion waiting for it
 * gets its letter; a change of address takes effect, the old address is told and a notice letter goes out.
 */
export async function confirmCompanyEmail(deps: AdhesionsDeps, token: string, ip: string) {
  if (token.length < 20 || token.length > 100) throw new DomainError("gone", "link_invalid", "Ce lien n'est pas valable. Vérifiez qu'il est complet, ou demandez-en un nouveau.");
  const now = deps.clock.now();
  const verdict = await deps.db.transaction().execute(async (tx): Promise<Verdict & { siren?: string; email?: string }> => {
    const link = await repo.lockLinkByHash(tx, sha256Hex(token));
    if (!link) return { ok: false, error: new DomainError("gone", "link_invalid", "Ce lien n'est pas valable. Vérifiez qu'il est complet, ou demandez-en un nouveau.") };
    if (link.consumed_at) return { ok: false, error: new DomainError("gone", "link_used", "Ce lien a déjà été utilisé : l'adresse est confirmée.") };
    if (link.expires_at <= now) {
      return { ok: false, error: new DomainError("gone", "link_expired", "Ce lien a expiré (72 heures). Présentez une nouvelle demande depuis votre espace professionnel.") };
    }
    await repo.consumeLink(tx, link.id, now);
    const previous = await repo.findCompanyEmail(tx, link.siren);
    const actor: Actor = { kind: "anonymous", id: ip };
    if (link.purpose === "change") {
      await repo.setCompanyEmail(tx, link.siren, link.email, now);
      const company = await getCompanyDetails(tx, link.siren);
      const [by] = await getSpaces(tx, [link.requested_by]);
      const changedBy = by ? `${by.first_name} ${by.last_name}` : "un administrateur";
      if (previous && previous.email !== link.email) {
        await queueMail(tx, now, companyEmailChangedMail({ to: previous.email, companyName: company?.name ?? link.siren, siren: link.siren, newEmail: link.email, changedBy }));
      }
      const letter = await issueLetter(tx, deps.sealer, now, {
        kind: "email_change_notice",
        siren: link.siren,
        addressLines: addressBlock({ recipient: company?.name ?? link.siren, attention: "Représentant légal", ...(company?.address ?? {}) }),
        fields: {
          companyName: company?.name ?? link.siren,
          siren: link.siren,
          oldEmail: previous?.email ?? null,
          newEmail: link.email,
          changedBy: { fullName: changedBy, connectionEmail: by?.connection_email ?? "" },
          changedAt: now.toISOString(),
        },
      });
      await appendJournal(tx, now, {
        actor,
        action: "company_email.changed",
        subject: { type: "company", id: link.siren },
        data: { from: previous?.email ?? null, to: link.email, requestedBy: link.requested_by, noticeLetterId: letter.id },
      });
      return { ok: true, siren: link.siren, email: link.email };
    }
    // Adhesion: the first confirmed address becomes the company's; a later one never replaces it silently.
    if (!previous) await repo.setCompanyEmail(tx, link.siren, link.email, now);
    await appendJournal(tx, now, { actor, action: "company_email.verified", subject: { type: "company", id: link.siren }, data: { email: link.email, adhesionId: link.adhesion_id, applied: !previous } });
    const adhesion = link.adhesion_id ? await repo.lockAdhesion(tx, link.adhesion_id) : undefined;
    if (adhesion?.status === "awaiting_company_email") {
      await issueActivationLetter(tx, deps, adhesion, now);
      const [requester] = await getSpaces(tx, [adhesion.space_id]);
      if (requester && requester.status !== "active" && requester.connection_email === link.email) await activateSpaceByLink(tx, adhesion.space_id, now);
    }
    return { ok: true, siren: link.siren, email: previous?.email ?? link.email };
  });
  if (!verdict.ok) throw verdict.error;
  return { siren: verdict.siren!, email: verdict.email!, status: "verified" as const };
}

/** A company's verified e-mail address and a pending change, if any. */
export async function companyEmailOf(deps: Pick<AdhesionsDeps, "db" | "clock">, siren: string) {
  const current = await repo.findCompanyEmail(deps.db, siren);
  const pending = await repo.pendingChangeOf(deps.db, siren, deps.clock.now());
  return { email: current?.email ?? null, verifiedAt: current?.verified_at ?? null, pendingEmail: pending?.email ?? null };
}

export async function companyEmailsOf(db: Kysely<DB>, sirens: string[]): Promise<Map<string, string>> {
  return new Map((await repo.findCompanyEmails(db, sirens)).map((r) => [r.siren, r.email]));
}

/**
 * Change of the company e-mail address by an administrator of `messagerie` (product §6): a 72-hour link to the
 * new address; the old one stays in force until it is confirmed.
 */
export async function requestCompanyEmailChange(deps: AdhesionsDeps, spaceId: string, siren: string, email: string) {
  const now = deps.clock.now();
  if (!(await deps.rights.holdsAnyRight(deps.db, spaceId, siren, now))) throw new DomainError("not_found", "not_found", "Entreprise introuvable.");
  if (!(await deps.rights.isAdministrator(deps.db, spaceId, siren, "messagerie", now))) {
    throw new DomainError("forbidden", "not_messagerie_administrator", "Seul un administrateur de la messagerie de l'entreprise peut changer son adresse électronique.");
  }
  const newEmail = normaliseEmail(email);
  const current = await repo.findCompanyEmail(deps.db, siren);
  if (current?.email === newEmail) throw new DomainError("conflict", "same_company_email", "C'est déjà l'adresse électronique de l'entreprise.");
  const company = await getCompanies(deps.db, [siren]);
  const [me] = await getSpaces(deps.db, [spaceId]);
  await deps.db.transaction().execute((tx) =>
    sendCompanyEmailLink(tx, deps, now, { siren, companyName: company.get(siren)?.name ?? siren, email: newEmail, purpose: "change", requestedBy: spaceId, requesterName: `${me!.first_name} ${me!.last_name}`, adhesionId: null }),
  );
  return { status: "pending_verification" as const };
}

/** Ends adhesions whose code (60 days) or company e-mail link (72 hours) ran out (housekeeping). */
export async function expireAdhesions(deps: Pick<AdhesionsDeps, "db" | "clock">): Promise<number> {
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (tx) => {
    const ended = await repo.expireStale(tx, now, ADHESION_RULES.linkValidityMs);
    for (const a of ended) await appendJournal(tx, now, { actor: { kind: "system" }, action: "adhesion.expired", subject: { type: "adhesion", id: a.id }, data: { siren: a.siren } });
    return ended.length;
  });
}

/** The quality declared on some adhesions (who is the legal representative among administrators). */
export async function adhesionQualities(db: Kysely<DB> | Tx, ids: string[]): Promise<Map<string, Quality>> {
  return new Map((await repo.findQualities(db, ids)).map((a) => [a.id, a.quality]));
}

// The adhesion desk (OPALE, product §9): for the agents of the company's tax office ---------------------------------

/** A company's adhesions (whoever asked), their letters, the oppositions and the alerts for its tax office. */
export async function companyDesk(deps: Pick<AdhesionsDeps, "db">, siren: string) {
  const [adhesions, oppositions, alerts] = await Promise.all([
    repo.listAdhesionsOfCompany(deps.db, siren),
    repo.listOppositionsOf(deps.db, siren),
    repo.listAlertsOf(deps.db, siren),
  ]);
  const people = new Map((await getSpaces(deps.db, [...new Set([...adhesions.map((a) => a.space_id), ...oppositions.map((o) => o.requester_space_id)])])).map((p) => [p.id, p]));
  const who = (id: string) => {
    const p = people.get(id);
    return { id, name: p ? `${p.first_name} ${p.last_name}` : "", connectionEmail: p?.connection_email ?? "", entitySiren: p?.entity_siren ?? "" };
  };
  const letters = await lettersOfAdhesions(deps.db, adhesions.map((a) => a.id));
  const views = await toView(deps, adhesions, letters);
  return {
    adhesions: views.map((v, i) => ({ ...v, requester: who(adhesions[i]!.space_id) })),
    letters: adhesions.flatMap((a) =>
      letters.get(a.id)!.map((l) => ({ id: l.id, adhesionId: a.id, number: l.number, kind: l.kind, status: l.status, editedAt: l.edited_at, printedAt: l.printed_at, postedAt: l.posted_at, returnedAt: l.returned_at })),
    ),
    oppositions: oppositions.map((o) => ({ id: o.id, adhesionId: o.adhesion_id, requester: who(o.requester_space_id), createdAt: o.created_at })),
    alerts: alerts.map((a) => ({ id: a.id, kind: a.kind, serviceCode: a.service_code, adhesionId: a.adhesion_id, data: a.data, createdAt: a.created_at, handledAt: a.handled_at })),
  };
}

/**
 * An agent re-issues the activation letter of a pending adhesion (lost, returned by the post): new codes, the old
 * ones void at once, a new validity. Journaled.
 */
export async function reissueLetter(deps: AdhesionsDeps, agentId: string, id: string, competentFor: (ex: Tx, siren: string) => Promise<boolean>) {
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    const a = await repo.lockAdhesion(tx, id);
    if (!a || !(await competentFor(tx, a.siren))) throw errors.adhesionNotFound();
    const siren = a.siren;
    if (a.status !== "letter_issued") throw new DomainError("conflict", "no_letter_to_reissue", "Seule une adhésion en attente de son code d'activation peut recevoir un nouveau courrier.");
    const voided = await voidPendingLettersOf(tx, id);
    await issueActivationLetter(tx, deps, a, now);
    await appendJournal(tx, now, { actor: { kind: "agent", id: agentId }, action: "adhesion.letter_reissued", subject: { type: "adhesion", id }, data: { siren, lettersVoided: voided } });
  });
  return { status: "letter_issued" as const };
}

/**
 * An agent cancels an adhesion: a pending one stops (its codes void), an active one ends and every right it gave
 * is revoked (cascading to delegations). Journaled with the reason.
 */
export async function cancelAdhesionByAgent(deps: AdhesionsDeps, agentId: string, id: string, reason: string, competentFor: (ex: Tx, siren: string) => Promise<boolean>) {
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    const a = await repo.lockAdhesion(tx, id);
    if (!a || !(await competentFor(tx, a.siren))) throw errors.adhesionNotFound();
    const siren = a.siren;
    if (!repo.PENDING.includes(a.status) && a.status !== "active") throw new DomainError("conflict", "adhesion_ended", "Cette adhésion est déjà terminée.");
    await repo.updateAdhesion(tx, id, { status: "cancelled", ended_at: now, code_hash: null, opposition_hash: null });
    await voidPendingLettersOf(tx, id);
    const revoked = a.status === "active" ? await deps.rights.revokeFromAdhesion(tx, id, now) : 0;
    await appendJournal(tx, now, { actor: { kind: "agent", id: agentId }, action: "adhesion.cancelled", subject: { type: "adhesion", id }, data: { siren, by: "agent", previous: a.status, rightsRevoked: revoked, reason } });
  });
  return { status: "cancelled" as const };
}
