import { describe, expect, it } from "vitest";
import { calendarDayPlus, frenchCalendarDay, frenchDate, parisDay } from "./dates.js";

describe("French dates", () => {
  it("say « 1er » for the first of a month, in the Paris calendar", () => {
    expect(frenchDate(new Date("2026-02-01T10:00:00Z"))).toBe("1er février 2026");
    // 23:30 UTC on 31 January is already 1 February in Paris (winter time, UTC+1).
    expect(frenchDate("2026-01-31T23:30:00Z")).toBe("1er février 2026");
    expect(frenchDate("2026-12-04T13:05:00Z")).toBe("4 décembre 2026");
    expect(frenchDate("2026-02-01T10:00:00Z", { month: "short" })).toBe("1er févr. 2026");
  });

  it("give the Paris time when asked, summer and winter alike", () => {
    expect(frenchDate("2026-07-01T12:05:00Z", { time: true })).toBe("1er juillet 2026 à 14:05");
    expect(frenchDate("2026-12-04T13:05:00Z", { time: true })).toBe("4 décembre 2026 à 14:05");
    expect(frenchDate("2026-02-01T08:05:09Z", { seconds: true })).toBe("1er février 2026 à 09:05:09");
  });

  it("read a calendar day as that day", () => {
    expect(frenchCalendarDay("2026-03-01")).toBe("1er mars 2026");
    expect(frenchCalendarDay("2026-10-25")).toBe("25 octobre 2026");
    expect(frenchCalendarDay("pas une date")).toBe("pas une date");
  });
});

describe("Paris calendar days", () => {
  it("are the Paris day of an instant, not the UTC one", () => {
    // 23:30 UTC on 4 December is 00:30 on the 5th in Paris (winter); 22:30 UTC on 30 June is 00:30 on 1 July (summer).
    expect(parisDay("2026-12-04T23:30:00Z")).toBe("2026-12-05");
    expect(parisDay("2026-12-04T22:59:59Z")).toBe("2026-12-04");
    expect(parisDay(new Date("2026-06-30T22:30:00Z"))).toBe("2026-07-01");
  });

  it("count days on the calendar, across months, years and the clock changes", () => {
    expect(calendarDayPlus("2026-12-05", -29)).toBe("2026-11-06");
    expect(calendarDayPlus("2026-03-28", 2)).toBe("2026-03-30");
    expect(calendarDayPlus("2026-12-31", 1)).toBe("2027-01-01");
  });
});
