/**
 * Turns an uploaded file's bytes into a table of text cells, whatever dialect Excel or a person wrote it in:
 * CSV with `,` `;` or tab, UTF-8 with or without BOM, UTF-16 with BOM, or a JSON array of objects; xlsx
 * in xlsx.ts. Each reader only finds the rows; the one TableBuilder (table-builder.ts) makes them a table.
 * Cells stay text here; each kind of file (input-file.ts: figures, targets, recipients, groups) gives them meaning.
 *
 * A reader returns what is wrong with the file; anything else it throws (a TypeError, a RangeError) is a
 * bug in the code and goes on up: never reported as a broken file (input-file.ts says what becomes of it).
 */
import { CsvError, parse as parseCsv } from 'csv-parse/sync';
import type { ValidationIssue } from './issues.ts';
import { tooLargeMessage, UPLOAD_LIMITS } from './limits.ts';
import { fileError, fileIssue, FileProblem, fileProblemResult, TableBuilder, tooManyRowsIssue } from './table-builder.ts';
import type { TableResult } from './table-shape.ts';

export { normaliseHeader, type Table, type TableRecord, type TableResult } from './table-shape.ts';

const DELIMITERS = [',', ';', '\t'] as const;

const EMPTY_CSV = 'Berkas kosong: tidak ada baris judul maupun data.';

const LINE_BREAK = /\r\n|\r|\n/g;
const countMatches = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;

/** Decodes by BOM: UTF-16 LE/BE or UTF-8 (BOM optional). Rejects bytes that are not text. */
export function decodeText(bytes: Uint8Array): { ok: true; text: string } | { ok: false; error: ValidationIssue } {
  const b0 = bytes[0];
  const b1 = bytes[1];
  let text: string;
  try {
    if (b0 === 0xff && b1 === 0xfe) text = new TextDecoder('utf-16le', { fatal: true }).decode(bytes.subarray(2));
    else if (b0 === 0xfe && b1 === 0xff) text = new TextDecoder('utf-16be', { fatal: true }).decode(bytes.subarray(2));
    else text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (error) {
    // A fatal TextDecoder says so with a TypeError: here, and only here, that is the file's fault.
    if (!(error instanceof TypeError)) throw error;
    return fileError('BUKAN_TEKS', 'Berkas tidak dapat dibaca sebagai teks (UTF-8 atau UTF-16). Simpan ulang dari Excel sebagai "CSV UTF-8".');
  }
  if (text.includes('\u0000')) {
    return fileError('BUKAN_TEKS', 'Berkas berisi data biner, bukan tabel CSV. Simpan ulang dari Excel sebagai "CSV UTF-8" atau unggah .xlsx.');
  }
  return { ok: true, text };
}

/**
 * How the CSV reader and the delimiter's detection read CSV, as Excel does: a quote opens a quoted field
 * only at the start of a field; anywhere else (`KOTA "METRO"`, `12"3`, as hand-edited files have) it is
 * a character of the cell. Rows may have fewer or more cells than the header (more is an error the
 * builder counts, with its row); empty lines are skipped.
 */
const CSV_DIALECT = { relax_quotes: true, relax_column_count: true, skip_empty_lines: true } as const;

/**
 * Picks the delimiter that splits the first lines into the most consistent table: the header must have
 * more than one column, and the score is how many records have exactly the header's column count. A
 * record csv-parse cannot finish (a quote never closed) ends the sample: the lines before it still count.
 */
export function detectDelimiter(text: string): string {
  let best: { delimiter: string; score: number; columns: number } = { delimiter: ',', score: -1, columns: 0 };
  for (const delimiter of DELIMITERS) {
    const lengths: number[] = [];
    try {
      parseCsv(text, { ...CSV_DIALECT, delimiter, to_line: 50, on_record: (record: string[]) => void lengths.push(record.length) });
    } catch (error) {
      if (!(error instanceof CsvError)) throw error;
    }
    const columns = lengths[0] ?? 0;
    if (columns < 2) continue;
    const score = lengths.filter((length) => length === columns).length;
    if (score > best.score || (score === best.score && columns > best.columns)) best = { delimiter, score, columns };
  }
  return best.delimiter;
}

export function readCsvTable(text: string): TableResult {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') return fileError('BERKAS_KOSONG', EMPTY_CSV);
  const delimiter = detectDelimiter(body);
  const builder = new TableBuilder({ format: 'csv', delimiter, emptyMessage: EMPTY_CSV });
  // Where each record starts. csv-parse's `lines` is where a record ends, and it counts a CRLF inside a
  // quoted field as two lines; a reader counts it as one, so that surplus is carried to later records.
  let surplus = 0;
  /** The line the last record read ends on: a record csv-parse cannot finish starts after it. */
  let lastLine = 0;
  try {
    parseCsv(body, {
      ...CSV_DIALECT,
      delimiter,
      bom: true,
      max_record_size: UPLOAD_LIMITS.maxRecordChars,
      // Each record goes to the builder as it is read, which stops the parse at a limit; none is kept here.
      on_record: (record: string[], { lines }) => {
        let breaks = 0;
        let newlineChars = 0;
        for (const cell of record) {
          if (!cell.includes('\n') && !cell.includes('\r')) continue;
          breaks += countMatches(cell, LINE_BREAK);
          newlineChars += countMatches(cell, /[\r\n]/g);
        }
        surplus += newlineChars - breaks;
        const row = lines - surplus - breaks;
        lastLine = row + breaks;
        builder.addRow(record, row);
        return null;
      },
    });
  } catch (error) {
    if (error instanceof CsvError) return { ok: false, error: csvIssue(error, firstLineAfter(body, lastLine)) };
    return fileProblemResult(error);
  }
  return builder.finish();
}

/** The first line after `line` that is not empty (1-based): where a record that follows `line` starts. */
function firstLineAfter(text: string, line: number): number {
  const lines = text.split(LINE_BREAK);
  let index = line;
  while (index < lines.length - 1 && lines[index] === '') index += 1;
  return index + 1;
}

/** What csv-parse refused, at the line where the record it could not read starts. */
function csvIssue(error: CsvError, row: number): ValidationIssue {
  if (error.code === 'CSV_MAX_RECORD_SIZE') {
    return fileIssue(
      'BARIS_TERLALU_PANJANG',
      `Baris ${row} terlalu panjang (lebih dari ${UPLOAD_LIMITS.maxRecordChars} karakter): periksa pemisah kolom dan tanda kutip.`,
      row,
    );
  }
  if (error.code === 'CSV_QUOTE_NOT_CLOSED') {
    return fileIssue(
      'CSV_RUSAK',
      `Struktur CSV rusak: tanda kutip di awal sel pada baris ${row} tidak pernah ditutup, sehingga sisa berkas terbaca sebagai satu sel. Tutup tanda kutipnya, atau hapus bila bukan bagian dari isi sel.`,
      row,
    );
  }
  return fileIssue('CSV_RUSAK', `Struktur CSV rusak di sekitar baris ${row} (misalnya tanda kutip yang tidak ditutup).`, row);
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

const JSON_CORRUPT = () => new FileProblem(fileIssue('JSON_RUSAK', 'Berkas .json tidak dapat dibaca: bukan JSON yang sah.'));

/** JSON.parse, where a SyntaxError is the file's fault and anything else is not. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (error instanceof SyntaxError) throw JSON_CORRUPT();
    throw error;
  }
}

/**
 * The top-level array's elements as spans of the text, found without building anything. JSON.parse of a
 * whole hostile file is not bounded: 20 MB of `[[[[…` peaks over 1 GB, and 20 MB of objects with ever
 * new keys (a new hidden class each) near 2 GB. So each element is parsed on its own, at most
 * maxRecordChars long, and nesting is capped. `null` when the text is not an array.
 */
function jsonArrayElements(text: string): Array<[number, number]> | null {
  let at = text.search(/[^ \t\n\r]/);
  if (at < 0 || text[at] !== '[') return null;
  const spans: Array<[number, number]> = [];
  const push = (start: number, end: number) => {
    if (end - start > UPLOAD_LIMITS.maxRecordChars) {
      throw new FileProblem(
        fileIssue(
          'BARIS_TERLALU_PANJANG',
          `Elemen ke-${spans.length + 1} larik terlalu panjang (lebih dari ${UPLOAD_LIMITS.maxRecordChars} karakter): satu wilayah cukup satu objek berisi angka dan teks.`,
          spans.length + 2,
        ),
      );
    }
    spans.push([start, end]);
    if (spans.length > UPLOAD_LIMITS.maxRows) throw new FileProblem(tooManyRowsIssue(UPLOAD_LIMITS.maxRows));
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
        throw new FileProblem(
          fileIssue(
            'JSON_TERLALU_DALAM',
            `Berkas .json bersarang lebih dari ${UPLOAD_LIMITS.maxJsonDepth} tingkat. Isinya harus satu larik berisi satu objek datar per wilayah, mis. [{"kode_wilayah": "18", "peserta_aktif": 1084126}].`,
          ),
        );
      }
    } else if (ch === 0x5d || ch === 0x7d) {
      depth -= 1;
      if (depth === 0) {
        // `[1,]`: an empty element after a comma.
        if (start < 0 && spans.length > 0) throw JSON_CORRUPT();
        if (start >= 0) push(start, at);
        if (/[^ \t\n\r]/.test(text.slice(at + 1))) throw JSON_CORRUPT();
        return spans;
      }
    } else if (ch === 0x2c && depth === 1) {
      if (start < 0) throw JSON_CORRUPT();
      push(start, at);
      start = -1;
    }
  }
  throw JSON_CORRUPT();
}

