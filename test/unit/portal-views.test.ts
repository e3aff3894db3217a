/**
 * The portal's data over in-memory adapters: what a scope covers, the scope rule of an upload folder,
 * an admin's month (its reports written by the real validate-upload), an operator's month, and the
 * figures workbook.
 */
import { memoryStore } from '../support/memory-store.ts';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRegionIndex, type RegionIndex } from '../../lib/domain/regions.ts';
import type { RegionFigures } from '../../lib/domain/types.ts';
import { validateFigures } from '../../lib/inputs/figures.ts';
import { validateUpload, type ValidateUploadDeps } from '../../lib/jobs/validate-upload.ts';
import type { LedgerEntry, LedgerState, SendLedger } from '../../lib/history/send-ledger.ts';
import type { RunLog, RunWithDeliveries, Snapshot, SnapshotStore } from '../../lib/history/store.ts';
import { adminMonth, uploadVerdict } from '../../lib/portal/admin-month.ts';
import { officialArchive } from '../../lib/portal/archive.ts';
import { regionFiguresWorkbook } from '../../lib/portal/figures-workbook.ts';
import { operatorMonth } from '../../lib/portal/operator-month.ts';
import { compareCodes, regionsOfScope, scopeCovers, uploadFolderScope } from '../../lib/domain/scope.ts';
import { bulletinKey, parseBulletinKey, RECIPIENTS_KEY } from '../../lib/storage/keys.ts';
import type { ObjectStore } from '../../lib/storage/object-store.ts';
import { UPLOAD_LIMITS } from '../../lib/inputs/limits.ts';

let regions: RegionIndex;
beforeAll(async () => {
  regions = await loadRegionIndex();
});

/** Every test's bucket starts here: writes are a second apart, so "newest" is well defined. */
const START = Date.parse('2026-11-01T00:00:00Z');
/** When the bucket of the test being run was last written (validate-upload judges half a second after). */
let lastWriteAt = () => START;
function newStore(): ObjectStore {
  const memory = memoryStore(START);
  lastWriteAt = memory.lastWriteAt;
  return memory.store;
}

const JAKARTA_ADMIN = 'admin.jakarta@bpjsketenagakerjaan.example';
const JABAR_ADMIN = 'admin.jabar@bpjsketenagakerjaan.example';
const NATIONAL_ADMIN = 'admin.nasional@bpjsketenagakerjaan.example';
const RECIPIENTS = [
  'email,nama,jabatan,cakupan,peran',
  `${NATIONAL_ADMIN},Sari,Admin Nasional,nasional,admin`,
  `${JAKARTA_ADMIN},Budi,Admin DKI,31,admin`,
  `${JABAR_ADMIN},Asep,Admin Jabar,32,admin`,
].join('\n');

function validateDeps(store: ObjectStore): { deps: ValidateUploadDeps; sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    deps: {
      store,
      mailer: { sendRaw: async (_raw, to) => (sent.push(to), `id-${sent.length}`) },
      sender: 'ucj@ucj.example',
      // Judged half a second after the last write, as the bucket's event would have it.
      now: () => new Date(lastWriteAt() + 500),
      regions: async () => regions,
      logger: { error: () => undefined },
    },
  };
}

/** Puts an upload and validates it as the bucket's event would have it. */
async function uploadAndValidate(store: ObjectStore, key: string, body: string) {
  const { versionId } = await store.put(key, body, 'text/csv');
  const outcome = await validateUpload(validateDeps(store).deps, { key, versionId, sequencer: (versionId ?? '').slice(1).padStart(4, '0') });
  if (outcome.status !== 'validated') throw new Error(`not validated: ${JSON.stringify(outcome)}`);
  return outcome.report;
}

