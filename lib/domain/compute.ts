/**
 * The month's figures for every region (docs/architecture.md, "The numbers"). Pure: everything it needs
 * comes in as arguments, so a past month recomputes the same from the same inputs.
 */
import { addMonths, monthsLeftInYear } from './period.ts';
import { slug, type RegionIndex } from './regions.ts';
import type { Level, MonthResult, Period, Region, RegionDetails, RegionFigures, Status } from './types.ts';

/** A region's reported numbers for the month (one upload row, after validation). */
export interface ReportedFigures {
  code: string;
  active: number;
  /** Null when the row left the working population out: it is carried from history. */
  eligible: number | null;
  details?: RegionDetails | null;
}

/** What history remembers of a region in an earlier month. */
export interface PastFigures {
  active: number;
  eligible: number;
  /** When the denominator was itself carried, the month it came from. */
  eligibleFrom: Period | null;
}

export interface TargetFigures {
  targetPct: number;
  targetActive: number | null;
}

export interface ComputeInput {
  period: Period;
  regions: RegionIndex;
  /** Rows for this month, at most one per region code. */
  reported: ReadonlyMap<string, ReportedFigures>;
  /** Targets of the period's year by code (`nasional` for the nation). */
  targets: ReadonlyMap<string, TargetFigures>;
  /** Earlier months' figures, by period then region code (a snapshot per region and month). */
  history: ReadonlyMap<Period, ReadonlyMap<string, PastFigures>>;
  /** Optional province groups by name (`config/groups.csv`). */
  groups?: ReadonlyMap<string, readonly string[]>;
}

export interface ComputeWarning {
  code: string;
  region: string;
  message: string;
}

export interface ComputedMonth extends MonthResult {
  warnings: ComputeWarning[];
}

interface Totals {
  active: number;
  eligible: number;
  eligibleFrom: Period | null;
  source: RegionFigures['source'];
  details: RegionDetails | null;
}

const DETAIL_KEYS = ['pu', 'bpu', 'jakon', 'pmi', 'workersFormal', 'workersInformal', 'vulnerableProtected', 'villages100', 'villages'] as const;

/** Null when no breakdown was given at all, so a region without breakdowns carries none. */
function detailsOrNull(details: RegionDetails | null | undefined): RegionDetails | null {
  if (!details || DETAIL_KEYS.every((key) => details[key] === null)) return null;
  return details;
}

/** Each breakdown summed only when every part has it: a partial sum would look complete and be wrong. */
function sumDetails(parts: ReadonlyArray<RegionDetails | null>): RegionDetails | null {
  const sum = {} as RegionDetails;
  for (const key of DETAIL_KEYS) {
    let total: number | null = 0;
    for (const part of parts) {
      const value = part?.[key] ?? null;
      total = total === null || value === null ? null : total + value;
    }
    sum[key] = total;
  }
  return detailsOrNull(sum);
}

/**
 * How far back a missing denominator may be carried from. BPS publishes regency figures once a year,
 * so a year is enough; older than that is not a current figure.
 */
const CARRY_MONTHS = 12;
/** The months of history any figure looks at: carried denominators and year-on-year change, 12 back. */
export const HISTORY_MONTHS = Math.max(CARRY_MONTHS, 12);
/**
 * Percentage points of floating-point slack at the `targetPct - 2` threshold. The rounding there is about
 * 1e-14; a real difference between a projection and a two-decimal target is at least ~1e-11 even at the
 * national denominator (~1.5e8 workers), so 1e-12 tells them apart.
 */
const ROUNDING_PP = 1e-12;
/** A province row may differ from its regencies' sum by this share before it is worth a warning. */
const PROVINCE_MISMATCH_SHARE = 0.005;

