import { describe, expect, it } from 'vitest';
import { computeMonth, statusOf, type PastFigures, type ReportedFigures, type TargetFigures } from '../../lib/domain/compute.ts';
import { buildRegionIndex } from '../../lib/domain/regions.ts';
import type { Period } from '../../lib/domain/types.ts';

// Two provinces of two regencies each: small enough to compute every figure by hand.
const regions = buildRegionIndex(
  [
    { code: '18', name: 'LAMPUNG' },
    { code: '51', name: 'BALI' },
  ],
  [
    { code: '18.01', province_code: '18', name: 'KABUPATEN LAMPUNG BARAT' },
    { code: '18.71', province_code: '18', name: 'KOTA BANDAR LAMPUNG' },
    { code: '51.01', province_code: '51', name: 'KABUPATEN JEMBRANA' },
    { code: '51.71', province_code: '51', name: 'KOTA DENPASAR' },
  ],
);

const rows = (...list: Array<[string, number, number | null]>) =>
  new Map<string, ReportedFigures>(list.map(([code, active, eligible]) => [code, { code, active, eligible }]));
const past = (entries: Record<string, [number, number]>) =>
  new Map<string, PastFigures>(Object.entries(entries).map(([code, [active, eligible]]) => [code, { active, eligible, eligibleFrom: null }]));

const noHistory = new Map<Period, Map<string, PastFigures>>();

describe('computeMonth', () => {
  it('sums numerators and denominators upwards, never averaging percentages', () => {
    // Prepare
    const reported = rows(['18.01', 100, 1000], ['18.71', 900, 1000], ['51.01', 50, 500], ['51.71', 450, 500]);
    // Act
    const month = computeMonth({ period: '2025-10', regions, reported, targets: new Map(), history: noHistory });
    // Assess
    const lampung = month.provinces.find((p) => p.code === '18')!;
    expect(lampung.active).toBe(1000);
    expect(lampung.eligible).toBe(2000);
    expect(lampung.coveragePct).toBe(50);
    expect(lampung.source).toBe('aggregated');
    expect(month.national.active).toBe(1500);
    expect(month.national.eligible).toBe(3000);
    expect(month.national.coveragePct).toBe(50);
    expect(month.missing).toEqual([]);
  });

  it('computes target, gap, months left and required additions (October: 2 months left)', () => {
    const reported = rows(['18', 1_084_126, 2_994_132]);
    const targets = new Map<string, TargetFigures>([['18', { targetPct: 38.39, targetActive: 1_149_447 }]]);
    const month = computeMonth({ period: '2025-10', regions, reported, targets, history: noHistory });
    const lampung = month.provinces.find((p) => p.code === '18')!;
    expect(lampung.coveragePct).toBeCloseTo((100 * 1_084_126) / 2_994_132, 12);
    expect(lampung.targetActive).toBe(1_149_447);
    expect(lampung.gapWorkers).toBe(1_149_447 - 1_084_126); // 65,321
    expect(lampung.gapPp).toBeCloseTo(38.39 - (100 * 1_084_126) / 2_994_132, 12);
    expect(lampung.monthsLeft).toBe(2);
    expect(lampung.requiredMonthlyAdditions).toBe(Math.ceil(65_321 / 2)); // 32,661
    expect(lampung.status).toBe('off_track'); // no history: judged on coverage, 36.21 < 38.39 - 2
  });

  it('in December the whole gap is required at once, and targetActive defaults to round(pct × E)', () => {
    const reported = rows(['51', 935_079, 1_873_899]);
    const targets = new Map<string, TargetFigures>([['51', { targetPct: 67.28, targetActive: null }]]);
    const month = computeMonth({ period: '2025-12', regions, reported, targets, history: noHistory });
    const bali = month.provinces.find((p) => p.code === '51')!;
    expect(bali.monthsLeft).toBe(0);
    expect(bali.targetActive).toBe(Math.round(0.6728 * 1_873_899)); // 1,260,759
    expect(bali.gapWorkers).toBe(1_260_759 - 935_079);
    expect(bali.requiredMonthlyAdditions).toBe(bali.gapWorkers);
  });

  it('month-on-month and year-on-year changes come from history; projection uses three-month growth', () => {
    const reported = rows(['18', 1300, 2000]);
    const history = new Map<Period, Map<string, PastFigures>>([
      ['2025-09', past({ '18': [1270, 2000] })],
      ['2025-07', past({ '18': [1210, 2000] })],
      ['2024-10', past({ '18': [1000, 2000] })],
    ]);
    const targets = new Map<string, TargetFigures>([['18', { targetPct: 70, targetActive: null }]]);
    const month = computeMonth({ period: '2025-10', regions, reported, targets, history });
    const f = month.provinces.find((p) => p.code === '18')!;
    expect(f.momDeltaActive).toBe(30);
    expect(f.momDeltaPp).toBeCloseTo(65 - 63.5, 12);
    expect(f.yoyDeltaPp).toBeCloseTo(65 - 50, 12);
    // growth (1300 - 1210) / 3 = 30 a month; 2 months left → 1360 of 2000 = 68% < 70 but within 2 points.
    expect(f.projectedPct).toBeCloseTo(68, 12);
    expect(f.status).toBe('at_risk');
  });

  it('carries a missing denominator from the latest earlier month and says which', () => {
    const reported = rows(['18.01', 120, null], ['18.71', 900, 1000]);
    const history = new Map<Period, Map<string, PastFigures>>([['2025-08', past({ '18.01': [110, 800] })]]);
    const month = computeMonth({ period: '2025-10', regions, reported, targets: new Map(), history });
    const regency = month.regencies.find((r) => r.code === '18.01')!;
    expect(regency.eligible).toBe(800);
    expect(regency.eligibleFrom).toBe('2025-08');
    expect(month.provinces.find((p) => p.code === '18')!.eligibleFrom).toBe('2025-08');
  });

  it('treats a row with no working population ever as missing, and says why', () => {
    const reported = rows(['18.01', 120, null], ['18.71', 900, 1000]);
    const month = computeMonth({ period: '2025-10', regions, reported, targets: new Map(), history: noHistory });
    expect(month.missing).toContain('18.01');
    expect(month.warnings.map((w) => [w.code, w.region])).toContainEqual(['PEKERJA_TIDAK_ADA', '18.01']);
    expect(month.provinces.find((p) => p.code === '18')!.active).toBe(900);
  });

  it('lists missing regions: a province with no figures, and regencies absent from a province reported by regencies', () => {
    const reported = rows(['18.71', 900, 1000]);
    const targets = new Map<string, TargetFigures>([['51', { targetPct: 60, targetActive: null }]]);
    const month = computeMonth({ period: '2025-10', regions, reported, targets, history: noHistory });
    expect(month.missing).toEqual(['18.01', '51']);
    expect(month.provinces.find((p) => p.code === '51')!.source).toBe('missing');
    expect(month.provinces.find((p) => p.code === '51')!.status).toBeNull(); // nothing to judge, even with a target
    expect(month.national.active).toBe(900);
  });

  it('keeps coverage above 100% as computed, and ties share a rank', () => {
    const reported = rows(['18.01', 500, 1000], ['18.71', 1500, 1000], ['51.01', 300, 600], ['51.71', 700, 1400]);
    const month = computeMonth({ period: '2025-10', regions, reported, targets: new Map(), history: noHistory });
    expect(month.regencies.find((r) => r.code === '18.71')!.coveragePct).toBe(150);
    const lampung = month.provinces.find((p) => p.code === '18')!;
    const bali = month.provinces.find((p) => p.code === '51')!;
    expect(lampung.rank).toBe(1); // 2000 / 2000 = 100%
    expect(bali.rank).toBe(2); // 1000 / 2000 = 50%
    expect(month.regencies.find((r) => r.code === '51.01')!.rank).toBe(1);
    expect(month.regencies.find((r) => r.code === '51.71')!.rank).toBe(1); // both 50%
    expect(lampung.status).toBe('no_target');
  });

  it('warns when a province row disagrees with its regencies by more than 0.5%', () => {
    const reported = rows(['18', 1100, 2000], ['18.01', 100, 1000], ['18.71', 900, 1000]);
    const month = computeMonth({ period: '2025-10', regions, reported, targets: new Map(), history: noHistory });
    expect(month.provinces.find((p) => p.code === '18')!.active).toBe(1100);
    expect(month.warnings.map((w) => w.region)).toEqual(['18']);
  });
});

