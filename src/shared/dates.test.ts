import { describe, expect, it } from "vitest";
import { frenchCalendarDay, frenchDate } from "./dates.js";

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
