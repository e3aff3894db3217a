/**
 * Any valid figures table, written in any dialect an admin's tool might use, reads back as the same rows:
 * CSV with `,` `;` or tab, minimal or full quoting, LF or CRLF, UTF-8 with or without BOM or UTF-16 LE/BE
 * with BOM, plain / Indonesian / English thousands, any header alias in any case, blank lines anywhere;
 * or a JSON array with numbers as numbers or as text. Row numbers are the physical lines written.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRegionIndex, type RegionIndex } from '../../lib/domain/regions.ts';
import type { Period } from '../../lib/domain/types.ts';
import { validateFigures } from '../../lib/inputs/figures.ts';

let regions: RegionIndex;
let codes: string[];
beforeAll(async () => {
  regions = await loadRegionIndex();
  codes = [...regions.provinces, ...regions.regencies].map((region) => region.code);
});

type Column = 'code' | 'period' | 'eligible' | 'active' | 'pu' | 'bpu' | 'jakon' | 'pmi' | 'extra';
type Segments = { pu: number; bpu: number; jakon: number; pmi: number };

interface Row {
  code: string;
  active: number;
  eligible: number | null;
  segments: Segments | null;
  /** Whether the period cell holds the month or is left empty (the upload folder's month then applies). */
  periodFilled: boolean;
  extra: string;
}

interface GeneratedTable {
  period: Period;
  columns: Column[];
  /** The header text for each column: an alias, in some case, maybe with spaces for underscores. */
  headers: Record<Column, string>;
  rows: Row[];
}

const ALIASES: Record<Column, readonly string[]> = {
  code: ['kode_wilayah', 'kode', 'kode_kemendagri'],
  period: ['periode', 'bulan'],
  eligible: ['pekerja', 'jumlah_pekerja', 'penduduk_bekerja'],
  active: ['peserta_aktif', 'peserta'],
  pu: ['peserta_pu'],
  bpu: ['peserta_bpu'],
  jakon: ['peserta_jakon'],
  pmi: ['peserta_pmi'],
  // The last has a comma and a semicolon: the delimiter must come from the data lines, not the header alone.
  extra: ['catatan', 'keterangan', 'nama_wilayah', 'Sumber Data', 'kolom tambahan', 'Catatan (PU, BPU; Jakon)'],
};
/** Informational columns figures.ts ignores without a warning. */
const QUIET = new Set(['nama_wilayah', 'nama', 'provinsi', 'nama_provinsi', 'keterangan', 'no']);
const normalise = (header: string) => header.trim().toLowerCase().replace(/\s+/g, '_');

const count = fc.oneof(fc.nat(999), fc.nat(60_000_000));
const headerStyle = fc.record({ alias: fc.nat(), caseStyle: fc.constantFrom('lower', 'upper', 'title'), spaces: fc.boolean() });

/** Free text for the extra column: delimiters, quotes, line breaks (CRLF too), non-ASCII. */
const freeText = fc.string({
  unit: fc.constantFrom(',', ';', '\t', '"', '\n', '\r', '\r\n', ' ', 'a', 'Z', '7', '.', 'é', 'ñ', '😀', "'", '#'),
  maxLength: 24,
});

