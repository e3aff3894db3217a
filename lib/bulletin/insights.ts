/**
 * What a bulletin says beyond the headline figures, as plain data: the month's largest movers among the
 * sub-regions, the segment breakdown a region reported, and the shape of its trend. Pure; the sections
 * (sections/movers.ts, segments.ts, trend.ts) lay these out.
 */
import type { RegionDetails, RegionFigures } from '../domain/types.ts';

/** Changes smaller than this round to `0,00 pp` and are neither a gain nor a fall. */
const SHOWN_PP = 0.005;

function byCode(a: RegionFigures, b: RegionFigures): number {
  return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
}

/**
 * The `count` largest month-on-month gains and falls in coverage (pp) among sub-regions with this month's
 * own figures (carried-forward figures did not move). Null when no sub-region has a change to compare.
 */
export function topMovers(
  subRegions: readonly RegionFigures[],
  count = 3,
): { gains: RegionFigures[]; falls: RegionFigures[] } | null {
  const comparable = subRegions.filter((r) => r.source !== 'missing' && r.momDeltaPp !== null && Number.isFinite(r.momDeltaPp));
  if (comparable.length === 0) return null;
  const gains = comparable
    .filter((r) => r.momDeltaPp! >= SHOWN_PP)
    .sort((a, b) => b.momDeltaPp! - a.momDeltaPp! || byCode(a, b))
    .slice(0, count);
  const falls = comparable
    .filter((r) => r.momDeltaPp! <= -SHOWN_PP)
    .sort((a, b) => a.momDeltaPp! - b.momDeltaPp! || byCode(a, b))
    .slice(0, count);
  return { gains, falls };
}

export type SegmentKey = 'pu' | 'bpu' | 'jakon' | 'pmi';

export const SEGMENT_LABELS: Readonly<Record<SegmentKey, { short: string; long: string }>> = {
  pu: { short: 'PU', long: 'Penerima upah' },
  bpu: { short: 'BPU', long: 'Bukan penerima upah' },
  jakon: { short: 'Jakon', long: 'Jasa konstruksi' },
  pmi: { short: 'PMI', long: 'Pekerja migran Indonesia' },
};

export interface SegmentView {
  /** Segments with a count, in the fixed order PU, BPU, Jakon, PMI; `share` is of the region's active participants. */
  segments: Array<{ key: SegmentKey; count: number; share: number | null }>;
  /** True when all four are present (they then add up to the active participants: a stacked bar is honest). */
  complete: boolean;
  /** PU ÷ formal workers and BPU ÷ informal workers, in percent, each only when both counts exist. */
  formal: { participants: number; workers: number; pct: number } | null;
  informal: { participants: number; workers: number; pct: number } | null;
  vulnerableProtected: number | null;
  /** Villages with at least 100 protected workers, of all villages when that is known. */
  villages: { with100: number; total: number | null; pct: number | null } | null;
}

function ratio(part: number | null, whole: number | null): { participants: number; workers: number; pct: number } | null {
  if (part === null || whole === null || whole <= 0) return null;
  return { participants: part, workers: whole, pct: (100 * part) / whole };
}

/** What the region's details allow to show; null when there is nothing (no details, or every field null). */
export function segmentView(details: RegionDetails | null, active: number | null): SegmentView | null {
  if (details === null) return null;
  const segments = (['pu', 'bpu', 'jakon', 'pmi'] as const)
    .filter((key) => details[key] !== null)
    .map((key) => ({ key, count: details[key]!, share: active !== null && active > 0 ? (100 * details[key]!) / active : null }));
  const villages =
    details.villages100 === null
      ? null
      : {
          with100: details.villages100,
          total: details.villages,
          pct: details.villages !== null && details.villages > 0 ? (100 * details.villages100) / details.villages : null,
        };
  const view: SegmentView = {
    segments,
    complete: segments.length === 4,
    formal: ratio(details.pu, details.workersFormal),
    informal: ratio(details.bpu, details.workersInformal),
    vulnerableProtected: details.vulnerableProtected,
    villages,
  };
  const empty =
    view.segments.length === 0 && view.formal === null && view.informal === null && view.vulnerableProtected === null && view.villages === null;
  return empty ? null : view;
}

/** Coverage points a trend needs before a line says anything. */
export const TREND_MIN_POINTS = 2;

/** Months in the trend with a coverage figure, and those without. */
export function trendCoverage(trend: ReadonlyArray<{ coveragePct: number | null }>): { points: number; gaps: number } {
  const points = trend.filter((t) => t.coveragePct !== null && Number.isFinite(t.coveragePct)).length;
  return { points, gaps: trend.length - points };
}
