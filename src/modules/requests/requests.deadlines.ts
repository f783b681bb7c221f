/** French public holidays of a year (UTC dates), Easter-based ones included (Meeus/Jones/Butcher algorithm). */
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
  const easter = Date.UTC(year, month - 1, day);
  const plus = (days: number) => new Date(easter + days * 86_400_000).toISOString().slice(0, 10);
  const fixed = ["01-01", "05-01", "05-08", "07-14", "08-15", "11-01", "11-11", "12-25"].map((md) => `${year}-${md}`);
  return [...fixed, plus(1), plus(39), plus(50)].sort();
}

/** The date `days` working days after `from` (Monday–Friday, French public holidays excluded), Paris calendar. */
export function addWorkingDays(from: Date, days: number): Date {
  const paris = (d: Date) => new Date(d.toLocaleString("en-US", { timeZone: "Europe/Paris" }));
  const local = paris(from);
  let cursor = Date.UTC(local.getFullYear(), local.getMonth(), local.getDate());
  let left = days;
  const cache = new Map<number, Set<string>>();
  while (left > 0) {
    cursor += 86_400_000;
    const d = new Date(cursor);
    const iso = d.toISOString().slice(0, 10);
    const year = d.getUTCFullYear();
    if (!cache.has(year)) cache.set(year, new Set(frenchHolidays(year)));
    const weekday = d.getUTCDay();
    if (weekday !== 0 && weekday !== 6 && !cache.get(year)!.has(iso)) left--;
  }
  // End of that day, Paris time (≈ 22:59 UTC in winter, 21:59 in summer): stored as 23:59 UTC for simplicity.
  return new Date(cursor + 23 * 3_600_000 + 59 * 60_000);
}

/** Legal deadlines (product §9): réclamation 6 months, extendable once by 3; délai de paiement 2 months. */
export const LEGAL_MONTHS: Record<string, { months: number; extensionMonths: number }> = {
  reclamation: { months: 6, extensionMonths: 3 },
  delai_paiement: { months: 2, extensionMonths: 0 },
};

export function addMonths(at: Date, months: number): Date {
  const d = new Date(at);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d;
}

/** Answer commitments of product §8: first answer in 5 working days; réclamation 6 months, délai de paiement 2. */
export function deadlinesFor(nature: string, receivedAt: Date): { firstAnswer: Date; legal: Date | null } {
  const firstAnswer = addWorkingDays(receivedAt, 5);
  const rule = LEGAL_MONTHS[nature];
  if (!rule) return { firstAnswer, legal: null };
  return { firstAnswer, legal: addMonths(receivedAt, rule.months) };
}