const tableArbitrary = (allCodes: string[]) =>
  fc
    .record({
      period: fc.constantFrom<Period>('2025-01', '2025-10', '2024-12'),
      codes: fc.shuffledSubarray(allCodes, { minLength: 1, maxLength: 40 }),
      withPeriod: fc.boolean(),
      withEligible: fc.boolean(),
      withSegments: fc.boolean(),
      withExtra: fc.boolean(),
      order: fc.array(fc.double({ noNaN: true }), { minLength: 9, maxLength: 9 }),
      styles: fc.array(headerStyle, { minLength: 9, maxLength: 9 }),
      rowData: fc.array(
        fc.record({
          base: count,
          segments: fc.tuple(count, count, count, count),
          headroom: fc.oneof(fc.constant(0), count),
          eligibleFilled: fc.boolean(),
          periodFilled: fc.boolean(),
          extra: freeText,
        }),
        { minLength: 40, maxLength: 40 },
      ),
    })
    .map((g): GeneratedTable => {
      const present: Column[] = ['code', 'active'];
      if (g.withPeriod) present.push('period');
      if (g.withEligible) present.push('eligible');
      if (g.withSegments) present.push('pu', 'bpu', 'jakon', 'pmi');
      if (g.withExtra) present.push('extra');
      const all: Column[] = ['code', 'period', 'eligible', 'active', 'pu', 'bpu', 'jakon', 'pmi', 'extra'];
      const columns = [...present].sort((a, b) => g.order[all.indexOf(a)]! - g.order[all.indexOf(b)]!);
      const headers = {} as Record<Column, string>;
      all.forEach((column, index) => {
        const style = g.styles[index]!;
        const aliases = ALIASES[column];
        let header = aliases[style.alias % aliases.length]!;
        if (style.spaces) header = header.replace(/_/g, ' ');
        if (style.caseStyle === 'upper') header = header.toUpperCase();
        if (style.caseStyle === 'title') header = header.replace(/(^|[_ ])(\p{L})/gu, (_m, sep: string, ch: string) => sep + ch.toUpperCase());
        headers[column] = header;
      });
      const rows = g.codes.map((code, index): Row => {
        const data = g.rowData[index]!;
        const [pu, bpu, jakon, pmi] = data.segments;
        const active = g.withSegments ? pu + bpu + jakon + pmi : data.base;
        const eligible = g.withEligible && data.eligibleFilled ? active + data.headroom + (active + data.headroom === 0 ? 1 : 0) : null;
        return {
          code,
          active,
          eligible,
          segments: g.withSegments ? { pu, bpu, jakon, pmi } : null,
          periodFilled: data.periodFilled,
          extra: data.extra,
        };
      });
      return { period: g.period, columns, headers, rows };
    });

type NumberStyle = 'plain' | 'id' | 'en';
type Encoding = 'utf8' | 'utf8bom' | 'utf16le' | 'utf16be';

const csvDialect = fc.record({
  kind: fc.constant('csv' as const),
  delimiter: fc.constantFrom(',', ';', '\t'),
  quoteAll: fc.boolean(),
  eol: fc.constantFrom('\n', '\r\n'),
  finalEol: fc.boolean(),
  encoding: fc.constantFrom<Encoding>('utf8', 'utf8bom', 'utf16le', 'utf16be'),
  numbers: fc.constantFrom<NumberStyle>('plain', 'id', 'en'),
  leadingBlanks: fc.nat(2),
  /** Blank lines before each record (and after the last); some are a row of bare delimiters, as Excel writes. */
  blanks: fc.array(fc.constantFrom(0, 0, 0, 1, 2), { minLength: 41, maxLength: 41 }),
  delimiterOnlyBlanks: fc.boolean(),
});
const jsonDialect = fc.record({
  kind: fc.constant('json' as const),
  encoding: fc.constantFrom<Encoding>('utf8', 'utf8bom', 'utf16le', 'utf16be'),
  /** Per number: a JSON number, or text in one of the styles. */
  numberForms: fc.array(fc.constantFrom<'number' | NumberStyle>('number', 'plain', 'id', 'en'), { minLength: 8, maxLength: 8 }),
  emptyAs: fc.constantFrom('omit', 'null', 'empty'),
});
type CsvDialect = typeof csvDialect extends fc.Arbitrary<infer T> ? T : never;
type JsonDialect = typeof jsonDialect extends fc.Arbitrary<infer T> ? T : never;

function formatCount(value: number, style: NumberStyle): string {
  if (style === 'plain') return String(value);
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, style === 'id' ? '.' : ',');
}

function encode(text: string, encoding: Encoding): Buffer {
  switch (encoding) {
    case 'utf8':
      return Buffer.from(text, 'utf8');
    case 'utf8bom':
      return Buffer.from(`\uFEFF${text}`, 'utf8');
    case 'utf16le':
      return Buffer.from(`\uFEFF${text}`, 'utf16le');
    case 'utf16be':
      return Buffer.from(`\uFEFF${text}`, 'utf16le').swap16();
  }
}

/** Cell values of a row by column, as text (numbers in the given style); '' for an empty cell. */
function cellValues(table: GeneratedTable, row: Row, style: (index: number) => NumberStyle): Record<Column, string> {
  return {
    code: row.code,
    period: row.periodFilled ? table.period : '',
    eligible: row.eligible === null ? '' : formatCount(row.eligible, style(0)),
    active: formatCount(row.active, style(1)),
    pu: row.segments ? formatCount(row.segments.pu, style(2)) : '',
    bpu: row.segments ? formatCount(row.segments.bpu, style(3)) : '',
    jakon: row.segments ? formatCount(row.segments.jakon, style(4)) : '',
    pmi: row.segments ? formatCount(row.segments.pmi, style(5)) : '',
    extra: row.extra,
  };
}

