/** Calendar months as `YYYY-MM` strings, and their Indonesian names. Pure. */
import type { Period } from './types.ts';

export const PERIOD_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

export const MONTH_NAMES_ID = [
  'Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni',
  'Juli', 'Agustus', 'September', 'Oktober', 'November', 'Desember',
] as const;

export function isPeriod(value: string): boolean {
  return PERIOD_PATTERN.test(value);
}

export function parsePeriod(period: Period): { year: number; month: number } {
  const match = PERIOD_PATTERN.exec(period);
  if (!match) throw new Error(`not a YYYY-MM period: ${JSON.stringify(period)}`);
  return { year: Number(match[1]), month: Number(match[2]) };
}

export function formatPeriod(year: number, month: number): Period {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
}

/** The month `offset` months after `period` (negative for earlier months). */
export function addMonths(period: Period, offset: number): Period {
  const { year, month } = parsePeriod(period);
  const index = year * 12 + (month - 1) + offset;
  return formatPeriod(Math.floor(index / 12), (index % 12) + 1);
}

/** `Oktober 2025`. */
export function periodNameId(period: Period): string {
  const { year, month } = parsePeriod(period);
  return `${MONTH_NAMES_ID[month - 1]} ${year}`;
}

/** Months remaining in the year after this one: December gives 0. */
export function monthsLeftInYear(period: Period): number {
  return 12 - parsePeriod(period).month;
}

/** The calendar month `now` falls in, in Asia/Jakarta (WIB, UTC+7, no daylight saving). */
export function periodInJakarta(now: Date): Period {
  const wib = new Date(now.getTime() + 7 * 3600_000);
  return formatPeriod(wib.getUTCFullYear(), wib.getUTCMonth() + 1);
}

/** The calendar date `now` falls on in Asia/Jakarta, `YYYY-MM-DD`. */
export function dateInJakarta(now: Date): string {
  return new Date(now.getTime() + 7 * 3600_000).toISOString().slice(0, 10);
}

/** The month before the one `now` falls in, in Asia/Jakarta: what the monthly run reports on by default. */
export function previousPeriodInJakarta(now: Date): Period {
  return addMonths(periodInJakarta(now), -1);
}

/** Every month from `first` to `last`, inclusive, in order. */
export function periodRange(first: Period, last: Period): Period[] {
  const periods: Period[] = [];
  for (let p = first; p <= last; p = addMonths(p, 1)) periods.push(p);
  return periods;
}
