import { describe, expect, it } from "vitest";
import { isCalendarDay, parisDay, parisDayEnd, parisDayLastInstant, parisDayStart } from "./paris.js";

describe("the Paris calendar", () => {
  it("begins winter days at 23:00 UTC the day before, summer days at 22:00", () => {
    expect(parisDayStart("2026-01-15").toISOString()).toBe("2026-01-14T23:00:00.000Z");
    expect(parisDayStart("2026-07-15").toISOString()).toBe("2026-07-14T22:00:00.000Z");
  });
  it("gives the days of the clock changes their 23 and 25 hours", () => {
    // 29 March 2026: 2:00 → 3:00; 25 October 2026: 3:00 → 2:00.
    expect(parisDayEnd("2026-03-29").getTime() - parisDayStart("2026-03-29").getTime()).toBe(23 * 3600_000);
    expect(parisDayEnd("2026-10-25").getTime() - parisDayStart("2026-10-25").getTime()).toBe(25 * 3600_000);
  });
  it("crosses the new year and reads the day of an instant in Paris", () => {
    expect(parisDayEnd("2026-12-31").toISOString()).toBe("2026-12-31T23:00:00.000Z");
    expect(parisDay(new Date("2026-12-31T23:30:00.000Z"))).toBe("2027-01-01");
    expect(parisDay(new Date("2026-07-14T21:59:59.000Z"))).toBe("2026-07-14");
  });
  it("ends a day at its last instant in Paris, on the day itself — clock changes and new year included", () => {
    expect(parisDayLastInstant("2026-12-17").toISOString()).toBe("2026-12-17T22:59:59.999Z");
    expect(parisDayLastInstant("2026-07-14").toISOString()).toBe("2026-07-14T21:59:59.999Z");
    expect(parisDayLastInstant("2026-03-29").toISOString()).toBe("2026-03-29T21:59:59.999Z");
    expect(parisDayLastInstant("2026-10-25").toISOString()).toBe("2026-10-25T22:59:59.999Z");
    for (const day of ["2026-12-17", "2026-03-29", "2026-10-25", "2026-12-31"]) expect(parisDay(parisDayLastInstant(day))).toBe(day);
  });
  it("refuses days that do not exist", () => {
    expect(isCalendarDay("2026-02-29")).toBe(false);
    expect(isCalendarDay("2028-02-29")).toBe(true);
    expect(isCalendarDay("2026-13-01")).toBe(false);
    expect(() => parisDayStart("31/12/2026")).toThrow(RangeError);
  });
});
