/**
 * What one uploaded file may hold. Each limit bounds memory and time, and each breach is a clear error
 * rather than a crash. The row cap leaves room for ten years of monthly rows for every regency
 * (514 × 120 = 61,680) several times over.
 */
export const UPLOAD_LIMITS = {
  maxBytes: 20 * 1024 * 1024,
  maxRows: 250_000,
  /** Characters in one CSV record or one JSON array element; a real row is a few hundred. */
  maxRecordChars: 64 * 1024,
  /** Columns in the header (CSV) or distinct keys (JSON); the template has 14. */
  maxColumns: 1_000,
  /**
   * Cells in all records, header included: what the parsed table holds in memory. The row cap times the
   * template's 14 columns is 3.5 million (≈ 670 MB peak RSS measured); without this cap a 20 MB file of
   * wide rows of empty cells holds 20 million and runs a 1,024 MB Lambda out of memory.
   */
  maxCells: 4_000_000,
  /** Nesting in a JSON upload: the array, its objects, and a value in a cell. */
  maxJsonDepth: 8,
} as const;

export const MEBIBYTE = 1024 * 1024;

export function tooLargeMessage(size: number): string {
  return `Berkas terlalu besar (${(size / MEBIBYTE).toFixed(1).replace('.', ',')} MB; paling besar ${UPLOAD_LIMITS.maxBytes / MEBIBYTE} MB). Pecah menjadi beberapa berkas.`;
}
