/**
 * validate-upload on the local stack, where every upload is announced by the bucket's own ObjectCreated
 * notification (tools/local/s3-strict.ts) as on AWS, and where events are then replayed as S3 may deliver
 * them: twice, late, or after the email could not go.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { startLocalStack, type LocalStack } from '../../tools/local/stack.ts';
import { createLocalInvoker, type LocalInvoker } from '../../tools/local/invoke.ts';
import { writeSesAccount } from '../../tools/local/ses-account.ts';
import { createValidateUploadHandler } from '../../lib/handlers/validate-upload.ts';
import { readSettings, validateUploadSettingsSchema } from '../../lib/config.ts';
import { UPLOAD_LIMITS } from '../../lib/inputs/limits.ts';
import type { ValidateOutcome, ValidationReport } from '../../lib/jobs/validate-upload.ts';
import { uploadTemplate } from '../../lib/inputs/template.ts';
import { TableBuilder } from '../../lib/inputs/table-builder.ts';
import { loadRegionIndex } from '../../lib/domain/regions.ts';
import { readValidationReport } from '../../lib/storage/validation-report.ts';
import { uploadFile } from '../../lib/storage/object-store.ts';
import { s3ObjectCreatedEvent } from '../support/s3-events.ts';

let dir: string;
let stack: LocalStack;
let invoker: LocalInvoker;
let handler: (event: unknown) => Promise<ValidateOutcome[]>;

const NATIONAL_ADMIN = 'admin.nasional@bpjsketenagakerjaan.example';
const BALI_ADMIN = 'admin.bali@bpjsketenagakerjaan.example';
const RECIPIENTS = [
  'email,nama,jabatan,cakupan,peran',
  `${NATIONAL_ADMIN},Sari,Admin Nasional,nasional,admin`,
  `${BALI_ADMIN},Made,Admin Bali,51,admin`,
  'gubernur.51@pemprov.example,Wayan,Gubernur Bali,51,pejabat',
].join('\n');
const VALID_BALI = 'kode_wilayah,pekerja,peserta_aktif\n51,1873899,935079\n';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucj-validate-'));
  stack = await startLocalStack(dir, { attach: false });
  invoker = await createLocalInvoker(stack);
  // The same handler the stack runs, for replaying events.
  handler = createValidateUploadHandler(readSettings(validateUploadSettingsSchema, { ...process.env, ...stack.env }));
  await invoker.upload([{ key: 'config/recipients.csv', body: RECIPIENTS }]);
});

afterAll(async () => {
  await stack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const bucket = () => stack.outputs.BucketName;
const fileOf = (key: string) => ({ period: key.split('/')[1]!, fileName: key.split('/').slice(2).join('/') });

/** Uploads as the AWS CLI does, waits for what the bucket's notification set off, and returns the version and its report. */
async function upload(key: string, body: string | Buffer): Promise<{ versionId: string; etag: string; report: ValidationReport }> {
  const { versionId, etag } = await uploadFile(invoker.runtime.clients.s3, bucket(), key, Buffer.from(body));
  await stack.idle();
  const { period, fileName } = fileOf(key);
  const report = await readValidationReport(invoker.runtime.store, period, fileName);
  if (!versionId || !report) throw new Error(`no version or no report for ${key}`);
  return { versionId, etag, report };
}

/** The event S3 sent for that version, sent again. */
const replay = (key: string, report: ValidationReport) =>
  s3ObjectCreatedEvent(bucket(), key, { size: report.size, etag: report.etag, ...(report.versionId ? { versionId: report.versionId } : {}), sequencer: report.sequencer! });

const outbox = async (name: string) => (await readdir(join(stack.outboxDir, '2026-10')).catch(() => [] as string[])).filter((n) => n.startsWith(name));

