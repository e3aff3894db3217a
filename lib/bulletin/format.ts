/**
 * Indonesian (id-ID) number, date and status formatting for bulletins. Pure.
 *
 * The formatters are built once: `toLocaleString` per call builds a formatter each time and cost as
 * much as PDF compression in the rendering profile.
 */
import { MONTH_NAMES_ID, parsePeriod } from '../domain/period.ts';
import type { Period, Status } from '../domain/types.ts';

/** Shown where a figure does not apply. */
export const NONE = '–';

/** U+2212, the typographic minus: Intl gives a hyphen-minus, which reads as a dash in tables. */
const MINUS = '\u2212';

const countFormat = new Intl.NumberFormat('id-ID', { maximumFractionDigits: 0 });
const decimalFormat = new Intl.NumberFormat('id-ID', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const signedDecimalFormat = new Intl.NumberFormat('id-ID', {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
  signDisplay: 'exceptZero',
});
const signedCountFormat = new Intl.NumberFormat('id-ID', { maximumFractionDigits: 0, signDisplay: 'exceptZero' });
const axisFormat = new Intl.NumberFormat('id-ID', { maximumFractionDigits: 1 });

function typographicMinus(text: string): string {
  return text.replace('-', MINUS);
}

/** `1.149.447`. */
export function formatCount(n: number | null): string {
  return n === null ? NONE : typographicMinus(countFormat.format(n));
}

/** `+12.345` / `−1.020` / `0`: a change in a count. */
export function formatSignedCount(n: number | null): string {
  return n === null ? NONE : typographicMinus(signedCountFormat.format(n));
}

/** `38,39%`: a percentage given in percent units (38.39, not 0.3839). */
export function formatPct(x: number | null): string {
  return x === null ? NONE : `${typographicMinus(decimalFormat.format(x))}%`;
}

/** `+0,42 pp` / `−1,05 pp` / `0,00 pp`: a change in percentage points. */
export function formatPp(x: number | null): string {
  return x === null ? NONE : `${typographicMinus(signedDecimalFormat.format(x))} pp`;
}

/** `6,61` / `−2,10`: unsigned-when-positive points, for the gap to target (target − coverage). */
export function formatPoints(x: number | null): string {
  return x === null ? NONE : typographicMinus(decimalFormat.format(x));
}

/** `35%` / `37,5%`: a chart axis tick, as few decimals as it needs. */
export function formatAxisPct(x: number): string {
  return `${typographicMinus(axisFormat.format(x))}%`;
}

const MONTH_SHORT_ID = ['Jan', 'Feb', 'Mar', 'Apr', 'Mei', 'Jun', 'Jul', 'Agu', 'Sep', 'Okt', 'Nov', 'Des'] as const;

/** `Okt 2025`: a month on a chart's time axis. */
export function formatMonthShort(period: Period): string {
  const { year, month } = parsePeriod(period);
  return `${MONTH_SHORT_ID[month - 1]} ${year}`;
}

export interface StatusStyle {
  label: string;
  /** Badge and bar colour. */
  color: string;
}

export const STATUS_STYLES: Readonly<Record<Status, StatusStyle>> = {
  achieved: { label: 'Tercapai', color: '#1E7B3A' },
  on_track: { label: 'Sesuai jalur', color: '#1F6FB2' },
  at_risk: { label: 'Berisiko', color: '#C27C0E' },
  off_track: { label: 'Tertinggal', color: '#B83227' },
  no_target: { label: 'Tanpa target', color: '#7A8591' },
};

export function statusLabel(status: Status): string {
  return STATUS_STYLES[status].label;
}

export function statusColor(status: Status): string {
  return STATUS_STYLES[status].color;
}

const WIB_OFFSET_MS = 7 * 3600_000;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an ISO 8601 instant with an explicit offset; throws on anything else (a bare local time would be ambiguous). */
export function parseInstant(iso: string): Date {
  const date = new Date(iso);
  if (!ISO_INSTANT.test(iso) || Number.isNaN(date.getTime())) {
    throw new Error(`not an ISO 8601 instant with offset: ${JSON.stringify(iso)}`);
  }
  return date;
}

/** `22 November 2026 10.15 WIB` (Asia/Jakarta, UTC+7, no daylight saving). */
export function formatWib(iso: string): string {
  const wib = new Date(parseInstant(iso).getTime() + WIB_OFFSET_MS);
  const hh = String(wib.getUTCHours()).padStart(2, '0');
  const mm = String(wib.getUTCMinutes()).padStart(2, '0');
  return `${wib.getUTCDate()} ${MONTH_NAMES_ID[wib.getUTCMonth()]} ${wib.getUTCFullYear()} ${hh}.${mm} WIB`;
}
