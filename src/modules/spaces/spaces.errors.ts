import { DomainError } from "../../platform/errors.js";

export const invalidCredentials = () => new DomainError("unauthenticated", "invalid_credentials", "Adresse électronique ou mot de passe incorrect.");

export const unknownCompany = (siren: string) =>
  new DomainError("refused", "unknown_company", `Le SIREN ${siren} ne correspond à aucune entreprise connue.`, { siren });

export const ceasedCompany = (siren: string) =>
  new DomainError("refused", "ceased_company", `L'entreprise ${siren} est cessée : elle ne peut pas être rattachée à un espace.`, { siren });

export const noPendingVerification = () =>
  new DomainError("not_found", "verification_not_found", "Aucune création d'espace en attente de validation pour cette adresse.");

export const codeExpired = (code: string, message: string) => new DomainError("gone", code, message);

export const wrongCode = (code: string, message: string, attemptsLeft: number) => new DomainError("refused", code, message, { attemptsLeft });

export const emailNotVerified = () =>
  new DomainError("forbidden", "connection_email_not_verified", "Votre adresse de connexion n'a pas encore été validée : saisissez le code reçu par courriel.");

export const simplifiedModeUnavailable = () =>
  new DomainError("refused", "simplified_mode_unavailable", "La création en mode simplifié n'est pas disponible sur ce serveur : utilisez le mode expert.");
