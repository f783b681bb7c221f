/**
 * Dates in French as people read them, in the Paris calendar. Shared by the server (mails, letters, receipts,
 * transcripts) and the web UI, so that every screen and every paper says « 1er février 2026 » the same way: the
 * first day of a month is « 1er » in French, never « 1 ».
 */
import { TZDate } from "@date-fns/tz";
import { addDays } from "date-fns";

const PARIS = "Europe/Paris";

type Style = { month?: "long" | "short"; time?: boolean; seconds?: boolean };

/** One formatter per style, made once: making an `Intl.DateTimeFormat` costs far more than formatting with it. */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(style: Style): Intl.DateTimeFormat {
  const key = `${style.month ?? "long"}|${style.time ? 1 : 0}|${style.seconds ? 1 : 0}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat("fr-FR", {
      timeZone: PARIS,
      day: "numeric",
      month: style.month ?? "long",
      year: "numeric",
      ...(style.time || style.seconds ? { hour: "2-digit", minute: "2-digit", hourCycle: "h23" } : {}),
      ...(style.seconds ? { second: "2-digit" } : {}),
    });
    formatters.set(key, f);
  }
  return f;
}

/**
 * « 1er février 2026 », « 4 décembre 2026 » (month « short »: « 1er févr. 2026 »); with `time`: « … à 14:05 », and
 * with `seconds` too: « … à 14:05:09 » (a legal time of receipt).
 */
export function frenchDate(at: Date | string, style: Style = {}): string {
  const parts = formatter(style).formatToParts(typeof at === "string" ? new Date(at) : at);
  const v = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const day = v("day") === "1" ? "1er" : v("day");
  const date = `${day} ${v("month")} ${v("year")}`;
  if (style.seconds) return `${date} à ${v("hour")}:${v("minute")}:${v("second")}`;
  return style.time ? `${date} à ${v("hour")}:${v("minute")}` : date;
}

/** « 1er février 2026 »: a calendar day (`YYYY-MM-DD`) in French; anything else is returned as it is. */
export function frenchCalendarDay(day: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  // Noon UTC is the same calendar day in Paris, winter and summer alike.
  return m ? frenchDate(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12))) : day;
}

/** The Paris calendar day of an instant, as `YYYY-MM-DD` (what a date field holds): 23:30 UTC on 4 December is the 5th. */
export function parisDay(at: Date | string): string {
  const d = new TZDate(new Date(at).getTime(), PARIS);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** The calendar day `n` days after (`n` < 0: before) a `YYYY-MM-DD` day. */
export function calendarDayPlus(day: string, n: number): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return addDays(new Date(Date.UTC(y, m - 1, d)), n)
    .toISOString()
    .slice(0, 10);
}
