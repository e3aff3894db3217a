/**
 * Numbers as admins type them in Excel, in Indonesian or English locale. Counts are whole, so any
 * separator followed by groups of exactly three digits is a thousands separator in either locale
 * (`1.149.447`, `1,149,447`); anything else with a separator is a fraction, which a count rejects.
 */

export type NumberParse = { ok: true; value: number } | { ok: false; reason: 'kosong' | 'bukan_angka' | 'pecahan' | 'negatif' };

const PLAIN_INTEGER = /^\d+$/;
// A grouped number never starts with a 0 group: `0,385` or `0.500` is a fraction, not 385 or 500.
const GROUPED_DOT = /^[1-9]\d{0,2}(\.\d{3})+$/;
const GROUPED_COMMA = /^[1-9]\d{0,2}(,\d{3})+$/;
const GROUPED_SPACE = /^[1-9]\d{0,2}( \d{3})+$/;

/** A whole, non-negative count. */
export function parseCount(raw: string): NumberParse {
  const text = raw.trim().replace(/\u00a0/g, ' ');
  if (text === '') return { ok: false, reason: 'kosong' };
  if (/^[-−]/.test(text)) {
    const rest = parseCount(text.slice(1));
    return rest.ok && rest.value === 0 ? rest : rest.ok ? { ok: false, reason: 'negatif' } : rest;
  }
  if (PLAIN_INTEGER.test(text)) return { ok: true, value: Number(text) };
  if (GROUPED_DOT.test(text) || GROUPED_COMMA.test(text) || GROUPED_SPACE.test(text)) {
    return { ok: true, value: Number(text.replace(/[., ]/g, '')) };
  }
  if (/^\d+([.,]\d+)?$/.test(text) || /^\d{1,3}([.,]\d{3})+[.,]\d+$/.test(text)) return { ok: false, reason: 'pecahan' };
  return { ok: false, reason: 'bukan_angka' };
}

/**
 * A decimal such as a percentage: `38,39` or `38.39`; with both separators present the last one is the
 * decimal mark (`1.234,5` or `1,234.5`).
 */
export function parseDecimal(raw: string): NumberParse {
  let text = raw.trim().replace(/\u00a0/g, '').replace(/%$/, '').trim();
  if (text === '') return { ok: false, reason: 'kosong' };
  let negative = false;
  if (/^[-−]/.test(text)) {
    negative = true;
    text = text.slice(1);
  }
  const lastDot = text.lastIndexOf('.');
  const lastComma = text.lastIndexOf(',');
  let normalised: string;
  if (lastDot >= 0 && lastComma >= 0) {
    const decimalMark = lastDot > lastComma ? '.' : ',';
    const groupMark = decimalMark === '.' ? ',' : '.';
    normalised = text.split(groupMark).join('').replace(decimalMark, '.');
  } else if (lastComma >= 0) {
    normalised = text.indexOf(',') === lastComma ? text.replace(',', '.') : text.split(',').join('');
  } else if (lastDot >= 0) {
    normalised = text.indexOf('.') === lastDot ? text : text.split('.').join('');
  } else {
    normalised = text;
  }
  if (!/^\d+(\.\d+)?$/.test(normalised)) return { ok: false, reason: 'bukan_angka' };
  const value = Number(normalised);
  if (negative && value !== 0) return { ok: false, reason: 'negatif' };
  return { ok: true, value };
}

export const NUMBER_REASON_ID: Record<Exclude<NumberParse, { ok: true }>['reason'], string> = {
  kosong: 'kosong',
  bukan_angka: 'bukan angka',
  pecahan: 'bukan bilangan bulat',
  negatif: 'negatif',
};
