/** remind-uploads on the local stack: admins of provinces with no valid upload hear about it before the run. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { startLocalStack, type LocalStack } from '../../lib/local/stack.ts';
import { createLocalInvoker, type LocalInvoker } from '../../lib/local/invoke.ts';
import { loadRegionIndex } from '../../lib/domain/regions.ts';

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

describe('remind-uploads', () => {
  it('tells the admins of provinces without a valid upload, and the national admins the whole list', async () => {
    const regions = await loadRegionIndex();
    const result = await invoker.remindUploads({ period: '2026-10' });
    expect(result.missing).toHaveLength(regions.provinces.length - 1);
    expect(result.missing).toContain('18');
    expect(result.missing).not.toContain('51');
    expect(result.reminded.sort()).toEqual(['admin.lampung@bpjsketenagakerjaan.example', 'admin.nasional@bpjsketenagakerjaan.example']);

    const folder = join(stack.outboxDir, '2026-10');
    const reminders = await Promise.all(
      (await readdir(folder)).map(async (name) => simpleParser(await readFile(join(folder, name)))),
    ).then((mails) => mails.filter((m) => m.subject?.startsWith('Pengingat')));
    const lampung = reminders.find((m) => m.text?.includes('Yth. Andi'))!;
    expect(lampung.subject).toBe('Pengingat: data UCJ Oktober 2026 belum diunggah');
    expect(lampung.text).toContain('Lampung (18)');
    expect(lampung.text).not.toContain('Bali');
  });
});
