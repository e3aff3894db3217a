/**
 * Golden cases for `computeMonth` (docs/architecture.md, "The numbers"): every expected figure is worked
 * out by hand in the comments, and every field of the region's figures is asserted. Percentages that are
 * exact in binary (25, 62.5, 16.25) are compared exactly; the rest to 10 decimals.
 */
import { describe, expect, it } from 'vitest';
import {
  computeMonth,
  groupCode,
  type ComputedMonth,
  type PastFigures,
  type ReportedFigures,
  type TargetFigures,
} from '../../lib/domain/compute.ts';
import { smallRegions } from './compute-fixtures.ts';
import { buildRegionIndex, type RegionIndex } from '../../lib/domain/regions.ts';
import type { Period, RegionFigures } from '../../lib/domain/types.ts';

const regions = smallRegions;

type Row = [code: string, active: number, eligible: number | null];
type Past = [active: number, eligible: number, eligibleFrom?: Period];

const rows = (...list: Row[]) => new Map<string, ReportedFigures>(list.map(([code, active, eligible]) => [code, { code, active, eligible }]));
const history = (months: Record<Period, Record<string, Past>>) =>
  new Map<Period, Map<string, PastFigures>>(
    Object.entries(months).map(([period, byCode]) => [
      period,
      new Map(Object.entries(byCode).map(([code, [active, eligible, from]]) => [code, { active, eligible, eligibleFrom: from ?? null }])),
    ]),
  );
const targets = (byCode: Record<string, [pct: number, active: number | null]>) =>
  new Map<string, TargetFigures>(Object.entries(byCode).map(([code, [targetPct, targetActive]]) => [code, { targetPct, targetActive }]));

function run(
  period: Period,
  reported: Map<string, ReportedFigures>,
  options: {
    targets?: Map<string, TargetFigures>;
    history?: Map<Period, Map<string, PastFigures>>;
    groups?: Map<string, string[]>;
    index?: RegionIndex;
  } = {},
): ComputedMonth {
  return computeMonth({
    period,
    regions: options.index ?? regions,
    reported,
    targets: options.targets ?? new Map(),
    history: options.history ?? new Map(),
    groups: options.groups,
  });
}

function figure(month: ComputedMonth, code: string): RegionFigures {
  const found = [month.national, ...month.provinces, ...month.regencies, ...month.groups].find((f) => f.code === code);
  if (!found) throw new Error(`no figures for ${code}`);
  return found;
}

/** The expected figures: every field but the region's identity must be written out. */
/** These cases report no breakdowns (segments, villages), so every region's `details` is null. */
type Expected = Omit<RegionFigures, 'code' | 'name' | 'level' | 'details'>;
function want(code: string, expected: Expected, index: RegionIndex = regions): RegionFigures {
  const region = index.byCode.get(code);
  if (!region) throw new Error(`unknown region ${code}`);
  return { code, name: region.name, level: region.level, details: null, ...expected };
}
const close = (value: number) => expect.closeTo(value, 10) as unknown as number;

/** A region without figures and without a target. */
const absent = (monthsLeft: number): Expected => ({
  active: null,
  eligible: null,
  coveragePct: null,
  targetPct: null,
  targetActive: null,
  gapPp: null,
  gapWorkers: null,
  monthsLeft,
  requiredMonthlyAdditions: null,
  momDeltaPp: null,
  momDeltaActive: null,
  yoyDeltaPp: null,
  projectedPct: null,
  status: 'no_target',
  rank: null,
  source: 'missing',
  eligibleFrom: null,
});

/** A region with no figures this month: nothing to judge, so no status, whatever its target. */
const missing = (monthsLeft: number): Expected => ({ ...absent(monthsLeft), status: null });

