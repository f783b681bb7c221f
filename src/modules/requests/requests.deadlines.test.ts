import { describe, expect, it } from "vitest";
import { addWorkingDays, deadlinesFor, frenchHolidays } from "./requests.deadlines.js";

describe("French public holidays", () => {
  it.each([
    [2024, ["2024-01-01", "2024-04-01", "2024-05-01", "2024-05-08", "2024-05-09", "2024-05-20", "2024-07-14", "2024-08-15", "2024-11-01", "2024-11-11", "2024-12-25"]],
    [2025, ["2025-01-01", "2025-04-21", "2025-05-01", "2025-05-08", "2025-05-29", "2025-06-09", "2025-07-14", "2025-08-15", "2025-11-01", "2025-11-11", "2025-12-25"]],
    [2026, ["2026-01-01", "2026-04-06", "2026-05-01", "2026-05-08", "2026-05-14", "2026-05-25", "2026-07-14", "2026-08-15", "2026-11-01", "2026-11-11", "2026-12-25"]],
    [2027, ["2027-01-01", "2027-03-29", "2027-05-01", "2027-05-06", "2027-05-08", "2027-05-17", "2027-07-14", "2027-08-15", "2027-11-01", "2027-11-11", "2027-12-25"]],
    [2030, ["2030-01-01", "2030-04-22", "2030-05-01", "2030-05-08", "2030-05-30", "2030-06-10", "2030-07-14", "2030-08-15", "2030-11-01", "2030-11-11", "2030-12-25"]],
  ])("%i", (year, expected) => {
    expect(frenchHolidays(year)).toEqual(expected);
  });
});

describe("working days", () => {
  it("skips weekends and holidays", () => {
    // Friday 2026-11-06 + 5 working days: 9, 10, (11 = Armistice), 12, 13, 16 → Monday 16.
    expect(addWorkingDays(new Date("2026-11-06T10:00:00Z"), 5).toISOString().slice(0, 10)).toBe("2026-11-16");
    // Wednesday 2026-12-23: 24, (25 Christmas), 28, 29, 30, 31.
    expect(addWorkingDays(new Date("2026-12-23T10:00:00Z"), 5).toISOString().slice(0, 10)).toBe("2026-12-31");
  });
  it("announces 6 months for a réclamation and 2 for a délai de paiement", () => {
    const at = new Date("2026-11-28T09:00:00Z");
    expect(deadlinesFor("reclamation", at).legal?.toISOString().slice(0, 10)).toBe("2027-05-28");
    expect(deadlinesFor("delai_paiement", at).legal?.toISOString().slice(0, 10)).toBe("2027-01-28");
    expect(deadlinesFor("question", at).legal).toBeNull();
  });
});
