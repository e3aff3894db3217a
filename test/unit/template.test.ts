import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRegionIndex, type RegionIndex } from '../../lib/domain/regions.ts';
import { readTable, type Table, type TableResult } from '../../lib/inputs/table.ts';
import { escapeCsvCell, TEMPLATE_COLUMNS, templateFileName, uploadTemplate } from '../../lib/inputs/template.ts';
import { readXlsxTable } from '../../lib/inputs/xlsx.ts';

let regions: RegionIndex;
beforeAll(async () => {
  regions = await loadRegionIndex();
});

function table(result: TableResult): Table {
  if (!result.ok) throw new Error(`expected a table, got ${result.error.code}: ${result.error.message}`);
  return result.table;
}

const codes = (list: ReadonlyArray<{ code: string }>) => list.map((region) => region.code).sort();

describe('escapeCsvCell', () => {
  it('neutralises formula starts and quotes what needs quoting', () => {
    expect(escapeCsvCell('KOTA BANDAR LAMPUNG')).toBe('KOTA BANDAR LAMPUNG');
    expect(escapeCsvCell('18.10')).toBe('18.10');
    expect(escapeCsvCell('')).toBe('');
    expect(escapeCsvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(escapeCsvCell('+1')).toBe("'+1");
    expect(escapeCsvCell('-1+2')).toBe("'-1+2");
    expect(escapeCsvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(escapeCsvCell('\t=1')).toBe("'\t=1");
    expect(escapeCsvCell('\r=1')).toBe(`"'\r=1"`);
    expect(escapeCsvCell('a,b')).toBe('"a,b"');
    expect(escapeCsvCell('a;b')).toBe('a;b');
    expect(escapeCsvCell('a;b', ';')).toBe('"a;b"');
    expect(escapeCsvCell('baris\nbaru')).toBe('"baris\nbaru"');
    expect(escapeCsvCell('kata "kutip"')).toBe('"kata ""kutip"""');
  });
});

describe('uploadTemplate: CSV', () => {
  it('lists the 38 provinces with a BOM, CRLF and the columns in order, and reads back', async () => {
    const bytes = await uploadTemplate({ level: 'provinsi', format: 'csv', regions });
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8').slice(1);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const lines = text.split('\r\n');
    expect(lines[0]).toBe(TEMPLATE_COLUMNS.join(','));
    expect(lines.at(-1)).toBe('');
    expect(lines).toHaveLength(38 + 2);

    const t = table(await readTable(bytes, 'templat.csv'));
    expect(t.columns).toEqual([...TEMPLATE_COLUMNS]);
    expect(t.records).toHaveLength(38);
    expect(t.records.map((record) => record.cells.get('kode_wilayah')).sort()).toEqual(codes(regions.provinces));
    const aceh = t.records.find((record) => record.cells.get('kode_wilayah') === '11')!;
    expect(aceh.row).toBe(2);
    expect(aceh.cells.get('nama_wilayah')).toBe(regions.byCode.get('11')!.name);
    expect(aceh.cells.get('periode')).toBe('');
    for (const column of TEMPLATE_COLUMNS.slice(3)) expect(aceh.cells.get(column)).toBe('');
  });

  it('lists the 514 regencies and cities with the period prefilled', async () => {
    const bytes = await uploadTemplate({ level: 'kabkota', format: 'csv', period: '2025-10', regions });
    const t = table(await readTable(bytes, 'templat.csv'));
    expect(t.records).toHaveLength(514);
    expect(t.records.map((record) => record.cells.get('kode_wilayah')).sort()).toEqual(codes(regions.regencies));
    expect(new Set(t.records.map((record) => record.cells.get('periode')))).toEqual(new Set(['2025-10']));
    const pringsewu = t.records.find((record) => record.cells.get('kode_wilayah') === '18.10')!;
    expect(pringsewu.cells.get('nama_wilayah')).toBe(regions.byCode.get('18.10')!.name);
  });

  it('refuses a period that is not YYYY-MM', async () => {
    await expect(uploadTemplate({ level: 'provinsi', format: 'csv', period: '2025-13', regions })).rejects.toThrow(/YYYY-MM/);
    await expect(uploadTemplate({ level: 'provinsi', format: 'xlsx', period: 'Oktober', regions })).rejects.toThrow(/YYYY-MM/);
  });

  it('names the file', () => {
    expect(templateFileName({ level: 'kabkota', format: 'xlsx', period: '2025-10' })).toBe('templat-unggah-kabkota-2025-10.xlsx');
    expect(templateFileName({ level: 'provinsi', format: 'csv' })).toBe('templat-unggah-provinsi.csv');
  });
});

describe('uploadTemplate: XLSX', () => {
  it('reads back with every code exactly as text (18.10, not 18.1)', async () => {
    const bytes = await uploadTemplate({ level: 'kabkota', format: 'xlsx', period: '2025-10', regions });
    const t = table(await readXlsxTable(bytes));
    expect(t.columns).toEqual([...TEMPLATE_COLUMNS]);
    expect(t.records).toHaveLength(514);
    expect(t.records.map((record) => record.row)).toEqual(Array.from({ length: 514 }, (_, index) => index + 2));
    expect(t.records.map((record) => record.cells.get('kode_wilayah'))).toEqual(codes(regions.regencies));
    expect(t.records.map((record) => record.cells.get('kode_wilayah'))).toContain('18.10');
    expect(table(await readTable(bytes, 'templat.xlsx')).records).toEqual(t.records);
    for (const record of t.records) {
      expect(record.cells.get('nama_wilayah')).toBe(regions.byCode.get(record.cells.get('kode_wilayah')!)!.name);
      expect(record.cells.get('periode')).toBe('2025-10');
      expect(record.cells.get('peserta_aktif')).toBe('');
    }
  });

  it('has a frozen, bold data sheet first, text and number formats, validation, and a guide sheet', async () => {
    const bytes = await uploadTemplate({ level: 'provinsi', format: 'xlsx', regions });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(new Uint8Array(bytes).buffer);
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['data', 'petunjuk']);

    const data = workbook.worksheets[0]!;
    expect(data.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(data.getRow(1).values).toEqual([undefined, ...TEMPLATE_COLUMNS]);
    expect(data.getCell('A1').font?.bold).toBe(true);
    expect(data.getCell('A1').fill).toMatchObject({ type: 'pattern', pattern: 'solid' });
    expect(data.rowCount).toBe(39);
    for (const column of ['A', 'B', 'C']) expect(data.getColumn(column).numFmt).toBe('@');
    for (const column of ['D', 'E', 'N']) expect(data.getColumn(column).numFmt).toBe('#,##0');
    expect(data.getColumn('B').width).toBeGreaterThanOrEqual(30);
    expect(data.getCell('A2').value).toBe('11');
    expect(data.getCell('A2').numFmt).toBe('@');
    expect(data.getCell('C2').value).toBeNull();
    expect(data.getCell('E2').dataValidation).toMatchObject({ type: 'whole', operator: 'greaterThanOrEqual', formulae: [0] });
    expect(data.getCell('N39').dataValidation).toMatchObject({ type: 'whole' });
    expect(data.getCell('N40').dataValidation).toBeUndefined();
    expect(data.getCell('C2').dataValidation).toBeUndefined();

    const guide = workbook.worksheets[1]!;
    const guideText: string[] = [];
    guide.eachRow((row) => row.eachCell((cell) => guideText.push(String(cell.value))));
    const joined = guideText.join('\n');
    expect(joined).toContain('uploads/YYYY-MM/');
    expect(joined).toContain('YYYY-MM');
    expect(joined).toContain('bilangan bulat');
    expect(joined).toContain('38 provinsi');
    for (const column of TEMPLATE_COLUMNS) expect(guideText).toContain(column);
  });
});

describe('uploadTemplate: a scope', () => {
  const templateCodes = async (options: { level: 'provinsi' | 'kabkota'; scope?: string }) =>
    table(await readTable(await uploadTemplate({ ...options, format: 'csv', regions }), 'templat.csv')).records.map((record) => record.cells.get('kode_wilayah'));

  it('a province at the kabkota level: its regencies and cities only', async () => {
    expect(await templateCodes({ level: 'kabkota', scope: '31' })).toEqual(codes(regions.regenciesOf('31')));
    expect(await templateCodes({ level: 'kabkota', scope: '31' })).toEqual(['31.01', '31.71', '31.72', '31.73', '31.74', '31.75']);
  });

  it('a province at the provinsi level: that province', async () => {
    expect(await templateCodes({ level: 'provinsi', scope: '18' })).toEqual(['18']);
  });

  it('a regency: its own row at either level', async () => {
    expect(await templateCodes({ level: 'kabkota', scope: '18.10' })).toEqual(['18.10']);
    expect(await templateCodes({ level: 'provinsi', scope: '18.10' })).toEqual(['18.10']);
  });

  it('nasional, or no scope: every region of the level, as before', async () => {
    expect(await templateCodes({ level: 'provinsi', scope: 'nasional' })).toEqual(codes(regions.provinces));
    expect(await templateCodes({ level: 'kabkota', scope: 'nasional' })).toEqual(await templateCodes({ level: 'kabkota' }));
  });

  it('refuses a scope the region index does not know', async () => {
    await expect(uploadTemplate({ level: 'kabkota', format: 'csv', scope: '99', regions })).rejects.toThrow(/cakupan "99" tidak dikenal/);
  });

  it('says in the guide how many rows it holds and which folder they belong in, and names the file', async () => {
    const bytes = await uploadTemplate({ level: 'kabkota', format: 'xlsx', period: '2025-10', scope: '31', regions });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(new Uint8Array(bytes).buffer);
    expect(workbook.getWorksheet('data')!.rowCount).toBe(1 + 6);
    const guideText: string[] = [];
    workbook.getWorksheet('petunjuk')!.eachRow((row) => row.eachCell((cell) => guideText.push(String(cell.value))));
    expect(guideText.join('\n')).toContain('6 kabupaten/kota');
    expect(guideText.join('\n')).toContain('uploads/2025-10/31/');
    expect(templateFileName({ level: 'kabkota', format: 'xlsx', period: '2025-10', scope: '31' })).toBe('templat-unggah-kabkota-31-2025-10.xlsx');
    expect(templateFileName({ level: 'provinsi', format: 'csv', scope: 'nasional' })).toBe('templat-unggah-provinsi.csv');
  });
});
