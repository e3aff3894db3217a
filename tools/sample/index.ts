/**
 * A deterministic, realistic national sample dataset: one upload per month with every regency and city,
 * annual targets, and the recipients list, as the files they would be in the bucket (docs/architecture.md,
 * "Files in the bucket", "Upload format (v1)"). Calibrated to the public figures of docs/architecture.md,
 * "Sample data"; see calibration.ts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { addMonths, isPeriod, monthsLeftInYear, periodRange } from '../../lib/domain/period.ts';
import { displayName, loadRegionIndex, NATIONAL_CODE } from '../../lib/domain/regions.ts';
import type { Period } from '../../lib/domain/types.ts';
import { FIRST_NAMES, LAST_NAMES, nationalTargetPct, PUBLISHED_TARGETS } from './calibration.ts';
import { SampleModel, type SampleRow } from './model.ts';
import { randomFor, type Random } from '../../lib/util/prng.ts';
import { csvLine } from '../../lib/util/csv.ts';

export type { SampleRow } from './model.ts';
export { sakernasRoundOf } from './model.ts';

export interface SampleFile {
  /** The S3 key the file belongs at, e.g. `uploads/2026-10/ucj-2026-10-nasional.csv`. */
  key: string;
  content: string;
}

export interface SampleDataset {
  lastPeriod: Period;
  periods: Period[];
  uploads: SampleFile[];
  targets: SampleFile[];
  recipients: SampleFile;
}

export interface SampleOptions {
  /** The last month of the dataset (callers pass the month before today in Asia/Jakarta). */
  lastPeriod: Period;
  /** How many months, ending with `lastPeriod`. Default 13. */
  months?: number;
  /** PRNG seed. Default 1. */
  seed?: number;
}

export const DEFAULT_MONTHS = 13;
export const DEFAULT_SEED = 1;

export const UPLOAD_HEADER = [
  'kode_wilayah', 'nama_wilayah', 'periode', 'pekerja', 'peserta_aktif',
  'peserta_pu', 'peserta_bpu', 'peserta_jakon', 'peserta_pmi',
] as const;
export const TARGET_HEADER = ['kode_wilayah', 'tahun', 'target_persen', 'target_peserta'] as const;
export const RECIPIENT_HEADER = ['email', 'nama', 'jabatan', 'cakupan', 'peran'] as const;

export function sampleUploadKey(period: Period): string {
  return `uploads/${period}/ucj-${period}-nasional.csv`;
}

/** Cells through the project's one CSV rule (lib/util/csv.ts): numbers as they are, text safe for a spreadsheet. */
function csv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  return [header, ...rows].map((row) => csvLine(row)).join('\n') + '\n';
}

export async function generateSampleDataset(options: SampleOptions): Promise<SampleDataset> {
  const { lastPeriod } = options;
  const months = options.months ?? DEFAULT_MONTHS;
  const seed = options.seed ?? DEFAULT_SEED;
  if (!isPeriod(lastPeriod)) throw new Error(`lastPeriod must be YYYY-MM, got ${JSON.stringify(lastPeriod)}`);
  if (!Number.isInteger(months) || months < 1 || months > 600) throw new Error(`months must be an integer from 1 to 600, got ${months}`);
  if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);

  const index = await loadRegionIndex();
  const model = new SampleModel(index, seed);
  const periods = periodRange(addMonths(lastPeriod, -(months - 1)), lastPeriod);

  const uploads = periods.map((period) => ({
    key: sampleUploadKey(period),
    content: csv(
      UPLOAD_HEADER,
      model.rows(period).map((r) => [r.code, r.name, r.period, r.workers, r.active, r.pu, r.bpu, r.jakon, r.pmi]),
    ),
  }));

  return {
    lastPeriod,
    periods,
    uploads,
    targets: buildTargets(model, periods),
    recipients: buildRecipients(model, seed),
  };
}

type Plan = 'achieved' | 'on_track' | 'at_risk' | 'off_track';

/** Coverage and projected coverage (docs/architecture.md, "The numbers") of a scope at `ref`, from the window's months only. */
function standing(model: SampleModel, periods: Period[], ref: Period, scope: string): { coverage: number; projected: number } {
  const at = periods.indexOf(ref);
  const now = model.totals(ref, scope);
  const back = Math.min(3, at);
  const growth = back > 0 ? (now.active - model.totals(periods[at - back]!, scope).active) / back : 0;
  return {
    coverage: (100 * now.active) / now.workers,
    projected: (100 * (now.active + growth * monthsLeftInYear(ref))) / now.workers,
  };
}

