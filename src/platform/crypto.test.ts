import { describe, expect, it } from "vitest";
import { createSealer, formatGrouped, hashCode, normaliseCrockford, randomCrockford, randomToken, safeEqual } from "./crypto.js";

describe("codes", () => {
  it("draws Crockford base-32 codes of the asked length", () => {
    const codes = Array.from({ length: 200 }, () => randomCrockford(12));
    for (const c of codes) expect(c).toMatch(/^[0-9A-HJKMNP-TV-Z]{12}$/);
    expect(new Set(codes).size).toBe(200);
  });
  it("reads a typed code as a person types it", () => {
    expect(normaliseCrockford(" abcd-efgh ")).toBe("ABCDEFGH");
    expect(normaliseCrockford("o1il")).toBe("0111");
    expect(normaliseCrockford("ABCU")).toBeNull();
    expect(normaliseCrockford("AB!C")).toBeNull();
  });
  it("groups by four", () => {
    expect(formatGrouped("ABCDEFGHJKMN")).toBe("ABCD-EFGH-JKMN");
  });
  it("binds a code hash to its purpose and owner", () => {
    expect(hashCode("a", "x", "1234")).not.toBe(hashCode("a", "y", "1234"));
    expect(hashCode("a", "x", "1234")).not.toBe(hashCode("b", "x", "1234"));
    expect(safeEqual(hashCode("a", "x", "1"), hashCode("a", "x", "1"))).toBe(true);
    expect(safeEqual("ab", "abc")).toBe(false);
  });
  it("makes 256-bit tokens", () => {
    expect(Buffer.from(randomToken(), "base64url")).toHaveLength(32);
  });
});

describe("sealer", () => {
  it("round-trips and detects tampering or a wrong key", () => {
    const sealer = createSealer("k".repeat(40));
    const sealed = sealer.seal("JBSWY3DPEHPK3PXP");
    expect(sealed).not.toContain("JBSWY3DPEHPK3PXP");
    expect(sealer.open(sealed)).toBe("JBSWY3DPEHPK3PXP");
    const parts = sealed.split(".");
    parts[3] = Buffer.from("tampered").toString("base64url");
    expect(() => sealer.open(parts.join("."))).toThrow();
    expect(() => createSealer("z".repeat(40)).open(sealed)).toThrow();
  });
});
