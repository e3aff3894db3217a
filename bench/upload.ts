/**
 * Issue 12: `upload_to_verdict_s`, a 514-regency xlsx put into the bucket by `ucj upload` (a separate
 * process attached to a running local stack, as an operator runs it) until validate-upload's report of
 * that version exists and the command prints the verdict; median of 5. The bucket's notification invokes
 * validate-upload asynchronously, as S3 does.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { announceStack, startLocalStack } from '../tools/local/stack.ts';
import { generateSampleDataset, type SampleDataset } from '../tools/sample/index.ts';
import { median, report } from './report.ts';

const run = promisify(execFile);
const UCJ = join(import.meta.dirname, '..', 'bin', 'ucj.js');
const PERIOD = '2026-10';

/** A sample month's 514 regency rows as an xlsx, as an admin fills the template in Excel (this bench and bench/portal.ts). */
export async function regencyWorkbook(dataset: SampleDataset): Promise<Buffer> {
  const [header, ...rows] = dataset.uploads[0]!.content.trim().split(/\r?\n/).map((line) => line.split(','));
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('data');
  sheet.addRow(header);
  for (const row of rows) sheet.addRow(row.map((cell, index) => (index >= 3 && /^\d+$/.test(cell) ? Number(cell) : cell)));
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

export async function benchUpload(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ucj-bench-upload-'));
  const stack = await startLocalStack(join(dir, 'state'), { attach: false });
  try {
    await announceStack(stack);
    const file = join(dir, 'nasional-kabkota.xlsx');
    await writeFile(file, await regencyWorkbook(await generateSampleDataset({ lastPeriod: PERIOD, months: 1 })));
    const seconds: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const started = performance.now();
      const { stdout } = await run(process.execPath, [UCJ, 'upload', file, '--period', PERIOD], { env: { ...process.env, UCJ_LOCAL_DIR: join(dir, 'state') } });
      seconds.push((performance.now() - started) / 1000);
      if (!/: valid \(514 rows\)/.test(stdout)) throw new Error(`upload benchmark: unexpected verdict\n${stdout}`);
    }
    report('upload_to_verdict_s', median(seconds), 's', {
      runs: seconds.map((s) => Number(s.toFixed(2))),
      note: 'a separate `ucj upload` process (Node and tsx start-up included) until the report of its version exists',
      target: 5,
    });
  } finally {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  }
}
