/**
 * Hostile uploads through the real validate-upload handler on the local stack (issue 8): zip bombs, the
 * 20 MB limit from both sides, and the JSON and CSV shapes that crashed or exhausted memory before their
 * limits. Each one: the handler returns, the report says why in Bahasa Indonesia, the file is kept in
 * quarantine byte for byte, and the admins get an email naming the file. Memory: bench/hostile.ts.
 */
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegionIndex } from '../../lib/domain/regions.ts';
import { UPLOAD_LIMITS } from '../../lib/inputs/limits.ts';
import type { ValidationReport } from '../../lib/jobs/validate-upload.ts';
import { createLocalInvoker, type LocalInvoker } from '../../tools/local/invoke.ts';
import { readValidationReport } from '../../lib/storage/validation-report.ts';
import { startLocalStack, type LocalStack } from '../../tools/local/stack.ts';
import { bombs, hostileText, validCsvOfSize } from '../fixtures/hostile-uploads.ts';

let dir: string;
let stack: LocalStack;
let invoker: LocalInvoker;

const NATIONAL_ADMIN = 'admin.nasional@bpjsketenagakerjaan.example';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucj-hostile-'));
  stack = await startLocalStack(dir, { attach: false });
  invoker = await createLocalInvoker(stack);
  await invoker.upload([{ key: 'config/recipients.csv', body: `email,nama,jabatan,cakupan,peran\n${NATIONAL_ADMIN},Sari,Admin Nasional,nasional,admin\n` }]);
});

afterAll(async () => {
  await stack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Uploads through the S3 API; the bucket's notification has validate-upload judge it; its report in the bucket. */
async function validateThrough(key: string, body: Buffer): Promise<ValidationReport> {
  const outcomes = await invoker.upload([{ key, body }]);
  expect(outcomes.map((o) => o.status)).toEqual(['validated']);
  const outcome = outcomes[0]!;
  if (outcome.status !== 'validated') throw new Error('not validated');
  const [period, ...rest] = key.split('/').slice(1);
  expect(await readValidationReport(invoker.runtime.store, period!, rest.join('/'))).toEqual(outcome.report);
  return outcome.report;
}

/** The rejected upload is in quarantine byte for byte, and gone from uploads/. */
async function expectQuarantined(report: ValidationReport, body: Buffer): Promise<void> {
  expect(report.quarantinedTo).toBe(`quarantine/${report.period}/${report.fileName}`);
  const kept = await invoker.runtime.store.get(report.quarantinedTo!, { maxBytes: UPLOAD_LIMITS.maxBytes * 2 });
  expect(kept?.body.equals(body)).toBe(true);
  expect(await invoker.runtime.store.head(report.key)).toBeUndefined();
}

/** The national admin's email about the file: its subject and text name it and give the report's reason. */
async function expectEmailNaming(period: string, fileName: string, message: string): Promise<void> {
  const folder = join(stack.outboxDir, period);
  const mails = await Promise.all((await readdir(folder)).filter((n) => n.endsWith('.eml')).map(async (n) => simpleParser(await readFile(join(folder, n)))));
  const about = mails.filter((mail) => mail.subject?.includes(fileName));
  expect(about).toHaveLength(1);
  expect((Array.isArray(about[0]!.to) ? about[0]!.to[0] : about[0]!.to)!.value[0]!.address).toBe(NATIONAL_ADMIN);
  expect(about[0]!.text).toContain(`Berkas "${fileName}"`);
  expect(about[0]!.text).toContain(message);
}

describe('hostile uploads through validate-upload', () => {
  it('rejects every kind of xlsx zip bomb with a report, keeps it in quarantine, and tells the admins', async () => {
    for (const [name, make] of Object.entries(bombs)) {
      const fileName = `bom-${name}.xlsx`;
      const body = make();
      expect(body.length, name).toBeLessThan(1_100_000);
      const report = await validateThrough(`uploads/2026-10/${fileName}`, body);
      expect(report.ok, name).toBe(false);
      expect(report.errors.map((e) => [e.row, e.column, e.code]), name).toEqual([[null, null, 'XLSX_TERLALU_BESAR']]);
      expect(report.notified).toEqual([NATIONAL_ADMIN]);
      await expectQuarantined(report, body);
      await expectEmailNaming('2026-10', fileName, report.errors[0]!.message);
    }
  });

  it('reads a valid file of exactly 20 MiB and accepts it; one byte more is rejected by its size and quarantined', async () => {
    const regions = await loadRegionIndex();
    const body = validCsvOfSize(UPLOAD_LIMITS.maxBytes, [...regions.provinces, ...regions.regencies].map((r) => r.code), '2026-11');
    const accepted = await validateThrough('uploads/2026-11/nasional-20mb.csv', body);
    expect(accepted.errors).toEqual([]);
    expect(accepted.ok).toBe(true);
    expect(accepted.rowCount).toBe(552);
    expect(accepted.quarantinedTo).toBeNull();
    expect((await invoker.runtime.store.head('uploads/2026-11/nasional-20mb.csv'))?.size).toBe(UPLOAD_LIMITS.maxBytes);

    const over = Buffer.concat([body, Buffer.from('\n')]);
    const rejected = await validateThrough('uploads/2026-11/nasional-20mb-lebih.csv', over);
    expect(rejected.errors.map((e) => [e.row, e.column, e.code])).toEqual([[null, null, 'BERKAS_TERLALU_BESAR']]);
    expect(rejected.errors[0]!.message).toContain('20 MB');
    await expectQuarantined(rejected, over);
    await expectEmailNaming('2026-11', 'nasional-20mb-lebih.csv', rejected.errors[0]!.message);
  });

  it('rejects the 20 MB JSON and CSV shapes that crashed or ran out of memory before', async () => {
    const cases = [
      ['dalam.json', hostileText.deepCellJson(), 'JSON_TERLALU_DALAM'],
      ['kunci-baru.json', hostileText.newKeysJson(), 'KOLOM_TERLALU_BANYAK'],
      ['lebar.csv', hostileText.wideCsv(), 'KOLOM_TERLALU_BANYAK'],
    ] as const;
    for (const [fileName, body, code] of cases) {
      const report = await validateThrough(`uploads/2026-12/${fileName}`, body);
      expect(report.errors.map((e) => e.code), fileName).toEqual([code]);
      await expectQuarantined(report, body);
      await expectEmailNaming('2026-12', fileName, report.errors[0]!.message);
    }
  });
});