export function computeMonth(input: ComputeInput): ComputedMonth {
  const { period, regions } = input;
  const warnings: ComputeWarning[] = [];
  const missing: string[] = [];
  const totals = new Map<string, Totals>();

  const ownTotals = (code: string): Totals | undefined => {
    const row = input.reported.get(code);
    if (!row) return undefined;
    const details = detailsOrNull(row.details);
    if (row.eligible !== null) return { active: row.active, eligible: row.eligible, eligibleFrom: null, source: 'reported', details };
    const carried = carriedEligible(input, code);
    if (!carried) {
      // docs/architecture.md, "The numbers" (PEKERJA_TIDAK_ADA): no working population to carry. Its row
      // cannot be used, so the region counts as missing, and the run says why.
      warnings.push({
        code: 'PEKERJA_TIDAK_ADA',
        region: code,
        message: `Wilayah ${code} melapor peserta tanpa jumlah pekerja, dan tidak ada angka pekerja dalam 12 bulan sebelumnya: cakupannya tidak dapat dihitung.`,
      });
      return undefined;
    }
    return { active: row.active, eligible: carried.eligible, eligibleFrom: carried.from, source: 'reported', details };
  };

  for (const province of regions.provinces) {
    const regencies = regions.regenciesOf(province.code);
    const regencyTotals: Totals[] = [];
    const regencyMissing: string[] = [];
    for (const regency of regencies) {
      const own = ownTotals(regency.code);
      if (own) {
        totals.set(regency.code, own);
        regencyTotals.push(own);
      } else {
        regencyMissing.push(regency.code);
      }
    }
    const own = ownTotals(province.code);
    const summed = regencyTotals.length > 0 ? sumTotals(regencyTotals) : undefined;
    if (own) {
      totals.set(province.code, own);
      const differs = (a: number, b: number) => Math.abs(a - b) > PROVINCE_MISMATCH_SHARE * a;
      if (summed && regencyMissing.length === 0 && (differs(own.active, summed.active) || differs(own.eligible, summed.eligible))) {
        warnings.push({
          code: 'PROVINSI_TIDAK_SESUAI',
          region: province.code,
          message: `Angka provinsi ${province.code} (peserta ${own.active}, pekerja ${own.eligible}) berbeda lebih dari 0,5% dari jumlah kabupaten/kotanya (peserta ${summed.active}, pekerja ${summed.eligible}); angka provinsi yang dipakai.`,
        });
      }
    } else if (summed) {
      totals.set(province.code, summed);
      // A province reported by its regencies: each regency without a row is missing.
      missing.push(...regencyMissing);
    } else {
      missing.push(province.code);
    }
  }
  const provinceTotals = regions.provinces.flatMap((p) => totals.get(p.code) ?? []);
  if (provinceTotals.length > 0) totals.set(regions.national.code, sumTotals(provinceTotals));

  const groupRegions: Region[] = [];
  for (const [name, members] of input.groups ?? []) {
    const region: Region = { code: groupCode(name), name, level: 'kelompok' };
    groupRegions.push(region);
    const parts = members.flatMap((code) => totals.get(code) ?? []);
    if (parts.length > 0) totals.set(region.code, sumTotals(parts));
  }

  const figuresOf = (region: Region): RegionFigures => figuresFor(region, totals.get(region.code), input);
  const national = figuresOf(regions.national);
  const provinces = rank(regions.provinces.map(figuresOf));
  const regencies = regions.provinces.flatMap((p) => rank(regions.regenciesOf(p.code).map(figuresOf)));
  const groups = rank(groupRegions.map(figuresOf));
  return { period, national: { ...national, rank: null }, provinces, regencies, missing, groups, warnings };
}

/** A group's code in history and output: `kelompok:<slug>`, never mistaken for a Kemendagri code. */
export function groupCode(name: string): string {
  return `kelompok:${slug(name)}`;
}

/** What history keeps of a month's figures, for the months after it. */
export function pastFiguresOf(figures: Iterable<RegionFigures>): Map<string, PastFigures> {
  const past = new Map<string, PastFigures>();
  for (const f of figures) {
    if (f.active !== null && f.eligible !== null) past.set(f.code, { active: f.active, eligible: f.eligible, eligibleFrom: f.eligibleFrom });
  }
  return past;
}

function sumTotals(parts: readonly Totals[]): Totals {
  let active = 0;
  let eligible = 0;
  let eligibleFrom: Period | null = null;
  for (const part of parts) {
    active += part.active;
    eligible += part.eligible;
    // The oldest carried month among the parts is the one worth naming.
    if (part.eligibleFrom && (!eligibleFrom || part.eligibleFrom < eligibleFrom)) eligibleFrom = part.eligibleFrom;
  }
  return { active, eligible, eligibleFrom, source: 'aggregated', details: sumDetails(parts.map((part) => part.details)) };
}