describe('scopeCovers', () => {
  it('nasional covers all; a province itself and its regencies; a regency itself', () => {
    expect(['nasional', '31', '31.71', '32.01', 'kelompok:x'].every((code) => scopeCovers('nasional', code))).toBe(true);
    expect(scopeCovers('31', '31')).toBe(true);
    expect(scopeCovers('31', '31.71')).toBe(true);
    expect(scopeCovers('31', '32.01')).toBe(false);
    expect(scopeCovers('31', '32')).toBe(false);
    expect(scopeCovers('31', 'nasional')).toBe(false);
    expect(scopeCovers('31', '3')).toBe(false);
    expect(scopeCovers('31.71', '31.71')).toBe(true);
    expect(scopeCovers('31.71', '31')).toBe(false);
    expect(scopeCovers('31.71', '31.72')).toBe(false);
    expect(scopeCovers('jakarta', 'jakarta')).toBe(false);
    expect(scopeCovers('', '')).toBe(false);
  });
});

describe('regionsOfScope', () => {
  it('nasional: the nation, the provinces and the regencies, the nation first, then by code', () => {
    const all = regionsOfScope(regions, 'nasional');
    expect(all).toHaveLength(1 + 38 + 514);
    expect(all[0]).toBe(regions.national);
    expect(all.slice(1, 3).map((r) => r.code)).toEqual(['11', '11.01']);
    const codes = all.map((r) => r.code);
    expect([...codes].sort(compareCodes)).toEqual(codes);
  });

  it('a province and its regencies; a regency alone; nothing for an unknown scope', () => {
    expect(regionsOfScope(regions, '31').map((r) => r.code)).toEqual(['31', '31.01', '31.71', '31.72', '31.73', '31.74', '31.75']);
    expect(regionsOfScope(regions, '18.10').map((r) => r.code)).toEqual(['18.10']);
    expect(regionsOfScope(regions, '99')).toEqual([]);
    expect(regionsOfScope(regions, 'jakarta')).toEqual([]);
  });
});

describe('uploadFolderScope', () => {
  it('is the first folder when it is nasional or a known code, and nothing otherwise', () => {
    expect(uploadFolderScope('31/data.csv', regions)).toBe('31');
    expect(uploadFolderScope('31.71/a/b.csv', regions)).toBe('31.71');
    expect(uploadFolderScope('nasional/x.xlsx', regions)).toBe('nasional');
    expect(uploadFolderScope('data.csv', regions)).toBeUndefined();
    expect(uploadFolderScope('31', regions)).toBeUndefined();
    expect(uploadFolderScope('99/data.csv', regions)).toBeUndefined();
    expect(uploadFolderScope('jakarta/data.csv', regions)).toBeUndefined();
    expect(uploadFolderScope('arsip/31/data.csv', regions)).toBeUndefined();
  });
});

describe('parseBulletinKey', () => {
  it('reads back what bulletinKey writes, for the nation, a province and a regency', () => {
    for (const region of [regions.national, regions.byCode.get('31')!, regions.byCode.get('18.10')!, regions.byCode.get('73.22')!]) {
      expect(parseBulletinKey(bulletinKey('2026-10', region))).toEqual({ period: '2026-10', level: region.level, code: region.code });
    }
  });

  it('refuses any other key', () => {
    for (const key of ['bulletins/2026-13/nasional.pdf', 'bulletins/2026-10/nasional.txt', 'bulletins/2026-10/provinsi/31.71-x.pdf', 'bulletins/2026-10/kabkota/31-x.pdf', 'bulletins/2026-10/kelompok/kelompok:a-a.pdf', 'uploads/2026-10/nasional.pdf']) {
      expect(parseBulletinKey(key)).toBeUndefined();
    }
  });
});

