/**
 * One reading path for every kind of file (lib/inputs/table-builder.ts, input-file.ts): figures, targets,
 * recipients and groups, in CSV, JSON or xlsx, get the same dialect rules, the same cell-count rule, the
 * same row-and-column errors, and the same answer to a bug in the code: the system's fault, never the file's.
 */
import ExcelJS from 'exceljs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadRegionIndex, type RegionIndex } from '../../lib/domain/regions.ts';
import { validateFigures } from '../../lib/inputs/figures.ts';
import { validateGroups } from '../../lib/inputs/groups.ts';
import type { FileValidation } from '../../lib/inputs/input-file.ts';
import type { ValidationIssue } from '../../lib/inputs/issues.ts';
import { UPLOAD_LIMITS } from '../../lib/inputs/limits.ts';
import { RECIPIENTS_MAX_BYTES, recipientSchema, validateRecipients } from '../../lib/inputs/recipients.ts';
import { TableBuilder } from '../../lib/inputs/table-builder.ts';
import { readCsvTable, readJsonTable, readTable, type TableResult } from '../../lib/inputs/table.ts';
import { validateTargets } from '../../lib/inputs/targets.ts';
import { readXlsxTable } from '../../lib/inputs/xlsx.ts';

let regions: RegionIndex;
beforeAll(async () => {
  regions = await loadRegionIndex();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const bytes = (text: string) => Buffer.from(text);
const triples = (issues: ValidationIssue[]) => issues.map((issue) => [issue.row, issue.column, issue.code]);
const figures = (text: string | Uint8Array, fileName = 'unggahan.csv') =>
  validateFigures(typeof text === 'string' ? bytes(text) : text, { fileName, period: '2025-10', regions });

/** Every kind of file, validated the way its job does. */
const KINDS = {
  figures: (data: Uint8Array, fileName: string) => validateFigures(data, { fileName, period: '2025-10', regions }),
  targets: (data: Uint8Array, fileName: string) => validateTargets(data, fileName, regions),
  recipients: (data: Uint8Array, fileName: string) => validateRecipients(data, fileName, regions),
  groups: (data: Uint8Array, fileName: string) => validateGroups(data, fileName, regions),
} satisfies Record<string, (data: Uint8Array, fileName: string) => Promise<FileValidation>>;

/** A valid file of each kind, as semicolon CSV rows: the header, then one good row. */
const GOOD: Record<keyof typeof KINDS, string[][]> = {
  figures: [['kode_wilayah', 'nama_wilayah', 'pekerja', 'peserta_aktif'], ['18', 'LAMPUNG', '4512806', '1084126']],
  targets: [['kode_wilayah', 'tahun', 'target_persen', 'target_peserta'], ['18', '2025', '38,39', '1.149.447']],
  recipients: [['email', 'nama', 'jabatan', 'cakupan', 'peran'], ['ani@pemprov.example', 'Ani', 'Kepala Dinas', '18', 'pejabat']],
  groups: [['kelompok', 'kode_wilayah'], ['Sumbagsel', '18']],
};
const csvOf = (rows: string[][]) => rows.map((row) => row.join(';')).join('\r\n') + '\r\n';

function tableOf(result: TableResult) {
  if (!result.ok) throw new Error(`expected a table, got ${result.error.code}: ${result.error.message}`);
  return result.table;
}

/** The messages admins read: Indonesian, and none of the usual English words outside the quoted cell. */
function expectIndonesian(issues: ValidationIssue[]): void {
  for (const issue of issues) {
    const words = issue.message.replace(/"[^"]*"/g, '');
    expect(words, issue.code).not.toMatch(/\b(invalid|error|missing|empty|unknown|expected|must|should|not|the|column|row|file|value|number|bug)\b/i);
    expect(words, issue.code).toMatch(/\b(berkas|kolom|baris|kode|nilai|tidak|bukan|sel|target)\b/i);
  }
}

async function xlsxOf(rows: Array<Array<string | number>>): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  workbook.addWorksheet('data').addRows(rows);
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

describe('a quote in the middle of an unquoted cell is read as Excel reads it: a character of the cell', () => {
  it('in a name column, the cell keeps its quotes, and the file is valid', async () => {
    const csv = 'kode_wilayah;nama_wilayah;pekerja;peserta_aktif\n18.72;KOTA "METRO";90.112;43.870\n18.71;Bandar "Lampung;612.345;301.234\n18.10;PRINGSEWU";207.615;41.096\n';
    const table = tableOf(readCsvTable(csv));
    expect(table.records.map((r) => [r.row, r.cells.get('nama_wilayah')])).toEqual([
      [2, 'KOTA "METRO"'],
      [3, 'Bandar "Lampung'],
      [4, 'PRINGSEWU"'],
    ]);
    const result = await figures(csv);
    expect(result.errors).toEqual([]);
    expect(result.rows.map((r) => [r.row, r.code, r.active])).toEqual([
      [2, '18.72', 43_870],
      [3, '18.71', 301_234],
      [4, '18.10', 41_096],
    ]);
  });

  it('in a number column, the value gets the row-and-column number error, not a file-level "CSV rusak"', async () => {
    const result = await figures('kode_wilayah,pekerja,peserta_aktif\n18.72,90112,12"3\n18.71,1.2"34,301234\n');
    expect(triples(result.errors)).toEqual([
      [2, 'peserta_aktif', 'BUKAN_BILANGAN_CACAH'],
      [3, 'pekerja', 'BUKAN_BILANGAN_CACAH'],
    ]);
    expect(result.errors.map((e) => e.message)).toEqual([expect.stringContaining('"12"3"'), expect.stringContaining('"1.2"34"')]);
    expectIndonesian(result.errors);
  });

  it('in every kind of file: read literally where text belongs, a row-and-column error where it is invalid', async () => {
    const targets = await validateTargets(bytes('kode_wilayah;tahun;target_persen\n18;2025;38"39\n51;2025;67,28\n'), 'targets/2025.csv', regions);
    expect(triples(targets.errors)).toEqual([[2, 'target_persen', 'TARGET_TIDAK_SAH']]);

    const recipients = await validateRecipients(
      bytes('email,nama,jabatan,cakupan,peran\nbudi@pemprov.example,Budi "Ucok" Santoso,Kepala "Dinas",18,pejabat\n'),
      'config/recipients.csv',
      regions,
    );
    expect(recipients.errors).toEqual([]);
    expect(recipients.recipients.map((r) => [r.name, r.title])).toEqual([['Budi "Ucok" Santoso', 'Kepala "Dinas"']]);
    const badRole = await validateRecipients(bytes('email,nama,jabatan,cakupan,peran\nbudi@pemprov.example,Budi,Kepala,18,admin"\n'), 'config/recipients.csv', regions);
    expect(triples(badRole.errors)).toEqual([[2, 'peran', 'NILAI_TIDAK_SAH']]);

    const groups = await validateGroups(bytes('kelompok,kode_wilayah\nSumatera "Selatan",18\nSumatera "Selatan",1"6\n'), 'config/groups.csv', regions);
    expect(triples(groups.errors)).toEqual([[3, 'kode_wilayah', 'KODE_TIDAK_DIKENAL']]);
    const goodGroups = await validateGroups(bytes('kelompok,kode_wilayah\nSumatera "Selatan",18\n'), 'config/groups.csv', regions);
    expect([...goodGroups.groups]).toEqual([['Sumatera "Selatan"', ['18']]]);
    expect(badRole.errors[0]!.message).toContain('"admin"" tidak sah');
    expectIndonesian([...targets.errors, ...groups.errors]);
  });

  it('a field that opens with a quote and goes on after the closing quote is kept as written', () => {
    // Excel drops that quote pair (`abcdef`); csv-parse keeps it. Either way nothing shifts, and a number there is an error.
    expect(tableOf(readCsvTable('a;b\n"abc"def;"12" \n')).records[0]!.cells).toEqual(new Map([['a', '"abc"def'], ['b', '"12" ']]));
  });
});

describe('a quote that opens a field and is never closed', () => {
  it('is a file-level CSV_RUSAK at the line where its record starts, not at the end of the file', async () => {
    const cases: Array<[string, number]> = [
      ['kode_wilayah;nama_wilayah;pekerja;peserta_aktif\r\n18.71;KOTA BANDAR LAMPUNG;612.345;301.234\r\n18.72;"KOTA METRO;90.112;43.870\r\n18.10;PRINGSEWU;207.615;41.096\r\n', 3],
      // After a quoted field with line breaks in it, and blank lines.
      ['kode_wilayah;nama_wilayah;peserta_aktif\r\n18.71;"KOTA\r\nBANDAR LAMPUNG";1\r\n\r\n\r\n18.72;"KOTA METRO;2\r\n18.10;X;5\r\n', 6],
      // In the header itself.
      ['"kode_wilayah;nama_wilayah;peserta_aktif\n18.72;KOTA;12\n', 1],
      // After a mid-cell quote, which is only a character.
      ['kode_wilayah,nama_wilayah,peserta_aktif\n18.72,KOTA "METRO",12\n18.71,"Bandar,5\n18.10,x,5\n', 3],
    ];
    for (const [csv, row] of cases) {
      const result = await figures(csv);
      expect(triples(result.errors), csv).toEqual([[row, null, 'CSV_RUSAK']]);
      expect(result.errors[0]!.message, csv).toContain(`baris ${row}`);
      expectIndonesian(result.errors);
    }
  });

  it('does not hide the delimiter: a semicolon file with an unclosed quote is not read as one column', async () => {
    const result = await figures('kode_wilayah;nama_wilayah;pekerja;peserta_aktif\n18.71;"KOTA;612.345;301.234\n');
    expect(triples(result.errors)).toEqual([[2, null, 'CSV_RUSAK']]);
  });
});

describe('a row with more cells than the header is an error with its row, in every kind and format', () => {
  for (const kind of Object.keys(KINDS) as Array<keyof typeof KINDS>) {
    it(kind, async () => {
      const [header, good] = GOOD[kind];
      // A decimal comma unquoted in a comma-separated file: every cell after it shifts right by one.
      const shifted = [...good!.slice(0, -1), '38', '39', good!.at(-1)!];
      const csv = [header!, good!, shifted].map((row) => row.map((cell) => (cell.includes(',') ? `"${cell}"` : cell)).join(',')).join('\n');
      const result = await KINDS[kind](bytes(csv), `${kind}.csv`);
      // The good row is read; the shifted one is reported with its row and nothing else (its columns are wrong).
      expect(triples(result.errors), kind).toContainEqual([3, null, 'SEL_BERLEBIH']);
      expect(result.errors.filter((e) => e.row === 3).map((e) => e.code), kind).toEqual(['SEL_BERLEBIH']);
      expect(result.ok).toBe(false);
      expectIndonesian(result.errors);

      const xlsx = await KINDS[kind](await xlsxOf([header!, good!, [...good!, 'lebih']]), `${kind}.xlsx`);
      expect(triples(xlsx.errors), `${kind}.xlsx`).toEqual([[3, null, 'SEL_BERLEBIH']]);
    });
  }

  it('and the good rows of such a file are valid on their own', async () => {
    for (const kind of Object.keys(KINDS) as Array<keyof typeof KINDS>) {
      const result = await KINDS[kind](bytes(csvOf(GOOD[kind])), `${kind}.csv`);
      expect(result.errors, kind).toEqual([]);
      expect(result.ok, kind).toBe(true);
    }
  });

  it('JSON has keys, not positions: never extra cells', async () => {
    const table = tableOf(readJsonTable('[{"kode_wilayah": "18", "peserta_aktif": 1, "lain": 2}, {"kode_wilayah": "51"}]'));
    expect(table.records.map((r) => r.extraCells)).toEqual([0, 0]);
    expect(table.columns).toEqual(['kode_wilayah', 'peserta_aktif', 'lain']);
  });
});

describe('one builder for CSV, JSON and xlsx', () => {
  it('gives the same table from the same rows in each format', async () => {
    const rows = [['Kode Wilayah', 'Peserta Aktif', 'kode', ''], ['18', '5', 'x', ''], ['', '', '', ''], ['51', '7', 'y', '']];
    const csv = tableOf(readCsvTable(rows.map((row) => row.join(';')).join('\n')));
    const xlsx = tableOf(await readXlsxTable(await xlsxOf(rows)));
    const json = tableOf(readJsonTable(JSON.stringify([{ 'Kode Wilayah': '18', 'Peserta Aktif': '5', kode: 'x' }, { 'Kode Wilayah': '51', 'Peserta Aktif': '7', kode: 'y' }])));
    const shape = (t: typeof csv) => ({ columns: t.columns, records: t.records.map((r) => [Object.fromEntries(r.cells), r.extraCells]) });
    expect(shape(csv)).toEqual({
      columns: ['kode_wilayah', 'peserta_aktif', 'kode'],
      records: [
        [{ kode_wilayah: '18', peserta_aktif: '5', kode: 'x' }, 0],
        [{ kode_wilayah: '51', peserta_aktif: '7', kode: 'y' }, 0],
      ],
    });
    expect(shape(xlsx)).toEqual(shape(csv));
    expect(shape(json)).toEqual(shape(csv));
    expect([csv.records.map((r) => r.row), xlsx.records.map((r) => r.row), json.records.map((r) => r.row)]).toEqual([[2, 4], [2, 4], [2, 3]]);
  });

  it('takes the first non-blank row as the header in CSV too (a row of bare delimiters above it, as Excel writes)', () => {
    const table = tableOf(readCsvTable(';;;\r\nkode_wilayah;nama;peserta_aktif\r\n18;x;1\r\n'));
    expect(table.columns).toEqual(['kode_wilayah', 'nama', 'peserta_aktif']);
    expect(table.records.map((r) => r.row)).toEqual([3]);
  });

  it('reads a column named twice from its first, in every format (JSON keys too, after normalisation)', async () => {
    expect(tableOf(readCsvTable('kode;Kode\n18;51\n')).records[0]!.cells.get('kode')).toBe('18');
    const xlsx = tableOf(await readXlsxTable(await xlsxOf([['kode', 'Kode'], ['18', '51']])));
    expect([xlsx.columns, xlsx.records[0]!.cells.get('kode')]).toEqual([['kode', 'kode'], '18']);
    expect(tableOf(readJsonTable('[{"Kode": "18", "kode": "51"}]')).records[0]!.cells.get('kode')).toBe('18');
  });

  it('caps the named header columns of an xlsx sheet as of a CSV', async () => {
    const header = Array.from({ length: UPLOAD_LIMITS.maxColumns + 1 }, (_, i) => `kolom_${i}`);
    const result = await readXlsxTable(await xlsxOf([header, ['18']]));
    expect(result.ok ? null : result.error).toMatchObject({ row: 1, column: null, code: 'KOLOM_TERLALU_BANYAK' });
  });
});

describe('a target of zero', () => {
  it('participants is an error with its row and column', async () => {
    const result = await validateTargets(bytes('kode_wilayah;tahun;target_persen;target_peserta\n18;2025;38,39;0\n51;2025;67,28;1.000\n'), 'targets/2025.csv', regions);
    expect(triples(result.errors)).toEqual([[2, 'target_peserta', 'TARGET_NOL']]);
    expect(result.targets).toEqual([]);
    expectIndonesian(result.errors);
  });

  it('percent is an error too: every region would read as having reached it', async () => {
    const result = await validateTargets(bytes('kode_wilayah;tahun;target_persen\nnasional;2025;0\n18;2025;0,00\n51;2025;0,01\n'), 'targets/2025.csv', regions);
    expect(triples(result.errors)).toEqual([
      [2, 'target_persen', 'TARGET_NOL'],
      [3, 'target_persen', 'TARGET_NOL'],
    ]);
    expectIndonesian(result.errors);
  });
});

describe('a bug in the code that reads a file is the system fault, never a broken file', () => {
  const bug = () => {
    throw new TypeError("Cannot read properties of undefined (reading 'trim')");
  };

  it('a TypeError in the builder goes up through every reader, not turned into CSV_RUSAK, JSON_RUSAK or XLSX_RUSAK', async () => {
    vi.spyOn(TableBuilder.prototype, 'addRow').mockImplementation(bug);
    vi.spyOn(TableBuilder.prototype, 'addKeyedRow').mockImplementation(bug);
    expect(() => readCsvTable('kode_wilayah;peserta_aktif\n18;1\n')).toThrow(TypeError);
    expect(() => readJsonTable('[{"kode_wilayah": "18"}]')).toThrow(TypeError);
    await expect(readXlsxTable(await xlsxOf([['kode_wilayah'], ['18']]))).rejects.toThrow(TypeError);
    await expect(readTable(bytes('kode_wilayah;peserta_aktif\n18;1\n'), 'a.csv')).rejects.toThrow(TypeError);
  });

  it('every kind of file, in every format, reports it as KESALAHAN_SISTEM with the error for the log', async () => {
    const thrown = new TypeError("Cannot read properties of undefined (reading 'trim')");
    vi.spyOn(TableBuilder.prototype, 'addRow').mockImplementation(() => {
      throw thrown;
    });
    vi.spyOn(TableBuilder.prototype, 'addKeyedRow').mockImplementation(() => {
      throw thrown;
    });
    for (const kind of Object.keys(KINDS) as Array<keyof typeof KINDS>) {
      const [header, good] = GOOD[kind];
      const json = JSON.stringify([Object.fromEntries(header!.map((h, i) => [h, good![i]]))]);
      for (const [fileName, data] of [
        [`${kind}.csv`, bytes(csvOf(GOOD[kind]))],
        [`${kind}.json`, bytes(json)],
        [`${kind}.xlsx`, await xlsxOf(GOOD[kind])],
      ] as const) {
        const result = await KINDS[kind](data, fileName);
        expect(result.ok, fileName).toBe(false);
        expect(result.fault, fileName).toBe(thrown);
        expect(triples(result.errors), fileName).toEqual([[null, null, 'KESALAHAN_SISTEM']]);
        expect(result.errors[0]!.message).toContain('bukan kesalahan pada berkas Anda');
        expectIndonesian(result.errors);
      }
    }
  });

  it('a bug after the reading (in a kind check) is the system fault too', async () => {
    vi.spyOn(recipientSchema, 'safeParse').mockImplementation(() => {
      throw new RangeError('boom');
    });
    const result = await validateRecipients(bytes(csvOf(GOOD.recipients)), 'config/recipients.csv', regions);
    expect(result.fault).toBeInstanceOf(RangeError);
    expect(result.errors.map((e) => e.code)).toEqual(['KESALAHAN_SISTEM']);
  });

  it('while a broken file is still the admin problem: not text, broken JSON, not an xlsx', async () => {
    const cases: Array<[string, Uint8Array, string]> = [
      ['a.csv', Buffer.from([0xc3, 0x28, 0x0a]), 'BUKAN_TEKS'],
      ['a.json', bytes('[{"kode_wilayah": "18"},]'), 'JSON_RUSAK'],
      ['a.json', bytes('{"kode_wilayah": 18'), 'JSON_RUSAK'],
      ['a.xlsx', bytes('kode_wilayah,peserta_aktif\n18,1\n'), 'XLSX_RUSAK'],
    ];
    for (const [fileName, data, code] of cases) {
      const result = await figures(data, fileName);
      expect(result.fault, fileName).toBeUndefined();
      expect(result.errors.map((e) => e.code), fileName).toEqual([code]);
    }
  });
});

describe('the recipients file has one cap', () => {
  it('is the upload limit, which its validation itself enforces', () => {
    expect(RECIPIENTS_MAX_BYTES).toBe(UPLOAD_LIMITS.maxBytes);
  });
});
