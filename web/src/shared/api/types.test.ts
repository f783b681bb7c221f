import { describe, expect, it } from "vitest";
import { frenchDateTime, frenchDeadline, parisDayLastInstant } from "./types";

describe("a due date shown back", () => {
  it("is the day typed when it was typed without a time (its last instant in Paris), summer and winter", () => {
    expect(frenchDeadline("2026-12-17T22:59:59.999Z")).toBe("17 décembre 2026");
    expect(frenchDeadline("2026-07-14T21:59:59.999Z")).toBe("14 juillet 2026");
  });
  it("keeps its hour when one was typed", () => {
    expect(frenchDeadline("2026-12-17T15:30:00.000Z")).toBe("17 décembre 2026 à 16:30");
    // Midnight is the start of the next day, not the end of this one.
    expect(frenchDeadline("2026-12-17T23:00:00.000Z")).toBe("18 décembre 2026 à 00:00");
  });
});

describe("a date and time on screen (a message, a read mark « lu par … le … », a back-office list)", () => {
  it("says the Paris day and time in one style everywhere, winter and summer", () => {
    expect(frenchDateTime("2026-12-04T13:05:00.000Z")).toBe("4 décembre 2026 à 14:05");
    expect(frenchDateTime("2026-07-14T07:00:00.000Z")).toBe("14 juillet 2026 à 09:00");
    // Just after midnight in Paris is that day already.
    expect(frenchDateTime("2026-12-04T23:30:00.000Z")).toBe("5 décembre 2026 à 00:30");
    expect(frenchDateTime("2026-02-01T09:00:00.000Z")).toBe("1er février 2026 à 10:00");
  });
});

describe("a day typed without a time, sent as an instant", () => {
  it("is the last instant of that Paris day, winter and summer, and shows back as that day", () => {
    expect(parisDayLastInstant("2026-12-17")).toBe("2026-12-17T22:59:59.999Z");
    expect(parisDayLastInstant("2026-07-14")).toBe("2026-07-14T21:59:59.999Z");
    expect(frenchDeadline(parisDayLastInstant("2026-03-01"))).toBe("1er mars 2026");
  });
});
