import { describe, expect, it } from "vitest";
import { transition, type RequestEvent } from "./requests.states.js";
import type { RequestStatus } from "../../platform/db/schema.js";

const EVENTS: RequestEvent[] = ["agent_opens", "company_replies", "agent_asks", "agent_answers", "company_closes", "agent_closes", "answered_timeout"];
const EXPECTED: Record<RequestStatus, (RequestStatus | "✗")[]> = {
  //            opens          replies        asks             answers     c.closes  a.closes  timeout
  received: ["in_progress", "received", "awaiting_user", "answered", "closed", "closed", "✗"],
  in_progress: ["in_progress", "in_progress", "awaiting_user", "answered", "closed", "closed", "✗"],
  awaiting_user: ["awaiting_user", "in_progress", "awaiting_user", "answered", "closed", "closed", "✗"],
  answered: ["answered", "in_progress", "awaiting_user", "answered", "closed", "closed", "closed"],
  closed: ["✗", "✗", "✗", "✗", "✗", "✗", "✗"],
};

describe("request state machine (product §8)", () => {
  for (const [from, row] of Object.entries(EXPECTED) as [RequestStatus, (RequestStatus | "✗")[]][]) {
    it.each(EVENTS.map((e, i) => [e, row[i]!] as const))(`${from} + %s → %s`, (event, to) => {
      const t = transition(from, event);
      expect(t.ok ? t.to : "✗").toBe(to);
    });
  }
  it("says why a closed request refuses everything", () => {
    expect(transition("closed", "company_replies")).toEqual({ ok: false, reason: "closed" });
    expect(transition("received", "answered_timeout")).toEqual({ ok: false, reason: "not_allowed" });
  });
});
