import { DomainError } from "../../platform/errors.js";
import { frenchDate } from "../../shared/dates.js";
import { ROLE_LABELS } from "../../shared/labels.js";
import { serviceLabel } from "./adhesions.catalogue.js";

export const adhesionNotFound = () => new DomainError("not_found", "not_found", "Adhésion introuvable.");

export const companyAlreadyAdhered = (siren: string) =>
  new DomainError(
    "refused",
    "company_already_adhered",
    `L'entreprise ${siren} a déjà adhéré aux services en ligne : le mode simplifié n'est plus possible. Créez un espace en mode expert, puis demandez une adhésion.`,
    { siren },
  );

/**
 * Bulk adhesion: a company the person already acts for, or already awaits a code for, gets no letter (a letter costs
 * money and worries the company). The line names what she holds.
 */
export const alreadyHeld = (held: { rights: { role: string; service: string }[]; pending?: { status: string; created_at: Date } | undefined }) => {
  if (held.pending) {
    const state = held.pending.status === "letter_issued" ? "son courrier d'activation est envoyé" : "elle attend l'adresse électronique de l'entreprise";
    return new DomainError(
      "conflict",
      "already_held",
      `Vous avez déjà une demande d'adhésion en cours pour cette entreprise, du ${frenchDate(held.pending.created_at)} (${state}) : aucun nouveau courrier n'est envoyé.`,
      { pendingSince: held.pending.created_at.toISOString() },
    );
  }
  const byRole = new Map<string, string[]>();
  for (const r of held.rights) byRole.set(r.role, [...(byRole.get(r.role) ?? []), serviceLabel(r.service)]);
  const words = [...byRole].map(([role, services]) => `${ROLE_LABELS[role] ?? role} : ${services.join(", ")}`).join(" ; ");
  return new DomainError(
    "conflict",
    "already_held",
    `Vous agissez déjà pour cette entreprise (${words}) : aucun courrier n'est envoyé. Pour d'autres services, adhérez depuis la page de l'entreprise.`,
    { rights: held.rights },
  );
};

export const adhesionPending = () =>
  new DomainError(
    "conflict",
    "adhesion_pending",
    "Vous avez déjà une demande d'adhésion en cours pour cette entreprise : saisissez le code reçu, ou annulez-la.",
  );

export const companyEmailRequired = () =>
  new DomainError(
    "refused",
    "company_email_required",
    "L'entreprise n'a pas encore d'adresse électronique vérifiée : indiquez-la pour adhérer à la messagerie.",
  );

export const blockedByOpposition = (until: Date) =>
  new DomainError(
    "refused",
    "adhesion_blocked",
    `L'entreprise s'est opposée à votre précédente demande : vous ne pouvez pas adhérer à ses services avant le ${until.toLocaleDateString("fr-FR", { timeZone: "Europe/Paris" })}.`,
    { until: until.toISOString() },
  );

export const tooManyPendingAdhesions = (perDay: number, retryAfterSeconds: number) =>
  new DomainError(
    "rate_limited",
    "too_many_pending_adhesions",
    `Vous avez déjà ${perDay} demandes d'adhésion en attente pour des entreprises hors de votre portefeuille depuis 24 heures. Réessayez plus tard.`,
    { retryAfterSeconds, perDay },
    retryAfterSeconds,
  );

export const letterQuotaReached = (nextAt: Date) =>
  new DomainError(
    "refused",
    "letter_quota_reached",
    `Cette entreprise a déjà reçu 3 courriers d'activation en 30 jours : une nouvelle demande sera possible à partir du ${nextAt.toLocaleDateString("fr-FR", { timeZone: "Europe/Paris" })}.`,
    { nextPossibleAt: nextAt.toISOString() },
  );