describe('breakdowns', () => {
  const details = (pu: number, bpu: number, villages: number | null) => ({
    pu, bpu, jakon: 0, pmi: 0, workersFormal: null, workersInformal: null, vulnerableProtected: null, villages100: null, villages,
  });

  it('sums each breakdown only when every part reported it', () => {
    const reported = new Map<string, ReportedFigures>([
      ['18.01', { code: '18.01', active: 100, eligible: 1000, details: details(70, 30, 12) }],
      ['18.71', { code: '18.71', active: 900, eligible: 1000, details: details(600, 300, null) }],
      ['51.01', { code: '51.01', active: 50, eligible: 500 }],
      ['51.71', { code: '51.71', active: 450, eligible: 500, details: details(400, 50, 3) }],
    ]);
    const month = computeMonth({ period: '2025-10', regions, reported, targets: new Map(), history: noHistory });
    const lampung = month.provinces.find((p) => p.code === '18')!.details!;
    expect([lampung.pu, lampung.bpu, lampung.villages, lampung.workersFormal]).toEqual([670, 330, null, null]);
    // Bali: one regency gave no breakdown, so none of Bali's is summed, nor the nation's.
    expect(month.provinces.find((p) => p.code === '51')!.details).toBeNull();
    expect(month.national.details).toBeNull();
    expect(month.regencies.find((r) => r.code === '51.01')!.details).toBeNull();
  });
});

describe('statusOf', () => {
  it('follows the thresholds of docs/architecture.md, "The numbers"', () => {
    expect(statusOf(40, 41, 40)).toBe('achieved');
    expect(statusOf(39, 40, 40)).toBe('on_track');
    expect(statusOf(37, 38, 40)).toBe('at_risk');
    expect(statusOf(37, 37.99, 40)).toBe('off_track');
    expect(statusOf(37, null, null)).toBe('no_target');
  });
});
