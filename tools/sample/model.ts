/**
 * The numbers behind the sample dataset: every regency's working population (changing once a year, with
 * the Sakernas August round) and active participants by segment (changing every month). Each figure is a
 * pure function of the seed, the region and the month, so any window of months can be generated.
 */
import { parsePeriod } from '../../lib/domain/period.ts';
import type { RegionIndex } from '../../lib/domain/regions.ts';
import type { Period, Region } from '../../lib/domain/types.ts';
import {
  ANCHOR_PERIOD,
  ANCHOR_ROUND,
  COVERAGE_FACTOR,
  FIXED_COVERAGE,
  PMI_HEAVY_NAMES,
  PROVINCES,
  WORKER_WEIGHT,
  type ProvinceCalibration,
} from './calibration.ts';
import { randomFor } from '../../lib/util/prng.ts';

/** One regency's row of one month's upload. */
export interface SampleRow {
  code: string;
  name: string;
  period: Period;
  workers: number;
  active: number;
  pu: number;
  bpu: number;
  jakon: number;
  pmi: number;
}

interface RegencyModel {
  region: Region;
  provinceCode: string;
  isCity: boolean;
  /** Relative size of the working population within the province, in the anchor round. */
  weight: number;
  /** Active participants in ANCHOR_PERIOD (unrounded). */
  activeAtAnchor: number;
  /** Growth of active participants: natural log per month. */
  growth: number;
  pmiShare: number;
  jakonShare: number;
  bpuShare: number;
}

/** Share of active participants a regency not fixed by FIXED_COVERAGE may reach at the anchor. */
const COVERAGE_CAP = 0.95;

/** The Sakernas round whose figures a month uses: August's round is in use from September to the next August. */
export function sakernasRoundOf(period: Period): number {
  const { year, month } = parsePeriod(period);
  return month >= 9 ? year : year - 1;
}

/** Months from the calibration anchor to `period` (negative before it). */
function monthsFromAnchor(period: Period): number {
  const a = parsePeriod(ANCHOR_PERIOD);
  const p = parsePeriod(period);
  return (p.year - a.year) * 12 + (p.month - a.month);
}

/** Split `total` into whole parts proportional to `weights` (largest remainder), summing exactly to `total`. */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0);
  if (!(sum > 0)) throw new Error('apportion: weights must have a positive sum');
  const exact = weights.map((w) => (total * w) / sum);
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((s, p) => s + p, 0);
  const order = exact
    .map((x, i) => ({ i, frac: x - Math.floor(x) }))
    .sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) parts[order[k]!.i]! += 1;
  return parts;
}

function calibrationOf(provinceCode: string): ProvinceCalibration {
  const calibration = PROVINCES[provinceCode];
  if (!calibration) throw new Error(`no sample calibration for province ${provinceCode}`);
  return calibration;
}

export class SampleModel {
  readonly provinces: Region[];
  readonly regencies: Region[];
  private readonly models = new Map<string, RegencyModel>();
  private readonly provinceBase = new Map<string, number>();
  private readonly workersCache = new Map<number, Map<string, number>>();
  private readonly rowsCache = new Map<Period, SampleRow[]>();

  constructor(
    index: RegionIndex,
    readonly seed: number,
  ) {
    this.provinces = [...index.provinces].sort((a, b) => a.code.localeCompare(b.code));
    this.regencies = [...index.regencies].sort((a, b) => a.code.localeCompare(b.code));
    for (const province of this.provinces) this.buildProvince(province);
    // Only once every province's regencies exist can the working population be split.
    const workers = this.workersInRound(ANCHOR_ROUND);
    for (const province of this.provinces) this.allocateActive(province, workers);
  }

  private buildProvince(province: Region): void {
    const cal = calibrationOf(province.code);
    const r = randomFor(this.seed, 'province-workers', province.code);
    const base = cal.exactWorkers ? cal.workers : Math.round(cal.workers * (1 + r.uniform(-0.01, 0.01)));
    this.provinceBase.set(province.code, base);

    const regencies = this.regencies.filter((x) => x.provinceCode === province.code);
    if (regencies.length === 0) throw new Error(`province ${province.code} has no regencies`);
    const heavy = new Set(PMI_HEAVY_NAMES);
    const parts: RegencyModel[] = regencies.map((region) => {
      const rr = randomFor(this.seed, 'regency', region.code);
      const isCity = /^\d{2}\.[7-9]\d$/.test(region.code);
      const fixed = FIXED_COVERAGE[region.code];
      const known = WORKER_WEIGHT[region.code];
      const weight = (isCity ? 0.45 : 1) * (known ?? 1) * Math.exp(rr.normal(0, known === undefined ? 0.45 : 0.1));
      // A few regencies stagnate or slip; the rest grow around the province's pace.
      const stagnant = fixed === undefined && rr.next() < 0.035;
      const growth = stagnant
        ? rr.uniform(-0.002, 0.0008)
        : Math.log(1 + cal.growthPctPerMonth / 100) + rr.normal(0, 0.0015);
      const headOffice = fixed !== undefined;
      const pmiShare =
        cal.pmiShare * (isCity ? 0.3 : 1) * (heavy.has(region.name) ? 3 : 1) * (headOffice ? 0.3 : 1) * Math.exp(rr.normal(0, 0.3));
      const jakonShare = 0.06 * (cal.jakonFactor ?? 1) * Math.exp(rr.normal(0, 0.25));
      const bpuShare = (isCity ? 0.13 : 0.235) * (cal.bpuFactor ?? 1) * (headOffice ? 0.35 : 1) * Math.exp(rr.normal(0, 0.2));
      return {
        region,
        provinceCode: province.code,
        isCity,
        weight,
        activeAtAnchor: 0,
        growth,
        pmiShare,
        jakonShare,
        bpuShare,
      };
    });
    for (const part of parts) this.models.set(part.region.code, part);
  }

