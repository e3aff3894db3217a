/**
 * How the jobs take what the one reading path (lib/inputs/input-file.ts) says: a bug in the code that
 * reads a file is logged and never costs the upload (validate-upload leaves it in place, unjudged, and
 * fails to be retried; monthly-run goes on without it), and config/recipients.csv is read by every job
 * through one function with one cap. On an in-memory bucket; the local stack's version is in
 * test/integration/validate-upload.test.ts.
 */
import { memoryStore } from '../support/memory-store.ts';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadRegionIndex, type RegionIndex } from '../../lib/domain/regions.ts';
import { RECIPIENTS_MAX_BYTES } from '../../lib/inputs/recipients.ts';
import { TableBuilder } from '../../lib/inputs/table-builder.ts';
import { UPLOAD_LIMITS } from '../../lib/inputs/limits.ts';
import { readMonthUploads } from '../../lib/jobs/month-uploads.ts';
import { remindUploads } from '../../lib/jobs/remind-uploads.ts';
import { ReaderFault, validateUpload, type ValidateUploadDeps } from '../../lib/jobs/validate-upload.ts';
import { RECIPIENTS_KEY } from '../../lib/storage/keys.ts';
import type { ObjectStore } from '../../lib/storage/object-store.ts';
import { readValidationReport } from '../../lib/storage/validation-report.ts';
import type { SendLedger } from '../../lib/history/send-ledger.ts';

