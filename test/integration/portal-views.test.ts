/**
 * The portal's data on the local stack after the sample month has run: an admin's month, an official's
 * archive, a region's figures workbook and the operator's month, read through the same adapters the
 * portal gets (the bucket, the history table, the send ledger).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { parse as parseCsv } from 'csv-parse/sync';
import { startLocalStack, type LocalStack } from '../../tools/local/stack.ts';
import { createLocalInvoker, type LocalInvoker } from '../../tools/local/invoke.ts';
import { generateSampleDataset, sampleUploadKey, type SampleDataset } from '../../tools/sample/index.ts';
import { displayName, loadRegionIndex, type RegionIndex } from '../../lib/domain/regions.ts';
import { validateRecipients } from '../../lib/inputs/recipients.ts';
import type { MonthlyRunSummary } from '../../lib/jobs/monthly-run.ts';
import { adminMonth, uploadVerdict } from '../../lib/portal/admin-month.ts';
import { officialArchive } from '../../lib/portal/archive.ts';
import { regionFiguresWorkbook } from '../../lib/portal/figures-workbook.ts';
import { operatorMonth } from '../../lib/portal/operator-month.ts';
import { bulletinKey } from '../../lib/storage/keys.ts';

const PERIOD = '2026-10';
const PREVIOUS = '2026-09';

let dir: string;
let stack: LocalStack;
let invoker: LocalInvoker;
let dataset: SampleDataset;
let regions: RegionIndex;
let summary: MonthlyRunSummary;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucj-portal-'));
  stack = await startLocalStack(dir, { attach: false });
  invoker = await createLocalInvoker(stack);
  regions = await loadRegionIndex();
  dataset = await generateSampleDataset({ lastPeriod: PERIOD, months: 2 });
  await invoker.upload([dataset.recipients, ...dataset.targets, ...dataset.uploads].map((f) => ({ key: f.key, body: f.content })));
  await invoker.runMonth({ period: PREVIOUS, snapshotsOnly: true });
  summary = await invoker.runMonth({ period: PERIOD });
  await invoker.drainDeliveries();
  // After the run, as the portal would: a Jakarta admin's file with a Jawa Barat row in it, rejected.
  await invoker.upload([{ key: `uploads/${PERIOD}/31/perbaikan.csv`, body: 'kode_wilayah,pekerja,peserta_aktif\n31.71,500000,300000\n32.01,2900000,1100000\n' }]);
});

afterAll(async () => {
  await stack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const sampleRows = (period: string) =>
  parseCsv(dataset.uploads.find((u) => u.key === sampleUploadKey(period))!.content, { columns: true }) as Array<Record<string, string>>;

describe('the portal views on the sample month', () => {
  it("an admin's month: Jakarta's regions from the sample upload, the rejected file in Jakarta's folder, and the run", async () => {
    expect(summary.outcome).toBe('succeeded');
    const month = await adminMonth({ store: invoker.runtime.store, runs: invoker.runtime.history, regions }, PERIOD, '31');
    expect(month.regions.map((r) => r.code)).toEqual(['31', '31.01', '31.71', '31.72', '31.73', '31.74', '31.75']);
    // The sample reports regencies only: each is accepted; the province, with no row of its own, is their sum.
    const reported = new Set(sampleRows(PERIOD).map((row) => row.kode_wilayah));
    expect(reported.has('31')).toBe(false);
    for (const region of month.regions) expect(region.state).toBe(region.code === '31' ? 'aggregated' : reported.has(region.code) ? 'accepted' : 'missing');
    expect(month.regions.filter((r) => r.level === 'kabkota').every((r) => r.state === 'accepted')).toBe(true);

    expect(month.uploads.map((u) => [u.key, u.state])).toEqual([
      [`uploads/${PERIOD}/31/perbaikan.csv`, 'rejected'],
      [sampleUploadKey(PERIOD), 'accepted'],
    ]);
    const [rejected, sample] = month.uploads;
    expect(rejected!.errors).toEqual([{ row: 3, column: 'kode_wilayah', message: expect.stringContaining('di luar cakupan folder unggahan 31 (DKI JAKARTA)') }]);
    expect(sample!.rowCount).toBe(sampleRows(PERIOD).length);
    expect(await uploadVerdict(invoker.runtime.store, rejected!.key)).toEqual(rejected);
    expect(await uploadVerdict(invoker.runtime.store, sample!.key)).toEqual(sample);
    expect(month.lastRun).toMatchObject({ outcome: 'succeeded', finishedAt: expect.any(String) });

    // Jawa Barat's admin does not see Jakarta's file: the row outside its folder is not a claim on 32.01.
    const jabar = await adminMonth({ store: invoker.runtime.store, runs: invoker.runtime.history, regions }, PERIOD, '32');
    expect(jabar.uploads.map((u) => u.key)).toEqual([sampleUploadKey(PERIOD)]);
    expect(jabar.regions.find((r) => r.code === '32.01')?.state).toBe('accepted');
  });

  it("an official's archive: the month's bulletins of their scope, with their sizes", async () => {
    const archive = await officialArchive(invoker.runtime.store, regions, '31');
    expect(archive.map((b) => b.code)).toEqual(['31', '31.01', '31.71', '31.72', '31.73', '31.74', '31.75']);
    for (const bulletin of archive) {
      expect(bulletin.period).toBe(PERIOD);
      expect(bulletin.key).toBe(bulletinKey(PERIOD, regions.byCode.get(bulletin.code)!));
      expect(summary.bulletins).toContain(bulletin.key);
      expect(bulletin.size).toBe((await invoker.runtime.store.head(bulletin.key))!.size);
    }
    expect(await officialArchive(invoker.runtime.store, regions, '31.74')).toEqual([archive.find((b) => b.code === '31.74')]);
    expect(await officialArchive(invoker.runtime.store, regions, 'nasional')).toHaveLength(1 + 38 + 514);
  });

  it("a region's figures workbook: its regencies and itself for the month, and its history", async () => {
    const deps = { snapshots: invoker.runtime.history, regions };
    expect(await regionFiguresWorkbook(deps, '31', '2025-01')).toBeUndefined();
    const bytes = await regionFiguresWorkbook(deps, '31', PERIOD);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(new Uint8Array(bytes!).buffer);
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['Wilayah', 'Riwayat']);

    const jakarta = (await invoker.runtime.history.latestSnapshot('31', PERIOD))!.figures;
    const sheet = workbook.getWorksheet('Wilayah')!;
    expect(sheet.getRow(1).values).toEqual(expect.arrayContaining(['Kode', 'Nama wilayah', 'Peserta aktif', 'Penduduk bekerja', 'Cakupan (%)', 'Status']));
    expect(sheet.rowCount).toBe(1 + 6 + 1);
    const total = sheet.getRow(sheet.rowCount);
    expect(total.getCell(1).value).toBe('31');
    expect(total.getCell(2).value).toBe(displayName(regions.byCode.get('31')!));
    // Peserta aktif: the sum of the uploaded Jakarta rows.
    const jakartaRows = sampleRows(PERIOD).filter((row) => row.kode_wilayah!.startsWith('31.'));
    expect(total.getCell(4).value).toBe(jakartaRows.reduce((sum, row) => sum + Number(row.peserta_aktif), 0));
    expect(total.getCell(4).value).toBe(jakarta.active);
    expect(total.getCell(6).value).toBeCloseTo(jakarta.coveragePct!, 10);
    const codes = Array.from({ length: 6 }, (_, i) => sheet.getRow(i + 2).getCell(1).value);
    expect([...codes].sort()).toEqual(['31.01', '31.71', '31.72', '31.73', '31.74', '31.75']);
    const row = (code: string) => Array.from({ length: 6 }, (_, i) => sheet.getRow(i + 2)).find((r) => r.getCell(1).value === code)!;
    const pusat = jakartaRows.find((r) => r.kode_wilayah === '31.71')!;
    expect(row('31.71').getCell(4).value).toBe(Number(pusat.peserta_aktif));
    expect(row('31.71').getCell(5).value).toBe(Number(pusat.pekerja));
    // By rank, as the bulletin's table.
    expect(Array.from({ length: 6 }, (_, i) => sheet.getRow(i + 2).getCell(3).value)).toEqual([1, 2, 3, 4, 5, 6]);

    const history = workbook.getWorksheet('Riwayat')!;
    expect(history.rowCount).toBe(1 + 2);
    expect([history.getRow(2).getCell(1).value, history.getRow(3).getCell(1).value]).toEqual([PREVIOUS, PERIOD]);
    expect(history.getRow(3).getCell(4).value).toBe(jakarta.active);
  });

  it("the operator's month: the run as its record says, and one sent delivery per official", async () => {
    const month = await operatorMonth({ runs: invoker.runtime.history, deliveries: invoker.runtime.deliveries }, PERIOD);
    const officials = (await validateRecipients(Buffer.from(dataset.recipients.content), 'config/recipients.csv', regions)).recipients.filter((r) => r.role === 'pejabat');
    const emails = [...new Set(officials.map((o) => o.email))];
    expect(month.runs).toHaveLength(1);
    expect(month.runs[0]).toMatchObject({
      outcome: 'succeeded',
      regions: summary.regionsComputed,
      bulletins: summary.bulletins.length,
      problems: summary.problems,
      durationMs: summary.durationMs,
      finishedAt: expect.any(String),
      delivered: { sent: emails.length, failed: 0 },
    });
    expect(month.deliveries).toHaveLength(emails.length);
    expect(month.deliveries.every((d) => d.status === 'sent' && d.reason === null && d.recipientKey.startsWith(`${d.email}#`))).toBe(true);
    expect(month.deliveries.map((d) => d.email).sort()).toEqual(emails.sort());
    expect(month.counts).toEqual({ sent: emails.length, failed: 0, inDoubt: 0 });
  });
});
