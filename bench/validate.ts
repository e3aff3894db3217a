/** Issue 3: validating a 514-regency × 120-month file (61,680 rows). Targets: under 1 s, under 300 MB peak RSS. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { addMonths } from '../lib/domain/period.ts';
import { loadRegionIndex } from '../lib/domain/regions.ts';
import { median, report } from './report.ts';

const run = promisify(execFile);

/** A national history export: every regency for 120 months, Indonesian number formatting, `;` delimiter. */
async function largeUpload(): Promise<string> {
  const regions = await loadRegionIndex();
  const lines = ['kode_wilayah;nama_wilayah;periode;pekerja;peserta_aktif;peserta_pu;peserta_bpu;peserta_jakon;peserta_pmi'];
  const group = new Intl.NumberFormat('id-ID');
  for (let month = 0; month < 120; month += 1) {
    const period = addMonths('2016-11', month);
    regions.regencies.forEach((regency, index) => {
      const workers = 50_000 + ((index * 7919) % 900_000);
      const active = Math.floor(workers * (0.2 + ((index % 40) + month / 10) / 100));
      const pu = Math.floor(active * 0.7);
      const bpu = Math.floor(active * 0.22);
      const jakon = Math.floor(active * 0.06);
      const pmi = active - pu - bpu - jakon;
      lines.push([regency.code, regency.name, period, ...[workers, active, pu, bpu, jakon, pmi].map((n) => group.format(n))].join(';'));
    });
  }
  const dir = await mkdtemp(join(tmpdir(), 'ucj-bench-'));
  const file = join(dir, 'nasional-120-bulan.csv');
  await writeFile(file, `${lines.join('\r\n')}\r\n`);
  return file;
}

export async function benchValidate(): Promise<void> {
  const file = await largeUpload();
  const child = join(import.meta.dirname, 'validate-child.ts');
  const runs: Array<{ seconds: number; peakRssMb: number; ok: boolean; rows: number }> = [];
  for (let i = 0; i < 5; i += 1) {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', child, file], { maxBuffer: 1 << 20 });
    runs.push(JSON.parse(stdout));
  }
  const first = runs[0]!;
  if (!first.ok || first.rows !== 61_680) throw new Error(`benchmark file did not validate as expected: ${JSON.stringify(first)}`);
  report('validate_61680_rows_s', median(runs.map((r) => r.seconds)), 's', { runs: runs.length, target: 1 });
  report('validate_peak_rss_mb', Math.max(...runs.map((r) => r.peakRssMb)), 'mb', { target: 300, note: 'whole process, Node and tsx included' });
  await rm(join(file, '..'), { recursive: true, force: true });
}