describe('the scope of an upload folder', () => {
  it('makes each row of a region outside it an error at its row, in the code column', async () => {
    const csv = 'kode_wilayah,pekerja,peserta_aktif\n31.71,500000,300000\n32.01,900000,400000\n31.01,20000,9000\n';
    const result = await validateFigures(Buffer.from(csv), { fileName: '31/data.csv', period: '2026-10', regions, scope: '31' });
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual([
      {
        row: 3,
        column: 'kode_wilayah',
        code: 'DI_LUAR_CAKUPAN',
        message: 'Wilayah 32.01 di luar cakupan folder unggahan 31 (DKI JAKARTA): unggah lewat folder cakupan wilayah tersebut.',
      },
    ]);
    // The file is Jakarta's: the Jawa Barat row does not make it Jawa Barat's.
    expect(result.regionsNamed).toEqual(['31.71', '31.01']);
    expect((await validateFigures(Buffer.from(csv), { fileName: 'nasional/data.csv', period: '2026-10', regions, scope: 'nasional' })).ok).toBe(true);
    expect((await validateFigures(Buffer.from(csv), { fileName: 'data.csv', period: '2026-10', regions })).ok).toBe(true);
  });

  it('holds a regency folder to its one region', async () => {
    const csv = 'kode_wilayah,pekerja,peserta_aktif\n31.71,500000,300000\n31,900000,400000\n';
    const result = await validateFigures(Buffer.from(csv), { fileName: '31.71/data.csv', period: '2026-10', regions, scope: '31.71' });
    expect(result.errors.map((e) => [e.row, e.code])).toEqual([[3, 'DI_LUAR_CAKUPAN']]);
  });

  it('is applied by validate-upload to uploads in a scope folder only, and the rejection goes to that scope\'s admins', async () => {
    const store = newStore();
    await store.put(RECIPIENTS_KEY, RECIPIENTS, 'text/csv');
    const { deps, sent } = validateDeps(store);
    const body = 'kode_wilayah,pekerja,peserta_aktif\n31.71,500000,300000\n32.01,900000,400000\n';
    const scoped = await store.put('uploads/2026-10/31/campur.csv', body, 'text/csv');
    const outcome = await validateUpload(deps, { key: 'uploads/2026-10/31/campur.csv', versionId: scoped.versionId, sequencer: '01' });
    if (outcome.status !== 'validated') throw new Error('not validated');
    expect(outcome.report.errors.map((e) => e.code)).toEqual(['DI_LUAR_CAKUPAN']);
    expect(outcome.report.quarantinedTo).toBe('quarantine/2026-10/31/campur.csv');
    expect(sent).toEqual([JAKARTA_ADMIN]);
    // An ordinary subfolder keeps today's rules.
    const plain = await store.put('uploads/2026-10/arsip/campur.csv', body, 'text/csv');
    const ordinary = await validateUpload(deps, { key: 'uploads/2026-10/arsip/campur.csv', versionId: plain.versionId, sequencer: '02' });
    expect(ordinary.status === 'validated' && ordinary.report.ok).toBe(true);
  });
});

function runLog(runs: RunWithDeliveries[]): RunLog {
  return { putRun: async () => undefined, listRuns: async () => runs, countDelivery: async () => undefined };
}

function run(startedAt: string, overrides: Partial<RunWithDeliveries> = {}): RunWithDeliveries {
  return {
    period: '2026-10',
    runId: `run-${startedAt}`,
    startedAt,
    finishedAt: startedAt.replace('00:00', '05:00'),
    durationMs: 300_000,
    outcome: 'succeeded',
    inputs: [],
    counts: { regionsComputed: 553, bulletins: 553, missing: 0 },
    problems: [],
    delivered: { sent: 0, failed: 0 },
    ...overrides,
  };
}

