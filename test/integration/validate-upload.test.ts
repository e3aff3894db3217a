/** validate-upload on the local stack, driven by S3-shaped events as AWS would deliver them, twice and out of habit. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startLocalStack, type LocalStack } from '../../lib/local/stack.ts';
import { createLocalInvoker, s3ObjectCreatedEvent, type LocalInvoker } from '../../lib/local/invoke.ts';
import { UPLOAD_LIMITS } from '../../lib/inputs/limits.ts';
import type { ValidateOutcome } from '../../lib/jobs/validate-upload.ts';
import { uploadTemplate } from '../../lib/inputs/template.ts';
import { loadRegionIndex } from '../../lib/domain/regions.ts';

let dir: string;
let stack: LocalStack;
let invoker: LocalInvoker;
let handler: (event: unknown) => Promise<ValidateOutcome[]>;

const RECIPIENTS = [
  'email,nama,jabatan,cakupan,peran',
  'admin.nasional@bpjsketenagakerjaan.example,Sari,Admin Nasional,nasional,admin',
  'admin.bali@bpjsketenagakerjaan.example,Made,Admin Bali,51,admin',
  'gubernur.51@pemprov.example,Wayan,Gubernur Bali,51,pejabat',
].join('\n');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucj-validate-'));
  stack = await startLocalStack(dir, { attach: false });
  invoker = await createLocalInvoker(stack);
  handler = (await import('../../functions/validate-upload.ts')).handler as typeof handler;
  await invoker.upload([{ key: 'config/recipients.csv', body: RECIPIENTS }]);
});

afterAll(async () => {
  await stack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function put(key: string, body: Buffer | string) {
  const out = await invoker.runtime.clients.s3.send(new PutObjectCommand({ Bucket: invoker.runtime.env.BUCKET_NAME, Key: key, Body: body }));
  return s3ObjectCreatedEvent(invoker.runtime.env.BUCKET_NAME, key, Buffer.byteLength(body), (out.ETag ?? '').replace(/"/g, ''), '0001');
}

describe('validate-upload', () => {
  it('decodes the key as S3 encodes it, and the same event twice gives one report', async () => {
    const key = 'uploads/2026-10/data bali+denpasar (1).csv';
    const event = await put(key, 'kode_wilayah,pekerja,peserta_aktif\n51,1873899,935079\n');
    expect(event.Records[0]!.s3.object.key).toBe('uploads/2026-10/data+bali%2Bdenpasar+%281%29.csv');
    const first = await handler(event);
    const second = await handler(event);
    expect(first.map((o) => o.status)).toEqual(['validated']);
    expect(second.map((o) => o.status)).toEqual(['ignored']);
    const reports = await invoker.runtime.store.list('validation/2026-10/');
    expect(reports.map((r) => r.key)).toEqual(['validation/2026-10/data bali+denpasar (1).csv.json']);
  });

  it('out-of-order events for one key give one report, for the newest object', async () => {
    const key = 'uploads/2026-10/bali-urutan.csv';
    const older = await put(key, 'kode_wilayah,pekerja,peserta_aktif\n51,1873899,0\n51,1873899,1\n'); // duplicate region: invalid
    const newer = await put(key, 'kode_wilayah,pekerja,peserta_aktif\n51,1873899,935079\n');
    // S3 may deliver the older object's event last; the handler judges what the key holds now.
    const outcomes = [...(await handler(newer)), ...(await handler(older))];
    expect(outcomes.map((o) => o.status)).toEqual(['validated', 'ignored']);
    const report = JSON.parse((await invoker.runtime.store.get('validation/2026-10/bali-urutan.csv.json'))!.body.toString());
    expect(report.ok).toBe(true);
    expect(report.etag).toBe(newer.Records[0]!.s3.object.eTag);
    expect(await invoker.runtime.store.head(key)).toBeDefined(); // the valid newest file was not quarantined
  });

  it('tells only the admins whose cakupan covers the file, in Bahasa Indonesia with row and column', async () => {
    const event = await put('uploads/2026-10/bali-salah.csv', 'kode_wilayah;pekerja;peserta_aktif\n51.71;0;100\n');
    await handler(event);
    const names = await readdir(join(stack.outboxDir, '2026-10'));
    expect(names.filter((n) => n.startsWith('admin.bali@'))).toHaveLength(1);
    expect(names.filter((n) => n.startsWith('admin.nasional@'))).toHaveLength(0);
    expect(names.filter((n) => n.startsWith('gubernur'))).toHaveLength(0);
  });

  it('judges an oversized upload by its size alone, quarantines it and tells the national admins', async () => {
    const key = 'uploads/2026-10/raksasa.csv';
    const body = Buffer.alloc(UPLOAD_LIMITS.maxBytes + 10, 0x41);
    const [outcome] = await handler(await put(key, body));
    if (outcome?.status !== 'validated') throw new Error(`not validated: ${JSON.stringify(outcome)}`);
    expect(outcome.report.ok).toBe(false);
    expect(outcome.report.errors.map((e) => e.code)).toEqual(['BERKAS_TERLALU_BESAR']);
    expect(outcome.report.notified).toEqual(['admin.nasional@bpjsketenagakerjaan.example']);
    const kept = await invoker.runtime.store.head('quarantine/2026-10/raksasa.csv');
    expect(kept?.size).toBe(body.length);
    expect(await invoker.runtime.store.head(key)).toBeUndefined();
  });

  it('reads an Excel upload: the template filled in for Bali', async () => {
    const ExcelJS = (await import('exceljs')).default;
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(new Uint8Array(await uploadTemplate({ level: 'kabkota', format: 'xlsx', period: '2026-10', regions: await loadRegionIndex() })).buffer);
    const sheet = workbook.getWorksheet('data')!;
    let filled = 0;
    sheet.eachRow((row, number) => {
      if (number > 1 && String(row.getCell(1).value).startsWith('51.')) {
        row.getCell(4).value = 200_000;
        row.getCell(5).value = 100_000;
        filled += 1;
      }
    });
    const bytes = Buffer.from(await workbook.xlsx.writeBuffer());
    const [outcome] = await handler(await put('uploads/2026-10/bali.xlsx', bytes));
    expect(outcome!.status === 'validated' && outcome!.report.errors).toEqual([]);
    expect(outcome!.status === 'validated' && outcome!.report.ok).toBe(true);
    expect(filled).toBe(9);
  });

  it('ignores keys outside uploads/ and months that are not months', async () => {
    const outcomes = await handler(await put('uploads/2026-13/x.csv', 'a,b\n1,2\n'));
    expect(outcomes.map((o) => o.status)).toEqual(['ignored']);
  });
});
