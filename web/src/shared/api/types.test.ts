import { describe, expect, it } from "vitest";
import { frenchDeadline, frenchReadTime } from "./types";

describe("a due date shown back", () => {
  it("is the day typed when it was typed without a time (its last instant in Paris), summer and winter", () => {
    expect(frenchDeadline("2026-12-17T22:59:59.999Z")).toBe("17 décembre 2026");
    expect(frenchDeadline("2026-07-14T21:59:59.999Z", true)).toBe("14 juil. 2026");
  });
  it("keeps its hour when one was typed", () => {
    expect(frenchDeadline("2026-12-17T15:30:00.000Z")).toBe("17 décembre 2026 à 16:30");
    // Midnight is the start of the next day, not the end of this one.
    expect(frenchDeadline("2026-12-17T23:00:00.000Z")).toBe("18 décembre 2026 à 00:00");
  });
});

describe("a read mark (« lu par … le … »)", () => {
  it("says the Paris day and time, hours and minutes apart, winter and summer", () => {
    expect(frenchReadTime("2026-12-04T13:05:00.000Z")).toBe("4 décembre 2026 à 14 h 05");
    expect(frenchReadTime("2026-07-14T07:00:00.000Z")).toBe("14 juillet 2026 à 9 h 00");
    // Just after midnight in Paris is that day already.
    expect(frenchReadTime("2026-12-04T23:30:00.000Z")).toBe("5 décembre 2026 à 0 h 30");
  });
});
