import type { QueueFilters } from "../queries";

/** The queue with nothing chosen: open requests of every origin but unanswered campaign threads, by deadline. */
export const EMPTY: QueueFilters = {
  service: "",
  status: "",
  tax: "",
  nature: "",
  assignee: "",
  overdue: false,
  dueSoon: false,
  q: "",
  origin: "",
  sort: "",
  order: "",
};

const FLAGS = ["overdue", "dueSoon"] as const;

/** The filters and sort an address carries (`?status=received&sort=company&order=desc`); unknown keys ignored. */
export function filtersFromUrl(params: URLSearchParams): QueueFilters {
  const f: QueueFilters = { ...EMPTY };
  for (const k of Object.keys(EMPTY) as (keyof QueueFilters)[]) {
    const v = params.get(k);
    if (v === null) continue;
    if ((FLAGS as readonly string[]).includes(k)) (f as Record<string, unknown>)[k] = v === "true";
    else (f as Record<string, unknown>)[k] = v;
  }
  return f;
}

/** The address's query for these filters: only what differs from the empty queue, in a stable order. */
export function filtersToUrl(f: QueueFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const k of Object.keys(EMPTY) as (keyof QueueFilters)[]) {
    const v = f[k];
    if (v === true) params.set(k, "true");
    else if (typeof v === "string" && v.trim()) params.set(k, v.trim());
  }
  return params;
}

export const isEmpty = (f: QueueFilters) => filtersToUrl(f).toString() === "";
