/** The company e-mail address (product §6): its 72-hour link, its confirmation, a change of address and who may see it. */
import type { Kysely } from "kysely";
import type { DB } from "../../platform/db/schema.js";
import { sha256Hex } from "../../platform/crypto.js";
import { DomainError } from "../../platform/errors.js";
import { getCompanies, getCompanyDetails } from "../companies/index.js";
import { activateSpaceByLink, getSpaces, normaliseEmail } from "../spaces/index.js";
import { appendJournal, type Actor } from "../journal/index.js";
import { companyEmailChangedMail, queueMail } from "../mail/index.js";
import { addressBlock, issueLetter } from "../letters/index.js";
import * as repo from "./adhesions.repository.js";
import { sendCompanyEmailLink, issueActivationLetter, type AdhesionsDeps, type Verdict } from "./adhesions.service.js";

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
  if (token.length < 20 || token.length > 100)
    throw new DomainError("gone", "link_invalid", "Ce lien n'est pas valable. Vérifiez qu'il est complet, ou demandez-en un nouveau.");
  const now = deps.clock.now();
  const verdict = await deps.db.transaction().execute(async (tx): Promise<Verdict & { siren?: string; email?: string }> => {
    const link = await repo.lockLinkByHash(tx, sha256Hex(token));
    if (!link)
      return { ok: false, error: new DomainError("gone", "link_invalid", "Ce lien n'est pas valable. Vérifiez qu'il est complet, ou demandez-en un nouveau.") };
    if (link.consumed_at) return { ok: false, error: new DomainError("gone", "link_used", "Ce lien a déjà été utilisé : l'adresse est confirmée.") };
    if (link.expires_at <= now) {
      return {
        ok: false,
        error: new DomainError("gone", "link_expired", "Ce lien a expiré (72 heures). Présentez une nouvelle demande depuis votre espace professionnel."),
      };
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
        await queueMail(
          tx,
          now,
          companyEmailChangedMail({ to: previous.email, companyName: company?.name ?? link.siren, siren: link.siren, newEmail: link.email, changedBy }),
        );
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
    await appendJournal(tx, now, {
      actor,
      action: "company_email.verified",
      subject: { type: "company", id: link.siren },
      data: { email: link.email, adhesionId: link.adhesion_id, applied: !previous },
    });
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
    throw new DomainError(
      "forbidden",
      "not_messagerie_administrator",
      "Seul un administrateur de la messagerie de l'entreprise peut changer son adresse électronique.",
    );
  }
  const newEmail = normaliseEmail(email);
  const current = await repo.findCompanyEmail(deps.db, siren);
  if (current?.email === newEmail) throw new DomainError("conflict", "same_company_email", "C'est déjà l'adresse électronique de l'entreprise.");
  const company = await getCompanies(deps.db, [siren]);
  const [me] = await getSpaces(deps.db, [spaceId]);
  await deps.db.transaction().execute((tx) =>
    sendCompanyEmailLink(tx, deps, now, {
      siren,
      companyName: company.get(siren)?.name ?? siren,
      email: newEmail,
      purpose: "change",
      requestedBy: spaceId,
      requesterName: `${me!.first_name} ${me!.last_name}`,
      adhesionId: null,
    }),
  );
  return { status: "pending_verification" as const };
}

/** Which of these companies have an active adhesion including the messagerie (the others get letters, product §16). */
export async function companiesWithMessagerie(db: Kysely<DB>, sirens: string[]): Promise<Set<string>> {
  return new Set(await repo.withActiveMessagerie(db, sirens));
}
