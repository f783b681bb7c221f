import { describe, expect, it } from "vitest";
import { parseSirens } from "./sirens";

describe("SIREN pasted for a bulk delegation", () => {
  it("reads SIREN separated by spaces, commas, semicolons and line breaks, and reports each wrong value with its line", () => {
    const r = parseSirens("845123900, 732829320\n552100554;542065479\n\n845 123 900\n12345 732829321\nabc");
    expect(r.sirens).toEqual(["845123900", "732829320", "552100554", "542065479"]);
    expect(r.invalid).toEqual([
      { line: 5, value: "12345", reason: "un SIREN comporte 9 chiffres" },
      { line: 5, value: "732829321", reason: "la clé de ce SIREN est fausse (faute de frappe ?)" },
      { line: 6, value: "abc", reason: "un SIREN comporte 9 chiffres" },
    ]);
  });
});
