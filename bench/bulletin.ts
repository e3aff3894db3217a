/**
 * Issue 5: `province_bulletin_ms` (one province bulletin with charts and its 15-row table, rendered in
 * this process, median after warm-up; target ≤ 10 ms), and `national_set_s` / `national_set_peak_rss_mb`
 * (all 553 bulletins of a month, national + 38 provinces + 514 regencies, rendered and checked through the
 * worker pool in a process of their own; targets < 10 s, < 512 MB).
 *
 * The month is computed from synthetic national data with 24 months of history, as monthly-run does, so
 * the bulletins carry real trends, segment details and sub-region tables.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { checkBulletinPdf } from '../lib/bulletin/check.ts';
import { bulletinExpectation } from '../lib/bulletin/checked.ts';
import { bulletinDefinition, type BulletinInput } from '../lib/bulletin/definition.ts';
import { renderBulletins } from '../lib/bulletin/pool.ts';
import { renderBulletinPdf } from '../lib/bulletin/render.ts';
import { computeMonth, pastFiguresOf, type PastFigures, type ReportedFigures } from '../lib/domain/compute.ts';
import { addMonths } from '../lib/domain/period.ts';
import { loadRegionIndex, type RegionIndex } from '../lib/domain/regions.ts';
import type { MonthResult, Period, RegionFigures } from '../lib/domain/types.ts';
import { median, report } from './report.ts';

const PERIOD: Period = '2026-10';
const TREND_MONTHS = 24;

function reportedFor(regions: RegionIndex, monthIndex: number): Map<string, ReportedFigures> {
  return new Map(
    regions.regencies.map((regency, index) => {
      const eligible = 50_000 + ((index * 7919) % 900_000);
      const active = Math.floor(eligible * (0.2 + ((index % 40) + monthIndex / 6 + ((index * monthIndex) % 7) / 10) / 100));
      const pu = Math.floor(active * 0.62);
      const bpu = Math.floor(active * 0.28);
      const jakon = Math.floor(active * 0.07);
      const workersFormal = Math.floor(eligible * 0.4);
      return [
        regency.code,
        {
          code: regency.code,
          active,
          eligible,
          details: {
            pu,
            bpu,
            jakon,
            pmi: active - pu - bpu - jakon,
            workersFormal,
            workersInformal: eligible - workersFormal,
            vulnerableProtected: Math.floor(active * 0.04),
            villages100: 20 + (index % 90),
            villages: 120 + (index % 300),
          },
        },
      ];
    }),
  );
}

/** Every bulletin of the month, built as monthly-run builds them. */
export async function monthInputs(): Promise<BulletinInput[]> {
  const regions = await loadRegionIndex();
  const targets = new Map([['nasional', { targetPct: 45, targetActive: null }], ...regions.provinces.map((p) => [p.code, { targetPct: 40, targetActive: null }] as const)]);
  const history = new Map<Period, Map<string, PastFigures>>();
  const months: MonthResult[] = [];
  for (let i = 0; i < TREND_MONTHS; i += 1) {
    const period = addMonths(PERIOD, i - TREND_MONTHS + 1);
    const month = computeMonth({ period, regions, reported: reportedFor(regions, i), targets, history });
    history.set(period, pastFiguresOf([month.national, ...month.provinces, ...month.regencies]));
    months.push(month);
  }
  const current = months.at(-1)!;
  const byMonth = months.map((m) => new Map([m.national, ...m.provinces, ...m.regencies].map((f) => [f.code, f])));
  const figures = byMonth.at(-1)!;
  const trend = (code: string) =>
    months.map((m, i) => {
      const f = byMonth[i]!.get(code);
      return { period: m.period, coveragePct: f?.coveragePct ?? null, targetPct: f?.targetPct ?? null };
    });
  const input = (region: RegionFigures, children: RegionFigures[]): BulletinInput => ({
    period: current.period,
    region,
    subRegions: children,
    missing: [],
    revision: false,
    sources: [{ key: `uploads/${PERIOD}/nasional.csv`, uploadedAt: '2026-11-03T02:41:00Z' }],
    generatedAt: '2026-11-05T01:00:00Z',
    trend: trend(region.code),
  });
  return [
    input(current.national, current.provinces),
    ...regions.provinces.map((p) => input(figures.get(p.code)!, regions.regenciesOf(p.code).map((r) => figures.get(r.code)!))),
    ...regions.regencies.map((r) => input(figures.get(r.code)!, [])),
  ];
}

