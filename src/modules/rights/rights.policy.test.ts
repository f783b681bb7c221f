import { describe, expect, it } from "vitest";
import { can, canManage, decideGrant, isLive, mayRevoke, type GrantRequest, type HeldRight } from "./rights.policy.js";

const now = new Date("2026-11-28T12:00:00Z");
const past = new Date("2026-01-01T00:00:00Z");
const soon = new Date("2026-12-31T00:00:00Z");
const later = new Date("2027-06-30T00:00:00Z");

let n = 0;
const right = (service: string, role: HeldRight["role"], over: Partial<HeldRight> = {}): HeldRight => ({
  id: `r${++n}`,
  service,
  role,
  taxScope: null,
  state: "active",
  validFrom: past,
  validUntil: null,
  ...over,
});
const ask = (over: Partial<GrantRequest> = {}): GrantRequest => ({
  role: "delegate",
  services: ["tva_declarer"],
  taxScope: null,
  validUntil: null,
  isSelf: false,
  targetHolds: [],
  ...over,
});

describe("the gate can()", () => {
  it.each([
    ["an active unscoped messagerie right, any tax", [right("messagerie", "administrator")], "messagerie", "IS", true],
    ["an active unscoped right, no tax asked", [right("messagerie", "delegate")], "messagerie", undefined, true],
    ["a right scoped to TVA, asked TVA", [right("messagerie", "delegate", { taxScope: ["TVA"] })], "messagerie", "TVA", true],
    ["a right scoped to TVA, asked IS", [right("messagerie", "delegate", { taxScope: ["TVA"] })], "messagerie", "IS", false],
    ["a right scoped to TVA, asked AUTRE", [right("messagerie", "delegate", { taxScope: ["TVA"] })], "messagerie", "AUTRE", false],
    ["another service", [right("tva_payer", "administrator")], "messagerie", undefined, false],
    ["a suspended right", [right("messagerie", "administrator", { state: "suspended" })], "messagerie", undefined, false],
    ["a revoked right", [right("messagerie", "administrator", { state: "revoked" })], "messagerie", undefined, false],
    ["an expired right", [right("messagerie", "delegate", { validUntil: new Date("2026-11-28T11:59:59Z") })], "messagerie", undefined, false],
    ["a right ending later", [right("messagerie", "delegate", { validUntil: soon })], "messagerie", undefined, true],
    ["a right not yet started", [right("messagerie", "delegate", { validFrom: soon })], "messagerie", undefined, false],
    ["no right", [], "messagerie", undefined, false],
  ] as const)("%s → %s", (_l, rights, service, tax, expected) => {
    expect(can([...rights], service, now, tax)).toBe(expected);
  });

  it("lets administrators and deputies manage, not delegates", () => {
    expect(canManage([right("cfe", "administrator")], now)).toBe(true);
    expect(canManage([right("cfe", "deputy")], now)).toBe(true);
    expect(canManage([right("cfe", "delegate")], now)).toBe(false);
    expect(canManage([right("cfe", "administrator", { state: "suspended" })], now)).toBe(false);
    expect(isLive(right("cfe", "deputy", { validUntil: now }), now)).toBe(false);
  });
});

