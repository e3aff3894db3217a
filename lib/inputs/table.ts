/**
 * Turns an uploaded file's bytes into a table of text cells, whatever dialect Excel or a person wrote it in:
 * CSV with `,` `;` or tab, UTF-8 with or without BOM, UTF-16 with BOM, or a JSON array of objects.
 * Cells stay text here; each kind of file (figures, targets, recipients) gives them meaning.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import type { ValidationIssue } from './issues.ts';
import { tooLargeMessage, UPLOAD_LIMITS } from './limits.ts';

export interface TableRecord {
  /** Where the record is in the file: the 1-based line (header = 1), or array index + 2 for JSON. */
  row: number;
  /** Cells by normalised header name. A Map, so headers such as `__proto__` are only ever data. */
  cells: Map<string, string>;
  /** Non-empty cells beyond the header's columns: usually a decimal comma in a comma-separated file. */
  extraCells: number;
}

export interface Table {
  /** Normalised header names, in file order. */
  columns: string[];
  records: TableRecord[];
  format: 'csv' | 'json' | 'xlsx';
  delimiter?: string;
}

export type TableResult = { ok: true; table: Table } | { ok: false; error: ValidationIssue };

const DELIMITERS = [',', ';', '\t'] as const;

export function normaliseHeader(name: string): string {
  return name.trim().toLowerCase().replace(/\s+/g, '_');
}

function tooManyRows(): { ok: false; error: ValidationIssue } {
  return fileError('BARIS_TERLALU_BANYAK', `Berkas berisi lebih dari ${UPLOAD_LIMITS.maxRows.toLocaleString('id-ID')} baris data. Pecah menjadi beberapa berkas.`);
}

const countMatches = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;

/** A problem with the file as a whole, not one cell. */
function fileError(code: string, message: string): { ok: false; error: ValidationIssue } {
  return { ok: false, error: { row: null, column: null, code, message } };
}

/** Decodes by BOM: UTF-16 LE/BE or UTF-8 (BOM optional). Rejects bytes that are not text. */
export function decodeText(bytes: Uint8Array): { ok: true; text: string } | { ok: false; error: ValidationIssue } {
  const b0 = bytes[0];
  const b1 = bytes[1];
  let text: string;
  try {
    if (b0 === 0xff && b1 === 0xfe) text = new TextDecoder('utf-16le', { fatal: true }).decode(bytes.subarray(2));
    else if (b0 === 0xfe && b1 === 0xff) text = new TextDecoder('utf-16be', { fatal: true }).decode(bytes.subarray(2));
    else text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return fileError('BUKAN_TEKS', 'Berkas tidak dapat dibaca sebagai teks (UTF-8 atau UTF-16). Simpan ulang dari Excel sebagai "CSV UTF-8".');
  }
  if (text.includes('\u0000')) {
    return fileError('BUKAN_TEKS', 'Berkas berisi data biner, bukan tabel CSV. Simpan ulang dari Excel sebagai "CSV UTF-8" atau unggah .xlsx.');
  }
  return { ok: true, text };
}

/**
 * Picks the delimiter that splits the first lines into the most consistent table: the header must have
 * more than one column, and the score is how many records have exactly the header's column count.
 */
export function detectDelimiter(text: string): string {
  let best: { delimiter: string; score: number; columns: number } = { delimiter: ',', score: -1, columns: 0 };
  for (const delimiter of DELIMITERS) {
    let rows: string[][];
    try {
      rows = parseCsv(text, { delimiter, to_line: 50, relax_column_count: true, relax_quotes: true, skip_empty_lines: true });
    } catch {
      continue;
    }
    const columns = rows[0]?.length ?? 0;
    if (columns < 2) continue;
    const score = rows.filter((row) => row.length === columns).length;
    if (score > best.score || (score === best.score && columns > best.columns)) best = { delimiter, score, columns };
  }
  return best.delimiter;
}

