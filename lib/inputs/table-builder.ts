/**
 * The one place where raw rows become a Table, whatever reader found them: CSV (table.ts), JSON
 * (table.ts) and xlsx (xlsx.ts) hand over text cells with their 1-based row, and the builder does the
 * rest alike for all three, so that they cannot drift: header normalisation, the first non-blank row as
 * the header, a duplicate header name read from its first column, trailing empty cells dropped, blank
 * rows skipped, cells beyond the header's named columns counted (extraCells), and the limits on rows,
 * columns and cells, checked row by row so that a reader can stop as soon as one is crossed.
 */
import type { ValidationIssue } from './issues.ts';
import { UPLOAD_LIMITS } from './limits.ts';
import { normaliseHeader, type Table, type TableRecord, type TableResult } from './table-shape.ts';

/**
 * A problem with the file that the admin must fix (broken structure, a limit crossed), thrown inside a
 * reader and returned as its result. Anything else a reader throws is a bug in the code, not the file's.
 */
export class FileProblem extends Error {
  constructor(readonly issue: ValidationIssue) {
    super(`${issue.code}: ${issue.message}`);
  }
}

/** A problem with the file as a whole, not one cell. */
export const fileIssue = (code: string, message: string, row: number | null = null): ValidationIssue => ({ row, column: null, code, message });

export const fileError = (code: string, message: string): { ok: false; error: ValidationIssue } => ({ ok: false, error: fileIssue(code, message) });

/** In a reader's `catch`: a FileProblem becomes the reader's result; anything else is a bug and goes on up. */
export function fileProblemResult(error: unknown): { ok: false; error: ValidationIssue } {
  if (error instanceof FileProblem) return { ok: false, error: error.issue };
  throw error;
}

const count = (value: number) => value.toLocaleString('id-ID');

export function tooManyRowsIssue(maxRows: number, sheet?: string): ValidationIssue {
  return sheet === undefined
    ? fileIssue('BARIS_TERLALU_BANYAK', `Berkas berisi lebih dari ${count(maxRows)} baris data. Pecah menjadi beberapa berkas.`)
    : fileIssue('BARIS_TERLALU_BANYAK', `Lembar "${sheet}" berisi lebih dari ${count(maxRows)} baris data. Pecah menjadi beberapa berkas, mis. satu berkas per bulan.`);
}

const tooManyColumns = (row: number, columns: number, maxColumns: number): ValidationIssue =>
  fileIssue(
    'KOLOM_TERLALU_BANYAK',
    `Berkas berisi ${count(columns)} kolom, lebih dari batas ${count(maxColumns)}. Hapus kolom yang tidak perlu: templat hanya memerlukan 14 kolom.`,
    row,
  );

const tooManyCells = (maxCells: number): ValidationIssue =>
  fileIssue('SEL_TERLALU_BANYAK', `Berkas berisi lebih dari ${count(maxCells)} sel (baris × kolom). Hapus kolom yang tidak perlu atau pecah menjadi beberapa berkas.`);

export interface TableLimits {
  /** Data rows (blank rows and the header not counted). */
  maxRows: number;
  /** Named header columns (CSV, xlsx) or distinct keys (JSON). */
  maxColumns: number;
  /** Cells of every row handed over, header and blank rows included: what the table holds in memory. */
  maxCells: number;
}

export const UPLOAD_TABLE_LIMITS: Readonly<TableLimits> = Object.freeze({
  maxRows: UPLOAD_LIMITS.maxRows,
  maxColumns: UPLOAD_LIMITS.maxColumns,
  maxCells: UPLOAD_LIMITS.maxCells,
});

export interface BuildOptions {
  format: Table['format'];
  delimiter?: string;
  limits?: TableLimits;
  /** The sheet, for an xlsx file: named in the row-limit message. */
  sheet?: string;
  /** What an empty file is told: no header (CSV, xlsx) or no element (JSON). */
  emptyMessage: string;
}

const isBlank = (cell: string) => cell.trim() === '';

/**
 * Rows go in one at a time (`addRow` by position, `addKeyedRow` by key for JSON, where each element
 * names its own columns and so has no cells beyond a header); `finish` gives the table. A limit crossed
 * throws a FileProblem at the row that crossed it.
 */
export class TableBuilder {
  /** The normalised header, once its row has been seen (by position); the keys seen so far (JSON). */
  columns: string[] | undefined;
  private readonly records: TableRecord[] = [];
  private readonly limits: TableLimits;
  private readonly keys = new Set<string>();
  private cells = 0;

  constructor(private readonly options: BuildOptions) {
    this.limits = options.limits ?? UPLOAD_TABLE_LIMITS;
  }

  /** A row of cells by position. The first row that is not blank is the header; blank rows are skipped. */
  addRow(cells: readonly string[], row: number): void {
    let end = cells.length;
    while (end > 0 && cells[end - 1] === '') end -= 1;
    this.count(Math.max(1, end));
    let blank = true;
    for (let index = 0; index < end && blank; index += 1) blank = isBlank(cells[index]!);
    if (blank) return;
    const columns = this.columns;
    if (!columns) {
      const header = cells.slice(0, end).map(normaliseHeader);
      while (header.length > 0 && header[header.length - 1] === '') header.pop();
      const named = header.filter((column) => column !== '').length;
      if (named > this.limits.maxColumns) throw new FileProblem(tooManyColumns(row, named, this.limits.maxColumns));
      this.columns = header;
      return;
    }
    const byColumn = new Map<string, string>();
    for (let index = 0; index < columns.length; index += 1) {
      const column = columns[index]!;
      if (column !== '' && !byColumn.has(column)) byColumn.set(column, cells[index] ?? '');
    }
    let extraCells = 0;
    for (let index = columns.length; index < end; index += 1) if (!isBlank(cells[index]!)) extraCells += 1;
    this.push({ row, cells: byColumn, extraCells });
  }

  /** A JSON element's cells by key, in its order; a key seen twice (after normalisation) is read from its first. */
  addKeyedRow(entries: Iterable<readonly [string, string]>, row: number): void {
    const byColumn = new Map<string, string>();
    for (const [key, cell] of entries) {
      const column = normaliseHeader(key);
      this.keys.add(column);
      if (!byColumn.has(column)) byColumn.set(column, cell);
    }
    if (this.keys.size > this.limits.maxColumns) throw new FileProblem(tooManyColumns(row, this.keys.size, this.limits.maxColumns));
    this.count(byColumn.size);
    this.push({ row, cells: byColumn, extraCells: 0 });
  }

  finish(): TableResult {
    const columns = this.columns ?? (this.keys.size > 0 || this.records.length > 0 ? [...this.keys] : undefined);
    if (!columns) return fileError('BERKAS_KOSONG', this.options.emptyMessage);
    const { format, delimiter } = this.options;
    return { ok: true, table: { columns, records: this.records, format, ...(delimiter === undefined ? {} : { delimiter }) } };
  }

  private count(cells: number): void {
    this.cells += cells;
    if (this.cells > this.limits.maxCells) throw new FileProblem(tooManyCells(this.limits.maxCells));
  }

  private push(record: TableRecord): void {
    if (this.records.length >= this.limits.maxRows) throw new FileProblem(tooManyRowsIssue(this.limits.maxRows, this.options.sheet));
    this.records.push(record);
  }
}