/** Child mode: render the whole month through the pool and print the time and peak memory as JSON. */
async function child(file: string): Promise<void> {
  const inputs = JSON.parse(await readFile(file, 'utf8')) as BulletinInput[];
  const started = performance.now();
  const results = await renderBulletins(inputs);
  const seconds = (performance.now() - started) / 1000;
  const failures = results.filter((r) => !r.ok).map((r) => (r.ok ? '' : r.reason));
  const bytes = results.reduce((sum, r) => sum + (r.ok ? r.pdf.length : 0), 0);
  process.stdout.write(
    JSON.stringify({ seconds, peakRssMb: process.resourceUsage().maxRSS / 1024, bulletins: results.length, failures: failures.slice(0, 3), failed: failures.length, bytes }),
  );
}

export async function benchBulletin(): Promise<void> {
  const inputs = await monthInputs();
  const province = inputs.find((i) => i.region.code === '18')!;
  if (province.subRegions.length !== 15) throw new Error('bulletin benchmark: Lampung should have 15 regencies');

  // One province bulletin, in this process.
  for (let i = 0; i < 40; i += 1) await renderBulletinPdf(province);
  const renders: number[] = [];
  const definitions: number[] = [];
  for (let i = 0; i < 200; i += 1) {
    let started = performance.now();
    bulletinDefinition(province);
    definitions.push(performance.now() - started);
    started = performance.now();
    await renderBulletinPdf(province);
    renders.push(performance.now() - started);
  }
  const pdf = await renderBulletinPdf(province);
  const checks: number[] = [];
  for (let i = 0; i < 100; i += 1) {
    const started = performance.now();
    if (!checkBulletinPdf(pdf, bulletinExpectation(province)).ok) throw new Error('bulletin benchmark: the province bulletin fails its check');
    checks.push(performance.now() - started);
  }
  const sorted = [...renders].sort((a, b) => a - b);
  report('province_bulletin_ms', median(renders), 'ms', {
    runs: renders.length,
    p10: Number(sorted[Math.floor(sorted.length * 0.1)]!.toFixed(2)),
    p90: Number(sorted[Math.floor(sorted.length * 0.9)]!.toFixed(2)),
    definition_ms: Number(median(definitions).toFixed(3)),
    check_ms: Number(median(checks.slice(20)).toFixed(3)),
    pdf_kb: Number((pdf.length / 1024).toFixed(1)),
    target: 10,
  });

  // The whole month, through the pool, in a process of its own so that its peak RSS is the set's.
  const dir = await mkdtemp(join(tmpdir(), 'ucj-bench-bulletin-'));
  try {
    const file = join(dir, 'inputs.json');
    await writeFile(file, JSON.stringify(inputs));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', file], {
      maxBuffer: 1 << 20,
    });
    const run = JSON.parse(stdout) as { seconds: number; peakRssMb: number; bulletins: number; failed: number; failures: string[]; bytes: number };
    if (run.bulletins !== 553 || run.failed > 0) throw new Error(`bulletin benchmark: ${run.failed} of ${run.bulletins} bulletins failed: ${run.failures.join('; ')}`);
    const detail = { bulletins: run.bulletins, workers: availableParallelism(), mb_of_pdf: Number((run.bytes / 1048576).toFixed(1)) };
    report('national_set_s', run.seconds, 's', { ...detail, target: 10, note: 'render and check, worker start-up included' });
    report('national_set_peak_rss_mb', run.peakRssMb, 'mb', { ...detail, target: 512, note: 'whole process, workers and results included' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child' && process.argv[1] === fileURLToPath(import.meta.url)) await child(process.argv[3]!);