describe('validate-upload', () => {
  it('decodes the key as S3 encodes it, and the same event twice gives one report', async () => {
    const key = 'uploads/2026-10/data bali+denpasar (1).csv';
    const { report } = await upload(key, VALID_BALI);
    expect(report.ok).toBe(true);
    expect(replay(key, report).Records[0]!.s3.object.key).toBe('uploads/2026-10/data+bali%2Bdenpasar+%281%29.csv');
    expect((await handler(replay(key, report))).map((o) => o.status)).toEqual(['ignored']);
    const reports = await invoker.runtime.store.list('validation/2026-10/data');
    expect(reports.map((r) => r.key)).toEqual(['validation/2026-10/data bali+denpasar (1).csv.json']);
  });

  it('reads the version its event names, not what the key holds by then', async () => {
    const key = 'uploads/2026-10/bali-versi.csv';
    const first = await upload(key, VALID_BALI);
    await upload(key, `${VALID_BALI}51.71,700000,300000\n`);
    // The first version's event arrives only now (its report lost): the first version is what is judged.
    await invoker.runtime.store.delete(`validation/2026-10/bali-versi.csv.json`);
    const [outcome] = await handler(replay(key, first.report));
    if (outcome?.status !== 'validated') throw new Error(JSON.stringify(outcome));
    expect(outcome.report.versionId).toBe(first.versionId);
    expect(outcome.report.rowCount).toBe(1);
  });

  it('a late event for an older version is ignored once a later one of the key was judged (by sequencer)', async () => {
    const key = 'uploads/2026-10/bali-urutan.csv';
    const older = await upload(key, 'kode_wilayah,pekerja,peserta_aktif\n51,1873899,0\n51,1873899,1\n'); // duplicate region: invalid
    const newer = await upload(key, VALID_BALI);
    expect(newer.report.ok).toBe(true);
    const outcomes = await handler(replay(key, older.report));
    expect(outcomes.map((o) => o.status === 'ignored' && o.reason)).toEqual([expect.stringContaining('a later upload')]);
    const report = await readValidationReport(invoker.runtime.store, '2026-10', 'bali-urutan.csv');
    expect(report?.versionId).toBe(newer.versionId);
    // The rejected version went to quarantine; the later, valid one is still the upload.
    expect((await invoker.runtime.store.head(key))?.versionId).toBe(newer.versionId);
    expect((await invoker.runtime.store.head('quarantine/2026-10/bali-urutan.csv'))?.size).toBe(older.report.size);
  });

  it('tells only the admins whose cakupan covers the file, in Bahasa Indonesia with row and column', async () => {
    const [bali, national, governor] = [(await outbox('admin.bali@')).length, (await outbox('admin.nasional@')).length, (await outbox('gubernur')).length];
    const { report } = await upload('uploads/2026-10/bali-salah.csv', 'kode_wilayah;pekerja;peserta_aktif\n51.71;0;100\n');
    expect(report.notified).toEqual([BALI_ADMIN]);
    expect(await outbox('admin.bali@')).toHaveLength(bali + 1);
    expect(await outbox('admin.nasional@')).toHaveLength(national);
    expect(await outbox('gubernur')).toHaveLength(governor);
  });

  it('quarantines a rejected upload sent in parts (over 8 MB, as aws s3 cp sends it), whose copy has another ETag', async () => {
    const key = 'uploads/2026-10/bali-besar.csv';
    // 9 MB of rows, one of them wrong: S3 gives the multipart original `<md5>-2` and its copy a plain MD5.
    const rows = Array.from({ length: 520_000 }, () => '51,1873899,935079').join('\n');
    const body = Buffer.from(`kode_wilayah,pekerja,peserta_aktif\n${rows}\n51,abc,1\n`);
    expect(body.length).toBeGreaterThan(8 * 1024 * 1024);
    expect(body.length).toBeLessThan(UPLOAD_LIMITS.maxBytes);
    const { etag, report } = await upload(key, body);
    expect(etag).toMatch(/-2$/);
    expect(report.ok).toBe(false);
    expect(report.quarantinedTo).toBe('quarantine/2026-10/bali-besar.csv');
    const copy = await invoker.runtime.store.get(report.quarantinedTo!, { maxBytes: UPLOAD_LIMITS.maxBytes });
    expect(copy?.body.equals(body)).toBe(true);
    expect(copy?.etag).not.toBe(etag);
    expect(await invoker.runtime.store.head(key)).toBeUndefined();
    expect(report.notified.length).toBeGreaterThan(0);
  });

  it('judges an oversized upload by its size alone, quarantines it and tells the national admins', async () => {
    const key = 'uploads/2026-10/raksasa.csv';
    const body = Buffer.alloc(UPLOAD_LIMITS.maxBytes + 10, 0x41);
    const { report } = await upload(key, body);
    expect(report.ok).toBe(false);
    expect(report.errors.map((e) => e.code)).toEqual(['BERKAS_TERLALU_BESAR']);
    expect(report.notified).toEqual([NATIONAL_ADMIN]);
    expect((await invoker.runtime.store.head('quarantine/2026-10/raksasa.csv'))?.size).toBe(body.length);
    expect(await invoker.runtime.store.head(key)).toBeUndefined();
    // Only the rejected version is removed: no delete marker hides anything else of the key.
    const versions = await invoker.runtime.clients.s3.send(new ListObjectVersionsCommand({ Bucket: bucket(), Prefix: key }));
    expect([...(versions.Versions ?? []), ...(versions.DeleteMarkers ?? [])]).toEqual([]);
  });

  it('still tells the admins when the email could not go the first time: the retry sends what is left', async () => {
    // The SES sandbox, where the admins' addresses are not verified yet: the sender is, so this is the
    // account's limit, not the admins' fault, and the invocation fails for Lambda to retry.
    await writeSesAccount(dir, { productionAccessEnabled: false, sendingEnabled: true, identities: { 'ucj.example': 'SUCCESS' } });
    const told = (await outbox('admin.bali@')).length;
    try {
      const key = 'uploads/2026-10/bali-sandbox.csv';
      const { report } = await upload(key, 'kode_wilayah,pekerja,peserta_aktif\n51,0,1\n');
      expect(report.ok).toBe(false);
      expect(report.notify).toEqual([BALI_ADMIN]);
      expect(report.notified).toEqual([]);
      expect(report.notifyFailed).toEqual([]);
      // Lambda retried twice, then kept the event in the failure queue.
      const failed = await invoker.runtime.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.outputs.FailedEventsQueueUrl!, MaxNumberOfMessages: 10 }));
      const record = (failed.Messages ?? []).map((m) => JSON.parse(m.Body!)).find((r) => JSON.stringify(r.requestPayload).includes('bali-sandbox'));
      expect(record?.requestContext.condition).toBe('RetriesExhausted');
      expect(record?.requestContext.approximateInvokeCount).toBe(3);
      expect(await outbox('admin.bali@')).toHaveLength(told);

      // Production access granted: the operator redrives the event, and the admin is told, once.
      await writeSesAccount(dir, { productionAccessEnabled: true, sendingEnabled: true, identities: { 'ucj.example': 'SUCCESS' } });
      expect((await handler(record.requestPayload)).map((o) => o.status)).toEqual(['ignored']);
      const after = await readValidationReport(invoker.runtime.store, '2026-10', 'bali-sandbox.csv');
      expect(after?.notified).toEqual([BALI_ADMIN]);
      expect(await outbox('admin.bali@')).toHaveLength(told + 1);
      await handler(record.requestPayload);
      expect(await outbox('admin.bali@')).toHaveLength(told + 1);
    } finally {
      await writeSesAccount(dir, { productionAccessEnabled: true, sendingEnabled: true, identities: { 'ucj.example': 'SUCCESS' } });
    }
  });

  it('a bug in the reader is not the file: the upload stays, the report says so, Lambda retries, and a redrive judges it', async () => {
    const key = 'uploads/2026-10/bali-galat-sistem.csv';
    const told = (await outbox('admin.')).length;
    // A TypeError in the code that builds the table, as a bug there would throw, while the stack handles the upload.
    const bug = vi.spyOn(TableBuilder.prototype, 'addRow').mockImplementation(() => {
      throw new TypeError("Cannot read properties of undefined (reading 'trim')");
    });
    let uploaded: Awaited<ReturnType<typeof upload>>;
    try {
      uploaded = await upload(key, VALID_BALI);
    } finally {
      bug.mockRestore();
    }
    const { versionId, report } = uploaded;
    expect(report).toMatchObject({ ok: false, systemFault: true, quarantinedTo: null, notify: [], notified: [], versionId });
    expect(report.errors.map((e) => [e.row, e.column, e.code])).toEqual([[null, null, 'KESALAHAN_SISTEM']]);
    expect(report.errors[0]!.message).toContain('bukan kesalahan pada berkas Anda');
    // Nothing moved, nobody told that their file is broken.
    expect((await invoker.runtime.store.head(key))?.versionId).toBe(versionId);
    expect(await invoker.runtime.store.head('quarantine/2026-10/bali-galat-sistem.csv')).toBeUndefined();
    expect(await outbox('admin.')).toHaveLength(told);
    // Lambda retried twice, then kept the event for the operators (their alarm is on that queue).
    const failed = await invoker.runtime.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.outputs.FailedEventsQueueUrl!, MaxNumberOfMessages: 10 }));
    const record = (failed.Messages ?? []).map((m) => JSON.parse(m.Body!)).find((r) => JSON.stringify(r.requestPayload).includes('galat-sistem'));
    expect(record?.requestContext.condition).toBe('RetriesExhausted');
    expect(record?.requestContext.approximateInvokeCount).toBe(3);
    expect(record?.responsePayload?.errorType).toBe('ReaderFault');

    // The bug fixed, the operator sends the event again: the same version is judged, and accepted.
    const outcomes = await handler(record.requestPayload);
    expect(outcomes.map((o) => o.status === 'validated' && [o.report.ok, o.report.versionId, o.report.systemFault])).toEqual([[true, versionId, undefined]]);
    expect((await invoker.runtime.store.head(key))?.versionId).toBe(versionId);
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
    const { report } = await upload('uploads/2026-10/bali.xlsx', Buffer.from(await workbook.xlsx.writeBuffer()));
    expect(report.errors).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.regionsReported).toHaveLength(9);
    expect(filled).toBe(9);
  });

  it('holds an upload in a scope folder to the scope: a Jawa Barat row in Jakarta\'s folder is rejected on its row', async () => {
    const national = (await outbox('admin.nasional@')).length;
    const misfiled = 'uploads/2026-10/31/jakarta-campur.csv';
    const { report } = await upload(misfiled, 'kode_wilayah,pekerja,peserta_aktif\n31.71,500000,300000\n32.01,2900000,1100000\n');
    expect(report.ok).toBe(false);
    expect(report.errors).toEqual([
      {
        row: 3,
        column: 'kode_wilayah',
        code: 'DI_LUAR_CAKUPAN',
        message: 'Wilayah 32.01 di luar cakupan folder unggahan 31 (DKI JAKARTA): unggah lewat folder cakupan wilayah tersebut.',
      },
    ]);
    expect(report.regionsNamed).toEqual(['31.71']);
    // Rejected like any invalid upload: moved to quarantine, and told (no Jakarta admin here: the national ones).
    expect(report.quarantinedTo).toBe('quarantine/2026-10/31/jakarta-campur.csv');
    expect(await invoker.runtime.store.head(misfiled)).toBeUndefined();
    expect(report.notified).toEqual([NATIONAL_ADMIN]);
    expect(await outbox('admin.nasional@')).toHaveLength(national + 1);

    const { report: own } = await upload('uploads/2026-10/31/jakarta.csv', 'kode_wilayah,pekerja,peserta_aktif\n31,5600000,3300000\n31.71,500000,300000\n');
    expect(own.errors).toEqual([]);
    expect(own.ok).toBe(true);
    expect(own.regionsReported).toEqual(['31', '31.71']);
  });

  it('ignores keys outside uploads/ and months that are not months', async () => {
    const key = 'uploads/2026-13/x.csv';
    const { versionId } = await uploadFile(invoker.runtime.clients.s3, bucket(), key, Buffer.from('a,b\n1,2\n'));
    const outcomes = await handler(s3ObjectCreatedEvent(bucket(), key, { size: 8, etag: 'x', ...(versionId ? { versionId } : {}), sequencer: '01' }));
    expect(outcomes.map((o) => o.status)).toEqual(['ignored']);
    await invoker.runtime.clients.s3.send(new DeleteObjectCommand({ Bucket: bucket(), Key: key }));
  });
});