describe('adminMonth and uploadVerdict', () => {
  it('shows each region of the scope and each upload of theirs with its verdict, newest first', async () => {
    const store = newStore();
    await store.put(RECIPIENTS_KEY, RECIPIENTS, 'text/csv');
    // Jakarta: one accepted file, one rejected for a Jawa Barat row, one not judged yet.
    const accepted = await uploadAndValidate(store, 'uploads/2026-10/31/jakarta.csv', 'kode_wilayah,pekerja,peserta_aktif\n31.71,500000,300000\n31.72,400000,200000\n');
    const rejected = await uploadAndValidate(store, 'uploads/2026-10/31/campur.csv', 'kode_wilayah,pekerja,peserta_aktif\n31.73,500000,300000\n32.01,900000,400000\n');
    await store.put('uploads/2026-10/31/belum.csv', 'kode_wilayah,pekerja,peserta_aktif\n31.74,1,1\n', 'text/csv');
    // Elsewhere: a national file at the top level that names Jakarta's 31.75 with an error.
    await uploadAndValidate(store, 'uploads/2026-10/nasional-salah.csv', 'kode_wilayah,pekerja,peserta_aktif\n31.75,0,1\n11.01,5000,100\n');
    // Jawa Barat's own file.
    await uploadAndValidate(store, 'uploads/2026-10/32/jabar.csv', 'kode_wilayah,pekerja,peserta_aktif\n32.01,900000,400000\n');
    expect(accepted.ok).toBe(true);
    expect(rejected.ok).toBe(false);
    expect(await store.head('uploads/2026-10/31/campur.csv')).toBeUndefined();

    const runs = runLog([run('2026-11-02T00:00:00.000Z', { outcome: 'partial' }), run('2026-11-01T00:00:00.000Z')]);
    const month = await adminMonth({ store, runs, regions }, '2026-10', '31');
    expect(month.period).toBe('2026-10');
    expect(month.scope).toBe('31');
    expect(month.regions.map((r) => [r.code, r.state])).toEqual([
      ['31', 'aggregated'],
      ['31.01', 'missing'],
      ['31.71', 'accepted'],
      ['31.72', 'accepted'],
      ['31.73', 'rejected'],
      ['31.74', 'missing'],
      ['31.75', 'rejected'],
    ]);
    expect(month.regions[0]).toMatchObject({ name: 'DKI JAKARTA', level: 'provinsi' });
    expect(month.uploads.map((u) => [u.fileName, u.state])).toEqual([
      ['nasional-salah.csv', 'rejected'],
      ['31/belum.csv', 'pending'],
      // Quarantined, so dated by its report: after its upload, before the next.
      ['31/campur.csv', 'rejected'],
      ['31/jakarta.csv', 'accepted'],
    ]);
    const campur = month.uploads.find((u) => u.fileName === '31/campur.csv')!;
    expect(campur).toMatchObject({ key: 'uploads/2026-10/31/campur.csv', rowCount: 2, size: rejected.size, uploadedAt: rejected.validatedAt });
    expect(campur.errors).toEqual([{ row: 3, column: 'kode_wilayah', message: expect.stringContaining('Wilayah 32.01 di luar cakupan folder unggahan 31') }]);
    expect(month.uploads.find((u) => u.fileName === '31/jakarta.csv')).toMatchObject({ rowCount: 2, errors: [], warnings: [] });
    expect(month.uploads.find((u) => u.fileName === '31/belum.csv')).toMatchObject({ rowCount: null, errors: [] });
    expect(month.lastRun).toEqual({ startedAt: '2026-11-02T00:00:00.000Z', finishedAt: '2026-11-02T05:00:00.000Z', outcome: 'partial' });

    // Jawa Barat sees its own file, not Jakarta's misfiled one, and 32.01 as accepted.
    const jabar = await adminMonth({ store, runs, regions }, '2026-10', '32');
    expect(jabar.uploads.map((u) => u.fileName)).toEqual(['32/jabar.csv']);
    expect(jabar.regions.find((r) => r.code === '32.01')?.state).toBe('accepted');
    // A regency's folder is within its province's: shown to the province's admin before it is judged.
    await store.put('uploads/2026-10/31.71/pusat.csv', 'kode_wilayah,pekerja,peserta_aktif\n31.71,1,1\n', 'text/csv');
    expect((await adminMonth({ store, runs, regions }, '2026-10', '31')).uploads[0]).toMatchObject({ fileName: '31.71/pusat.csv', state: 'pending' });
    expect((await adminMonth({ store, runs, regions }, '2026-10', '31.74')).uploads.map((u) => u.fileName)).toEqual([]);
    // A regency admin sees the files naming their regency.
    expect((await adminMonth({ store, runs, regions }, '2026-10', '31.75')).uploads.map((u) => u.fileName)).toEqual(['nasional-salah.csv']);
    // The national admins see every upload of the month; no region here is the nation.
    const national = await adminMonth({ store, runs: runLog([]), regions }, '2026-10', 'nasional');
    expect(national.uploads).toHaveLength(6);
    expect(national.regions).toHaveLength(38 + 514);
    expect(national.regions.find((r) => r.code === '11.01')?.state).toBe('rejected');
    expect(national.lastRun).toBeNull();
  });

  it('polls one upload: pending until a report judges this very object, then its verdict, even once quarantined', async () => {
    const store = newStore();
    await store.put(RECIPIENTS_KEY, RECIPIENTS, 'text/csv');
    const key = 'uploads/2026-10/31/ulang.csv';
    await uploadAndValidate(store, key, 'kode_wilayah,pekerja,peserta_aktif\n31.71,500000,300000\n');
    expect(await uploadVerdict(store, key)).toMatchObject({ state: 'accepted', rowCount: 1, fileName: '31/ulang.csv' });
    // The same name again: the earlier report speaks of another object.
    const { versionId } = await store.put(key, 'kode_wilayah,pekerja,peserta_aktif\n32.01,500000,300000\n', 'text/csv');
    expect(await uploadVerdict(store, key)).toMatchObject({ state: 'pending', rowCount: null, errors: [] });
    await validateUpload(validateDeps(store).deps, { key, versionId, sequencer: '99' });
    expect(await store.head(key, versionId)).toBeUndefined();
    // Rejected and removed: the earlier version is current again, but the verdict is the latest upload's.
    expect(await store.head(key)).toBeDefined();
    expect(await uploadVerdict(store, key)).toMatchObject({ state: 'rejected', errors: [{ row: 2, column: 'kode_wilayah' }] });
    // Moved away with nothing before it: still its verdict.
    const only = 'uploads/2026-10/31/sekali.csv';
    await uploadAndValidate(store, only, 'kode_wilayah,pekerja,peserta_aktif\n31.71,0,1\n');
    expect(await store.head(only)).toBeUndefined();
    expect(await uploadVerdict(store, only)).toMatchObject({ key: only, state: 'rejected', rowCount: 1 });

    const tooLarge = 'uploads/2026-10/31/besar.csv';
    await store.put(tooLarge, Buffer.alloc(UPLOAD_LIMITS.maxBytes + 1, 0x31), 'text/csv');
    expect(await uploadVerdict(store, tooLarge)).toMatchObject({ state: 'too-large', errors: [{ message: expect.stringContaining('terlalu besar') }] });
    expect(await uploadVerdict(store, 'uploads/2026-10/31/tidak-ada.csv')).toBeUndefined();
    expect(await uploadVerdict(store, 'bulletins/2026-10/nasional.pdf')).toBeUndefined();
  });
});

