/**
 * What one uploaded file may hold. Each limit bounds memory and time, and each breach is a clear error
 * rather than a crash. The row cap leaves room for ten years of monthly rows for every regency
 * (514 × 120 = 61,680) several times over.
 */
export const UPLOAD_LIMITS = {
  maxBytes: 20 * 1024 * 1024,
  maxRows: 250_000,
  /** Characters in one CSV record; a real row is a few hundred. */
  maxRecordChars: 64 * 1024,
} as const;

export const MEBIBYTE = 1024 * 1024;

export function tooLargeMessage(size: number): string {
  return `Berkas terlalu besar (${(size / MEBIBYTE).toFixed(1).replace('.', ',')} MB; paling besar ${UPLOAD_LIMITS.maxBytes / MEBIBYTE} MB). Pecah menjadi beberapa berkas.`;
}
