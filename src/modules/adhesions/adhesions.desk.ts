/** The adhesion desk of the back office (OPALE, product §9) and the company's opposition: what stops an adhesion from outside the requester's space. */
import { randomUUID } from "node:crypto";
import type { Tx } from "../../platform/db/database.js";
import { hashCode, normaliseCrockford } from "../../platform/crypto.js";
import { DomainError } from "../../platform/errors.js";
import { parisDay, parisDayEnd } from "../../platform/paris.js";
import { findManagingSie, getCompanyDetails } from "../companies/index.js";
import { getSpaces } from "../spaces/index.js";
import { appendJournal } from "../journal/index.js";
import { officeActionNoticeMail, oppositionNoticeMail, queueMail, queueMails } from "../mail/index.js";
import { lettersOfAdhesions, lettersOfCompany, voidPendingLettersOf } from "../letters/index.js";
import * as repo from "./adhesions.repository.js";
import * as errors from "./adhesions.errors.js";
import { suspendBulkRightAfterOppositions } from "./adhesions.quota.js";
import { companyEmailsOf } from "./adhesions.email.js";
import { ADHESION_RULES, OPPOSITION, issueActivationLetter, type AdhesionsDeps, type Verdict } from "./adhesions.service.js";
import { toView } from "./adhesions.views.js";

/**
 * Opposition (product §5), without sign-in: the company stops an adhesion with the code of its letter. The
 * adhesion is cancelled, its code voided, its rights revoked; the requester is told and blocked for 90 days;
 * the company's tax office gets an alert. Five wrong codes per SIREN per day.
 */
export async function opposeAdhesion(deps: AdhesionsDeps, input: { siren: string; oppositionCode: string; ip: string }) {
  const code = normaliseCrockford(input.oppositionCode);
  if (code === null || code.length !== 8)
    throw new DomainError("invalid", "invalid_code_format", "Le code d'opposition comporte 8 caractères, au format XXXX-XXXX.");
  const now = deps.clock.now();
  const day = parisDay(now);
  // The attempt is counted before the code is checked (and given back when the code is right): a burst of
  // concurrent attempts cannot try more codes than the figure.
  const failures = await repo.claimOppositionAttempt(deps.db, input.siren, day, ADHESION_RULES.maxOppositionFailuresPerDay);
  if (failures === null) {
    const tomorrow = parisDayEnd(day).getTime();
    const seconds = Math.ceil((tomorrow - now.getTime()) / 1000);
    throw new DomainError(
      "rate_limited",
      "too_many_opposition_attempts",
      "Trop de codes d'opposition erronés aujourd'hui pour cette entreprise. Réessayez demain.",
      { retryAfterSeconds: seconds },
      seconds,
    );
  }
  const hash = hashCode(OPPOSITION, input.siren, code);
  const verdict = await deps.db.transaction().execute(async (tx): Promise<Verdict> => {
    const a = await repo.findByOppositionHash(tx, input.siren, hash);
    if (!a || !["letter_issued", "active"].includes(a.status))
      return { ok: false, error: new DomainError("refused", "invalid_opposition_code", "Code d'opposition incorrect.") };
    await repo.refundOppositionAttempt(tx, input.siren, day);
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
      data: JSON.stringify({
        requester: requester
          ? { name: `${requester.first_name} ${requester.last_name}`, email: requester.connection_email, entitySiren: requester.entity_siren }
          : null,
        wasActive: a.status === "active",
      }),
      created_at: now,
      handled_at: null,
    });
    await suspendBulkRightAfterOppositions(tx, now, a.space_id, requester);
    if (requester) {
      await queueMail(
        tx,
        now,
        oppositionNoticeMail({
          to: requester.connection_email,
          firstName: requester.first_name,
          companyName: company?.name ?? a.siren,
          siren: a.siren,
          blockedUntil: until,
        }),
      );
    }
    await appendJournal(tx, now, {
      actor: { kind: "anonymous" },
      action: "adhesion.opposed",
      subject: { type: "adhesion", id: a.id },
      data: {
        siren: a.siren,
        requesterSpaceId: a.space_id,
        blockedUntil: until.toISOString(),
        rightsRevoked: revoked,
        taxOffice: sie?.code ?? null,
        ip: input.ip,
      },
    });
    return { ok: true };
  });
  if (!verdict.ok) {
    await deps.db.transaction().execute((tx) =>
      appendJournal(tx, now, {
        actor: { kind: "anonymous" },
        action: "adhesion.opposition_rejected",
        subject: { type: "company", id: input.siren },
        data: { failures, ip: input.ip },
      }),
    );
    throw new DomainError("refused", "invalid_opposition_code", "Code d'opposition incorrect.", {
      attemptsLeft: Math.max(0, ADHESION_RULES.maxOppositionFailuresPerDay - failures),
    });
  }
  return { status: "opposed" as const };
}
// The adhesion desk (OPALE, product §9): for the agents of the company's tax office ---------------------------------