describe('officialArchive', () => {
  it('lists the stored bulletins the scope covers, newest month first, then by code, and nothing else', async () => {
    const store = newStore();
    const jakarta = regions.byCode.get('31')!;
    const selatan = regions.byCode.get('31.74')!;
    const bandung = regions.byCode.get('32.04')!;
    for (const period of ['2026-09', '2026-10']) {
      for (const region of [regions.national, jakarta, selatan, bandung]) await store.put(bulletinKey(period, region), `%PDF ${period} ${region.code}`, 'application/pdf');
    }
    await store.put('bulletins/2026-10/provinsi/31-nama-lama.pdf', '%PDF', 'application/pdf');
    await store.put('bulletins/2026-10/catatan.txt', 'x', 'text/plain');
    const archive = await officialArchive(store, regions, '31');
    expect(archive.map((b) => [b.period, b.code])).toEqual([
      ['2026-10', '31'],
      ['2026-10', '31.74'],
      ['2026-09', '31'],
      ['2026-09', '31.74'],
    ]);
    expect(archive[0]).toEqual({ period: '2026-10', code: '31', name: 'DKI JAKARTA', level: 'provinsi', key: bulletinKey('2026-10', jakarta), size: '%PDF 2026-10 31'.length });
    expect((await officialArchive(store, regions, '31.74')).map((b) => b.key)).toEqual([bulletinKey('2026-10', selatan), bulletinKey('2026-09', selatan)]);
    expect((await officialArchive(store, regions, 'nasional')).map((b) => b.code)).toEqual(['nasional', '31', '31.74', '32.04', 'nasional', '31', '31.74', '32.04']);
  });
});