const lineBreaks = (text: string) => text.match(/\r\n|\r|\n/g)?.length ?? 0;

function writeCsv(table: GeneratedTable, d: CsvDialect): { bytes: Buffer; lines: number[] } {
  const quote = (cell: string) =>
    d.quoteAll || cell.includes(d.delimiter) || /["\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
  let text = '';
  let line = 1;
  const emit = (chunk: string) => {
    text += chunk;
    line += lineBreaks(chunk);
  };
  const blank = () => emit((d.delimiterOnlyBlanks ? d.delimiter.repeat(table.columns.length - 1) : '') + d.eol);
  for (let i = 0; i < d.leadingBlanks; i += 1) emit(d.eol);
  emit(table.columns.map((column) => quote(table.headers[column])).join(d.delimiter));
  const lines: number[] = [];
  table.rows.forEach((row, index) => {
    emit(d.eol);
    for (let i = 0; i < d.blanks[index]!; i += 1) blank();
    lines.push(line);
    const values = cellValues(table, row, () => d.numbers);
    emit(table.columns.map((column) => quote(values[column])).join(d.delimiter));
  });
  if (d.finalEol) {
    emit(d.eol);
    for (let i = 0; i < d.blanks[40]!; i += 1) blank();
  }
  return { bytes: encode(text, d.encoding), lines };
}

function writeJson(table: GeneratedTable, d: JsonDialect): { bytes: Buffer; lines: number[] } {
  const numeric = new Set<Column>(['eligible', 'active', 'pu', 'bpu', 'jakon', 'pmi']);
  const numberIndex: Partial<Record<Column, number>> = { eligible: 0, active: 1, pu: 2, bpu: 3, jakon: 4, pmi: 5 };
  const objects = table.rows.map((row) => {
    const values = cellValues(table, row, (index) => {
      const form = d.numberForms[index]!;
      return form === 'number' ? 'plain' : form;
    });
    const object: Record<string, unknown> = {};
    for (const column of table.columns) {
      const value = values[column];
      if (value === '' && column !== 'extra') {
        if (d.emptyAs === 'null') object[table.headers[column]] = null;
        else if (d.emptyAs === 'empty') object[table.headers[column]] = '';
        continue;
      }
      const asNumber = numeric.has(column) && d.numberForms[numberIndex[column]!] === 'number';
      object[table.headers[column]] = asNumber ? Number(value) : value;
    }
    return JSON.stringify(object);
  });
  // One object per line, so the array index + 2 the reader reports is also the physical line.
  const text = `[\n${objects.join(',\n')}\n]\n`;
  return { bytes: encode(text, d.encoding), lines: table.rows.map((_row, index) => index + 2) };
}

describe('upload dialects', () => {
  it('reads any valid table in any supported dialect back to the same rows, on the lines written', async () => {
    await fc.assert(
      fc.asyncProperty(tableArbitrary(codes), fc.oneof(csvDialect, jsonDialect), async (table, dialect) => {
        const written = dialect.kind === 'csv' ? writeCsv(table, dialect) : writeJson(table, dialect);
        const fileName = dialect.kind === 'csv' ? 'unggahan.csv' : 'unggahan.json';
        const result = await validateFigures(written.bytes, { fileName, period: table.period, regions });
        expect(result.errors).toEqual([]);
        expect(result.ok).toBe(true);
        expect(result.rows.map((row) => ({ row: row.row, code: row.code, period: row.period, active: row.active, eligible: row.eligible, segments: row.segments }))).toEqual(
          table.rows.map((row, index) => ({
            row: written.lines[index],
            code: row.code,
            period: table.period,
            active: row.active,
            eligible: row.eligible,
            segments: row.segments,
          })),
        );
        const extra = normalise(table.headers.extra);
        const expectedWarnings = table.columns.includes('extra') && !QUIET.has(extra) ? [[1, extra, 'KOLOM_DIABAIKAN']] : [];
        expect(result.warnings.map((w) => [w.row, w.column, w.code])).toEqual(expectedWarnings);
      }),
      { numRuns: Number(process.env.UCJ_PROPERTY_RUNS ?? 200) },
    );
  });
});
