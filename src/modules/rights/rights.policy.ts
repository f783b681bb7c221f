/**
 * The access policy of product §7, as pure functions: what a person may see and do with the rights they hold on
 * one company. The service (`rights.service.ts`) reads the rights fresh from the database on every request and
 * asks these functions.
 */

import { serviceLabel } from "../../shared/labels.js";

export type Role = "administrator" | "deputy" | "delegate";

export type HeldRight = {
  id: string;
  service: string;
  role: Role;
  /** null: every tax (an unscoped right, `AUTRE` included). */
  taxScope: string[] | null;
  state: "active" | "suspended" | "revoked";
  validFrom: Date;
  validUntil: Date | null;
};

/** A right works when it is active and within its validity. */
export function isLive(r: HeldRight, at: Date): boolean {
  return r.state === "active" && r.validFrom <= at && (r.validUntil === null || r.validUntil > at);
}

/** The single gate: may the holder of these rights use this service (for this tax) at this instant? */
export function can(rights: HeldRight[], service: string, at: Date, tax?: string): boolean {
  return rights.some((r) => r.service === service && isLive(r, at) && (tax === undefined || r.taxScope === null || r.taxScope.includes(tax)));
}

/** Administrators and deputies manage the company's rights; delegates do not. */
export function canManage(rights: HeldRight[], at: Date): boolean {
  return rights.some((r) => isLive(r, at) && (r.role === "administrator" || r.role === "deputy"));
}

export type GrantRequest = {
  role: "deputy" | "delegate";
  services: string[];
  /** Only with `messagerie`: the taxes the delegate's messagerie covers; null for all. */
  taxScope: string[] | null;
  validUntil: Date | null;
  isSelf: boolean;
  /** Services the target already holds live on this company. */
  targetHolds: string[];
};

export type GrantRefusal = {
  ok: false;
  kind: "not_found" | "forbidden" | "refused" | "conflict" | "invalid";
  code: string;
  message: string;
  details?: Record<string, unknown>;
};

export type GrantDecision =
  | {
      ok: true;
      /** For each service, the granter's right the new one derives from. */
      from: Record<string, string>;
      /** The end date of the new rights: the asked one, or the granter's when he has one and none was asked. */
      validUntil: Date | null;
      taxScope: string[] | null;
    }
  | GrantRefusal;

const refuse = (kind: GrantRefusal["kind"], code: string, message: string, details?: Record<string, unknown>): GrantRefusal => ({
  ok: false,
  kind,
  code,
  message,
  details,
});

/**
 * Whether a person holding `held` on a company may offer this deputy role or delegation (no escalation: nothing one
 * does not hold, no wider tax scope, nothing outliving one's own right, delegates cannot grant, no cycle).
 */
export function decideGrant(held: HeldRight[], req: GrantRequest, at: Date): GrantDecision {
  const live = held.filter((r) => isLive(r, at));
  if (live.length === 0) return refuse("not_found", "not_found", "Entreprise introuvable.");
  const managing = live.filter((r) => r.role === "administrator" || r.role === "deputy");
  if (managing.length === 0) {
    return refuse(
      "forbidden",
      "delegate_cannot_grant",
      "Un délégataire ne peut pas déléguer à son tour : seuls les administrateurs et leurs suppléants le peuvent.",
    );
  }
  if (req.isSelf) return refuse("refused", "cannot_grant_to_self", "Vous ne pouvez pas vous accorder une habilitation à vous-même.");
  if (req.taxScope !== null && !req.services.includes("messagerie")) {
    return refuse("refused", "tax_scope_without_messagerie", "Un périmètre de taxes ne s'applique qu'à la messagerie.");
  }
  if (req.validUntil !== null && req.validUntil <= at) return refuse("refused", "invalid_end_date", "La date de fin doit être dans le futur.");
  const from: Record<string, string> = {};
  let validUntil = req.validUntil;
  for (const service of req.services) {
    const source = managing
      .filter((r) => r.service === service)
      // Prefer the broadest right the granter holds for the service: unscoped, then the one lasting longest.
      .sort(
        (a, b) => (a.taxScope === null ? -1 : b.taxScope === null ? 1 : 0) || (b.validUntil?.getTime() ?? Infinity) - (a.validUntil?.getTime() ?? Infinity),
      )[0];
    if (!source)
      return refuse(
        "refused",
        "service_not_held",
        `Vous ne détenez pas le service « ${serviceLabel(service)} » pour cette entreprise : vous ne pouvez pas le déléguer.`,
        {
          service,
        },
      );
    if (service === "messagerie" && source.taxScope !== null) {
      const wider = req.taxScope === null || req.taxScope.some((t) => !source.taxScope!.includes(t));
      if (wider) {
        return refuse("refused", "tax_scope_too_wide", `Votre messagerie est limitée à : ${source.taxScope.join(", ")}. Vous ne pouvez pas déléguer au-delà.`, {
          allowed: source.taxScope,
        });
      }
    }
    if (source.validUntil !== null) {
      if (req.validUntil !== null && req.validUntil > source.validUntil) {
        return refuse("refused", "outlives_grantor", "L'habilitation ne peut pas durer au-delà de la vôtre.", {
          service,
          until: source.validUntil.toISOString(),
        });
      }
      if (validUntil === null || validUntil > source.validUntil) validUntil = source.validUntil;
    }
    if (req.targetHolds.includes(service)) {
      return refuse("conflict", "already_holds_right", `Cette personne détient déjà le service « ${serviceLabel(service)} » pour cette entreprise.`, {
        service,
      });
    }
    from[service] = source.id;
  }
  return { ok: true, from, validUntil, taxScope: req.services.includes("messagerie") ? req.taxScope : null };
}

/**
 * Whether `actor` may revoke (or suspend) a right: the person who granted it, or an administrator who is the
 * company's legal representative.
 */
export function mayRevoke(actor: { spaceId: string; isLegalRepresentativeAdministrator: boolean }, right: { grantedBySpace: string | null }): boolean {
  return actor.isLegalRepresentativeAdministrator || (right.grantedBySpace !== null && right.grantedBySpace === actor.spaceId);
}
