import { describe, expect, it } from "vitest";
import { departmentOf, isValidSiren, isValidSiret, luhnValid, withLuhnKey } from "./companies.identifiers.js";

describe("SIREN and SIRET keys", () => {
  it.each(["812345676", "845123900", "798612347", "732829320", "552100554"])("accepts the valid SIREN %s", (s) => expect(isValidSiren(s)).toBe(true));
  it.each(["812345677", "12345678", "1234567890", "81234567A", ""])("refuses %j", (s) => expect(isValidSiren(s)).toBe(false));
  it("checks SIRET keys, with La Poste's own rule", () => {
    expect(isValidSiret("73282932000074")).toBe(true);
    expect(isValidSiret("73282932000075")).toBe(false);
    // La Poste: the digits sum to a multiple of 5, the Luhn key does not hold.
    expect(isValidSiret("35600000000001")).toBe(true);
    expect(luhnValid("35600000000001")).toBe(false);
    expect(isValidSiret("35600000000002")).toBe(false);
  });
  it("completes a prefix with its key", () => {
    expect(withLuhnKey("81234567")).toBe("812345676");
    expect(isValidSiren(withLuhnKey("12345678"))).toBe(true);
  });
  it("finds the department of a commune", () => {
    expect(departmentOf("75111")).toBe("75");
    expect(departmentOf("2A004")).toBe("2A");
    expect(departmentOf("97411")).toBe("974");
  });
});