describe('computeMonth golden cases', () => {
  it('December: no months left, the whole gap is required at once', () => {
    // Prepare: Bali reports its own row, 600 of 1,000; target 75% with no target_peserta.
    const reported = rows(['51', 600, 1000]);
    const past = history({
      '2025-11': { '51': [590, 1000] },
      '2025-09': { '51': [570, 1000] },
      '2024-12': { '51': [500, 1000] },
    });
    // Act
    const month = run('2025-12', reported, { targets: targets({ '51': [75, null] }), history: past });
    // Assess
    // coverage 100 × 600 / 1000 = 60; targetActive round(0.75 × 1000) = 750; gap 750 − 600 = 150 workers,
    // 75 − 60 = 15 pp. December: monthsLeft 12 − 12 = 0, so required = the whole gap, 150.
    // MoM: 60 − 100 × 590 / 1000 = 60 − 59 = 1 pp, 600 − 590 = 10. YoY: 60 − 50 = 10 pp.
    // growth (600 − 570) / 3 = 10 a month × 0 months → projected 600 / 1000 = 60 < 75, and 60 < 73 → off_track.
    expect(figure(month, '51')).toStrictEqual(
      want('51', {
        active: 600, eligible: 1000, coveragePct: 60, targetPct: 75, targetActive: 750, gapPp: 15, gapWorkers: 150,
        monthsLeft: 0, requiredMonthlyAdditions: 150, momDeltaPp: 1, momDeltaActive: 10, yoyDeltaPp: 10,
        projectedPct: 60, status: 'off_track', rank: 1, source: 'reported', eligibleFrom: null,
      }),
    );
    // A regency of a province reported by its own row has no figures and is not listed as missing.
    expect(figure(month, '51.01')).toStrictEqual(want('51.01', missing(0)));
    // National = Bali alone; history holds no national snapshot, and there is no national target.
    expect(month.national).toStrictEqual(
      want('nasional', {
        ...absent(0), active: 600, eligible: 1000, coveragePct: 60, source: 'aggregated',
      }),
    );
    expect(month.missing).toEqual(['18', '64']);
  });

  it('no target and no history: target fields, changes and projection are null; ties share a rank', () => {
    // Prepare: Lampung reported by its three regencies.
    const reported = rows(['18.01', 250, 1000], ['18.02', 150, 600], ['18.71', 900, 1200]);
    // Act
    const month = run('2025-06', reported);
    // Assess
    // 18.01: 100 × 250 / 1000 = 25; 18.02: 100 × 150 / 600 = 25; 18.71: 100 × 900 / 1200 = 75.
    // Ranks within Lampung: 75 → 1, then 25 and 25 → 2 and 2.
    const none = { targetPct: null, targetActive: null, gapPp: null, gapWorkers: null, requiredMonthlyAdditions: null,
      momDeltaPp: null, momDeltaActive: null, yoyDeltaPp: null, projectedPct: null, status: 'no_target', eligibleFrom: null,
      monthsLeft: 6 } as const;
    expect(figure(month, '18.01')).toStrictEqual(want('18.01', { ...none, active: 250, eligible: 1000, coveragePct: 25, rank: 2, source: 'reported' }));
    expect(figure(month, '18.02')).toStrictEqual(want('18.02', { ...none, active: 150, eligible: 600, coveragePct: 25, rank: 2, source: 'reported' }));
    expect(figure(month, '18.71')).toStrictEqual(want('18.71', { ...none, active: 900, eligible: 1200, coveragePct: 75, rank: 1, source: 'reported' }));
    // Province: (250 + 150 + 900) / (1000 + 600 + 1200) = 1300 / 2800 = 46.428571…%, not the mean of the
    // percentages (25 + 25 + 75) / 3 = 41.67.
    expect(figure(month, '18')).toStrictEqual(
      want('18', { ...none, active: 1300, eligible: 2800, coveragePct: close(46.4285714286), rank: 1, source: 'aggregated' }),
    );
    expect(figure(month, '51')).toStrictEqual(want('51', missing(6)));
    expect(month.missing).toEqual(['51', '64']);
  });

  it('target_peserta when given, else round(targetPct / 100 × E); with no history the status judges coverage as it stands', () => {
    // Prepare
    const reported = rows(['51', 2000, 5000], ['64', 3000, 10000]);
    const goals = targets({ '51': [45, null], '64': [31.5, 3200], nasional: [35, null] });
    // Act
    const month = run('2025-06', reported, { targets: goals });
    // Assess
    // Bali: 100 × 2000 / 5000 = 40; targetActive round(0.45 × 5000) = 2250; gap 250, ceil(250 / 6) = ceil(41.67) = 42;
    // 45 − 40 = 5 pp; no projection → 40 < 45 − 2 = 43 → off_track.
    expect(figure(month, '51')).toStrictEqual(
      want('51', {
        active: 2000, eligible: 5000, coveragePct: 40, targetPct: 45, targetActive: 2250, gapPp: 5, gapWorkers: 250,
        monthsLeft: 6, requiredMonthlyAdditions: 42, momDeltaPp: null, momDeltaActive: null, yoyDeltaPp: null,
        projectedPct: null, status: 'off_track', rank: 1, source: 'reported', eligibleFrom: null,
      }),
    );
    // Kaltim: 100 × 3000 / 10000 = 30; target_peserta 3200 is used as given (round(0.315 × 10000) would be 3150);
    // gap 200, ceil(200 / 6) = ceil(33.33) = 34; 31.5 − 30 = 1.5 pp; 30 ≥ 31.5 − 2 = 29.5 → at_risk (never on_track).
    expect(figure(month, '64')).toStrictEqual(
      want('64', {
        active: 3000, eligible: 10000, coveragePct: 30, targetPct: 31.5, targetActive: 3200, gapPp: 1.5, gapWorkers: 200,
        monthsLeft: 6, requiredMonthlyAdditions: 34, momDeltaPp: null, momDeltaActive: null, yoyDeltaPp: null,
        projectedPct: null, status: 'at_risk', rank: 2, source: 'reported', eligibleFrom: null,
      }),
    );
    // National: 5000 / 15000 = 33.33%; target 35 → round(0.35 × 15000) = 5250; gap 250 → 42 a month;
    // 35 − 33.33 = 1.67 pp; 33.33 ≥ 33 → at_risk. The nation is not ranked.
    expect(month.national).toStrictEqual(
      want('nasional', {
        active: 5000, eligible: 15000, coveragePct: close(100 / 3), targetPct: 35, targetActive: 5250, gapPp: close(35 - 100 / 3),
        gapWorkers: 250, monthsLeft: 6, requiredMonthlyAdditions: 42, momDeltaPp: null, momDeltaActive: null, yoyDeltaPp: null,
        projectedPct: null, status: 'at_risk', rank: null, source: 'aggregated', eligibleFrom: null,
      }),
    );
  });

  describe('a gap month: growth over three months back, else two, else one (docs/architecture.md, "The numbers": g = (A − A_k) / k for the first k of 3, 2, 1 with a snapshot)', () => {
    // Lampung's own row in October: 1300 of 2000 = 65%; target 68 → round(0.68 × 2000) = 1360, gap 60,
    // 2 months left → 30 a month; 68 − 65 = 3 pp.
    const reported = rows(['18', 1300, 2000]);
    const goals = targets({ '18': [68, null] });
    const lampung = (fields: Pick<Expected, 'momDeltaPp' | 'momDeltaActive' | 'projectedPct' | 'status'>) =>
      want('18', {
        active: 1300, eligible: 2000, coveragePct: 65, targetPct: 68, targetActive: 1360, gapPp: 3, gapWorkers: 60,
        monthsLeft: 2, requiredMonthlyAdditions: 30, yoyDeltaPp: null, rank: 1, source: 'reported', eligibleFrom: null, ...fields,
      });

    it('September missing, July present: MoM is null, growth over three months', () => {
      const month = run('2025-10', reported, { targets: goals, history: history({ '2025-08': { '18': [1270, 2000] }, '2025-07': { '18': [1240, 2000] } }) });
      // (1300 − 1240) / 3 = 20 a month; 1300 + 20 × 2 = 1340 → 67% < 68 but ≥ 66 → at_risk.
      expect(figure(month, '18')).toStrictEqual(lampung({ momDeltaPp: null, momDeltaActive: null, projectedPct: 67, status: 'at_risk' }));
    });

    it('only August: growth over two months', () => {
      const month = run('2025-10', reported, { targets: goals, history: history({ '2025-08': { '18': [1270, 2000] } }) });
      // (1300 − 1270) / 2 = 15 a month; 1300 + 30 = 1330 → 66.5% → at_risk.
      expect(figure(month, '18')).toStrictEqual(lampung({ momDeltaPp: null, momDeltaActive: null, projectedPct: 66.5, status: 'at_risk' }));
    });

    it('only September: growth over one month', () => {
      const month = run('2025-10', reported, { targets: goals, history: history({ '2025-09': { '18': [1290, 2000] } }) });
      // MoM 65 − 64.5 = 0.5 pp, +10; growth 10 → 1320 → 66% = 68 − 2 exactly → at_risk.
      expect(figure(month, '18')).toStrictEqual(lampung({ momDeltaPp: 0.5, momDeltaActive: 10, projectedPct: 66, status: 'at_risk' }));
    });

    it('September and July: three months back wins over one', () => {
      const month = run('2025-10', reported, { targets: goals, history: history({ '2025-09': { '18': [1290, 2000] }, '2025-07': { '18': [1180, 2000] } }) });
      // (1300 − 1180) / 3 = 40 a month (not 10 from September alone); 1300 + 80 = 1380 → 69% ≥ 68 → on_track.
      expect(figure(month, '18')).toStrictEqual(lampung({ momDeltaPp: 0.5, momDeltaActive: 10, projectedPct: 69, status: 'on_track' }));
    });
  });

  it('a carried denominator is marked with the month it came from, and so is the province that sums it', () => {
    // Prepare: 18.01 and 18.02 leave pekerja out in October.
    const reported = rows(['18.01', 120, null], ['18.02', 200, null], ['18.71', 900, 1200]);
    const past = history({
      '2025-08': { '18.01': [110, 800] },
      // September's snapshot of 18.02 itself carried its denominator from March.
      '2025-09': { '18.02': [190, 1000, '2025-03'] },
    });
    // Act
    const month = run('2025-10', reported, { history: past });
    // Assess
    const none = { targetPct: null, targetActive: null, gapPp: null, gapWorkers: null, requiredMonthlyAdditions: null,
      yoyDeltaPp: null, status: 'no_target', monthsLeft: 2 } as const;
    // 18.01: E = 800 from August; 100 × 120 / 800 = 15. No September → MoM null. No July; August is two back:
    // growth (120 − 110) / 2 = 5 → 120 + 5 × 2 = 130 → 100 × 130 / 800 = 16.25. Ranks: 75, 20, 15 → 18.01 is 3rd.
    expect(figure(month, '18.01')).toStrictEqual(
      want('18.01', { ...none, active: 120, eligible: 800, coveragePct: 15, momDeltaPp: null, momDeltaActive: null,
        projectedPct: 16.25, rank: 3, source: 'reported', eligibleFrom: '2025-08' }),
    );
    // 18.02: E = 1000, still named after March; 100 × 200 / 1000 = 20; MoM 20 − 19 = 1 pp, +10;
    // growth over one month 10 → 220 → 22.
    expect(figure(month, '18.02')).toStrictEqual(
      want('18.02', { ...none, active: 200, eligible: 1000, coveragePct: 20, momDeltaPp: 1, momDeltaActive: 10,
        projectedPct: 22, rank: 2, source: 'reported', eligibleFrom: '2025-03' }),
    );
    // Lampung: (120 + 200 + 900) / (800 + 1000 + 1200) = 1220 / 3000 = 40.67%, marked with the oldest month, March.
    expect(figure(month, '18')).toStrictEqual(
      want('18', { ...none, active: 1220, eligible: 3000, coveragePct: close(122_000 / 3000), momDeltaPp: null, momDeltaActive: null,
        projectedPct: null, rank: 1, source: 'aggregated', eligibleFrom: '2025-03' }),
    );
    expect(month.national.eligibleFrom).toBe('2025-03');
    expect(month.warnings).toEqual([]);
  });

  it('a denominator is carried at most 12 months from the month it was counted, also through a chain of carried snapshots', () => {
    // Prepare: October 2025; all three Lampung regencies leave pekerja out.
    const reported = rows(['18.01', 90, null], ['18.02', 50, null], ['18.71', 880, null]);
    const past = history({
      '2024-10': { '18.01': [100, 900] }, // exactly 12 months back: carried
      '2024-09': { '18.02': [40, 500] }, // 13 months back: beyond the window
      // September 2025's snapshot carried 18.71's denominator from September 2024, 13 months before October 2025.
      '2025-09': { '18.71': [870, 1200, '2024-09'] },
    });
    // Act
    const month = run('2025-10', reported, { history: past });
    // Assess
    // 18.01: E 900 from 2024-10; 100 × 90 / 900 = 10; YoY 10 − 100 × 100 / 900 = 10 − 11.11 = −1.11 pp;
    // nothing 1–3 months back → no MoM, no projection.
    expect(figure(month, '18.01')).toStrictEqual(
      want('18.01', { ...absent(2), active: 90, eligible: 900, coveragePct: 10, yoyDeltaPp: close(10 - 100 / 9), rank: 1,
        source: 'reported', eligibleFrom: '2024-10' }),
    );
    expect(figure(month, '18.02')).toStrictEqual(want('18.02', missing(2)));
    expect(figure(month, '18.71')).toStrictEqual(want('18.71', missing(2)));
    expect(month.warnings.map((w) => [w.code, w.region])).toEqual([['PEKERJA_TIDAK_ADA', '18.02'], ['PEKERJA_TIDAK_ADA', '18.71']]);
    expect(month.missing).toEqual(['18.02', '18.71', '51', '64']);
    expect(figure(month, '18')).toMatchObject({ active: 90, eligible: 900, eligibleFrom: '2024-10', source: 'aggregated' });
  });

  it('coverage above 100% is achieved, with no workers missing', () => {
    // Prepare: Denpasar counts workers registered at head offices: 1500 of 1000.
    const reported = rows(['51.01', 300, 600], ['51.71', 1500, 1000]);
    // Act
    const month = run('2025-06', reported, { targets: targets({ '51.71': [90, null] }) });
    // Assess
    // 100 × 1500 / 1000 = 150; targetActive round(0.9 × 1000) = 900; gapWorkers max(0, 900 − 1500) = 0;
    // gapPp 90 − 150 = −60; required ceil(0 / 6) = 0; 150 ≥ 90 → achieved.
    expect(figure(month, '51.71')).toStrictEqual(
      want('51.71', {
        active: 1500, eligible: 1000, coveragePct: 150, targetPct: 90, targetActive: 900, gapPp: -60, gapWorkers: 0,
        monthsLeft: 6, requiredMonthlyAdditions: 0, momDeltaPp: null, momDeltaActive: null, yoyDeltaPp: null,
        projectedPct: null, status: 'achieved', rank: 1, source: 'reported', eligibleFrom: null,
      }),
    );
    // Bali: 1800 / 1600 = 112.5%, no target.
    expect(figure(month, '51')).toStrictEqual(
      want('51', { ...absent(6), active: 1800, eligible: 1600, coveragePct: 112.5, rank: 1, source: 'aggregated' }),
    );
  });

  it('competition ranking 1, 2, 2, 4, and no rank for a region without figures', () => {
    // Prepare: ranking needs four regencies in one province, so this case has its own index.
    const wide = buildRegionIndex(
      [{ code: '18', name: 'LAMPUNG' }, { code: '51', name: 'BALI' }],
      ['01', '02', '03', '04', '05'].map((n) => ({ code: `18.${n}`, province_code: '18', name: `KABUPATEN ${n}` })),
    );
    const reported = rows(['18.01', 500, 1000], ['18.02', 800, 1000], ['18.03', 250, 500], ['18.04', 100, 400]);
    // Act
    const month = run('2025-06', reported, { index: wide });
    // Assess: 50, 80, 50, 25 → 80 first; the two 50s share 2nd; 25 is 4th (not 3rd); 18.05 has no row.
    expect(month.regencies.map((r) => [r.code, r.rank])).toEqual([['18.01', 2], ['18.02', 1], ['18.03', 2], ['18.04', 4], ['18.05', null]]);
    expect(figure(month, '18.03')).toStrictEqual(
      want('18.03', { ...absent(6), active: 250, eligible: 500, coveragePct: 50, rank: 2, source: 'reported' }, wide),
    );
    expect(figure(month, '18.05')).toStrictEqual(want('18.05', missing(6), wide));
    expect(month.missing).toEqual(['18.05', '51']);
    // Provinces: Lampung (500 + 800 + 250 + 100) / (1000 + 1000 + 500 + 400) = 1650 / 2900 → 1; Bali none → null.
    expect(month.provinces.map((p) => [p.code, p.rank])).toEqual([['18', 1], ['51', null]]);
  });

  describe('status thresholds (target 50%, E 10,000, 47% now)', () => {
    // Kaltim's own row, July (5 months left): 4700 of 10000 = 47; target 50 → round(0.5 × 10000) = 5000,
    // gap 300 → 300 / 5 = 60 a month; 50 − 47 = 3 pp.
    const reported = rows(['64', 4700, 10000]);
    const goals = targets({ '64': [50, null] });
    const kaltim = (projectedPct: number, status: RegionFigures['status']) =>
      want('64', {
        active: 4700, eligible: 10000, coveragePct: 47, targetPct: 50, targetActive: 5000, gapPp: 3, gapWorkers: 300,
        monthsLeft: 5, requiredMonthlyAdditions: 60, momDeltaPp: null, momDeltaActive: null, yoyDeltaPp: null,
        projectedPct, status, rank: 1, source: 'reported', eligibleFrom: null,
      });

    it('projected exactly target − 2 is at_risk', () => {
      // April 4640: (4700 − 4640) / 3 = 20 a month → 4700 + 100 = 4800 → 48 = 50 − 2.
      const month = run('2025-07', reported, { targets: goals, history: history({ '2025-04': { '64': [4640, 10000] } }) });
      expect(figure(month, '64')).toStrictEqual(kaltim(48, 'at_risk'));
    });

    it('just below target − 2 is off_track', () => {
      // April 4643: 57 / 3 = 19 a month → 4795 → 47.95 < 48.
      const month = run('2025-07', reported, { targets: goals, history: history({ '2025-04': { '64': [4643, 10000] } }) });
      expect(figure(month, '64')).toStrictEqual(kaltim(47.95, 'off_track'));
    });

    it('projected exactly the target is on_track', () => {
      // April 4520: 180 / 3 = 60 a month → 5000 → 50.
      const month = run('2025-07', reported, { targets: goals, history: history({ '2025-04': { '64': [4520, 10000] } }) });
      expect(figure(month, '64')).toStrictEqual(kaltim(50, 'on_track'));
    });

    it('target − 2 where the subtraction is inexact in binary (33.02 − 2 < 31.02 in floating point) is still at_risk', () => {
      // September (3 left): 3000 of 10000 = 30; June 2898: 102 / 3 = 34 a month → 3102 → 31.02 = 33.02 − 2.
      // targetActive round(0.3302 × 10000) = 3302; gap 302 → ceil(302 / 3) = ceil(100.67) = 101; 33.02 − 30 = 3.02 pp.
      const month = run('2025-09', rows(['64', 3000, 10000]), {
        targets: targets({ '64': [33.02, null] }),
        history: history({ '2025-06': { '64': [2898, 10000] } }),
      });
      expect(figure(month, '64')).toStrictEqual(
        want('64', {
          active: 3000, eligible: 10000, coveragePct: 30, targetPct: 33.02, targetActive: 3302, gapPp: close(3.02), gapWorkers: 302,
          monthsLeft: 3, requiredMonthlyAdditions: 101, momDeltaPp: null, momDeltaActive: null, yoyDeltaPp: null,
          projectedPct: 31.02, status: 'at_risk', rank: 1, source: 'reported', eligibleFrom: null,
        }),
      );
    });
  });

  describe("a province's own row against the sum of its regencies (0.5% of the province's figure)", () => {
    // Lampung's own row: 2000 of 4000 = 50%. 0.5% of 2000 = 10 workers; of 4000 = 20.
    const province = ['18', 2000, 4000] as Row;

    it('within 0.5%: no warning; the own row is used, regencies keep their own figures', () => {
      // Regencies: 500 + 600 + 890 = 1990 (10 short = exactly 0.5%, not more), 1000 + 1500 + 1500 = 4000.
      const month = run('2025-06', rows(province, ['18.01', 500, 1000], ['18.02', 600, 1500], ['18.71', 890, 1500]));
      expect(month.warnings).toEqual([]);
      expect(figure(month, '18')).toStrictEqual(want('18', { ...absent(6), active: 2000, eligible: 4000, coveragePct: 50, rank: 1, source: 'reported' }));
      // 50, 40, 59.33 → ranks 2, 3, 1.
      expect(month.regencies.filter((r) => r.code.startsWith('18.')).map((r) => r.rank)).toEqual([2, 3, 1]);
      expect(figure(month, '18.71')).toStrictEqual(
        want('18.71', { ...absent(6), active: 890, eligible: 1500, coveragePct: close(89_000 / 1500), rank: 1, source: 'reported' }),
      );
    });

    it('beyond 0.5% in participants: a warning, and the own row is still used', () => {
      // 500 + 600 + 889 = 1989: 11 short > 10.
      const month = run('2025-06', rows(province, ['18.01', 500, 1000], ['18.02', 600, 1500], ['18.71', 889, 1500]));
      expect(month.warnings.map((w) => [w.code, w.region])).toEqual([['PROVINSI_TIDAK_SESUAI', '18']]);
      expect(figure(month, '18')).toMatchObject({ active: 2000, eligible: 4000, source: 'reported' });
    });

    it('beyond 0.5% in workers: a warning', () => {
      // 1000 + 1500 + 1521 = 4021: 21 over > 20.
      const month = run('2025-06', rows(province, ['18.01', 500, 1000], ['18.02', 600, 1500], ['18.71', 890, 1521]));
      expect(month.warnings.map((w) => [w.code, w.region])).toEqual([['PROVINSI_TIDAK_SESUAI', '18']]);
    });

    it('a regency without a row: a partial sum is not compared, and nothing is missing under an own row', () => {
      const month = run('2025-06', rows(province, ['18.01', 500, 1000], ['18.02', 600, 1500]));
      expect(month.warnings).toEqual([]);
      expect(month.missing).toEqual(['51', '64']);
      expect(figure(month, '18.71')).toStrictEqual(want('18.71', missing(6)));
    });
  });

  it('groups sum their provinces; a member with no figures is left out', () => {
    // Prepare: Lampung 300 of 1000 (own row), Bali 500 of 1000 by its regencies, Kaltim nothing.
    const reported = rows(['18', 300, 1000], ['51.01', 200, 400], ['51.71', 300, 600]);
    const groups = new Map([
      ['Sumatera', ['18']],
      ['Gabungan', ['18', '51', '64']],
      ['Kalimantan', ['64']],
    ]);
    const past = history({ '2025-05': { [groupCode('Gabungan')]: [780, 2000] } });
    // Act
    const month = run('2025-06', reported, { groups, history: past });
    // Assess
    // Gabungan: (300 + 500) / (1000 + 1000) = 800 / 2000 = 40 (Kaltim left out); MoM 40 − 39 = 1 pp, +20;
    // growth over one month 20 → 800 + 20 × 6 = 920 → 46.
    expect(figure(month, 'kelompok:gabungan')).toStrictEqual({
      code: 'kelompok:gabungan', name: 'Gabungan', level: 'kelompok', details: null,
      ...absent(6), active: 800, eligible: 2000, coveragePct: 40, momDeltaPp: 1, momDeltaActive: 20, projectedPct: 46,
      rank: 1, source: 'aggregated',
    });
    // Sumatera: 300 / 1000 = 30 → 2nd; Kalimantan: no member with figures → no figures, no rank.
    expect(figure(month, 'kelompok:sumatera')).toStrictEqual({
      code: 'kelompok:sumatera', name: 'Sumatera', level: 'kelompok', details: null,
      ...absent(6), active: 300, eligible: 1000, coveragePct: 30, rank: 2, source: 'aggregated',
    });
    expect(figure(month, 'kelompok:kalimantan')).toStrictEqual({ code: 'kelompok:kalimantan', name: 'Kalimantan', level: 'kelompok', details: null, ...missing(6) });
    expect(month.national).toMatchObject({ active: 800, eligible: 2000, coveragePct: 40 });
  });

  describe('year-on-year from exactly 12 months back', () => {
    // Kaltim's own row, March 2025 (9 months left): 700 of 1000 = 70; target 80 → 800, gap 100 → ceil(100 / 9) = 12;
    // 80 − 70 = 10 pp.
    const reported = rows(['64', 700, 1000]);
    const goals = targets({ '64': [80, null] });

    it('uses March 2024, not February or April', () => {
      const past = history({
        '2024-02': { '64': [500, 1000] },
        '2024-03': { '64': [600, 1000] },
        '2024-04': { '64': [650, 1000] },
        '2024-12': { '64': [670, 1000] },
        '2025-02': { '64': [690, 980] },
      });
      const month = run('2025-03', reported, { targets: goals, history: past });
      // YoY 70 − 60 = 10. MoM 70 − 100 × 690 / 980 = 70 − 70.408 = −0.408 pp (the percentage fell while
      // participants rose by 10). Growth (700 − 670) / 3 = 10 → 700 + 90 = 790 → 79 < 80, ≥ 78 → at_risk.
      expect(figure(month, '64')).toStrictEqual(
        want('64', {
          active: 700, eligible: 1000, coveragePct: 70, targetPct: 80, targetActive: 800, gapPp: 10, gapWorkers: 100,
          monthsLeft: 9, requiredMonthlyAdditions: 12, momDeltaPp: close(70 - 69_000 / 980), momDeltaActive: 10, yoyDeltaPp: 10,
          projectedPct: 79, status: 'at_risk', rank: 1, source: 'reported', eligibleFrom: null,
        }),
      );
    });

    it('13 months back is not a year before', () => {
      const month = run('2025-03', reported, { targets: goals, history: history({ '2024-02': { '64': [500, 1000] } }) });
      // No history 1–3 or 12 months back: 70 < 78 → off_track.
      expect(figure(month, '64')).toStrictEqual(
        want('64', {
          active: 700, eligible: 1000, coveragePct: 70, targetPct: 80, targetActive: 800, gapPp: 10, gapWorkers: 100,
          monthsLeft: 9, requiredMonthlyAdditions: 12, momDeltaPp: null, momDeltaActive: null, yoyDeltaPp: null,
          projectedPct: null, status: 'off_track', rank: 1, source: 'reported', eligibleFrom: null,
        }),
      );
    });
  });

  describe('published figures (docs/architecture.md, "Sample data")', () => {
    it('Bali, March 2025: 935,079 of 1,873,899 = 49.90%, target 67.28%', () => {
      const month = run('2025-03', rows(['51', 935_079, 1_873_899]), { targets: targets({ '51': [67.28, null] }) });
      // coverage 100 × 935,079 / 1,873,899 = 49.900181…; targetActive round(0.6728 × 1,873,899 = 1,260,759.2472)
      // = 1,260,759; gap 1,260,759 − 935,079 = 325,680; 9 months left → ceil(36,186.67) = 36,187;
      // 67.28 − 49.900181 = 17.379819 pp; no history: 49.90 < 65.28 → off_track.
      const bali = figure(month, '51');
      expect(bali).toStrictEqual(
        want('51', {
          active: 935_079, eligible: 1_873_899, coveragePct: close(49.900181386510155), targetPct: 67.28, targetActive: 1_260_759,
          gapPp: close(17.379818613489842), gapWorkers: 325_680, monthsLeft: 9, requiredMonthlyAdditions: 36_187,
          momDeltaPp: null, momDeltaActive: null, yoyDeltaPp: null, projectedPct: null, status: 'off_track', rank: 1,
          source: 'reported', eligibleFrom: null,
        }),
      );
      expect(bali.coveragePct!.toFixed(2)).toBe('49.90');
    });

    it('Lampung 2025: target 38.39% = 1,149,447 workers, given or derived alike', () => {
      // Illustrative October figures: 1,084,126 of 2,994,132 (E chosen so that round(0.3839 × E) = round(1,149,447.2748)
      // = 1,149,447, the published target). coverage 36.208357; gap 1,149,447 − 1,084,126 = 65,321;
      // 2 months left → ceil(32,660.5) = 32,661; 38.39 − 36.208357 = 2.181643 pp; no history: 36.21 < 36.39 → off_track.
      const expected = want('18', {
        active: 1_084_126, eligible: 2_994_132, coveragePct: close(36.20835687938942), targetPct: 38.39, targetActive: 1_149_447,
        gapPp: close(2.181643120610581), gapWorkers: 65_321, monthsLeft: 2, requiredMonthlyAdditions: 32_661,
        momDeltaPp: null, momDeltaActive: null, yoyDeltaPp: null, projectedPct: null, status: 'off_track', rank: 1,
        source: 'reported', eligibleFrom: null,
      });
      const reported = rows(['18', 1_084_126, 2_994_132]);
      expect(figure(run('2025-10', reported, { targets: targets({ '18': [38.39, 1_149_447] }) }), '18')).toStrictEqual(expected);
      expect(figure(run('2025-10', reported, { targets: targets({ '18': [38.39, null] }) }), '18')).toStrictEqual(expected);
    });
  });
});
