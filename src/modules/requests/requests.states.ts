import type { RequestStatus } from "../../platform/db/schema.js";

/** Events that move a request (product §8). */
export type RequestEvent =
  | "agent_opens" // an agent opens or assigns it
  | "company_replies" // the company side posts a message
  | "agent_asks" // an agent asks for information
  | "agent_answers" // an agent gives the answer
  | "company_closes"
  | "agent_closes"
  | "answered_timeout"; // 30 days in `answered` without reply

export type Transition = { ok: true; to: RequestStatus } | { ok: false; reason: "closed" | "not_allowed" };

const TABLE: Record<RequestStatus, Partial<Record<RequestEvent, RequestStatus>>> = {
  received: {
    agent_opens: "in_progress",
    company_replies: "received",
    agent_asks: "awaiting_user",
    agent_answers: "answered",
    company_closes: "closed",
    agent_closes: "closed",
  },
  in_progress: {
    agent_opens: "in_progress",
    company_replies: "in_progress",
    agent_asks: "awaiting_user",
    agent_answers: "answered",
    company_closes: "closed",
    agent_closes: "closed",
  },
  awaiting_user: {
    agent_opens: "awaiting_user",
    company_replies: "in_progress",
    agent_asks: "awaiting_user",
    agent_answers: "answered",
    company_closes: "closed",
    agent_closes: "closed",
  },
  answered: {
    agent_opens: "answered",
    company_replies: "in_progress",
    agent_asks: "awaiting_user",
    agent_answers: "answered",
    company_closes: "closed",
    agent_closes: "closed",
    answered_timeout: "closed",
  },
  closed: {},
};

/** Every state a request can be in (a tuple, for the routes' enums). */
export const STATUSES = ["received", "in_progress", "awaiting_user", "answered", "closed"] as const satisfies readonly RequestStatus[];

/**
 * The state machine of product §8, as a pure function. A closed request accepts nothing (the user opens a new
 * one, which may cite the old reference).
 */
export function transition(from: RequestStatus, event: RequestEvent): Transition {
  if (from === "closed") return { ok: false, reason: "closed" };
  const to = TABLE[from][event];
  return to ? { ok: true, to } : { ok: false, reason: "not_allowed" };
}

/** French labels of the states (the shared catalogue). */
export { REQUEST_STATUS_LABELS as STATUS_LABELS } from "../../shared/labels.js";
