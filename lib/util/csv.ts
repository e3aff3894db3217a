/**
 * CSV as this project writes it (the upload template, the sample dataset): one cell-escaping rule for
 * every writer.
 *
 * CSV injection (OWASP "CSV Injection"): a spreadsheet opening a CSV runs a cell that begins with `=`,
 * `+`, `-`, `@`, tab or carriage return as a formula (`=HYPERLINK(…)`, `+cmd|' /C calc'!A0`). Such a
 * text cell gets a leading `'`, so it shows as text. A number is never a formula, so numbers stay as
 * they are and read back as numbers: a JS number is written as `String(value)`, and text that is a
 * plain decimal number (`-5`, `-0.25`, what `String` writes for a number) is left alone too. Then a
 * cell is quoted when it holds the delimiter, a quote or a line break.
 */

const FORMULA_START = /^[=+\-@\t\r]/;
/** A plain decimal number as JavaScript writes one: `-5`, `-0.25`. Harmless as a formula. */
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/** One text cell, made safe for a spreadsheet and quoted as CSV needs. */
export function escapeCsvCell(value: string, delimiter = ','): string {
  const safe = FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
  return /["\r\n]/.test(safe) || safe.includes(delimiter) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One cell of any kind: a finite number as is, text through `escapeCsvCell`, null/undefined empty. */
export function csvCell(value: string | number | null | undefined, delimiter = ','): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return escapeCsvCell(String(value), delimiter);
}

/** One record, without its line end. */
export function csvLine(cells: ReadonlyArray<string | number | null | undefined>, delimiter = ','): string {
  return cells.map((cell) => csvCell(cell, delimiter)).join(delimiter);
}
