/**
 * What every kind of file (figures, targets, recipients, groups) gets alike, in one place: read by
 * readTable (any dialect, CSV, JSON or xlsx), its columns found by their aliases, a missing required
 * column named at row 1, a row with more cells than the header reported with its row and left unjudged
 * (its cells are shifted: any other error on it would name the wrong column), at most 200 errors, and a
 * bug in the reading or the checking reported as the system's fault, never as the file's.
 */
import { IssueList, type ValidationIssue } from './issues.ts';
import { readTable, resolveColumn, type Table, type TableRecord } from './table.ts';

/** Errors (and warnings) listed at most, then one TERLALU_BANYAK line. */
export const MAX_ISSUES = 200;

/** What every kind's validation says. */
export interface FileValidation {
  ok: boolean;
  /** Data rows read (valid or not). */
  rowCount: number;
  errors: ValidationIssue[];
  /**
   * A bug in the code that read or checked the file (a TypeError, a RangeError): the file was not judged.
   * `errors` then holds SYSTEM_FAULT alone; the caller logs this and must not treat the file as rejected.
   */
  fault?: Error;
}

/** Where a job logs a fault: the part of powertools' Logger it needs. */
export interface ErrorLogger {
  error(message: string, attributes: Record<string, unknown>): void;
}

/** What an invocation fails with when the code, not the file, failed: Lambda retries it, and the alarm goes off. */
export class ReaderFault extends Error {
  override readonly name = 'ReaderFault';
  constructor(what: string, cause: Error) {
    super(`${what} could not be validated because of a bug in the code (not the file): ${cause.message}`, { cause });
  }
}

/** What an admin is told of a bug: not their file's fault. */
export const SYSTEM_FAULT: ValidationIssue = {
  row: null,
  column: null,
  code: 'KESALAHAN_SISTEM',
  message:
    'Terjadi kesalahan sistem saat memeriksa berkas ini; ini bukan kesalahan pada berkas Anda. Tim operator sudah diberi tahu. Berkas tetap tersimpan dan akan diperiksa ulang.',
};

export interface ColumnSpec {
  /** The header names it may stand under; messages name the first. */
  aliases: readonly string[];
  required?: boolean;
}

export interface InputFile<K extends string> {
  table: Table;
  /** The header each column stands under in this file; undefined when the file lacks it. */
  columns: Record<K, string | undefined>;
  errors: IssueList;
  /** A record's text under a column; '' when the file lacks the column. */
  cell(record: TableRecord, key: K): string;
  /** The records to judge, in file order. One with more cells than the header gets SEL_BERLEBIH instead. */
  records(): Generator<TableRecord>;
}

/**
 * Reads a kind of file and has `check` judge it. A file that cannot be read as a table is `rejected`
 * with its one error; a missing required column is in `file.errors` when `check` is called. Whatever
 * is thrown on the way is a bug: the result is `rejected` with SYSTEM_FAULT, and says so in `fault`.
 */
export async function validateInputFile<K extends string, R extends FileValidation>(
  bytes: Uint8Array,
  fileName: string,
  spec: { columns: Record<K, ColumnSpec>; rejected: (errors: ValidationIssue[]) => R },
  check: (file: InputFile<K>) => R,
): Promise<R> {
  try {
    const read = await readTable(bytes, fileName);
    if (!read.ok) return spec.rejected([read.error]);
    return check(inputFile(read.table, spec.columns));
  } catch (error) {
    return { ...spec.rejected([SYSTEM_FAULT]), fault: error instanceof Error ? error : new Error(String(error)) };
  }
}

function inputFile<K extends string>(table: Table, specs: Record<K, ColumnSpec>): InputFile<K> {
  const errors = new IssueList(MAX_ISSUES);
  // Object.keys forgets the keys' type; they are the spec's own.
  const keys = Object.keys(specs) as K[];
  const columns = {} as Record<K, string | undefined>;
  for (const key of keys) {
    const { aliases, required } = specs[key];
    columns[key] = resolveColumn(table.columns, aliases);
    const label = aliases[0] ?? key;
    if (required && !columns[key]) {
      errors.add({ row: 1, column: label, code: 'KOLOM_WAJIB_HILANG', message: `Kolom wajib "${label}" tidak ada di baris judul.` });
    }
  }
  const cell = (record: TableRecord, key: K): string => {
    const column = columns[key];
    return column === undefined ? '' : (record.cells.get(column) ?? '');
  };
  function* records(): Generator<TableRecord> {
    for (const record of table.records) {
      if (record.extraCells === 0) yield record;
      else errors.add(extraCellsIssue(record));
    }
  }
  return { table, columns, errors, cell, records };
}

/** The error for a record with more cells than the header has columns. */
function extraCellsIssue(record: TableRecord): ValidationIssue {
  return {
    row: record.row,
    column: null,
    code: 'SEL_BERLEBIH',
    message: `Baris ini berisi ${record.extraCells} sel lebih banyak daripada baris judul, sehingga isinya tergeser ke kolom lain. Biasanya karena angka desimal dengan koma (38,39) di berkas berpemisah koma: beri tanda kutip, atau simpan dengan pemisah titik koma (;).`,
  };
}
