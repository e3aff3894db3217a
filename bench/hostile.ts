/**
 * Issue 8, hostile input: peak RSS (and time) of validating each hostile upload, each in its own process
 * (bench/hostile-child.ts), as validate-upload would in a 1,024 MB Lambda. The inputs are the ones the
 * tests use (test/fixtures/hostile-uploads.ts). For scale: the process alone (Node, tsx, the region
 * index) is the `hostile_baseline_peak_rss_mb` line, and the largest upload the limits accept (250,000
 * rows × 14 columns, just under 20 MB) is `hostile_largest_valid_peak_rss_mb`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { addMonths } from '../lib/domain/period.ts';
import { loadRegionIndex } from '../lib/domain/regions.ts';
import { UPLOAD_LIMITS } from '../lib/inputs/limits.ts';
import { TEMPLATE_COLUMNS } from '../lib/inputs/template.ts';
import { bombs, hostileText, sheetXml, validCsvOfSize, workbookAround } from '../test/fixtures/hostile-uploads.ts';
import { report } from './report.ts';

const run = promisify(execFile);

interface ChildResult {
  seconds: number;
  peakRssMb: number;
  ok: boolean;
  rows: number;
  codes: string[];
}

/** 249,804 rows (486 months × 514 regencies) of all 14 template columns: the most the limits let through. */
async function largestValid(): Promise<Buffer> {
  const regions = await loadRegionIndex();
  const lines = [TEMPLATE_COLUMNS.join(',')];
  for (let month = 0; month < 486; month += 1) {
    const period = addMonths('1985-01', month);
    for (const regency of regions.regencies) lines.push(`${regency.code},,${period},512345,123456,100000,20000,3000,456,400000,112345,1234,12,100`);
  }
  const bytes = Buffer.from(lines.join('\n'));
  if (bytes.length > UPLOAD_LIMITS.maxBytes) throw new Error(`largest valid file is ${bytes.length} bytes, over the limit`);
  return bytes;
}

export async function benchHostile(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ucj-bench-hostile-'));
  const child = join(import.meta.dirname, 'hostile-child.ts');
  const regions = await loadRegionIndex();
  const codes = [...regions.provinces, ...regions.regencies].map((region) => region.code);
  const measure = async (name: string, fileName: string, bytes: Buffer, period?: string): Promise<ChildResult> => {
    const file = join(dir, fileName);
    await writeFile(file, bytes);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', child, file, ...(period ? [period] : [])], { maxBuffer: 1 << 20 });
    const result = JSON.parse(stdout) as ChildResult;
    report(`hostile_${name}_peak_rss_mb`, result.peakRssMb, 'mb', { seconds: Number(result.seconds.toFixed(3)), fileBytes: bytes.length, ok: result.ok, codes: result.codes });
    return result;
  };
  try {
    await measure('baseline', 'kecil.csv', Buffer.from('kode_wilayah,pekerja,peserta_aktif\n18,4512806,1084126\n'), '2025-10');

    const bombRuns: number[] = [];
    for (const [name, make] of Object.entries(bombs)) bombRuns.push((await measure(`zip_bomb_${name}`, `bom-${name}.xlsx`, make())).peakRssMb);
    report('hostile_zip_bomb_peak_rss_mb', Math.max(...bombRuns), 'mb', { of: Object.keys(bombs), note: 'the highest of the zip bombs above' });
    await measure(
      'xlsx_cols_2e9',
      'kolom.xlsx',
      workbookAround({ data: sheetXml([['kode_wilayah', 'peserta_aktif'], ['18', 5]], '<cols><col min="1" max="2000000000"/></cols>'), method: 0 }),
      '2025-10',
    );

    const atLimit = validCsvOfSize(UPLOAD_LIMITS.maxBytes, codes);
    await measure('20mb', 'tepat-20mb.csv', atLimit, '2025-10');
    await measure('20mb_over', 'lebih-20mb.csv', Buffer.concat([atLimit, Buffer.from('\n')]), '2025-10');
    for (const [name, make] of Object.entries(hostileText)) {
      await measure(`text_${name}`, `${name}.${name.endsWith('Json') ? 'json' : 'csv'}`, make());
    }
    await measure('largest_valid', 'terbesar.csv', await largestValid());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