export function readCsvTable(text: string): TableResult {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') return fileError('BERKAS_KOSONG', 'Berkas kosong: tidak ada baris judul maupun data.');
  const delimiter = detectDelimiter(body);
  let parsed: Array<{ record: string[]; info: { lines: number } }>;
  try {
    // csv-parse's typings do not follow `info: true` to the record-with-info shape it returns.
    parsed = parseCsv(body, {
      delimiter,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      bom: true,
      max_record_size: UPLOAD_LIMITS.maxRecordChars,
      // Stop reading one record past the cap: enough to know the file is over it, without reading the rest.
      to: UPLOAD_LIMITS.maxRows + 2,
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? null;
    if ((error as { code?: string }).code === 'CSV_MAX_RECORD_SIZE') {
      return {
        ok: false,
        error: {
          row: line,
          column: null,
          code: 'BARIS_TERLALU_PANJANG',
          message: `Baris ${line ?? '?'} terlalu panjang (lebih dari ${UPLOAD_LIMITS.maxRecordChars} karakter): periksa pemisah kolom dan tanda kutip.`,
        },
      };
    }
    return {
      ok: false,
      error: {
        row: line,
        column: null,
        code: 'CSV_RUSAK',
        message: `Struktur CSV rusak${line ? ` di sekitar baris ${line}` : ''} (misalnya tanda kutip yang tidak ditutup).`,
      },
    };
  }
  // Where each record starts. csv-parse's info.lines is where a record ends, and it counts a CRLF inside a
  // quoted field as two lines; a reader counts it as one, so that surplus is carried to later records.
  let surplus = 0;
  const located = parsed.map((entry) => {
    const breaks = entry.record.reduce((sum, cell) => sum + countMatches(cell, /\r\n|\r|\n/g), 0);
    surplus += entry.record.reduce((sum, cell) => sum + countMatches(cell, /[\r\n]/g), 0) - breaks;
    return { record: entry.record, row: entry.info.lines - surplus - breaks };
  });
  const [headerEntry, ...dataEntries] = located;
  if (!headerEntry) return fileError('BERKAS_KOSONG', 'Berkas kosong: tidak ada baris judul maupun data.');
  if (dataEntries.length > UPLOAD_LIMITS.maxRows) return tooManyRows();
  const columns = headerEntry.record.map(normaliseHeader);
  const records: TableRecord[] = dataEntries
    .filter((entry) => entry.record.some((cell) => cell.trim() !== ''))
    .map((entry) => {
      const cells = new Map<string, string>();
      columns.forEach((column, index) => {
        if (column !== '' && !cells.has(column)) cells.set(column, entry.record[index] ?? '');
      });
      const extraCells = entry.record.slice(columns.length).filter((cell) => cell.trim() !== '').length;
      return { row: entry.row, cells, extraCells };
    });
  return { ok: true, table: { columns, records, format: 'csv', delimiter } };
}

/**
 * A JSON value as the text a cell would hold. A fractional number such as 1.149 would read as the grouped
 * count 1.149 = 1149 in Indonesian notation, so it gets a trailing zero (1.1490): still the same decimal,
 * but no longer a whole number to the count parser.
 */
function jsonCellText(cell: unknown): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'object') return JSON.stringify(cell);
  if (typeof cell === 'number' && !Number.isInteger(cell)) {
    const text = String(cell);
    return /^-?\d+\.\d+$/.test(text) ? `${text}0` : text;
  }
  return String(cell);
}

export function readJsonTable(text: string): TableResult {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return fileError('JSON_RUSAK', 'Berkas .json tidak dapat dibaca: bukan JSON yang sah.');
  }
  if (Array.isArray(value) && value.length > UPLOAD_LIMITS.maxRows) return tooManyRows();
  if (!Array.isArray(value)) return fileError('JSON_BUKAN_LARIK', 'Berkas .json harus berupa larik (array) objek, satu objek per wilayah.');
  if (value.length === 0) return fileError('BERKAS_KOSONG', 'Berkas .json berisi larik kosong: tidak ada data.');
  const columnSet = new Set<string>();
  const records: TableRecord[] = [];
  for (const [index, item] of value.entries()) {
    const cells = new Map<string, string>();
    if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
      for (const [key, cell] of Object.entries(item)) {
        const column = normaliseHeader(key);
        columnSet.add(column);
        cells.set(column, jsonCellText(cell));
      }
    }
    records.push({ row: index + 2, cells, extraCells: 0 });
  }
  return { ok: true, table: { columns: [...columnSet], records, format: 'json' } };
}

/** Reads a table from a file's bytes, choosing by the file name's extension. */
export async function readTable(bytes: Uint8Array, fileName: string): Promise<TableResult> {
  const extension = fileName.toLowerCase().split('.').pop() ?? '';
  if (bytes.length === 0) return fileError('BERKAS_KOSONG', 'Berkas kosong (0 byte).');
  if (bytes.length > UPLOAD_LIMITS.maxBytes) return fileError('BERKAS_TERLALU_BESAR', tooLargeMessage(bytes.length));
  // Loaded only when an Excel file arrives: exceljs is the largest part of a bundle that may never need it.
  if (extension === 'xlsx') return (await import('./xlsx.ts')).readXlsxTable(bytes);
  if (extension === 'xls') {
    return fileError('FORMAT_TIDAK_DIDUKUNG', 'Format Excel lama (.xls) tidak didukung. Simpan sebagai "Buku Kerja Excel (.xlsx)" atau "CSV UTF-8" lalu unggah ulang.');
  }
  const decoded = decodeText(bytes);
  if (!decoded.ok) return decoded;
  return extension === 'json' ? readJsonTable(decoded.text) : readCsvTable(decoded.text);
}

/** The error for a record with more cells than the header has columns, if it has any. */
export function extraCellsIssue(record: TableRecord): ValidationIssue | undefined {
  if (record.extraCells === 0) return undefined;
  return {
    row: record.row,
    column: null,
    code: 'SEL_BERLEBIH',
    message: `Baris ini berisi ${record.extraCells} sel lebih banyak daripada baris judul. Biasanya karena angka desimal dengan koma (38,39) di berkas berpemisah koma: beri tanda kutip, atau simpan dengan pemisah titik koma (;).`,
  };
}

/** The headers a region code may stand under, in every kind of file. */
export const REGION_CODE_ALIASES = ['kode_wilayah', 'kode', 'kode_kemendagri'] as const;

/** The first present alias of a column, so `kode`, `kode_kemendagri` and `kode_wilayah` all read the same. */
export function resolveColumn(columns: readonly string[], aliases: readonly string[]): string | undefined {
  return aliases.find((alias) => columns.includes(alias));
}
