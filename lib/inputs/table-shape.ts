/**
 * What every reader (CSV and JSON in table.ts, xlsx in xlsx.ts) hands on: records of text cells by
 * normalised header. Its own module so the readers share it without importing each other.
 */
import type { ValidationIssue } from './issues.ts';

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

export function normaliseHeader(name: string): string {
  return name.trim().toLowerCase().replace(/\s+/g, '_');
}
