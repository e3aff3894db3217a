/**
 * Bulletin fixtures: RegionFigures built by docs/architecture.md, "The numbers", from a few raw counts,
 * deterministic (a seeded generator, never Math.random).
 */
import type { BulletinInput } from '../../lib/bulletin/definition.ts';
import { addMonths } from '../../lib/domain/period.ts';
import type { Level, Period, RegionDetails, RegionFigures, Status } from '../../lib/domain/types.ts';

export interface RawFigures {
  code: string;
  name: string;
  level: Level;
  active: number;
  eligible: number;
  targetPct: number | null;
  /** Active participants a month and three months before. */
  activeMonthAgo: number | null;
  activeThreeMonthsAgo: number | null;
  eligibleMonthAgo?: number;
  yoyDeltaPp?: number | null;
  source?: RegionFigures['source'];
  eligibleFrom?: Period | null;
}

export function figures(raw: RawFigures, period: Period): RegionFigures {
  const month = Number(period.slice(5, 7));
  const monthsLeft = 12 - month;
  const coveragePct = (100 * raw.active) / raw.eligible;
  const targetActive = raw.targetPct === null ? null : Math.round((raw.targetPct / 100) * raw.eligible);
  const gapPp = raw.targetPct === null ? null : raw.targetPct - coveragePct;
  const gapWorkers = targetActive === null ? null : Math.max(0, targetActive - raw.active);
  const requiredMonthlyAdditions =
    gapWorkers === null ? null : monthsLeft === 0 ? gapWorkers : Math.ceil(gapWorkers / monthsLeft);
  const growth = raw.activeThreeMonthsAgo === null ? 0 : (raw.active - raw.activeThreeMonthsAgo) / 3;
  const projectedPct = (100 * (raw.active + growth * monthsLeft)) / raw.eligible;
  let status: Status;
  if (raw.targetPct === null) status = 'no_target';
  else if (coveragePct >= raw.targetPct) status = 'achieved';
  else if (projectedPct >= raw.targetPct) status = 'on_track';
  else if (projectedPct >= raw.targetPct - 2) status = 'at_risk';
  else status = 'off_track';
  const momDeltaPp =
    raw.activeMonthAgo === null ? null : coveragePct - (100 * raw.activeMonthAgo) / (raw.eligibleMonthAgo ?? raw.eligible);
  return {
    code: raw.code,
    name: raw.name,
    level: raw.level,
    active: raw.active,
    eligible: raw.eligible,
    coveragePct,
    targetPct: raw.targetPct,
    targetActive,
    gapPp,
    gapWorkers,
    monthsLeft,
    requiredMonthlyAdditions,
    momDeltaPp,
    momDeltaActive: raw.activeMonthAgo === null ? null : raw.active - raw.activeMonthAgo,
    yoyDeltaPp: raw.yoyDeltaPp ?? null,
    projectedPct,
    status,
    rank: null,
    source: raw.source ?? 'reported',
    eligibleFrom: raw.eligibleFrom ?? null,
    details: null,
  };
}

/** Ranks by coverage, highest first, as the domain does within one level. */
export function ranked(list: RegionFigures[]): RegionFigures[] {
  const order = [...list].sort((a, b) => (b.coveragePct ?? -1) - (a.coveragePct ?? -1));
  return list.map((r) => ({ ...r, rank: order.indexOf(r) + 1 }));
}

/** Sums numerators and denominators (never averages percentages). */
export function aggregate(
  code: string,
  name: string,
  level: Level,
  parts: RawFigures[],
  targetPct: number | null,
  period: Period,
): RegionFigures {
  const sum = (pick: (r: RawFigures) => number | null) => parts.reduce((s, r) => s + (pick(r) ?? 0), 0);
  return figures(
    {
      code,
      name,
      level,
      active: sum((r) => r.active),
      eligible: sum((r) => r.eligible),
      targetPct,
      activeMonthAgo: sum((r) => r.activeMonthAgo),
      activeThreeMonthsAgo: sum((r) => r.activeThreeMonthsAgo),
      yoyDeltaPp: 2.31,
      source: 'aggregated',
    },
    period,
  );
}

