import { TZDate } from "@date-fns/tz";
import { addDays } from "date-fns";

/** The French calendar: days begin and end at midnight in Paris (summer and winter time included). */
export const PARIS = "Europe/Paris";

/** A `YYYY-MM-DD` day as a calendar date (undefined when it is not a real day). */
function parseDay(day: string): [number, number, number] | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(y, mo - 1, d));
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d) return undefined;
  return [y, mo, d];
}

export const isCalendarDay = (day: string) => parseDay(day) !== undefined;

/** The instant a Paris day begins. */
export function parisDayStart(day: string): Date {
  const p = parseDay(day);
  if (!p) throw new RangeError(`not a calendar day: ${day}`);
  return new Date(new TZDate(p[0], p[1] - 1, p[2], PARIS).getTime());
}

/** The instant the next Paris day begins (the end, exclusive, of this one). */
export function parisDayEnd(day: string): Date {
  const p = parseDay(day);
  if (!p) throw new RangeError(`not a calendar day: ${day}`);
  return new Date(addDays(new TZDate(p[0], p[1] - 1, p[2], PARIS), 1).getTime());
}

/**
 * The last instant (23:59:59.999, Paris) of a Paris day: what a date typed without a time means when it is a deadline,
 * a publication day, an extension or a campaign date (« le 17 décembre » = until the end of the 17th, never the 18th).
 */
export function parisDayLastInstant(day: string): Date {
  return new Date(parisDayEnd(day).getTime() - 1);
}

/** A date typed without a time (`YYYY-MM-DD`) as the last instant of that Paris day; undefined when it is not one. */
export function parisDateOnly(text: string): Date | undefined {
  return isCalendarDay(text) ? parisDayLastInstant(text) : undefined;
}

/** The Paris calendar day of an instant, as `YYYY-MM-DD`. */
export { parisDay } from "../shared/dates.js";

/** A Paris wall-clock time `YYYY-MM-DDTHH:mm` (what a form's date and time fields give) as an instant. */
export function parisLocalTime(text: string): Date | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})$/.exec(text);
  if (!m) return undefined;
  const p = parseDay(m[1]!);
  const [h, mi] = [Number(m[2]), Number(m[3])];
  if (!p || h > 23 || mi > 59) return undefined;
  return new Date(new TZDate(p[0], p[1] - 1, p[2], h, mi, PARIS).getTime());
}

const SHORT_DATE_TIME = new Intl.DateTimeFormat("fr-FR", { timeZone: PARIS, dateStyle: "short", timeStyle: "short" });

/** An instant as French spreadsheets read it, in Paris time: `04/12/2026 13:05`. */
export function parisDateTime(at: Date): string {
  return SHORT_DATE_TIME.format(at);
}