describe('operatorMonth', () => {
  it('maps the run records and the ledger, and counts as ucj deliver does', async () => {
    const message = (email: string) => JSON.stringify({ period: '2026-10', email, name: 'N', title: 'T', bulletins: [{ key: 'bulletins/2026-10/nasional.pdf', code: 'nasional', revision: 1 }], runKey: 'RUN#x' });
    const entries: Record<LedgerState['status'], LedgerEntry[]> = {
      sent: [
        { recipientKey: 'b@x.example#v1', state: { status: 'sent', messageId: 'm1', sentAt: '2026-11-01T01:00:00.000Z' }, message: message('b@x.example') },
        { recipientKey: 'a@x.example#v1', state: { status: 'sent', messageId: 'm2', sentAt: '2026-11-01T01:01:00.000Z' }, message: '' },
      ],
      failed: [{ recipientKey: 'c@x.example#v1', state: { status: 'failed', reason: 'MessageRejected', failedAt: '2026-11-01T01:02:00.000Z' }, message: '' }],
      claimed: [{ recipientKey: 'd@x.example#v2', state: { status: 'claimed', claimedAt: '2026-11-01T01:03:00.000Z' }, message: '' }],
    };
    const ledger: SendLedger = {
      claim: async () => true,
      complete: async () => undefined,
      fail: async () => undefined,
      abandon: async () => undefined,
      state: async () => undefined,
      entries: async (_period, status) => entries[status],
      release: async () => true,
    };
    const runs = runLog([
      run('2026-11-01T00:00:00.000Z', { delivered: { sent: 1, failed: 1 }, problems: ['unggahan x ditolak'] }),
      run('2026-11-02T00:00:00.000Z', { delivered: { sent: 1, failed: 0 }, counts: { regionsComputed: 10, bulletins: 9 }, outcome: 'partial', durationMs: 1234 }),
    ]);
    const month = await operatorMonth({ runs, deliveries: ledger }, '2026-10');
    expect(month.runs.map((r) => [r.startedAt, r.outcome, r.regions, r.bulletins, r.durationMs, r.delivered.sent])).toEqual([
      ['2026-11-02T00:00:00.000Z', 'partial', 10, 9, 1234, 1],
      ['2026-11-01T00:00:00.000Z', 'succeeded', 553, 553, 300_000, 1],
    ]);
    expect(month.runs[1]).toMatchObject({ runId: 'run-2026-11-01T00:00:00.000Z', finishedAt: '2026-11-01T05:00:00.000Z', problems: ['unggahan x ditolak'] });
    expect(month.deliveries).toEqual([
      { recipientKey: 'd@x.example#v2', email: 'd@x.example', status: 'claimed', at: '2026-11-01T01:03:00.000Z', reason: null },
      { recipientKey: 'c@x.example#v1', email: 'c@x.example', status: 'failed', at: '2026-11-01T01:02:00.000Z', reason: 'MessageRejected' },
      { recipientKey: 'a@x.example#v1', email: 'a@x.example', status: 'sent', at: '2026-11-01T01:01:00.000Z', reason: null },
      { recipientKey: 'b@x.example#v1', email: 'b@x.example', status: 'sent', at: '2026-11-01T01:00:00.000Z', reason: null },
    ]);
    expect(month.counts).toEqual({ sent: 2, failed: 1, inDoubt: 1 });
  });
});

function figures(code: string, overrides: Partial<RegionFigures> = {}): RegionFigures {
  const region = regions.byCode.get(code)!;
  return {
    code,
    name: region.name,
    level: region.level,
    active: 100,
    eligible: 200,
    coveragePct: 50,
    targetPct: 60,
    targetActive: 120,
    gapPp: 10,
    gapWorkers: 20,
    monthsLeft: 2,
    requiredMonthlyAdditions: 10,
    momDeltaPp: 0.5,
    momDeltaActive: 1,
    yoyDeltaPp: null,
    projectedPct: null,
    status: 'at_risk',
    rank: null,
    source: 'reported',
    eligibleFrom: null,
    details: null,
    ...overrides,
  };
}