/** A small deterministic generator (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

export function rawRegion(
  region: { code: string; name: string; level: Level },
  random: () => number,
  targetPct: number | null,
): RawFigures {
  const eligible = Math.round(80_000 + random() * 1_900_000);
  const coverage = 0.12 + random() * 0.5;
  const active = Math.round(eligible * coverage);
  const monthly = Math.round(active * (random() * 0.012 - 0.002));
  return {
    ...region,
    active,
    eligible,
    targetPct,
    activeMonthAgo: active - monthly,
    activeThreeMonthsAgo: active - 3 * monthly,
    yoyDeltaPp: random() * 6 - 1,
  };
}

export const PERIOD = '2025-10';
export const GENERATED_AT = '2025-11-22T03:15:00Z';

export const LAMPUNG_REGENCIES: Array<{ code: string; name: string }> = [
  { code: '18.01', name: 'KABUPATEN LAMPUNG SELATAN' },
  { code: '18.02', name: 'KABUPATEN LAMPUNG TENGAH' },
  { code: '18.03', name: 'KABUPATEN LAMPUNG UTARA' },
  { code: '18.04', name: 'KABUPATEN LAMPUNG BARAT' },
  { code: '18.05', name: 'KABUPATEN TULANG BAWANG' },
  { code: '18.06', name: 'KABUPATEN TANGGAMUS' },
  { code: '18.07', name: 'KABUPATEN LAMPUNG TIMUR' },
  { code: '18.08', name: 'KABUPATEN WAY KANAN' },
  { code: '18.09', name: 'KABUPATEN PESAWARAN' },
  { code: '18.10', name: 'KABUPATEN PRINGSEWU' },
  { code: '18.11', name: 'KABUPATEN MESUJI' },
  { code: '18.12', name: 'KABUPATEN TULANG BAWANG BARAT' },
  { code: '18.13', name: 'KABUPATEN PESISIR BARAT' },
  { code: '18.71', name: 'KOTA BANDAR LAMPUNG' },
  { code: '18.72', name: 'KOTA METRO' },
];

/**
 * Lampung for October 2025, reported by its 15 regencies: one carries its working population from
 * February, one has no target, and with `withMissing` Kota Metro has not reported (in `missing` only) and
 * Mesuji's last known figures are carried forward (in `missing` and in `subRegions` with source `missing`).
 */
export function lampungInput(
  options: { withMissing?: boolean; revision?: boolean; trend?: boolean; details?: boolean } = {},
): BulletinInput {
  const random = seeded(18);
  const reporting = options.withMissing ? LAMPUNG_REGENCIES.slice(0, -1) : LAMPUNG_REGENCIES;
  const raws = reporting.map((r) => {
    const raw = rawRegion({ ...r, level: 'kabkota' }, random, r.code === '18.13' ? null : 32 + random() * 10);
    if (r.code === '18.06') return { ...raw, eligibleFrom: '2025-02' };
    if (options.withMissing && r.code === '18.11') return { ...raw, source: 'missing' as const };
    return raw;
  });
  const region = aggregate('18', 'LAMPUNG', 'provinsi', raws, 35, PERIOD);
  const details = options.details === false ? null : detailsOf(region.active!, region.eligible!);
  return {
    period: PERIOD,
    region: { ...region, rank: 12, details },
    subRegions: ranked(raws.map((r) => figures(r, PERIOD))),
    missing: options.withMissing ? [LAMPUNG_REGENCIES[10]!, LAMPUNG_REGENCIES[14]!] : [],
    revision: options.revision ?? false,
    sources: [
      { key: 'uploads/2025-10/disnaker-lampung.xlsx', uploadedAt: '2025-11-03T02:41:00Z' },
      { key: 'uploads/2025-10/bpjstk-kanwil-sumbagsel.csv', uploadedAt: '2025-11-05T07:02:10+07:00' },
    ],
    generatedAt: GENERATED_AT,
    trend: options.trend === false ? [] : trendOf(PERIOD, region.coveragePct!, { 2023: 32, 2024: 33.5, 2025: 35 }, { gaps: [4, 5] }),
  };
}

