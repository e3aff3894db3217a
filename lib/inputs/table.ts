/**
 * Turns an uploaded file's bytes into a table of text cells, whatever dialect Excel or a person wrote it in:
 * CSV with `,` `;` or tab, UTF-8 with or without BOM, UTF-16 with BOM, or a JSON array of objects.
 * Cells stay text here; each kind of file (figures, targets, recipients) gives them meaning.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import type { ValidationIssue } from './issues.ts';
import { tooLargeMessage, UPLOAD_LIMITS } from './limits.ts';
import { normaliseHeader, type TableRecord, type TableResult } from './table-shape.ts';

export { normaliseHeader, type Table, type TableRecord, type TableResult } from './table-shape.ts';

const DELIMITERS = [',', ';', '\t'] as const;

function tooManyRows(): { ok: false; error: ValidationIssue } {
  return fileError('BARIS_TERLALU_BANYAK', `Berkas berisi lebih dari ${UPLOAD_LIMITS.maxRows.toLocaleString('id-ID')} baris data. Pecah menjadi beberapa berkas.`);
}

const tooManyColumns = (row: number | null, count: number): ValidationIssue => ({
  row,
  column: null,
  code: 'KOLOM_TERLALU_BANYAK',
  message: `Berkas berisi ${count.toLocaleString('id-ID')} kolom, lebih dari batas ${UPLOAD_LIMITS.maxColumns.toLocaleString('id-ID')}. Hapus kolom yang tidak perlu: templat hanya memerlukan 14 kolom.`,
});

const tooManyCells = (): ValidationIssue => ({
  row: null,
  column: null,
  code: 'SEL_TERLALU_BANYAK',
  message: `Berkas berisi lebih dari ${UPLOAD_LIMITS.maxCells.toLocaleString('id-ID')} sel (baris × kolom). Hapus kolom yang tidak perlu atau pecah menjadi beberapa berkas.`,
});

/** A limit crossed while reading: thrown from inside the parser, returned as the file's one error. */
class LimitBreach extends Error {
  constructor(readonly issue: ValidationIssue) {
    super(issue.code);
  }
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
  let cells = 0;
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
      // What the table holds is bounded by cells, not only rows: trailing empty cells (Excel's used range
      // reaching far right) are dropped, and the named header columns and all cells are counted.
      // With `info: true` each record arrives as `{ record, info }`, which the typings do not follow either.
      on_record: ((entry: { record: string[]; info: { lines: number } }) => {
        const { record } = entry;
        let end = record.length;
        while (end > 0 && record[end - 1] === '') end -= 1;
        record.length = end;
        if (cells === 0) {
          const named = record.filter((cell) => cell.trim() !== '').length;
          if (named > UPLOAD_LIMITS.maxColumns) throw new LimitBreach(tooManyColumns(1, named));
        }
        cells += Math.max(1, end);
        if (cells > UPLOAD_LIMITS.maxCells) throw new LimitBreach(tooManyCells());
        return entry;
      }) as unknown as (record: string[]) => string[],
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  } catch (error) {
    if (error instanceof LimitBreach) return { ok: false, error: error.issue };
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

/**
 * The top-level array's elements as spans of the text, found without building anything. JSON.parse of a
 * whole hostile file is not bounded: 20 MB of `[[[[…` peaks over 1 GB, and 20 MB of objects with ever
 * new keys (a new hidden class each) near 2 GB. So each element is parsed on its own, at most
 * maxRecordChars long, and nesting is capped. `null` when the text is not an array.
 */
function jsonArrayElements(text: string): { ok: true; spans: Array<[number, number]> | null } | { ok: false; error: ValidationIssue } {
  const corrupt = fileError('JSON_RUSAK', 'Berkas .json tidak dapat dibaca: bukan JSON yang sah.');
  let at = text.search(/[^ \t\n\r]/);
  if (at < 0 || text[at] !== '[') return { ok: true, spans: null };
  const spans: Array<[number, number]> = [];
  const push = (start: number, end: number): ValidationIssue | undefined => {
    if (end - start > UPLOAD_LIMITS.maxRecordChars) {
      return {
        row: spans.length + 2,
        column: null,
        code: 'BARIS_TERLALU_PANJANG',
        message: `Elemen ke-${spans.length + 1} larik terlalu panjang (lebih dari ${UPLOAD_LIMITS.maxRecordChars} karakter): satu wilayah cukup satu objek berisi angka dan teks.`,
      };
    }
    spans.push([start, end]);
    return spans.length > UPLOAD_LIMITS.maxRows ? tooManyRows().error : undefined;
  };
  let depth = 0;
  let start = -1;
  let inString = false;
  for (; at < text.length; at += 1) {
    const ch = text.charCodeAt(at);
    if (inString) {
      if (ch === 0x5c) at += 1;
      else if (ch === 0x22) inString = false;
      continue;
    }
    if (ch === 0x20 || ch === 0x0a || ch === 0x0d || ch === 0x09) continue;
    if (depth === 1 && start < 0 && ch !== 0x2c && ch !== 0x5d) start = at;
    if (ch === 0x22) {
      inString = true;
    } else if (ch === 0x5b || ch === 0x7b) {
      depth += 1;
      if (depth > UPLOAD_LIMITS.maxJsonDepth) {
        return fileError(
          'JSON_TERLALU_DALAM',
          `Berkas .json bersarang lebih dari ${UPLOAD_LIMITS.maxJsonDepth} tingkat. Isinya harus satu larik berisi satu objek datar per wilayah, mis. [{"kode_wilayah": "18", "peserta_aktif": 1084126}].`,
        );
      }
    } else if (ch === 0x5d || ch === 0x7d) {
      depth -= 1;
      if (depth === 0) {
        // `[1,]`: an empty element after a comma.
        if (start < 0 && spans.length > 0) return corrupt;
        const issue = start >= 0 ? push(start, at) : undefined;
        if (issue) return { ok: false, error: issue };
        return /[^ \t\n\r]/.test(text.slice(at + 1)) ? corrupt : { ok: true, spans };
      }
    } else if (ch === 0x2c && depth === 1) {
      if (start < 0) return corrupt;
      const issue = push(start, at);
      if (issue) return { ok: false, error: issue };
      start = -1;
    }
  }
  return corrupt;
}

export function readJsonTable(text: string): TableResult {
  const body = text.replace(/^\uFEFF/, '');
  const scan = jsonArrayElements(body);
  if (!scan.ok) return scan;
  if (scan.spans === null) {
    // Not an array. A small file is parsed to tell broken JSON from valid JSON of the wrong shape; a large
    // one is not parsed at all (see jsonArrayElements), and either way it is not what an upload must be.
    if (body.length <= UPLOAD_LIMITS.maxRecordChars) {
      try {
        JSON.parse(body);
      } catch {
        return fileError('JSON_RUSAK', 'Berkas .json tidak dapat dibaca: bukan JSON yang sah.');
      }
    }
    return fileError('JSON_BUKAN_LARIK', 'Berkas .json harus berupa larik (array) objek, satu objek per wilayah.');
  }
  if (scan.spans.length === 0) return fileError('BERKAS_KOSONG', 'Berkas .json berisi larik kosong: tidak ada data.');
  const columnSet = new Set<string>();
  const records: TableRecord[] = [];
  let cellCount = 0;
  for (const [index, [start, end]] of scan.spans.entries()) {
    let item: unknown;
    try {
      item = JSON.parse(body.slice(start, end));
    } catch {
      return fileError('JSON_RUSAK', 'Berkas .json tidak dapat dibaca: bukan JSON yang sah.');
    }
    const cells = new Map<string, string>();
    if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
      for (const [key, cell] of Object.entries(item)) {
        const column = normaliseHeader(key);
        columnSet.add(column);
        cells.set(column, jsonCellText(cell));
      }
    }
    if (columnSet.size > UPLOAD_LIMITS.maxColumns) return { ok: false, error: tooManyColumns(index + 2, columnSet.size) };
    cellCount += cells.size;
    if (cellCount > UPLOAD_LIMITS.maxCells) return { ok: false, error: tooManyCells() };
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