const snapshot = (period: string, version: number, f: RegionFigures): Snapshot => ({
  code: f.code,
  period,
  version,
  figures: f,
  contentHash: `${period}-${version}`,
  sources: [],
  createdAt: `${period}-28T00:00:00.000Z`,
  runId: 'r',
});

/** A row's values from the first column to its last filled one (an empty cell is null). */
const cells = (row: ExcelJS.Row) => Array.from({ length: row.cellCount }, (_, index) => row.getCell(index + 1).value);

describe('regionFiguresWorkbook', () => {
  it('is the region and its sub-regions by rank, those without figures after, and the history month by month', async () => {
    const all: Snapshot[] = [
      snapshot('2026-09', 1, figures('31', { source: 'aggregated', active: 1000 })),
      snapshot('2026-10', 1, figures('31', { source: 'aggregated', active: 1100 })),
      snapshot('2026-10', 2, figures('31', { source: 'aggregated', active: 1200, status: 'on_track' })),
      snapshot('2026-11', 1, figures('31', { source: 'aggregated', active: 1300 })),
      snapshot('2026-10', 1, figures('31.71', { rank: 2, active: 300 })),
      snapshot('2026-10', 1, figures('31.73', { rank: 1, active: 400, eligibleFrom: '2026-08' })),
      snapshot('2026-10', 1, figures('31.01', { rank: null, status: null, source: 'missing', active: 5 })),
    ];
    const latest = (code: string, period: string) => all.filter((s) => s.code === code && s.period === period).sort((a, b) => b.version - a.version)[0];
    const snapshots: SnapshotStore = {
      monthSnapshots: async (period) => new Map(all.filter((s) => s.period === period).map((s) => [s.code, latest(s.code, period)!])),
      regionSnapshots: async (code) => all.filter((s) => s.code === code),
      latestSnapshot: async (code, period) => latest(code, period),
      putSnapshot: async () => true,
    };
    expect(await regionFiguresWorkbook({ snapshots, regions }, '31', '2026-08')).toBeUndefined();
    const bytes = await regionFiguresWorkbook({ snapshots, regions }, '31', '2026-10');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(new Uint8Array(bytes!).buffer);
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['Wilayah', 'Riwayat']);

    const sheet = workbook.getWorksheet('Wilayah')!;
    const rows: unknown[][] = [];
    sheet.eachRow((row) => rows.push(cells(row)));
    expect(rows[0]).toEqual(['Kode', 'Nama wilayah', 'Peringkat', 'Peserta aktif', 'Penduduk bekerja', 'Cakupan (%)', 'Target (%)', 'Kesenjangan (pp)', 'Perubahan bulanan (pp)', 'Status', 'Sumber angka', 'Penduduk bekerja dari bulan']);
    expect(rows.slice(1).map((row) => row[0])).toEqual(['31.73', '31.71', '31.01', '31.72', '31.74', '31.75', '31']);
    expect(rows[1]).toEqual(['31.73', 'Kota Administrasi Jakarta Barat', 1, 400, 200, 50, 60, 10, 0.5, 'Berisiko', 'Dilaporkan', '2026-08']);
    expect(rows[3]).toEqual(['31.01', 'Kabupaten Administrasi Kepulauan Seribu', null, 5, 200, 50, 60, 10, 0.5, 'Belum melapor', 'Angka terakhir yang diketahui']);
    expect(rows[4]!.slice(0, 2)).toEqual(['31.72', 'Kota Administrasi Jakarta Utara']);
    expect(rows[4]![9]).toBe('Belum melapor');
    expect(rows.at(-1)!.slice(0, 4)).toEqual(['31', 'DKI Jakarta', null, 1200]);
    expect(sheet.getCell('D2').numFmt).toBe('#,##0');

    const history: unknown[][] = [];
    workbook.getWorksheet('Riwayat')!.eachRow((row) => history.push(cells(row)));
    expect(history.slice(1).map((row) => [row[0], row[1], row[3]])).toEqual([
      ['2026-09', 1, 1000],
      ['2026-10', 2, 1200],
    ]);
  });
});
