/** remind-uploads on the local stack: admins of provinces with no valid upload hear about it before the run. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { startLocalStack, type LocalStack } from '../../tools/local/stack.ts';
import { createLocalInvoker, type LocalInvoker } from '../../tools/local/invoke.ts';
import { loadRegionIndex } from '../../lib/domain/regions.ts';
import { writeSesAccount } from '../../tools/local/ses-account.ts';
import { validCsvOfSize } from '../fixtures/hostile-uploads.ts';

let dir: string;
let stack: LocalStack;
let invoker: LocalInvoker;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucj-remind-'));
  stack = await startLocalStack(dir, { attach: false });
  invoker = await createLocalInvoker(stack);
  const recipients = [
    'email,nama,jabatan,cakupan,peran',
    'admin.nasional@bpjsketenagakerjaan.example,Sari,Admin Nasional,nasional,admin',
    'admin.lampung@bpjsketenagakerjaan.example,Andi,Admin Lampung,18.71,admin',
    'admin.bali@bpjsketenagakerjaan.example,Made,Admin Bali,51,admin',
    'gubernur.18@pemprov.example,Budi,Gubernur Lampung,18,pejabat',
  ].join('\n');
  await invoker.upload([
    { key: 'config/recipients.csv', body: recipients },
    // Bali has uploaded; Lampung's only file is rejected, so Lampung still counts as not uploaded.
    { key: 'uploads/2026-10/bali.csv', body: 'kode_wilayah,pekerja,peserta_aktif\n51,1873899,935079\n' },
    { key: 'uploads/2026-10/lampung.csv', body: 'kode_wilayah,pekerja,peserta_aktif\n18.71,0,100\n' },
  ]);
});

afterAll(async () => {
  await stack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const SCHEDULED = '2026-11-02T00:00:00Z';
const reminders = async () => {
  const folder = join(stack.outboxDir, '2026-10');
  const mails = await Promise.all((await readdir(folder).catch(() => [] as string[])).map(async (name) => simpleParser(await readFile(join(folder, name)))));
  return mails.filter((m) => m.subject?.startsWith('Pengingat'));
};
const to = (mail: { to?: unknown }) => JSON.stringify(mail.to);

describe('remind-uploads', () => {
  it('tells the admins of provinces without a valid upload, and the national admins the whole list', async () => {
    const regions = await loadRegionIndex();
    const result = await invoker.remindUploads({ period: '2026-10', scheduledTime: SCHEDULED });
    expect(result.missing).toHaveLength(regions.provinces.length - 1);
    expect(result.missing).toContain('18');
    expect(result.missing).not.toContain('51');
    expect(result.reminded.sort()).toEqual(['admin.lampung@bpjsketenagakerjaan.example', 'admin.nasional@bpjsketenagakerjaan.example']);

    const lampung = (await reminders()).find((m) => m.text?.includes('Yth. Andi'))!;
    expect(lampung.subject).toBe('Pengingat: data UCJ Oktober 2026 belum diunggah');
    expect(lampung.text).toContain('Lampung (18)');
    expect(lampung.text).not.toContain('Bali');
  });

  it('sends nothing twice when the same reminder is invoked again (Lambda\'s retries, the Scheduler\'s)', async () => {
    const before = (await reminders()).length;
    const again = await invoker.remindUploads({ period: '2026-10', scheduledTime: SCHEDULED });
    expect(again.reminded).toEqual([]);
    expect(again.alreadyReminded.sort()).toEqual(['admin.lampung@bpjsketenagakerjaan.example', 'admin.nasional@bpjsketenagakerjaan.example']);
    expect(await reminders()).toHaveLength(before);
  });

  it('after an invocation that failed midway, its retry sends only what the failed one did not', async () => {
    const occurrence = '2026-11-03T00:00:00Z';
    const before = await reminders();
    // The SES sandbox with only the national admin verified: Lampung's reminder is refused, not for
    // anything about Lampung's admin, so the invocation fails after the national one was sent.
    await writeSesAccount(dir, { productionAccessEnabled: false, sendingEnabled: true, identities: { 'ucj.example': 'SUCCESS', 'admin.nasional@bpjsketenagakerjaan.example': 'SUCCESS' } });
    try {
      await expect(invoker.remindUploads({ period: '2026-10', scheduledTime: occurrence })).rejects.toThrow(/not verified/);
    } finally {
      await writeSesAccount(dir, { productionAccessEnabled: true, sendingEnabled: true, identities: { 'ucj.example': 'SUCCESS' } });
    }
    const retried = await invoker.remindUploads({ period: '2026-10', scheduledTime: occurrence });
    expect(retried.reminded).toEqual(['admin.lampung@bpjsketenagakerjaan.example']);
    expect(retried.alreadyReminded).toEqual(['admin.nasional@bpjsketenagakerjaan.example']);
    const now = await reminders();
    const count = (address: string) => now.filter((m) => to(m).includes(address)).length - before.filter((m) => to(m).includes(address)).length;
    expect(count('admin.nasional@')).toBe(1);
    expect(count('admin.lampung@')).toBe(1);
  });

  it('decides from the validation reports and never reads an upload', async () => {
    // A large accepted upload for Aceh's regencies (a long remark on each row): the reminder must know
    // Aceh has uploaded without reading it.
    const aceh = (await loadRegionIndex()).regenciesOf('11').map((r) => r.code);
    const [outcome] = await invoker.upload([{ key: 'uploads/2026-10/aceh-besar.csv', body: validCsvOfSize(1_000_000, aceh, '2026-10') }]);
    expect(outcome?.status === 'validated' && outcome.report.ok).toBe(true);
    const served = stack.requests.s3Bytes;
    const result = await invoker.remindUploads({ period: '2026-10', scheduledTime: '2026-11-04T00:00:00Z' });
    expect(result.missing).not.toContain('11');
    expect(stack.requests.s3Bytes - served, 'bytes read from S3 while reminding').toBeLessThan(100_000);
  });
});
