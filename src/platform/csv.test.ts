import { describe, expect, it } from "vitest";
import { parse } from "csv-parse/sync";
import { frenchCsv, neutraliseCell } from "./csv.js";

describe("CSV for spreadsheets", () => {
  it("neutralises what a spreadsheet would run as a formula", () => {
    for (const v of ["=1+1", "+33 1 23", "-2", "@SUM(A1)", "\tx", "\rx"]) expect(neutraliseCell(v)).toBe(`'${v}`);
    expect(neutraliseCell("Martin distribution")).toBe("Martin distribution");
  });
  it("writes semicolons, a BOM and quotes what needs it; the cells read back", () => {
    const text = frenchCsv(
      ["siren", "motif"],
      [
        ["812345676", 'il a dit "non"; puis =HYPERLINK()'],
        ["845123900", null],
        [3, "=cmd"],
      ],
    );
    expect(text.startsWith("\uFEFF")).toBe(true);
    const back = parse(text.slice(1), { delimiter: ";" });
    expect(back).toEqual([
      ["siren", "motif"],
      ["812345676", 'il a dit "non"; puis =HYPERLINK()'],
      ["845123900", ""],
      ["3", "'=cmd"],
    ]);
  });
});
