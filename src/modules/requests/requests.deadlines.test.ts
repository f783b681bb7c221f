import { describe, expect, it } from "vitest";
import { addWorkingDays, deadlinesFor, frenchHolidays } from "./requests.deadlines.js";

describe("French public holidays", () => {
  it.each([
    [
      2024,
      [
        "2024-01-01",
        "2024-04-01",
        "2024-05-01",
        "2024-05-08",
        "2024-05-09",
        "2024-05-20",
        "2024-07-14",
        "2024-08-15",
        "2024-11-01",
        "2024-11-11",
        "2024-12-25",
      ],
    ],
    [
      2025,
      [
        "2025-01-01",
        "2025-04-21",
        "2025-05-01",
        "2025-05-08",
        "2025-05-29",
        "2025-06-09",
        "2025-07-14",
        "2025-08-15",
        "2025-11-01",
        "2025-11-11",
        "2025-12-25",
      ],
    ],
    [
      2026,
      [
        "2026-01-01",
        "2026-04-06",
        "2026-05-01",
        "2026-05-08",
        "2026-05-14",
        "2026-05-25",
        "2026-07-14",
        "2026-08-15",
        "2026-11-01",
        "2026-11-11",
        "2026-12-25",
      ],
    ],
    [
      2027,
      [
        "2027-01-01",
        "2027-03-29",
        "2027-05-01",
        "2027-05-06",
        "2027-05-08",
        "2027-05-17",
        "2027-07-14",
        "2027-08-15",
        "2027-11-01",
        "2027-11-11",
        "2027-12-25",
      ],
    ],
    [
      2028,
      [
        "2028-01-01",
        "2028-04-17",
        "2028-05-01",
        "2028-05-08",
        "2028-05-25",
        "2028-06-05",
        "2028-07-14",
        "2028-08-15",
        "2028-11-01",
        "2028-11-11",
        "2028-12-25",
      ],
    ],
    [
      2029,
      [
        "2029-01-01",
        "2029-04-02",
        "2029-05-01",
        "2029-05-08",
        "2029-05-10",
        "2029-05-21",
        "2029-07-14",
        "2029-08-15",
        "2029-11-01",
        "2029-11-11",
        "2029-12-25",
      ],
    ],
    [
      2030,
      [
        "2030-01-01",
        "2030-04-22",
        "2030-05-01",
        "2030-05-08",
        "2030-05-30",
        "2030-06-10",
        "2030-07-14",
        "2030-08-15",
        "2030-11-01",
        "2030-11-11",
        "2030-12-25",
      ],
    ],
  ])("%i", (year, expected) => {
    expect(frenchHolidays(year)).toEqual(expected);
  });
});

/** What the request page and the `date_limite` template show: the day and time in Paris. */
const shown = (d: Date) => new Intl.DateTimeFormat("fr-FR", { timeZone: "Europe/Paris", dateStyle: "full", timeStyle: "medium" }).format(d);

describe("working days, Paris calendar", () => {
  it("skips weekends and holidays, and ends at the last second of the Paris day", () => {
    // Friday 2026-11-06 + 5 working days: 9, 10, (11 = Armistice), 12, 13, 16 → Monday 16.
    expect(shown(addWorkingDays(new Date("2026-11-06T10:00:00Z"), 5))).toBe("lundi 16 novembre 2026 à 23:59:59");
    // Wednesday 2026-12-23: 24, (25 Christmas), 28, 29, 30, 31.
    expect(shown(addWorkingDays(new Date("2026-12-23T10:00:00Z"), 5))).toBe("jeudi 31 décembre 2026 à 23:59:59");
  });
  it("counts from the Paris day of receipt, not the UTC one", () => {
    // 23:30 UTC on Tuesday 2026-12-01 is already Wednesday 2 in Paris: +1 → Thursday 3.
    expect(shown(addWorkingDays(new Date("2026-12-01T23:30:00Z"), 1))).toBe("jeudi 3 décembre 2026 à 23:59:59");
    // 22:30 UTC on Sunday 2027-06-27 is Monday 28 at 00:30 in Paris (summer time): +1 → Tuesday 29.
    expect(shown(addWorkingDays(new Date("2027-06-27T22:30:00Z"), 1))).toBe("mardi 29 juin 2027 à 23:59:59");
  });
  it("crosses the change to summer time (last Sunday of March)", () => {
    // Thursday 2027-03-25 → 26, (27–28 weekend, summer time on the 28th), (29 Easter Monday), 30.
    const d = addWorkingDays(new Date("2027-03-25T12:00:00Z"), 2);
    expect(shown(d)).toBe("mardi 30 mars 2027 à 23:59:59");
    expect(d.toISOString()).toBe("2027-03-30T21:59:59.999Z");
  });
  it("crosses the change to winter time (last Sunday of October)", () => {
    // Friday 2026-10-23 → Monday 26 (winter time since the 25th).
    const d = addWorkingDays(new Date("2026-10-23T08:00:00Z"), 1);
    expect(shown(d)).toBe("lundi 26 octobre 2026 à 23:59:59");
    expect(d.toISOString()).toBe("2026-10-26T22:59:59.999Z");
  });
  it("crosses New Year", () => {
    // Wednesday 2026-12-30 → 31, (Friday 1 January, then the weekend), Monday 4.
    expect(shown(addWorkingDays(new Date("2026-12-30T16:00:00Z"), 2))).toBe("lundi 4 janvier 2027 à 23:59:59");
  });
  it("skips Easter Monday after a Friday", () => {
    // Friday 2027-03-26 (Good Friday is a working day outside Alsace-Moselle) → Tuesday 30.
    expect(shown(addWorkingDays(new Date("2027-03-26T09:00:00Z"), 1))).toBe("mardi 30 mars 2027 à 23:59:59");
  });
  it("announces 6 months for a réclamation and 2 for a délai de paiement, on the Paris calendar", () => {
    const at = new Date("2026-11-28T09:00:00Z");
    expect(shown(deadlinesFor("reclamation", at).legal!)).toBe("vendredi 28 mai 2027 à 23:59:59");
    expect(shown(deadlinesFor("delai_paiement", at).legal!)).toBe("jeudi 28 janvier 2027 à 23:59:59");
    // 31 August at 23:30 in Paris (21:30 UTC) + 6 months → the last day of February.
    expect(shown(deadlinesFor("reclamation", new Date("2026-08-31T21:30:00Z")).legal!)).toBe("dimanche 28 février 2027 à 23:59:59");
    expect(deadlinesFor("question", at).legal).toBeNull();
  });
});
