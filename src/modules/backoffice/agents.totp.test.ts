import { describe, expect, it } from "vitest";
import { generate } from "otplib";
import { totpSecretProblem, verifyTotp } from "./agents.totp.js";

/** RFC 6238 appendix B, SHA-1, seed "12345678901234567890" (base 32 below). */
const RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const VECTORS: [number, string][] = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
  [20000000000, "65353130"],
];

describe("TOTP (RFC 6238)", () => {
  it.each(VECTORS)("at %i s the 8-digit code is %s", async (epoch, code) => {
    expect(await generate({ secret: RFC_SECRET, epoch, digits: 8 })).toBe(code);
  });

  it.each(VECTORS)("at %i s the 6-digit code (%s mod 10⁶) signs in", async (epoch, code) => {
    const at = new Date(epoch * 1000);
    expect(await verifyTotp(RFC_SECRET, code.slice(2), at, 0)).toBe(Math.floor(epoch / 30));
  });

  it("accepts the previous step, refuses older ones, the next one, and a replay", async () => {
    const epoch = 1234567890;
    const now = new Date(epoch * 1000);
    const code = (e: number) => generate({ secret: RFC_SECRET, epoch: e });
    expect(await verifyTotp(RFC_SECRET, await code(epoch - 30), now, 0)).not.toBeNull();
    expect(await verifyTotp(RFC_SECRET, await code(epoch - 90), now, 0)).toBeNull();
    expect(await verifyTotp(RFC_SECRET, await code(epoch + 60), now, 0)).toBeNull();
    const step = Math.floor(epoch / 30);
    expect(await verifyTotp(RFC_SECRET, await code(epoch), now, step)).toBeNull();
    expect(await verifyTotp(RFC_SECRET, "12ab56", now, 0)).toBeNull();
  });
});

describe("TOTP secrets (RFC 4226 §4)", () => {
  it("accepts 128 bits and more, refuses less, and never takes a bad secret for a wrong code", async () => {
    expect(totpSecretProblem(RFC_SECRET)).toBeNull();
    expect(totpSecretProblem("JMCQOAQW4NXDGUWBPSVXEOLANU")).toBeNull();
    expect(totpSecretProblem("JBSWY3DPEHPK3PXPJBSWY3DP")).toMatch(/120 bits/);
    expect(totpSecretProblem("JBSWY3DP-EHPK")).toMatch(/base 32/);
    await expect(verifyTotp("JBSWY3DPEHPK3PXPJBSWY3DP", "123456", new Date(), 0)).rejects.toThrow(/128 bits/);
  });
});