function carriedEligible(input: ComputeInput, code: string): { eligible: number; from: Period } | undefined {
  // The limit applies to the month the figure came from, not to the snapshot it was last carried in:
  // otherwise a denominator carried month after month would never age out.
  const oldest = addMonths(input.period, -CARRY_MONTHS);
  for (let back = 1; back <= CARRY_MONTHS; back += 1) {
    const earlier = addMonths(input.period, -back);
    const past = input.history.get(earlier)?.get(code);
    if (!past) continue;
    const from = past.eligibleFrom ?? earlier;
    if (from >= oldest) return { eligible: past.eligible, from };
  }
  return undefined;
}

function pct(active: number, eligible: number): number {
  return (100 * active) / eligible;
}

function figuresFor(region: Region, totals: Totals | undefined, input: ComputeInput): RegionFigures {
  const monthsLeft = monthsLeftInYear(input.period);
  const target = input.targets.get(region.code);
  const base = {
    code: region.code,
    name: region.name,
    level: region.level as Level,
    monthsLeft,
    rank: null,
  };
  if (!totals) {
    return {
      ...base,
      active: null,
      eligible: null,
      coveragePct: null,
      targetPct: target?.targetPct ?? null,
      targetActive: target?.targetActive ?? null,
      gapPp: null,
      gapWorkers: null,
      requiredMonthlyAdditions: null,
      momDeltaPp: null,
      momDeltaActive: null,
      yoyDeltaPp: null,
      projectedPct: null,
      status: null,
      source: 'missing',
      eligibleFrom: null,
      details: null,
    };
  }
  const { active, eligible } = totals;
  const coveragePct = pct(active, eligible);
  const past = (back: number) => input.history.get(addMonths(input.period, -back))?.get(region.code);
  const previous = past(1);
  const yearBefore = past(12);

  // Average monthly growth over the last three months, or fewer when history is shorter.
  let projectedPct: number | null = null;
  for (const months of [3, 2, 1]) {
    const then = past(months);
    if (then) {
      const avgMonthlyGrowth = (active - then.active) / months;
      projectedPct = pct(active + avgMonthlyGrowth * monthsLeft, eligible);
      break;
    }
  }

  const targetPct = target?.targetPct ?? null;
  const targetActive = target ? (target.targetActive ?? Math.round((target.targetPct / 100) * eligible)) : null;
  const gapWorkers = targetActive === null ? null : Math.max(0, targetActive - active);
  return {
    ...base,
    active,
    eligible,
    coveragePct,
    targetPct,
    targetActive,
    gapPp: targetPct === null ? null : targetPct - coveragePct,
    gapWorkers,
    requiredMonthlyAdditions: gapWorkers === null ? null : monthsLeft === 0 ? gapWorkers : Math.ceil(gapWorkers / monthsLeft),
    momDeltaPp: previous ? coveragePct - pct(previous.active, previous.eligible) : null,
    momDeltaActive: previous ? active - previous.active : null,
    yoyDeltaPp: yearBefore ? coveragePct - pct(yearBefore.active, yearBefore.eligible) : null,
    projectedPct,
    status: statusOf(coveragePct, projectedPct, targetPct),
    source: totals.source,
    eligibleFrom: totals.eligibleFrom,
    details: totals.details,
  };
}

/**
 * With no history there is no growth to project: the status then judges the coverage as it stands
 * (never `on_track`, which would be a guess).
 */
export function statusOf(coveragePct: number, projectedPct: number | null, targetPct: number | null): Status {
  if (targetPct === null) return 'no_target';
  if (coveragePct >= targetPct) return 'achieved';
  const outlook = projectedPct ?? coveragePct;
  if (projectedPct !== null && outlook >= targetPct) return 'on_track';
  // `targetPct - 2` is not exact in binary (33.02 - 2 < 31.02): allow for that rounding, far below any real difference.
  if (outlook >= targetPct - 2 - ROUNDING_PP) return 'at_risk';
  return 'off_track';
}

/** Competition ranking by coverage, highest first: ties share a rank ("1, 2, 2, 4"). */
function rank(figures: RegionFigures[]): RegionFigures[] {
  const ranked = figures
    .filter((f) => f.coveragePct !== null)
    .sort((a, b) => b.coveragePct! - a.coveragePct!);
  const rankOf = new Map<string, number>();
  ranked.forEach((f, index) => {
    const prev = ranked[index - 1];
    rankOf.set(f.code, prev && prev.coveragePct === f.coveragePct ? rankOf.get(prev.code)! : index + 1);
  });
  return figures.map((f) => ({ ...f, rank: rankOf.get(f.code) ?? null }));
}
