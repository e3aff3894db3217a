import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRegionIndex, type RegionIndex } from '../../lib/domain/regions.ts';
import {
  generateSampleDataset,
  parseSampleUpload,
  sakernasRoundOf,
  sampleSummary,
  writeSampleDataset,
  type SampleDataset,
  type SampleRow,
} from '../../tools/sample/index.ts';

const HEADER = 'kode_wilayah,nama_wilayah,periode,pekerja,peserta_aktif,peserta_pu,peserta_bpu,peserta_jakon,peserta_pmi';

let index: RegionIndex;
let dataset: SampleDataset;
let months: SampleRow[][];

beforeAll(async () => {
  index = await loadRegionIndex();
  dataset = await generateSampleDataset({ lastPeriod: '2026-10' });
  months = dataset.uploads.map((u) => parseSampleUpload(u.content));
});

function records(content: string): Array<Record<string, string>> {
  return parse(content, { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
}

describe('sample uploads', () => {
  it('covers the 13 months ending with lastPeriod, one file each at its month key', () => {
    expect(dataset.periods).toHaveLength(13);
    expect(dataset.periods[0]).toBe('2025-10');
    expect(dataset.periods.at(-1)).toBe('2026-10');
    expect(dataset.uploads.map((u) => u.key)).toEqual(dataset.periods.map((p) => `uploads/${p}/ucj-${p}-nasional.csv`));
  });

  it('has the exact header, 514 rows a month, every known regency once, and the month of its key', () => {
    const regencyCodes = index.regencies.map((r) => r.code).sort();
    dataset.uploads.forEach((upload, i) => {
      expect(upload.content.split('\n')[0]).toBe(HEADER);
      expect(upload.content.endsWith('\n')).toBe(true);
      expect(upload.content).not.toContain('\r');
      const rows = records(upload.content);
      expect(rows).toHaveLength(514);
      expect(rows.map((r) => r.kode_wilayah).sort()).toEqual(regencyCodes);
      for (const row of rows) {
        expect(index.byCode.get(row.kode_wilayah!)?.level).toBe('kabkota');
        expect(row.periode).toBe(dataset.periods[i]);
      }
    });
  });

  it('has whole non-negative counts, positive workers, and segments adding up to active', () => {
    for (const rows of months) {
      for (const r of rows) {
        for (const n of [r.workers, r.active, r.pu, r.bpu, r.jakon, r.pmi]) {
          expect(Number.isSafeInteger(n) && n >= 0).toBe(true);
        }
        expect(r.workers).toBeGreaterThan(0);
        expect(r.pu + r.bpu + r.jakon + r.pmi).toBe(r.active);
      }
    }
  });

  it('puts national coverage between 35% and 38% in the last month, rising over the year', () => {
    const national = sampleSummary(dataset);
    const last = national.at(-1)!;
    expect(last.regions).toBe(514);
    expect(last.coveragePct).toBeGreaterThan(35);
    expect(last.coveragePct).toBeLessThan(38);
    expect(national[0]!.coveragePct).toBeGreaterThan(34);
    expect(national[0]!.coveragePct).toBeLessThan(last.coveragePct);
    expect(last.workers).toBeGreaterThan(100e6);
    expect(last.workers).toBeLessThan(145e6);
    // Segment mix near PU 70%, BPU 22%, Jakon 6%, PMI 2%.
    expect(last.pu / last.active).toBeGreaterThan(0.6);
    expect(last.bpu / last.active).toBeGreaterThan(0.15);
  });

  it('keeps Lampung near 2,994,000 workers and Bali near 1,873,899 workers at 49–52% coverage', () => {
    for (const s of sampleSummary(dataset, '18')) expect(Math.abs(s.workers / 2_994_000 - 1)).toBeLessThan(0.02);
    for (const s of sampleSummary(dataset, '51')) {
      expect(Math.abs(s.workers / 1_873_899 - 1)).toBeLessThan(0.01);
      expect(s.coveragePct).toBeGreaterThan(49);
      expect(s.coveragePct).toBeLessThan(52);
    }
  });

  it('has at least two regencies above 100% coverage every month', () => {
    for (const rows of months) expect(rows.filter((r) => r.active > r.workers).length).toBeGreaterThanOrEqual(2);
  });

  it('lets a few regencies dip some months', () => {
    let dips = 0;
    for (let i = 1; i < months.length; i++) months[i]!.forEach((r, j) => { if (r.active < months[i - 1]![j]!.active) dips++; });
    expect(dips).toBeGreaterThan(0);
    expect(dips).toBeLessThan(0.1 * 514 * 12);
  });

  it('changes a regency working population only once a year: constant from September to the next August', async () => {
    const long = await generateSampleDataset({ lastPeriod: '2026-10', months: 28 });
    const rows = long.uploads.map((u) => parseSampleUpload(u.content));
    expect(long.periods[0]).toBe('2024-07');
    for (let i = 1; i < rows.length; i++) {
      const sameRound = sakernasRoundOf(long.periods[i]!) === sakernasRoundOf(long.periods[i - 1]!);
      const changed = rows[i]!.filter((r, j) => r.workers !== rows[i - 1]![j]!.workers).length;
      if (sameRound) expect(changed).toBe(0);
      else {
        expect(long.periods[i]!.endsWith('-09')).toBe(true);
        expect(changed).toBeGreaterThan(400);
      }
    }
    // The months both windows share are identical.
    expect(long.uploads.slice(-13)).toEqual(dataset.uploads);
  });

  it('is deterministic: the same options give byte-identical files, another seed other figures', async () => {
    const again = await generateSampleDataset({ lastPeriod: '2026-10' });
    expect(again).toEqual(dataset);
    const other = await generateSampleDataset({ lastPeriod: '2026-10', seed: 7 });
    expect(other.uploads[0]!.content).not.toBe(dataset.uploads[0]!.content);
  });

  it('rejects bad options', async () => {
    await expect(generateSampleDataset({ lastPeriod: '2026-13' })).rejects.toThrow();
    await expect(generateSampleDataset({ lastPeriod: '2026-10', months: 0 })).rejects.toThrow();
  });
});

describe('sample targets', () => {
  it('has a file per year with nasional, every province and every regency, two decimals', () => {
    expect(dataset.targets.map((t) => t.key)).toEqual(['targets/2025.csv', 'targets/2026.csv']);
    for (const file of dataset.targets) {
      expect(file.content.split('\n')[0]).toBe('kode_wilayah,tahun,target_persen,target_peserta');
      const rows = records(file.content);
      const codes = rows.map((r) => r.kode_wilayah);
      expect(codes).toContain('nasional');
      for (const p of index.provinces) expect(codes).toContain(p.code);
      expect(new Set(codes).size).toBe(codes.length);
      for (const r of rows) {
        expect(r.target_persen).toMatch(/^\d{1,3}\.\d{2}$/);
        expect(Number(r.target_persen)).toBeLessThanOrEqual(100);
        expect(r.tahun).toBe(file.key.slice(8, 12));
      }
    }
  });

  it('uses the published anchors and never lowers a target from one year to the next', () => {
    const [y2025, y2026] = dataset.targets.map((t) => new Map(records(t.content).map((r) => [r.kode_wilayah!, r])));
    expect(y2025!.get('18')).toMatchObject({ target_persen: '38.39', target_peserta: '1149447' });
    expect(y2026!.get('18')).toMatchObject({ target_persen: '45.53', target_peserta: '1436809' });
    expect(y2025!.get('51')!.target_persen).toBe('67.28');
    expect(y2025!.get('nasional')).toMatchObject({ target_persen: '40.00', target_peserta: '' });
    expect(y2026!.get('nasional')!.target_persen).toBe('45.00');
    for (const [code, row] of y2026!) expect(Number(row.target_persen)).toBeGreaterThanOrEqual(Number(y2025!.get(code)!.target_persen));
  });
});

describe('sample recipients', () => {
  it('has the national official, one governor per province, two admins and a national operator, on .example addresses', () => {
    expect(dataset.recipients.key).toBe('config/recipients.csv');
    expect(dataset.recipients.content.split('\n')[0]).toBe('email,nama,jabatan,cakupan,peran');
    const rows = records(dataset.recipients.content);
    const officials = rows.filter((r) => r.peran === 'pejabat');
    expect(officials).toHaveLength(39);
    expect(officials.filter((r) => r.cakupan === 'nasional')).toHaveLength(1);
    for (const p of index.provinces) {
      const governor = officials.filter((r) => r.cakupan === p.code);
      expect(governor).toHaveLength(1);
      expect(governor[0]!.jabatan).toMatch(/^Gubernur [A-Z]/);
    }
    expect(officials.find((r) => r.cakupan === '31')!.jabatan).toBe('Gubernur DKI Jakarta');
    const admins = rows.filter((r) => r.peran === 'admin');
    expect(admins.map((r) => r.cakupan).sort()).toEqual(['18', 'nasional']);
    expect(rows.filter((r) => r.peran === 'operator').map((r) => r.cakupan)).toEqual(['nasional']);
    for (const r of rows) {
      expect(r.email).toMatch(/^[a-z0-9.]+@[a-z0-9.-]+\.example$/);
      expect(r.nama).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
    }
    expect(new Set(rows.map((r) => r.email)).size).toBe(rows.length);
    expect(new Set(rows.map((r) => r.nama)).size).toBe(rows.length);
  });
});

describe('writeSampleDataset', () => {
  it('writes every file at dir/<key>', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ucj-sample-'));
    try {
      const paths = await writeSampleDataset(dataset, dir);
      expect(paths).toHaveLength(13 + 2 + 1);
      expect(paths[0]).toBe(join(dir, 'uploads', '2025-10', 'ucj-2025-10-nasional.csv'));
      expect(await readFile(join(dir, 'config', 'recipients.csv'), 'utf8')).toBe(dataset.recipients.content);
      expect(await readFile(join(dir, 'targets', '2026.csv'), 'utf8')).toBe(dataset.targets[1]!.content);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