let regions: RegionIndex;
beforeAll(async () => {
  regions = await loadRegionIndex();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const NATIONAL_ADMIN = 'admin.nasional@bpjsketenagakerjaan.example';
const RECIPIENTS = `email,nama,jabatan,cakupan,peran\n${NATIONAL_ADMIN},Sari,Admin Nasional,nasional,admin\n`;
const VALID = 'kode_wilayah,pekerja,peserta_aktif\n51,1873899,935079\n';

function deps(store: ObjectStore) {
  const sent: string[] = [];
  const logged: Array<{ message: string; attributes: Record<string, unknown> }> = [];
  const value: ValidateUploadDeps = {
    store,
    mailer: { sendRaw: async (_raw, to) => (sent.push(to), `id-${sent.length}`) },
    sender: 'ucj@ucj.example',
    now: () => new Date('2026-11-01T00:00:00Z'),
    regions: async () => regions,
    logger: { error: (message, attributes) => void logged.push({ message, attributes }) },
  };
  return { deps: value, sent, logged };
}

const bug = () => {
  throw new TypeError("Cannot read properties of undefined (reading 'length')");
};

describe('validate-upload and a bug in the reader', () => {
  it('logs it, reports a system fault, leaves the upload in place, emails nobody, and fails to be retried', async () => {
    const { store } = memoryStore();
    await store.put(RECIPIENTS_KEY, RECIPIENTS, 'text/csv');
    const key = 'uploads/2026-10/bali.csv';
    const { versionId } = await store.put(key, VALID, 'text/csv');
    const { deps: d, sent, logged } = deps(store);

    vi.spyOn(TableBuilder.prototype, 'addRow').mockImplementation(bug);
    const failed = validateUpload(d, { key, versionId, sequencer: '01' });
    await expect(failed).rejects.toBeInstanceOf(ReaderFault);
    await expect(failed).rejects.toMatchObject({ cause: expect.any(TypeError) });

    expect(logged).toEqual([{ message: expect.stringContaining('bug'), attributes: { key, versionId, error: expect.any(TypeError) } }]);
    const report = await readValidationReport(store, '2026-10', 'bali.csv');
    expect(report).toMatchObject({ ok: false, systemFault: true, quarantinedTo: null, notify: [], versionId });
    expect(report!.errors.map((e) => e.code)).toEqual(['KESALAHAN_SISTEM']);
    expect(report!.errors[0]!.message).not.toMatch(/rusak/i);
    expect((await store.head(key))?.versionId).toBe(versionId);
    expect(await store.head('quarantine/2026-10/bali.csv')).toBeUndefined();
    expect(sent).toEqual([]);

    // The run in the meantime: the fault report judges nothing, the run validates the upload itself and,
    // the bug still there, goes on without it.
    const runLog: unknown[] = [];
    const runLogger = { error: (message: string, attributes: Record<string, unknown>) => void runLog.push({ message, attributes }) };
    const uploads = await readMonthUploads(store, regions, '2026-10', runLogger);
    expect(uploads.reported.size).toBe(0);
    expect(uploads.problems).toEqual([expect.stringContaining('kesalahan sistem (bukan kesalahan berkas')]);
    expect(runLog).toHaveLength(1);

    // The bug fixed, the same event again (Lambda's retry, or the operator's redrive): judged now.
    vi.restoreAllMocks();
    const outcome = await validateUpload(d, { key, versionId, sequencer: '01' });
    expect(outcome).toMatchObject({ status: 'validated', report: { ok: true, rowCount: 1, regionsReported: ['51'] } });
    expect((await readValidationReport(store, '2026-10', 'bali.csv'))?.systemFault).toBeUndefined();
    expect((await readMonthUploads(store, regions, '2026-10', runLogger)).reported.get('51')).toMatchObject({ active: 935_079 });
  });

  it('a bug reading the recipients fails the validation before anything is decided or moved', async () => {
    const { store } = memoryStore();
    await store.put(RECIPIENTS_KEY, RECIPIENTS, 'text/csv');
    const key = 'uploads/2026-10/salah.csv';
    const { versionId } = await store.put(key, 'kode_wilayah,pekerja,peserta_aktif\n51,0,1\n', 'text/csv');
    const { deps: d, logged } = deps(store);
    const addRow = TableBuilder.prototype.addRow;
    // Only the recipients file trips the bug: its header is the one with `email`.
    vi.spyOn(TableBuilder.prototype, 'addRow').mockImplementation(function (this: TableBuilder, cells, row) {
      if (cells.includes('email')) bug();
      return addRow.call(this, cells, row);
    });
    await expect(validateUpload(d, { key, versionId, sequencer: '01' })).rejects.toBeInstanceOf(ReaderFault);
    expect(logged).toHaveLength(1);
    expect(await readValidationReport(store, '2026-10', 'salah.csv')).toBeUndefined();
    expect((await store.head(key))?.versionId).toBe(versionId);
  });

  it('a file the admin broke is still rejected and quarantined as before', async () => {
    const { store } = memoryStore();
    await store.put(RECIPIENTS_KEY, RECIPIENTS, 'text/csv');
    const key = 'uploads/2026-10/kutip.csv';
    const { versionId } = await store.put(key, 'kode_wilayah;pekerja;peserta_aktif\n51;"1873899;935079\n', 'text/csv');
    const { deps: d, sent, logged } = deps(store);
    const outcome = await validateUpload(d, { key, versionId, sequencer: '01' });
    expect(outcome).toMatchObject({ status: 'validated', report: { ok: false, quarantinedTo: 'quarantine/2026-10/kutip.csv', notify: [NATIONAL_ADMIN] } });
    const report = await readValidationReport(store, '2026-10', 'kutip.csv');
    expect(report?.errors.map((e) => [e.row, e.code])).toEqual([[2, 'CSV_RUSAK']]);
    expect(report?.systemFault).toBeUndefined();
    expect(await store.head(key)).toBeUndefined();
    expect(sent).toEqual([NATIONAL_ADMIN]);
    expect(logged).toEqual([]);
  });
});

describe('config/recipients.csv: one reader, one cap', () => {
  /** A recipients file over the 2 MB that validate-upload used to allow: sixteen officials a region, saved by Excel as UTF-16. */
  function largeRecipients(): Buffer {
    const lines = [RECIPIENTS.trimEnd()];
    for (const region of [...regions.provinces, ...regions.regencies]) {
      for (let i = 0; i < 16; i += 1) lines.push(`pejabat${i}.${region.code}@pemda.example,Pejabat ${i} ${region.name},Kepala Dinas Tenaga Kerja dan Transmigrasi ${region.name},${region.code},pejabat`);
    }
    return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(lines.join('\r\n'), 'utf16le')]);
  }

  it('validate-upload reads a recipients file that monthly-run and remind-uploads read (it used to stop at 2 MB)', async () => {
    const { store, reads } = memoryStore();
    const recipients = largeRecipients();
    expect(recipients.length).toBeGreaterThan(2 * 1024 * 1024);
    await store.put(RECIPIENTS_KEY, recipients, 'text/csv');
    const key = 'uploads/2026-10/salah.csv';
    const { versionId } = await store.put(key, 'kode_wilayah,pekerja,peserta_aktif\n51,0,1\n', 'text/csv');
    const { deps: d, sent } = deps(store);
    const outcome = await validateUpload(d, { key, versionId, sequencer: '01' });
    expect(outcome).toMatchObject({ status: 'validated', report: { ok: false, notify: [NATIONAL_ADMIN] } });
    expect(sent).toEqual([NATIONAL_ADMIN]);

    // A ledger that has nothing yet: every reminder is claimed and sent.
    const ledger: SendLedger = {
      claim: async () => true,
      complete: async () => undefined,
      fail: async () => undefined,
      abandon: async () => undefined,
      state: async () => undefined,
      entries: async () => [],
      release: async () => true,
    };
    const reminded = await remindUploads({ store, mailer: d.mailer, ledger, sender: d.sender, now: d.now, regions: d.regions }, { period: '2026-10', occurrence: '2026-11-02' });
    expect(reminded.reminded).toEqual([NATIONAL_ADMIN]);
    const caps = new Set(reads.filter((read) => read.key === RECIPIENTS_KEY).map((read) => read.maxBytes));
    expect([...caps]).toEqual([RECIPIENTS_MAX_BYTES]);
    expect(RECIPIENTS_MAX_BYTES).toBe(UPLOAD_LIMITS.maxBytes);
  });
});
