import { describe, expect, it } from "vitest";
import { checkPassword, commonPasswords, createPasswordHasher } from "./spaces.passwords.js";
import { DomainError } from "../../platform/errors.js";

describe("checkPassword", () => {
  it("ships the 10,000 most common passwords", () => {
    expect(commonPasswords().size).toBeGreaterThan(9_900);
    expect(commonPasswords().has("123456")).toBe(true);
  });

  it.each([
    ["Vingt-Trois-Lapins-Bleus", {}, []],
    ["court", {}, ["too_short"]],
    ["x".repeat(129) + "Ab", {}, ["too_long"]],
    ["éàü€ßøœ¿¡ñçÅ", {}, []],
    ["qwerty123456", {}, ["too_common"]],
    ["Password2026!", {}, ["too_common"]],
    ["!!Sunshine1234", {}, ["too_common"]],
    ["123456789012", {}, ["too_common"]],
    ["aaaaaaaaaaaaaaa", {}, ["too_common"]],
    ["Mon-812345676-secret", { siren: "812345676" }, ["contains_siren"]],
    ["Mon-812 345 676-secret", { siren: "812345676" }, ["contains_siren"]],
    ["Martin-Distribution!!", { companyName: "MARTIN DISTRIBUTION" }, ["contains_company_name"]],
    ["mon-lambda-du-lundi", { email: "robert.lambda@martindistribution.com" }, ["contains_email"]],
    ["Rosemonde-des-bois-2026", { firstName: "Lila", lastName: "Rosemonde" }, ["contains_name"]],
  ] as const)("%s → %j", (password, context, expected) => {
    expect(checkPassword(password, context)).toEqual(expected);
  });

  it("counts Unicode characters, not bytes", () => {
    expect(checkPassword("é".repeat(11), {})).toContain("too_short");
    expect(checkPassword("€".repeat(12), {})).not.toContain("too_short");
  });
});

describe("the argon2 queue", () => {
  it("refuses at once (503, too_many_sign_ins) beyond the hashes running and those allowed to wait", async () => {
    const hasher = createPasswordHasher(1, 2);
    const stored = await hasher.hash("Vingt-Trois-Lapins-Bleus");
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => hasher.verify(stored, "Vingt-Trois-Lapins-Bleus")));
    const refused = results.filter((r) => r.status === "rejected").map((r) => r.reason as DomainError);
    // One running, two waiting: the other five are refused without waiting.
    expect(results.filter((r) => r.status === "fulfilled" && r.value === true)).toHaveLength(3);
    expect(refused).toHaveLength(5);
    expect(refused.every((e) => e instanceof DomainError && e.kind === "unavailable" && e.code === "too_many_sign_ins" && e.retryAfterSeconds === 2)).toBe(
      true,
    );
    // Once the queue drains, it serves again.
    expect(await hasher.verify(stored, "Vingt-Trois-Lapins-Bleus")).toBe(true);
  });
});