  /** Active participants at the anchor: the province's coverage, spread by each regency's relative coverage. */
  private allocateActive(province: Region, workers: ReadonlyMap<string, number>): void {
    const cal = calibrationOf(province.code);
    const base = this.provinceBase.get(province.code)!;
    const parts = [...this.models.values()].filter((m) => m.provinceCode === province.code);
    const targetActive = (base * cal.coveragePct) / 100;
    const relative = new Map<string, number>();
    for (const part of parts) {
      const rr = randomFor(this.seed, 'coverage', part.region.code);
      const capital = part.isCity && part.region.code.endsWith('.71') ? 1.1 : 1;
      relative.set(
        part.region.code,
        (part.isCity ? 1.35 : 0.92) * capital * (COVERAGE_FACTOR[part.region.code] ?? 1) * Math.exp(rr.normal(0, 0.18)),
      );
    }
    let free = parts.filter((p) => FIXED_COVERAGE[p.region.code] === undefined);
    let settled = 0;
    for (const part of parts) {
      const fixed = FIXED_COVERAGE[part.region.code];
      if (fixed !== undefined) {
        part.activeAtAnchor = workers.get(part.region.code)! * fixed;
        settled += part.activeAtAnchor;
      }
    }
    for (;;) {
      const room = targetActive - settled;
      const mass = free.reduce((s, p) => s + workers.get(p.region.code)! * relative.get(p.region.code)!, 0);
      if (!(room > 0) || !(mass > 0)) throw new Error(`sample calibration of province ${province.code} leaves no room`);
      const k = room / mass;
      const over = free.filter((p) => k * relative.get(p.region.code)! > COVERAGE_CAP);
      if (over.length === 0) {
        for (const p of free) p.activeAtAnchor = workers.get(p.region.code)! * k * relative.get(p.region.code)!;
        break;
      }
      for (const p of over) {
        p.activeAtAnchor = workers.get(p.region.code)! * COVERAGE_CAP;
        settled += p.activeAtAnchor;
      }
      free = free.filter((p) => !over.includes(p));
    }
  }

  /** A province's working population in the August round of `round`. */
  provinceWorkers(provinceCode: string, round: number): number {
    const cal = calibrationOf(provinceCode);
    let value = this.provinceBase.get(provinceCode)!;
    const factor = (year: number) =>
      1 + (cal.workersTrendPct + randomFor(this.seed, 'trend', provinceCode, year).normal(0, cal.workersTrendSd ?? 0.4)) / 100;
    for (let y = ANCHOR_ROUND + 1; y <= round; y++) value *= factor(y);
    for (let y = ANCHOR_ROUND; y > round; y--) value /= factor(y);
    return Math.round(value);
  }

  /** Every regency's working population in the August round of `round`: provinces split by drifting weights. */
  workersInRound(round: number): Map<string, number> {
    const cached = this.workersCache.get(round);
    if (cached) return cached;
    const result = new Map<string, number>();
    for (const province of this.provinces) {
      const parts = [...this.models.values()].filter((m) => m.provinceCode === province.code);
      const weights = parts.map((m) => {
        let drift = 0;
        for (let y = ANCHOR_ROUND + 1; y <= round; y++) drift += randomFor(this.seed, 'share', m.region.code, y).normal(0, 0.012);
        for (let y = ANCHOR_ROUND; y > round; y--) drift -= randomFor(this.seed, 'share', m.region.code, y).normal(0, 0.012);
        return m.weight * Math.exp(drift);
      });
      const split = apportion(this.provinceWorkers(province.code, round), weights);
      parts.forEach((m, i) => result.set(m.region.code, split[i]!));
    }
    this.workersCache.set(round, result);
    return result;
  }

  /** Every regency's row for `period`, in code order. */
  rows(period: Period): SampleRow[] {
    const cached = this.rowsCache.get(period);
    if (cached) return cached;
    const workers = this.workersInRound(sakernasRoundOf(period));
    const t = monthsFromAnchor(period);
    const rows = this.regencies.map((region): SampleRow => {
      const m = this.models.get(region.code)!;
      const r = randomFor(this.seed, 'month', region.code, period);
      const active = Math.max(0, Math.round(m.activeAtAnchor * Math.exp(m.growth * t + r.normal(0, 0.0015))));
      const bpuDrift = Math.min(1.5, Math.max(0.7, 1 + 0.0025 * t));
      const bpu = Math.round(active * m.bpuShare * bpuDrift * Math.exp(r.normal(0, 0.02)));
      const jakon = Math.round(active * m.jakonShare * Math.exp(r.normal(0, 0.08)));
      const pmi = Math.round(active * m.pmiShare * Math.exp(r.normal(0, 0.03)));
      const pu = active - bpu - jakon - pmi;
      if (pu < 0) throw new Error(`sample segments of ${region.code} exceed its active participants`);
      return { code: region.code, name: region.name, period, workers: workers.get(region.code)!, active, pu, bpu, jakon, pmi };
    });
    this.rowsCache.set(period, rows);
    return rows;
  }

  /** Sums of a scope's rows in `period`: `nasional`, a province code, or a regency code. */
  totals(period: Period, scope: string): { workers: number; active: number } {
    let workers = 0;
    let active = 0;
    for (const row of this.rows(period)) {
      if (scope === 'nasional' || row.code === scope || row.code.startsWith(`${scope}.`)) {
        workers += row.workers;
        active += row.active;
      }
    }
    return { workers, active };
  }
}
