import { beforeAll, describe, expect, it } from 'vitest';
import { parseCount, parseDecimal } from '../../lib/inputs/numbers.ts';
import { validateFigures } from '../../lib/inputs/figures.ts';
import { validateTargets } from '../../lib/inputs/targets.ts';
import { validateRecipients } from '../../lib/inputs/recipients.ts';
import { loadRegionIndex, type RegionIndex } from '../../lib/domain/regions.ts';
import { UPLOAD_LIMITS } from '../../lib/inputs/limits.ts';
import { uploadTemplate } from '../../lib/inputs/template.ts';

let regions: RegionIndex;
beforeAll(async () => {
  regions = await loadRegionIndex();
});

const utf16le = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);

describe('numbers as admins type them', () => {
  it('reads counts in Indonesian and English grouping alike', async () => {
    for (const text of ['1.149.447', '1,149,447', '1149447', ' 1 149 447 ']) expect(parseCount(text)).toEqual({ ok: true, value: 1_149_447 });
  });
  it('rejects fractions, negatives and words as counts', async () => {
    expect(parseCount('38,39')).toEqual({ ok: false, reason: 'pecahan' });
    expect(parseCount('1.5')).toEqual({ ok: false, reason: 'pecahan' });
    expect(parseCount('-5')).toEqual({ ok: false, reason: 'negatif' });
    expect(parseCount('lima')).toEqual({ ok: false, reason: 'bukan_angka' });
    expect(parseCount('')).toEqual({ ok: false, reason: 'kosong' });
  });
  it('reads percentages with a decimal comma or point', async () => {
    expect(parseDecimal('38,39')).toEqual({ ok: true, value: 38.39 });
    expect(parseDecimal('38.39')).toEqual({ ok: true, value: 38.39 });
    expect(parseDecimal('38,39%')).toEqual({ ok: true, value: 38.39 });
    expect(parseDecimal('1.234,5')).toEqual({ ok: true, value: 1234.5 });
  });
});