/** A company's adhesions (whoever asked), their letters, the oppositions and the alerts for its tax office. */
export async function companyDesk(deps: Pick<AdhesionsDeps, "db">, siren: string) {
  const [adhesions, oppositions, alerts] = await Promise.all([
    repo.listAdhesionsOfCompany(deps.db, siren),
    repo.listOppositionsOf(deps.db, siren),
    repo.listAlertsOf(deps.db, siren),
  ]);
  const people = new Map(
    (await getSpaces(deps.db, [...new Set([...adhesions.map((a) => a.space_id), ...oppositions.map((o) => o.requester_space_id)])])).map((p) => [p.id, p]),
  );
  const who = (id: string) => {
    const p = people.get(id);
    return { id, name: p ? `${p.first_name} ${p.last_name}` : "", connectionEmail: p?.connection_email ?? "", entitySiren: p?.entity_siren ?? "" };
  };
  const [letters, byAdhesion] = await Promise.all([
    lettersOfCompany(deps.db, siren),
    lettersOfAdhesions(
      deps.db,
      adhesions.map((a) => a.id),
    ),
  ]);
  const views = await toView(deps, adhesions, byAdhesion);
  return {
    adhesions: views.map((v, i) => ({ ...v, requester: who(adhesions[i]!.space_id) })),
    letters: letters.map((l) => ({
      id: l.id,
      adhesionId: l.adhesion_id,
      campaignId: l.campaign_id,
      number: l.number,
      kind: l.kind,
      status: l.status,
      addressLines: l.address_lines,
      editedAt: l.edited_at,
      printedAt: l.printed_at,
      postedAt: l.posted_at,
      returnedAt: l.returned_at,
    })),
    oppositions: oppositions.map((o) => ({ id: o.id, adhesionId: o.adhesion_id, requester: who(o.requester_space_id), createdAt: o.created_at })),
    alerts: alerts.map((a) => ({
      id: a.id,
      kind: a.kind,
      serviceCode: a.service_code,
      adhesionId: a.adhesion_id,
      data: a.data,
      createdAt: a.created_at,
      handledAt: a.handled_at,
    })),
  };
}

/**
 * When the tax office acts on a company's accesses, the company e-mail address and the person concerned each get
 * a content-free notice, in the same transaction (one mail when both are the same address).
 */
export async function queueOfficeActionNotices(tx: Tx, at: Date, siren: string, spaceId: string): Promise<void> {
  const company = await getCompanyDetails(tx, siren);
  const companyName = company?.name ?? siren;
  const companyEmail = (await companyEmailsOf(tx, [siren])).get(siren);
  const [person] = await getSpaces(tx, [spaceId]);
  const mails = [];
  if (companyEmail) mails.push(officeActionNoticeMail({ to: companyEmail, companyName, siren, recipient: "company" }));
  if (person && person.connection_email.toLowerCase() !== companyEmail?.toLowerCase())
    mails.push(officeActionNoticeMail({ to: person.connection_email, companyName, siren, recipient: "person" }));
  await queueMails(tx, at, mails);
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
    if (a.status !== "letter_issued")
      throw new DomainError("conflict", "no_letter_to_reissue", "Seule une adhésion en attente de son code d'activation peut recevoir un nouveau courrier.");
    const voided = await voidPendingLettersOf(tx, id);
    await issueActivationLetter(tx, deps, a, now);
    await appendJournal(tx, now, {
      actor: { kind: "agent", id: agentId },
      action: "adhesion.letter_reissued",
      subject: { type: "adhesion", id },
      data: { siren, lettersVoided: voided },
    });
    await queueOfficeActionNotices(tx, now, siren, a.space_id);
  });
  return { status: "letter_issued" as const };
}

/**
 * An agent cancels an adhesion: a pending one stops (its codes void), an active one ends and every right it gave
 * is revoked (cascading to delegations). Journaled with the reason.
 */
export async function cancelAdhesionByAgent(
  deps: AdhesionsDeps,
  agentId: string,
  id: string,
  reason: string,
  competentFor: (ex: Tx, siren: string) => Promise<boolean>,
) {
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    const a = await repo.lockAdhesion(tx, id);
    if (!a || !(await competentFor(tx, a.siren))) throw errors.adhesionNotFound();
    const siren = a.siren;
    if (!repo.PENDING.includes(a.status) && a.status !== "active") throw new DomainError("conflict", "adhesion_ended", "Cette adhésion est déjà terminée.");
    await repo.updateAdhesion(tx, id, { status: "cancelled", ended_at: now, code_hash: null, opposition_hash: null });
    await voidPendingLettersOf(tx, id);
    const revoked = a.status === "active" ? await deps.rights.revokeFromAdhesion(tx, id, now) : 0;
    await appendJournal(tx, now, {
      actor: { kind: "agent", id: agentId },
      action: "adhesion.cancelled",
      subject: { type: "adhesion", id },
      data: { siren, by: "agent", previous: a.status, rightsRevoked: revoked, reason },
    });
    await queueOfficeActionNotices(tx, now, siren, a.space_id);
  });
  return { status: "cancelled" as const };
}