/** A national bulletin over the given provinces (real names come from the caller). */
export function nationalInput(provinces: Array<{ code: string; name: string }>, seed = 38): BulletinInput {
  const random = seeded(seed);
  const raws = provinces.map((p) => rawRegion({ ...p, level: 'provinsi' }, random, 30 + random() * 15));
  const region = aggregate('nasional', 'INDONESIA', 'nasional', raws, 40, PERIOD);
  return {
    period: PERIOD,
    region,
    subRegions: ranked(raws.map((r) => figures(r, PERIOD))),
    missing: [],
    revision: false,
    sources: [{ key: 'uploads/2025-10/nasional.csv', uploadedAt: '2025-11-02T01:00:00Z' }],
    generatedAt: GENERATED_AT,
    trend: trendOf(PERIOD, region.coveragePct!, { 2023: 37, 2024: 38.5, 2025: 40 }, { seed: 3, rise: 3 }),
  };
}

/** Kabupaten Aceh Selatan on its own: 1.149.447 active of 2.994.000 workers is 38,39%. */
export function regencyInput(): BulletinInput {
  const region = figures(
    {
      code: '11.01',
      name: 'KABUPATEN ACEH SELATAN',
      level: 'kabkota',
      active: 1_149_447,
      eligible: 2_994_000,
      targetPct: 45,
      activeMonthAgo: 1_137_000,
      activeThreeMonthsAgo: 1_110_000,
      yoyDeltaPp: -1.05,
    },
    PERIOD,
  );
  return {
    period: PERIOD,
    region: { ...region, rank: 3, details: detailsOf(1_149_447, 2_994_000, { jakon: null, pmi: null, villages: null }) },
    subRegions: [],
    missing: [],
    revision: false,
    sources: [{ key: 'uploads/2025-10/aceh-selatan.csv', uploadedAt: '2025-11-04T09:30:00Z' }],
    generatedAt: GENERATED_AT,
    trend: trendOf(PERIOD, region.coveragePct!, { 2023: 42, 2024: 43, 2025: 45 }, { seed: 11, rise: 2.5 }),
  };
}

/**
 * 24 months of coverage ending at `last` in `period`, climbing about `rise` points over the two years with
 * some noise, and the target of each year (`targets[year]`); `gaps` are month indexes (0 = oldest) with no figures.
 */
export function trendOf(
  period: Period,
  last: number,
  targets: Record<number, number | null>,
  options: { seed?: number; rise?: number; gaps?: number[] } = {},
): BulletinInput['trend'] {
  const random = seeded(options.seed ?? 7);
  const rise = options.rise ?? 4;
  const gaps = new Set(options.gaps ?? []);
  return Array.from({ length: 24 }, (_, i) => {
    const month = addMonths(period, i - 23);
    const year = Number(month.slice(0, 4));
    const noise = i === 23 ? 0 : (random() - 0.5) * 0.6;
    return {
      period: month,
      coveragePct: gaps.has(i) ? null : last - (rise * (23 - i)) / 23 + noise,
      targetPct: targets[year] ?? null,
    };
  });
}

/** Segment details adding up to `active`, with the working population split formal/informal. */
export function detailsOf(active: number, eligible: number, overrides: Partial<RegionDetails> = {}): RegionDetails {
  const pu = Math.round(active * 0.64);
  const bpu = Math.round(active * 0.27);
  const jakon = Math.round(active * 0.07);
  return {
    pu,
    bpu,
    jakon,
    pmi: active - pu - bpu - jakon,
    workersFormal: Math.round(eligible * 0.41),
    workersInformal: eligible - Math.round(eligible * 0.41),
    vulnerableProtected: Math.round(active * 0.05),
    villages100: 412,
    villages: 2_640,
    ...overrides,
  };
}