describe('validateFigures', () => {
  it('accepts a semicolon file from Excel with BOM, CRLF, id-ID numbers and aliases', async () => {
    const csv = '\uFEFFKode;Nama_Wilayah;Periode;Jumlah_Pekerja;Peserta\r\n18.71;KOTA BANDAR LAMPUNG;2025-10;612.345;301.234\r\n\r\n18;LAMPUNG;2025-10;2.994.132;1.084.126\r\n';
    const result = await validateFigures(Buffer.from(csv), { fileName: 'lampung.csv', period: '2025-10', regions });
    expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.rows.map((r) => [r.row, r.code, r.active, r.eligible])).toEqual([
      [2, '18.71', 301_234, 612_345],
      [4, '18', 1_084_126, 2_994_132],
    ]);
  });

  it('reads UTF-16 with BOM and tab delimiters', async () => {
    const tsv = 'kode_wilayah\tpekerja\tpeserta_aktif\n51\t1873899\t935079\n';
    const result = await validateFigures(utf16le(tsv), { fileName: 'bali.txt', period: '2025-03', regions });
    expect(result.ok).toBe(true);
    expect(result.rows[0]).toMatchObject({ code: '51', eligible: 1_873_899, active: 935_079, period: '2025-03' });
  });

  it('reports every error with its row, column and code, and rejects the file whole', async () => {
    const csv = [
      'kode_wilayah,periode,pekerja,peserta_aktif,peserta_pu,peserta_bpu,peserta_jakon,peserta_pmi',
      '18.71,2025-10,1000,500,300,100,50,50',
      '99.99,2025-10,1000,500,,,,',
      '18.01,2025-09,1000,500,,,,',
      '18.02,2025-10,0,500,,,,',
      '18.03,2025-10,1000,-4,,,,',
      '18.04,2025-10,1000,500,300,100,50,49',
      '18.71,2025-10,1000,500,,,,',
      '18.05,2025-10,1000,"1,5",,,,',
    ].join('\n');
    const result = await validateFigures(Buffer.from(csv), { fileName: 'bad.csv', period: '2025-10', regions });
    expect(result.ok).toBe(false);
    expect(result.rows).toEqual([]);
    expect(result.errors.map((e) => [e.row, e.column, e.code])).toEqual([
      [3, 'kode_wilayah', 'KODE_TIDAK_DIKENAL'],
      [4, 'periode', 'PERIODE_BERBEDA'],
      [5, 'pekerja', 'PEKERJA_NOL'],
      [6, 'peserta_aktif', 'BUKAN_BILANGAN_CACAH'],
      [7, 'peserta_aktif', 'SEGMEN_TIDAK_SESUAI'],
      [8, 'kode_wilayah', 'WILAYAH_GANDA'],
      [9, 'peserta_aktif', 'BUKAN_BILANGAN_CACAH'],
    ]);
    for (const error of result.errors) expect(error.message.length).toBeGreaterThan(10);
  });

  it('names a missing required column, an empty file and a binary file', async () => {
    const missing = await validateFigures(Buffer.from('kode_wilayah,pekerja\n18,100\n'), { fileName: 'a.csv', regions });
    expect(missing.errors.map((e) => [e.row, e.column, e.code])).toEqual([[1, 'peserta_aktif', 'KOLOM_WAJIB_HILANG']]);
    expect((await validateFigures(Buffer.alloc(0), { fileName: 'a.csv', regions })).errors[0]!.code).toBe('BERKAS_KOSONG');
    expect((await validateFigures(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0xff]), { fileName: 'a.csv', regions })).errors[0]!.code).toBe('BUKAN_TEKS');
  });

  it('warns, without rejecting, on coverage above 100% and unknown columns', async () => {
    const result = await validateFigures(Buffer.from('kode_wilayah,pekerja,peserta_aktif,catatan\n31.71,500000,1185000,kantor pusat\n'), {
      fileName: 'dki.csv',
      period: '2025-10',
      regions,
    });
    expect(result.ok).toBe(true);
    expect(result.warnings.map((w) => w.code).sort()).toEqual(['CAKUPAN_DI_ATAS_100', 'KOLOM_DIABAIKAN']);
  });

  it('treats a JSON `__proto__` key as data, not as an object prototype', async () => {
    const json = '[{"kode_wilayah":"18","pekerja":"2994132","peserta_aktif":1084126,"__proto__":{"polluted":true}}]';
    const result = await validateFigures(Buffer.from(json), { fileName: 'a.json', period: '2025-10', regions });
    expect(result.ok).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('a template partly filled in', () => {
  it('ignores the rows of regions left blank, with one warning, and rejects a template not filled at all', async () => {
    const template = (await uploadTemplate({ level: 'kabkota', format: 'csv', period: '2026-10', regions })).toString('utf8');
    const filled = template
      .split('\r\n')
      .map((line) => (line.startsWith('18.') ? line.replace(/^(18\.\d\d,[^,]*,2026-10),,/, '$1,100000,40000') : line))
      .join('\r\n');
    const result = await validateFigures(Buffer.from(filled), { fileName: 'templat.csv', period: '2026-10', regions });
    expect(result.errors).toEqual([]);
    expect(result.rows.map((r) => r.code)).toEqual(regions.regenciesOf('18').map((r) => r.code).sort());
    expect(result.warnings.map((w) => w.code)).toEqual(['BARIS_TANPA_ANGKA']);
    expect(result.warnings[0]!.message).toContain(`${regions.regencies.length - 15} baris`);

    const blank = await validateFigures(Buffer.from(template), { fileName: 'templat.csv', period: '2026-10', regions });
    expect(blank.errors.map((e) => e.code)).toEqual(['TIDAK_ADA_DATA']);
  });
});

describe('limits', () => {
  it('rejects a file over 20 MB before parsing it', async () => {
    const result = await validateFigures(Buffer.alloc(UPLOAD_LIMITS.maxBytes + 1, 0x31), { fileName: 'besar.csv', regions });
    expect(result.errors.map((e) => e.code)).toEqual(['BERKAS_TERLALU_BESAR']);
    expect(result.errors[0]!.message).toContain('20 MB');
  });
  it('rejects a record longer than the line cap, naming its line', async () => {
    const csv = `kode_wilayah,pekerja,peserta_aktif\n18,1000,500\n18.71,1000,"${'x'.repeat(UPLOAD_LIMITS.maxRecordChars)}"\n`;
    const result = await validateFigures(Buffer.from(csv), { fileName: 'panjang.csv', regions });
    expect(result.errors.map((e) => [e.row, e.code])).toEqual([[3, 'BARIS_TERLALU_PANJANG']]);
  });
  it('rejects more rows than the cap without reading them all', async () => {
    const csv = `kode_wilayah,pekerja,peserta_aktif\n${'18,1000,500\n'.repeat(UPLOAD_LIMITS.maxRows + 1)}`;
    const result = await validateFigures(Buffer.from(csv), { fileName: 'banyak.csv', regions });
    expect(result.errors.map((e) => e.code)).toEqual(['BARIS_TERLALU_BANYAK']);
  });
  it('catches a decimal comma that split a cell in a comma-separated file', async () => {
    const csv = 'kode_wilayah,pekerja,peserta_aktif\n18,2994132,1084126,5\n';
    const result = await validateFigures(Buffer.from(csv), { fileName: 'koma.csv', period: '2025-10', regions });
    expect(result.errors.map((e) => [e.row, e.column, e.code])).toEqual([[2, null, 'SEL_BERLEBIH']]);
  });
});

describe('targets and recipients files', () => {
  it('reads targets with decimal commas and optional worker counts', async () => {
    const result = await validateTargets(Buffer.from('kode_wilayah;tahun;target_persen;target_peserta\nnasional;2025;40,00;\n18;2025;38,39;1.149.447\n'), 'targets/2025.csv', regions);
    expect(result.errors).toEqual([]);
    expect(result.targets).toEqual([
      { code: 'nasional', year: 2025, targetPct: 40, targetActive: null },
      { code: '18', year: 2025, targetPct: 38.39, targetActive: 1_149_447 },
    ]);
  });
  it('accepts national operators, who receive nothing, and refuses an operator with a narrower scope', async () => {
    const csv = 'email,nama,jabatan,cakupan,peran\nops@bpjsketenagakerjaan.example,Dewi,Operator,nasional,operator\nani@pemprov.example,Ani,Kepala,18,pejabat\n';
    const accepted = await validateRecipients(Buffer.from(csv), 'config/recipients.csv', regions);
    expect(accepted.errors).toEqual([]);
    expect(accepted.recipients.map((r) => [r.email, r.role])).toEqual([
      ['ops@bpjsketenagakerjaan.example', 'operator'],
      ['ani@pemprov.example', 'pejabat'],
    ]);
    const narrow = await validateRecipients(Buffer.from('email,nama,jabatan,cakupan,peran\nops@contoh.example,Dewi,Operator,18,operator\n'), 'config/recipients.csv', regions);
    expect(narrow.ok).toBe(false);
    expect(narrow.errors.map((e) => [e.row, e.column, e.code])).toEqual([[2, 'cakupan', 'CAKUPAN_OPERATOR']]);
  });
  it('rejects a recipient with a bad address or role, naming the row', async () => {
    const csv = 'email,nama,jabatan,cakupan,peran\nbukan-surel,Ani,Kepala,18,pejabat\nbudi@pemprov.example,Budi,Gubernur,18,raja\n';
    const result = await validateRecipients(Buffer.from(csv), 'config/recipients.csv', regions);
    expect(result.ok).toBe(false);
    expect(result.errors.map((e) => [e.row, e.column])).toEqual([
      [2, 'email'],
      [3, 'peran'],
    ]);
  });
});