/** A target that gives the planned status at the reference month (statuses vary across regions). */
function plannedTarget(coverage: number, projected: number, r: Random): number {
  const x = r.next();
  const plan: Plan = x < 0.2 ? 'achieved' : x < 0.4 ? 'on_track' : x < 0.65 ? 'at_risk' : 'off_track';
  const high = Math.max(coverage, projected);
  if (plan === 'achieved') return coverage - r.uniform(0.2, 2.5);
  if (plan === 'on_track' && projected - coverage >= 0.05) return coverage + (projected - coverage) * r.uniform(0.25, 0.75);
  if (plan === 'off_track') return high + r.uniform(3, 9);
  return high + r.uniform(0.3, 1.7);
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function buildTargets(model: SampleModel, periods: Period[]): SampleFile[] {
  const last = periods[periods.length - 1]!;
  // Latest year first, so its statuses follow the plan; an earlier year's target is lowered when needed so
  // that targets never fall from one year to the next.
  const years = [...new Set(periods.map((p) => Number(p.slice(0, 4))))].sort((a, b) => b - a);
  const later = new Map<string, number>();
  const scopes = [...model.provinces.map((p) => p.code), ...model.regencies.map((r) => r.code)];
  return years.map((year) => {
    const december = `${year}-12`;
    const ref = december < last ? december : last;
    const rows: Array<Array<string | number>> = [[NATIONAL_CODE, year, nationalTargetPct(year).toFixed(2), '']];
    for (const scope of scopes) {
      const published = PUBLISHED_TARGETS[scope]?.[year];
      let pct: number;
      if (published) {
        pct = published.pct;
      } else {
        const r = randomFor(model.seed, 'target', scope, year);
        const { coverage, projected } = standing(model, periods, ref, scope);
        pct = plannedTarget(coverage, projected, r);
        // Not below a published target of an earlier year (Bali's 2025 target, for example).
        const floor = Math.max(
          0,
          ...Object.entries(PUBLISHED_TARGETS[scope] ?? {}).filter(([y]) => Number(y) < year).map(([, t]) => t.pct),
        );
        if (pct < floor) pct = floor + r.uniform(0.5, 3);
        pct = Math.min(100, Math.max(1, round2(pct)));
        const next = later.get(scope);
        if (next !== undefined && pct > next) pct = Math.max(1, round2(next - r.uniform(0.5, 3)));
      }
      later.set(scope, pct);
      rows.push([scope, year, pct.toFixed(2), published?.active ?? '']);
    }
    return { key: `targets/${year}.csv`, content: csv(TARGET_HEADER, rows) };
  }).reverse();
}

function buildRecipients(model: SampleModel, seed: number): SampleFile {
  // Distinct made-up names from small lists of common Indonesian first and family names.
  const r = randomFor(seed, 'names');
  const names = FIRST_NAMES.flatMap((first) => LAST_NAMES.map((last) => `${first} ${last}`));
  for (let i = names.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [names[i], names[j]] = [names[j]!, names[i]!];
  }
  let next = 0;
  const name = () => names[next++]!;

  const rows: string[][] = [
    ['dirjen.adwil@kemendagri.example', name(), 'Direktur Jenderal Bina Administrasi Kewilayahan, Kemendagri', NATIONAL_CODE, 'pejabat'],
  ];
  for (const province of model.provinces) {
    rows.push([`gubernur.${province.code}@pemprov.example`, name(), `Gubernur ${displayName(province)}`, province.code, 'pejabat']);
  }
  rows.push(['admin.ucj@bpjsketenagakerjaan.example', name(), 'Admin Data UCJ Nasional', NATIONAL_CODE, 'admin']);
  rows.push(['admin.ucj.18@bpjsketenagakerjaan.example', name(), 'Admin Data UCJ Provinsi Lampung', '18', 'admin']);
  // Runs the month and watches it in the portal; receives nothing.
  rows.push(['operator.ucj@bpjsketenagakerjaan.example', name(), 'Operator Sistem UCJ', NATIONAL_CODE, 'operator']);
  return { key: 'config/recipients.csv', content: csv(RECIPIENT_HEADER, rows) };
}

/** Writes every file at `dir/<key>`; returns the paths written. */
export async function writeSampleDataset(dataset: SampleDataset, dir: string): Promise<string[]> {
  const files = [...dataset.uploads, ...dataset.targets, dataset.recipients];
  const paths: string[] = [];
  for (const file of files) {
    const path = join(dir, ...file.key.split('/'));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.content, 'utf8');
    paths.push(path);
  }
  return paths;
}

/** Reads back a sample upload (the exact format this module writes; not a general CSV parser). */
export function parseSampleUpload(content: string): SampleRow[] {
  const lines = content.split('\n').filter((line) => line !== '');
  if (lines[0] !== UPLOAD_HEADER.join(',')) throw new Error('not a sample upload: unexpected header');
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    if (cells.length !== UPLOAD_HEADER.length) throw new Error(`not a sample upload row: ${line}`);
    const [code, name, period, ...counts] = cells as [string, string, string, ...string[]];
    const [workers, active, pu, bpu, jakon, pmi] = counts.map(Number) as [number, number, number, number, number, number];
    return { code, name, period, workers, active, pu, bpu, jakon, pmi };
  });
}

export interface SampleSummaryRow {
  period: Period;
  /** `nasional`, a province code or a regency code. */
  scope: string;
  /** Regency rows summed. */
  regions: number;
  workers: number;
  active: number;
  coveragePct: number;
  pu: number;
  bpu: number;
  jakon: number;
  pmi: number;
}

/** Per-period totals of the uploads for a scope (national by default), for sanity printing. */
export function sampleSummary(dataset: SampleDataset, scope: string = NATIONAL_CODE): SampleSummaryRow[] {
  return dataset.uploads.flatMap((upload) => {
    const byPeriod = new Map<Period, SampleSummaryRow>();
    for (const row of parseSampleUpload(upload.content)) {
      if (!(scope === NATIONAL_CODE || row.code === scope || row.code.startsWith(`${scope}.`))) continue;
      const sum = byPeriod.get(row.period) ?? {
        period: row.period, scope, regions: 0, workers: 0, active: 0, coveragePct: 0, pu: 0, bpu: 0, jakon: 0, pmi: 0,
      };
      sum.regions += 1;
      sum.workers += row.workers;
      sum.active += row.active;
      sum.pu += row.pu;
      sum.bpu += row.bpu;
      sum.jakon += row.jakon;
      sum.pmi += row.pmi;
      byPeriod.set(row.period, sum);
    }
    return [...byPeriod.values()].map((s) => ({ ...s, coveragePct: s.workers > 0 ? (100 * s.active) / s.workers : 0 }));
  });
}