describe("decideGrant()", () => {
  const admin = [right("messagerie", "administrator"), right("tva_declarer", "administrator"), right("tva_payer", "administrator")];
  const vatDeputy = [right("messagerie", "deputy", { taxScope: ["TVA"], validUntil: soon }), right("tva_declarer", "deputy", { validUntil: soon })];

  it.each([
    ["an administrator delegates VAT management", admin, ask({ services: ["tva_declarer", "tva_payer", "messagerie"], taxScope: ["TVA"] }), "ok"],
    ["an administrator names a deputy", admin, ask({ role: "deputy", services: ["messagerie"] }), "ok"],
    ["a deputy delegates within his scope", vatDeputy, ask({ services: ["messagerie"], taxScope: ["TVA"] }), "ok"],
    ["a deputy names another deputy", vatDeputy, ask({ role: "deputy", services: ["tva_declarer"] }), "ok"],
    ["a delegate tries to delegate", [right("tva_declarer", "delegate")], ask(), "delegate_cannot_grant"],
    ["a delegate tries to name a deputy", [right("messagerie", "delegate")], ask({ role: "deputy", services: ["messagerie"] }), "delegate_cannot_grant"],
    ["someone without right on the company", [], ask(), "not_found"],
    ["someone whose rights are all suspended", [right("tva_declarer", "administrator", { state: "suspended" })], ask(), "not_found"],
    ["an administrator grants a service he lacks", admin, ask({ services: ["is_payer"] }), "service_not_held"],
    ["a service held only as delegate", [...admin, right("is_payer", "delegate")], ask({ services: ["is_payer"] }), "service_not_held"],
    ["a wider tax scope (all taxes from TVA)", vatDeputy, ask({ services: ["messagerie"], taxScope: null }), "tax_scope_too_wide"],
    ["a wider tax scope (IS from TVA)", vatDeputy, ask({ services: ["messagerie"], taxScope: ["TVA", "IS"] }), "tax_scope_too_wide"],
    ["a tax scope without messagerie", admin, ask({ services: ["tva_declarer"], taxScope: ["TVA"] }), "tax_scope_without_messagerie"],
    ["an end date after the granter's", vatDeputy, ask({ services: ["tva_declarer"], validUntil: later }), "outlives_grantor"],
    ["an end date in the past", admin, ask({ validUntil: past }), "invalid_end_date"],
    ["a grant to oneself", admin, ask({ isSelf: true }), "cannot_grant_to_self"],
    ["a grant to someone holding it already (no cycle, no duplicate)", admin, ask({ targetHolds: ["tva_declarer"] }), "already_holds_right"],
  ] as const)("%s → %s", (_l, held, request, expected) => {
    const d = decideGrant([...held], request, now);
    expect(d.ok ? "ok" : d.code).toBe(expected);
  });

  it("derives each new right from the granter's right of the same service, and keeps his end date", () => {
    const d = decideGrant(vatDeputy, ask({ services: ["messagerie", "tva_declarer"], taxScope: ["TVA"] }), now);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.from).toEqual({ messagerie: vatDeputy[0]!.id, tva_declarer: vatDeputy[1]!.id });
    expect(d.validUntil).toEqual(soon);
    expect(d.taxScope).toEqual(["TVA"]);
  });

  it("prefers the granter's unscoped right when he holds several for the service", () => {
    const scoped = right("messagerie", "deputy", { taxScope: ["TVA"] });
    const unscoped = right("messagerie", "administrator");
    const d = decideGrant([scoped, unscoped], ask({ services: ["messagerie"], taxScope: ["IS"] }), now);
    expect(d.ok && d.from.messagerie).toBe(unscoped.id);
  });
});

describe("mayRevoke()", () => {
  it.each([
    ["the granter", { spaceId: "a", isLegalRepresentativeAdministrator: false }, { grantedBySpace: "a" }, true],
    ["another administrator", { spaceId: "b", isLegalRepresentativeAdministrator: false }, { grantedBySpace: "a" }, false],
    ["the legal representative", { spaceId: "c", isLegalRepresentativeAdministrator: true }, { grantedBySpace: "a" }, true],
    ["anyone, for a right from an adhesion", { spaceId: "b", isLegalRepresentativeAdministrator: false }, { grantedBySpace: null }, false],
    ["the legal representative, for a right from an adhesion", { spaceId: "c", isLegalRepresentativeAdministrator: true }, { grantedBySpace: null }, true],
  ])("%s → %s", (_l, actor, r, expected) => {
    expect(mayRevoke(actor, r)).toBe(expected);
  });
});
