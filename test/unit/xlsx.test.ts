import { constants, deflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { cellText, DEFAULT_XLSX_LIMITS, formatNumber, readXlsxTable, type XlsxLimits } from '../../lib/inputs/xlsx.ts';
import type { Table, TableResult } from '../../lib/inputs/table.ts';
import { MAIN_NS, REL_NS, zip, type ZipEntry } from '../fixtures/hostile-uploads.ts';

async function xlsx(build: (workbook: ExcelJS.Workbook) => void): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  build(workbook);
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

function table(result: TableResult): Table {
  if (!result.ok) throw new Error(`expected a table, got ${result.error.code}: ${result.error.message}`);
  return result.table;
}

function errorOf(result: TableResult) {
  if (result.ok) throw new Error('expected an error');
  return result.error;
}

const rows = (t: Table) => t.records.map((record) => [record.row, Object.fromEntries(record.cells)]);

function workbookAround(sheet: Omit<ZipEntry, 'name'>, workbookExtra = ''): Buffer {
  return zip([
    {
      name: '[Content_Types].xml',
      data: '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>',
    },
    {
      name: '_rels/.rels',
      data: `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    },
    {
      name: 'xl/workbook.xml',
      data: `<workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><sheets><sheet name="Lembar1" sheetId="1" r:id="rId1"/></sheets>${workbookExtra}</workbook>`,
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      data: `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL_NS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
    },
    { name: 'xl/worksheets/sheet1.xml', ...sheet },
  ]);
}

const SMALL_SHEET =
  `<worksheet xmlns="${MAIN_NS}"><sheetData>` +
  '<row r="1"><c r="A1" t="inlineStr"><is><t>kode_wilayah</t></is></c><c r="B1" t="inlineStr"><is><t>peserta_aktif</t></is></c></row>' +
  '<row r="2"><c r="A2" t="inlineStr"><is><t>18.10</t></is></c><c r="B2"><v>1149447</v></c></row>' +
  '</sheetData></worksheet>';

/** `size` bytes of spaces, deflated as repeated full-flush blocks: building gigabytes costs milliseconds. */
function spacesBomb(size: number): Buffer {
  const chunk = 16 * 1024 * 1024;
  const block = deflateRawSync(Buffer.alloc(chunk, 0x20), { finishFlush: constants.Z_FULL_FLUSH });
  return Buffer.concat([...Array<Buffer>(Math.ceil(size / chunk)).fill(block), Buffer.from([0x03, 0x00])]);
}

const limits = (overrides: Partial<XlsxLimits>): XlsxLimits => ({ ...DEFAULT_XLSX_LIMITS, ...overrides });

describe('readXlsxTable: cells as the admin sees them', () => {
  it('reads numbers, text, formulas, dates, rich text, links, errors and booleans as text, with sheet row numbers', async () => {
    const bytes = await xlsx((workbook) => {
      workbook.addWorksheet('petunjuk').addRow(['Isi lembar data']);
      const sheet = workbook.addWorksheet('Data');
      sheet.addRow([]);
      sheet.addRow(['Kode Wilayah', 'Periode', 'Peserta', 'Cakupan', 'Ganda', 'Tanggal', 'Catatan', 'Tautan', 'Galat', 'Benar', '__proto__', 'GANDA', 'Persen']);
      sheet.addRow([
        '18.10',
        new Date(Date.UTC(2025, 9, 1)),
        1_149_447,
        38.39,
        { formula: 'C3*2', result: 2_298_894 },
        new Date(Date.UTC(2025, 9, 17)),
        { richText: [{ text: 'Kota ' }, { text: 'Metro', font: { bold: true } }] },
        { text: 'lihat', hyperlink: 'https://example.org' },
        { error: '#N/A' },
        true,
        'aman',
        'kedua',
        0.3839,
      ]);
      sheet.getCell('M3').numFmt = '0.00%';
      sheet.addRow([]);
      sheet.addRow(['18.71', '2025-10', 0.1 + 0.2, 1e21, { formula: 'C5*2' }, null, null, null, null, false, null, null, null, 'di luar judul']);
    });
    const t = table(await readXlsxTable(bytes));
    expect(t.columns).toEqual(['kode_wilayah', 'periode', 'peserta', 'cakupan', 'ganda', 'tanggal', 'catatan', 'tautan', 'galat', 'benar', '__proto__', 'ganda', 'persen']);
    expect(rows(t)).toEqual([
      [
        3,
        {
          kode_wilayah: '18.10',
          periode: '2025-10',
          peserta: '1149447',
          cakupan: '38.39',
          ganda: '2298894',
          tanggal: '2025-10-17',
          catatan: 'Kota Metro',
          tautan: 'lihat',
          galat: '#N/A',
          benar: 'TRUE',
          ['__proto__']: 'aman',
          persen: '38.39%',
        },
      ],
      [
        5,
        {
          kode_wilayah: '18.71',
          periode: '2025-10',
          peserta: '0.3',
          cakupan: '1000000000000000000000',
          ganda: '',
          tanggal: '',
          catatan: '',
          tautan: '',
          galat: '',
          benar: 'FALSE',
          ['__proto__']: '',
          persen: '',
        },
      ],
    ]);
    expect(t.format).toBe('xlsx');
    expect(t.records.map((record) => record.extraCells)).toEqual([0, 1]);
    // `__proto__` is a key like any other, and the prototype is untouched.
    expect(t.records[0]!.cells.get('__proto__')).toBe('aman');
    expect(({} as Record<string, unknown>).aman).toBeUndefined();
  });

  it('takes the first worksheet when none is named data, and reads 1904-dated workbooks', async () => {
    const bytes = await xlsx((workbook) => {
      workbook.properties.date1904 = true;
      workbook.addWorksheet('Lembar1').addRows([['kode', 'bulan'], ['18', new Date(Date.UTC(2025, 0, 1))]]);
      workbook.addWorksheet('Lembar2').addRows([['lain'], ['x']]);
    });
    expect(rows(table(await readXlsxTable(bytes)))).toEqual([[2, { kode: '18', bulan: '2025-01' }]]);
  });

  it('reads a sheet without styles or shared strings, and never expands huge ranges', async () => {
    const everything = 'A1:XFD1048576';
    const sheet = SMALL_SHEET.replace(
      '</sheetData>',
      `</sheetData><mergeCells count="1"><mergeCell ref="${everything}"/></mergeCells>` +
        `<dataValidations count="1"><dataValidation type="whole" sqref="${everything}"><formula1>0</formula1></dataValidation></dataValidations>`,
    );
    const bytes = workbookAround({ data: sheet }, `<definedNames><definedName name="semua">Lembar1!$A$1:$XFD$1048576</definedName></definedNames>`);
    // Expanding any of these ranges would be 17 billion cells: the read would never end within the test's timeout.
    expect(rows(table(await readXlsxTable(bytes)))).toEqual([[2, { kode_wilayah: '18.10', peserta_aktif: '1149447' }]]);
  });

  it('reports an empty workbook', async () => {
    const bytes = await xlsx((workbook) => workbook.addWorksheet('data'));
    expect(errorOf(await readXlsxTable(bytes)).code).toBe('BERKAS_KOSONG');
  });

  it('formats numbers without grouping or exponents', () => {
    expect([1_149_447, 38.39, 0.1 + 0.2, 1e21, 1.5e-7, -5, 0, 123_456_789_012].map(formatNumber)).toEqual([
      '1149447',
      '38.39',
      '0.3',
      '1000000000000000000000',
      '0.00000015',
      '-5',
      '0',
      '123456789012',
    ]);
    expect(cellText({ formula: 'A1', result: { error: '#DIV/0!' } }, 'x')).toBe('#DIV/0!');
    expect(cellText(new Date(Date.UTC(2025, 9, 1, 13, 30)), 'waktu')).toBe('2025-10-01T13:30:00');
  });
});

describe('readXlsxTable: broken and hostile files', () => {
  it('rejects bytes that are not an xlsx, truncated files and bad data as XLSX_RUSAK', async () => {
    const good = Buffer.from(await xlsx((workbook) => workbook.addWorksheet('data').addRows([['a', 'b'], [1, 2]])));
    const cases: Buffer[] = [
      Buffer.from('kode_wilayah,peserta_aktif\n18,1\n'),
      good.subarray(0, good.length - 30),
      Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(600)]),
      zip([{ name: 'halo.txt', data: 'bukan excel' }]),
      workbookAround({ data: `<worksheet xmlns="${MAIN_NS}"><sheetData><row><c><v>1</row></sheetData></worksheet>` }),
    ];
    // A flipped byte inside the sheet's deflated data: an inflate error or a CRC mismatch.
    const flipped = workbookAround({ data: SMALL_SHEET });
    const at = flipped.indexOf('xl/worksheets/sheet1.xml') + 'xl/worksheets/sheet1.xml'.length + 20;
    flipped[at] = flipped[at]! ^ 0xff;
    cases.push(flipped);
    for (const bytes of cases) {
      const error = errorOf(await readXlsxTable(bytes));
      expect(error).toMatchObject({ row: null, column: null, code: 'XLSX_RUSAK' });
      expect(error.message).toMatch(/xlsx|Excel/);
    }
  });

  it('rejects a bomb whose honest size is over the cap before inflating it', async () => {
    const bytes = workbookAround({ raw: spacesBomb(2 ** 31), size: 2 ** 31 });
    expect(errorOf(await readXlsxTable(bytes))).toMatchObject({ row: null, column: null, code: 'XLSX_TERLALU_BESAR' });
  });

  it('rejects a bomb under the cap by its compression ratio', async () => {
    const bytes = workbookAround({ raw: spacesBomb(64 * 1024 * 1024), size: 64 * 1024 * 1024 });
    expect(errorOf(await readXlsxTable(bytes)).code).toBe('XLSX_TERLALU_BESAR');
  });

  it('stops inflating a sheet whose declared size lies, with memory bounded', async () => {
    const bytes = workbookAround({ raw: spacesBomb(2 ** 31), size: 10_000 });
    const peakBefore = process.resourceUsage().maxRSS;
    const error = errorOf(await readXlsxTable(bytes));
    const peakGrowthKb = process.resourceUsage().maxRSS - peakBefore;
    expect(error.code).toBe('XLSX_TERLALU_BESAR');
    expect(error.message).toContain('xl/worksheets/sheet1.xml');
    // Inflating it whole would take 2 GiB.
    expect(peakGrowthKb).toBeLessThan(256 * 1024);
  });

  it('rejects an entry that inflates to less than it declares', async () => {
    const bytes = workbookAround({ raw: deflateRawSync(Buffer.from(SMALL_SHEET)), size: SMALL_SHEET.length + 100 });
    expect(errorOf(await readXlsxTable(bytes)).code).toBe('XLSX_RUSAK');
  });

  it('enforces the shared-strings, cell and entry limits', async () => {
    const bytes = await xlsx((workbook) => {
      const sheet = workbook.addWorksheet('data');
      sheet.addRow(['kode', 'nama', 'a', 'b', 'c']);
      for (let i = 0; i < 10; i += 1) sheet.addRow([`k${i}`, `nama ${i}`, i, i, i]);
    });
    expect(table(await readXlsxTable(bytes)).records).toHaveLength(10);
    for (const overrides of [{ maxSharedStrings: 5 }, { maxSharedStringsBytes: 100 }, { maxCells: 40 }, { maxEntries: 3 }, { maxUncompressedBytes: 2_000 }]) {
      expect(errorOf(await readXlsxTable(bytes, limits(overrides))), JSON.stringify(overrides)).toMatchObject({
        row: null,
        column: null,
        code: 'XLSX_TERLALU_BESAR',
      });
    }
  });

  it('caps the data rows, header and empty rows not counted', async () => {
    const bytes = await xlsx((workbook) => {
      const sheet = workbook.addWorksheet('data');
      sheet.addRow(['kode', 'nilai']);
      for (let i = 0; i < 12; i += 1) {
        sheet.addRow([`k${i}`, i]);
        sheet.addRow([]);
      }
    });
    expect(table(await readXlsxTable(bytes, limits({ maxRows: 12 }))).records).toHaveLength(12);
    const error = errorOf(await readXlsxTable(bytes, limits({ maxRows: 11 })));
    expect(error).toMatchObject({ row: null, column: null, code: 'BARIS_TERLALU_BANYAK' });
    expect(error.message).toContain('11');
  });
});