export function readJsonTable(text: string): TableResult {
  const body = text.replace(/^\uFEFF/, '');
  try {
    const spans = jsonArrayElements(body);
    if (spans === null) {
      // Not an array. A small file is parsed to tell broken JSON from valid JSON of the wrong shape; a large
      // one is not parsed at all (see jsonArrayElements), and either way it is not what an upload must be.
      if (body.length <= UPLOAD_LIMITS.maxRecordChars) parseJson(body);
      return fileError('JSON_BUKAN_LARIK', 'Berkas .json harus berupa larik (array) objek, satu objek per wilayah.');
    }
    const builder = new TableBuilder({ format: 'json', emptyMessage: 'Berkas .json berisi larik kosong: tidak ada data.' });
    for (const [index, [start, end]] of spans.entries()) {
      const item = parseJson(body.slice(start, end));
      const entries = item !== null && typeof item === 'object' && !Array.isArray(item) ? Object.entries(item) : [];
      builder.addKeyedRow(
        entries.map(([key, cell]) => [key, jsonCellText(cell)] as const),
        index + 2,
      );
    }
    return builder.finish();
  } catch (error) {
    return fileProblemResult(error);
  }
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

/** The headers a region code may stand under, in every kind of file. */
export const REGION_CODE_ALIASES = ['kode_wilayah', 'kode', 'kode_kemendagri'] as const;

/** The first present alias of a column, so `kode`, `kode_kemendagri` and `kode_wilayah` all read the same. */
export function resolveColumn(columns: readonly string[], aliases: readonly string[]): string | undefined {
  return aliases.find((alias) => columns.includes(alias));
}
