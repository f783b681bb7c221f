import { TZDate } from "@date-fns/tz";
import { addDays, addMonths as addCalendarMonths, endOfDay, format, isWeekend } from "date-fns";
import { PARIS } from "../../platform/paris.js";

/** A calendar day in Paris, as a date-fns value (every computation below is in the Paris calendar). */
const parisDate = (at: Date | number) => new TZDate(typeof at === "number" ? at : at.getTime(), PARIS);
const dayOf = (d: TZDate) => format(d, "yyyy-MM-dd");

/** French public holidays of a year (`YYYY-MM-DD`), Easter-based ones included (Meeus/Jones/Butcher algorithm). */
export function frenchHolidays(year: number): string[] {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  const easter = new TZDate(year, month - 1, day, PARIS);
  const fixed = ["01-01", "05-01", "05-08", "07-14", "08-15", "11-01", "11-11", "12-25"].map((md) => `${year}-${md}`);
  return [...fixed, ...[1, 39, 50].map((n) => dayOf(addDays(easter, n)))].sort();
}

/**
 * The deadline `days` working days after `from` (Monday–Friday, French public holidays excluded): the last
 * instant of that day in Paris (23:59:59.999, summer or winter time).
 */
export function addWorkingDays(from: Date, days: number): Date {
  let cursor = parisDate(from);
  let left = days;
  const holidays = new Map<number, Set<string>>();
  const isHoliday = (d: TZDate) => {
    const year = d.getFullYear();
    if (!holidays.has(year)) holidays.set(year, new Set(frenchHolidays(year)));
    return holidays.get(year)!.has(dayOf(d));
  };
  while (left > 0) {
    cursor = addDays(cursor, 1);
    if (!isWeekend(cursor) && !isHoliday(cursor)) left--;
  }
  return new Date(endOfDay(cursor).getTime());
}

/** Legal deadlines (product §9): réclamation 6 months, extendable once by 3; délai de paiement 2 months. */
export const LEGAL_MONTHS: Record<string, { months: number; extensionMonths: number }> = {
  reclamation: { months: 6, extensionMonths: 3 },
  delai_paiement: { months: 2, extensionMonths: 0 },
};

/** The same day `months` later in the Paris calendar (the month's last day when it is shorter), at its end. */
export function addMonths(at: Date, months: number): Date {
  return new Date(endOfDay(addCalendarMonths(parisDate(at), months)).getTime());
}

/** Answer commitments of product §8: first answer in 5 working days; réclamation 6 months, délai de paiement 2. */
export function deadlinesFor(nature: string, receivedAt: Date): { firstAnswer: Date; legal: Date | null } {
  const firstAnswer = addWorkingDays(receivedAt, 5);
  const rule = LEGAL_MONTHS[nature];
  if (!rule) return { firstAnswer, legal: null };
  return { firstAnswer, legal: addMonths(receivedAt, rule.months) };
}
