import { describe, expect, it } from "vitest";
import { parseSirens } from "./sirens";

describe("SIREN pasted for a bulk delegation", () => {
  it("reads SIREN separated by spaces, commas, semicolons and line breaks, and reports each wrong value with its line", () => {
    const r = parseSirens("845123900, 732829320\n552100554;542065479\n\n845 123 900\n12345 732829321\nabc\n84512390000012");
    expect(r.sirens).toEqual(["845123900", "732829320", "552100554", "542065479"]);
    expect(r.invalid).toEqual([
      { line: 5, value: "12345", reason: "le SIREN compte 9 chiffres ; vous en avez saisi 5" },
      { line: 5, value: "732829321", reason: "la clé de ce SIREN est fausse (faute de frappe ?)" },
      { line: 6, value: "abc", reason: "le SIREN ne compte que des chiffres (9) : retirez les lettres et les autres signes" },
      { line: 7, value: "84512390000012", reason: "vous avez saisi un SIRET (14 chiffres) : le SIREN en est les 9 premiers, 845123900" },
    ]);
  });
});
