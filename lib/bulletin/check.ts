/**
 * Kept, not pdf.js: a 1–2 ms read-back with no dependency, where pdf.js would be megabytes in the bundle.
 *
 * The check every bulletin passes before it is stored or sent: the bytes are a whole PDF that parses, it
 * has pages, every page has text, and its text names the region and shows its coverage figure. A blank,
 * truncated or corrupted PDF, or one made for another region, fails.
 *
 * How the text is read, without a PDF library at run time: pdfkit (under pdfmake) writes a classic PDF,
 * a cross-reference table and plain indirect objects, no object streams, with each page's content and
 * each font's ToUnicode CMap in a FlateDecode stream. So the check follows the cross-reference table,
 * parses every object at its offset, inflates every stream with node:zlib, and reads each page's text
 * operators (Tf, Tm, TJ, Tj), mapping the 2-byte glyph codes back to characters through the font's
 * ToUnicode CMap. It is small, has no dependency, costs 1–2 ms for a bulletin, and fails closed: anything
 * it does not understand is a failure, never a pass. (pdf.js would do the same job but is a large
 * dependency for the Lambda bundle, and stays a test-only oracle in test/support/pdf-text.ts.)
 */
import { inflateSync } from 'node:zlib';

export interface BulletinCheck {
  ok: boolean;
  reason?: string;
}

export class PdfReadError extends Error {
  override name = 'PdfReadError';
}

class Name {
  constructor(readonly value: string) {}
}
class Ref {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}
}
type Value = number | boolean | null | Name | Ref | Uint8Array | Value[] | Dict;
type Dict = Map<string, Value>;

interface PdfObject {
  value: Value;
  /** Decoded stream data, when the object is a stream. */
  data: Uint8Array | null;
}

/** Byte classes: 1 whitespace, 2 delimiter, 0 regular. */
const CLASS = new Uint8Array(256);
for (const b of [0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]) CLASS[b] = 1;
for (const b of [0x28, 0x29, 0x3c, 0x3e, 0x5b, 0x5d, 0x7b, 0x7d, 0x2f, 0x25]) CLASS[b] = 2;

function isRegular(byte: number): boolean {
  return CLASS[byte] === 0;
}

function isWhitespace(byte: number): boolean {
  return CLASS[byte] === 1;
}

/** A cursor over PDF object syntax (ISO 32000-1 §7.2–7.3). */
class Lexer {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    pos = 0,
  ) {
    this.pos = pos;
  }

  fail(message: string): never {
    throw new PdfReadError(`${message} at byte ${this.pos}`);
  }

  skipSpace(): void {
    const b = this.bytes;
    while (this.pos < b.length) {
      const c = b[this.pos]!;
      if (isWhitespace(c)) this.pos += 1;
      else if (c === 0x25) {
        while (this.pos < b.length && b[this.pos] !== 0x0a && b[this.pos] !== 0x0d) this.pos += 1;
      } else break;
    }
  }

  /** The next run of regular characters (a keyword or number), without moving past it if `peek`. */
  word(peek = false): string {
    this.skipSpace();
    let end = this.pos;
    while (end < this.bytes.length && isRegular(this.bytes[end]!)) end += 1;
    const text = latin1(this.bytes, this.pos, end);
    if (!peek) this.pos = end;
    return text;
  }

  expectWord(word: string): void {
    const got = this.word();
    if (got !== word) this.fail(`expected "${word}", found "${got.slice(0, 20)}"`);
  }

  value(): Value {
    this.skipSpace();
    const b = this.bytes;
    if (this.pos >= b.length) this.fail('unexpected end of data');
    const c = b[this.pos]!;
    if (c === 0x3c && b[this.pos + 1] === 0x3c) return this.dict();
    if (c === 0x3c) return this.hexString();
    if (c === 0x28) return this.literalString();
    if (c === 0x5b) {
      this.pos += 1;
      const items: Value[] = [];
      for (;;) {
        this.skipSpace();
        if (b[this.pos] === 0x5d) {
          this.pos += 1;
          return items;
        }
        items.push(this.value());
      }
    }
    if (c === 0x2f) return this.name();
    const word = this.word();
    if (word === 'true') return true;
    if (word === 'false') return false;
    if (word === 'null') return null;
    if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(word)) this.fail(`unexpected token "${word.slice(0, 20)}"`);
    const number = Number(word);
    // `n g R` is a reference.
    if (/^\d+$/.test(word)) {
      const save = this.pos;
      const gen = this.word();
      if (/^\d+$/.test(gen) && this.word() === 'R') return new Ref(number, Number(gen));
      this.pos = save;
    }
    return number;
  }

  dict(): Dict {
    this.pos += 2;
    const dict: Dict = new Map();
    for (;;) {
      this.skipSpace();
      if (this.bytes[this.pos] === 0x3e && this.bytes[this.pos + 1] === 0x3e) {
        this.pos += 2;
        return dict;
      }
      if (this.bytes[this.pos] !== 0x2f) this.fail('dictionary key is not a name');
      const key = this.name().value;
      dict.set(key, this.value());
    }
  }

  name(): Name {
    this.pos += 1;
    let end = this.pos;
    while (end < this.bytes.length && isRegular(this.bytes[end]!)) end += 1;
    const raw = latin1(this.bytes, this.pos, end);
    this.pos = end;
    return new Name(raw.replace(/#([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))));
  }

  hexString(): Uint8Array {
    this.pos += 1;
    const end = this.bytes.indexOf(0x3e, this.pos);
    if (end < 0) this.fail('unterminated hex string');
    const hex = latin1(this.bytes, this.pos, end).replace(/\s+/g, '');
    if (!/^[0-9A-Fa-f]*$/.test(hex)) this.fail('bad hex string');
    this.pos = end + 1;
    return Buffer.from(hex.length % 2 ? `${hex}0` : hex, 'hex');
  }

  literalString(): Uint8Array {
    this.pos += 1;
    const out: number[] = [];
    let depth = 1;
    const b = this.bytes;
    while (this.pos < b.length) {
      const c = b[this.pos++]!;
      if (c === 0x5c) {
        const e = b[this.pos++];
        if (e === undefined) break;
        const simple: Record<number, number> = { 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09, 0x62: 0x08, 0x66: 0x0c, 0x28: 0x28, 0x29: 0x29, 0x5c: 0x5c };
        if (simple[e] !== undefined) out.push(simple[e]!);
        else if (e >= 0x30 && e <= 0x37) {
          let octal = e - 0x30;
          for (let i = 0; i < 2 && b[this.pos]! >= 0x30 && b[this.pos]! <= 0x37; i += 1) octal = octal * 8 + (b[this.pos++]! - 0x30);
          out.push(octal & 0xff);
        } else if (e === 0x0d) {
          if (b[this.pos] === 0x0a) this.pos += 1;
        } else if (e !== 0x0a) out.push(e);
      } else if (c === 0x28) {
        depth += 1;
        out.push(c);
      } else if (c === 0x29) {
        depth -= 1;
        if (depth === 0) return Uint8Array.from(out);
        out.push(c);
      } else out.push(c);
    }
    return this.fail('unterminated string');
  }
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  if (end - start > 64) return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
  let text = '';
  for (let i = start; i < end; i += 1) text += String.fromCharCode(bytes[i]!);
  return text;
}

/** The cross-reference table and every object it lists, parsed and with streams decoded. */
class PdfFile {
  private readonly offsets = new Map<number, number>();
  private readonly objects = new Map<number, PdfObject>();
  readonly trailer: Dict;

  constructor(readonly bytes: Uint8Array) {
    if (latin1(bytes, 0, 5) !== '%PDF-') throw new PdfReadError('does not start with %PDF-');
    const tail = latin1(bytes, Math.max(0, bytes.length - 64), bytes.length);
    const end = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail);
    if (!end) throw new PdfReadError('no startxref and %%EOF at the end (truncated?)');
    const lexer: Lexer = new Lexer(bytes, Number(end[1]));
    lexer.expectWord('xref');
    for (;;) {
      const first = lexer.word();
      if (first === 'trailer') break;
      const count = lexer.word();
      if (!/^\d+$/.test(first) || !/^\d+$/.test(count)) lexer.fail('bad cross-reference subsection');
      for (let i = 0; i < Number(count); i += 1) {
        const offset = lexer.word();
        const generation = lexer.word();
        const kind = lexer.word();
        if (!/^\d{10}$/.test(offset) || !/^\d{5}$/.test(generation) || (kind !== 'n' && kind !== 'f')) lexer.fail('bad cross-reference entry');
        if (kind === 'n') this.offsets.set(Number(first) + i, Number(offset));
      }
    }
    const trailer = lexer.value();
    if (!(trailer instanceof Map)) throw new PdfReadError('trailer is not a dictionary');
    this.trailer = trailer;
    const size = trailer.get('Size');
    if (typeof size !== 'number' || size !== this.offsets.size + 1) throw new PdfReadError('trailer /Size does not match the cross-reference table');
    for (const num of this.offsets.keys()) this.object(num);
  }

  object(num: number): PdfObject {
    const known = this.objects.get(num);
    if (known) return known;
    const offset = this.offsets.get(num);
    if (offset === undefined) throw new PdfReadError(`object ${num} is not in the cross-reference table`);
    if (offset >= this.bytes.length) throw new PdfReadError(`object ${num} lies beyond the end of the file`);
    const lexer: Lexer = new Lexer(this.bytes, offset);
    if (lexer.word() !== String(num)) throw new PdfReadError(`object ${num} is not at its offset ${offset}`);
    lexer.word();
    lexer.expectWord('obj');
    const value = lexer.value();
    let data: Uint8Array | null = null;
    if (lexer.word(true) === 'stream') {
      if (!(value instanceof Map)) lexer.fail('stream without a dictionary');
      lexer.word();
      if (this.bytes[lexer.pos] === 0x0d) lexer.pos += 1;
      if (this.bytes[lexer.pos] === 0x0a) lexer.pos += 1;
      const length = this.resolve(value.get('Length') ?? null);
      if (typeof length !== 'number' || length < 0 || lexer.pos + length > this.bytes.length) lexer.fail(`object ${num}: bad stream length`);
      const raw = this.bytes.subarray(lexer.pos, lexer.pos + length);
      lexer.pos += length;
      lexer.expectWord('endstream');
      const filter = value.get('Filter');
      if (filter === undefined) data = raw;
      else if (filter instanceof Name && filter.value === 'FlateDecode') {
        try {
          data = inflateSync(raw);
        } catch (error) {
          throw new PdfReadError(`object ${num}: stream does not inflate (${(error as Error).message})`);
        }
      } else throw new PdfReadError(`object ${num}: unsupported stream filter`);
    }
    lexer.expectWord('endobj');
    const object = { value, data };
    this.objects.set(num, object);
    return object;
  }

  resolve(value: Value | undefined): Value {
    if (value === undefined) return null;
    return value instanceof Ref ? this.object(value.num).value : value;
  }

  dict(value: Value | undefined, what: string): Dict {
    const resolved = this.resolve(value);
    if (!(resolved instanceof Map)) throw new PdfReadError(`${what} is not a dictionary`);
    return resolved;
  }

  stream(value: Value | undefined, what: string): Uint8Array {
    if (!(value instanceof Ref)) throw new PdfReadError(`${what} is not a stream reference`);
    const data = this.object(value.num).data;
    if (data === null) throw new PdfReadError(`${what} is not a stream`);
    return data;
  }
}

function nameOf(value: Value | undefined): string | null {
  return value instanceof Name ? value.value : null;
}

interface FontInfo {
  /** 2-byte code → text. */
  toUnicode: Map<number, string>;
  /** 2-byte code → advance width in thousandths of the font size. */
  widths: Map<number, number>;
}

function utf16(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i + 1 < bytes.length; i += 2) text += String.fromCharCode((bytes[i]! << 8) | bytes[i + 1]!);
  return text;
}

function codeOf(bytes: Uint8Array): number {
  let code = 0;
  for (const b of bytes) code = code * 256 + b;
  return code;
}

/** The bfchar and bfrange entries of a ToUnicode CMap (pdfkit writes bfrange with arrays). */
export function parseToUnicode(cmap: Uint8Array): Map<number, string> {
  const map = new Map<number, string>();
  const lexer = new Lexer(cmap);
  const operands: Value[] = [];
  let mode: 'bfchar' | 'bfrange' | null = null;
  while (lexer.pos < cmap.length) {
    lexer.skipSpace();
    if (lexer.pos >= cmap.length) break;
    const c = cmap[lexer.pos]!;
    if (c === 0x3c || c === 0x28 || c === 0x5b || c === 0x2f || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e) {
      operands.push(lexer.value());
      continue;
    }
    const word = lexer.word();
    if (word === '') {
      // A delimiter we do not parse here ({ } or a stray bracket): step over it.
      lexer.pos += 1;
      continue;
    }
    if (word === 'beginbfchar' || word === 'beginbfrange') {
      mode = word === 'beginbfchar' ? 'bfchar' : 'bfrange';
      operands.length = 0;
    } else if (word === 'endbfchar' && mode === 'bfchar') {
      for (let i = 0; i + 1 < operands.length; i += 2) {
        const code = operands[i];
        const text = operands[i + 1];
        if (code instanceof Uint8Array && text instanceof Uint8Array) map.set(codeOf(code), utf16(text));
      }
      mode = null;
      operands.length = 0;
    } else if (word === 'endbfrange' && mode === 'bfrange') {
      for (let i = 0; i + 2 < operands.length; i += 3) {
        const lo = operands[i];
        const hi = operands[i + 1];
        const dst = operands[i + 2];
        if (!(lo instanceof Uint8Array) || !(hi instanceof Uint8Array)) continue;
        const from = codeOf(lo);
        const to = codeOf(hi);
        if (to - from > 0xffff) throw new PdfReadError('ToUnicode range too large');
        for (let code = from; code <= to; code += 1) {
          if (Array.isArray(dst)) {
            const item = dst[code - from];
            if (item instanceof Uint8Array) map.set(code, utf16(item));
          } else if (dst instanceof Uint8Array) {
            const base = utf16(dst);
            map.set(code, base.slice(0, -1) + String.fromCharCode(base.charCodeAt(base.length - 1) + (code - from)));
          }
        }
      }
      mode = null;
      operands.length = 0;
    } else if (mode === null) {
      operands.length = 0;
    }
  }
  return map;
}

function fontInfo(file: PdfFile, ref: Value | undefined, cache: Map<Value, FontInfo>): FontInfo {
  const key = ref ?? null;
  const known = cache.get(key);
  if (known) return known;
  const font = file.dict(ref, 'font');
  const info: FontInfo = { toUnicode: new Map(), widths: new Map() };
  if (font.has('ToUnicode')) info.toUnicode = parseToUnicode(file.stream(font.get('ToUnicode'), 'ToUnicode CMap'));
  const descendants = file.resolve(font.get('DescendantFonts'));
  if (Array.isArray(descendants) && descendants.length > 0) {
    const w = file.resolve(file.dict(descendants[0], 'descendant font').get('W'));
    if (Array.isArray(w)) {
      for (let i = 0; i < w.length; ) {
        const first = w[i];
        const next = w[i + 1];
        if (typeof first === 'number' && Array.isArray(next)) {
          next.forEach((width, j) => typeof width === 'number' && info.widths.set(first + j, width));
          i += 2;
        } else if (typeof first === 'number' && typeof next === 'number' && typeof w[i + 2] === 'number') {
          for (let code = first; code <= next; code += 1) info.widths.set(code, w[i + 2] as number);
          i += 3;
        } else break;
      }
    }
  }
  cache.set(key, info);
  return info;
}

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i += 1) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i += 1) HEX[0x41 + i] = HEX[0x61 + i] = 10 + i;

/** A shown string as 2-byte glyph codes (Type0 fonts with Identity-H, as pdfkit writes them). */
type Codes = number[];

/**
 * The text of one page's content stream: runs drawn next to each other are joined, a gap on a line
 * becomes a space and a new line a line break. A hand-rolled scanner: content streams are most of a
 * bulletin's bytes, and only the text operators matter.
 */
function pageText(content: Uint8Array, fonts: (name: string) => FontInfo): string {
  const b = content;
  const n = b.length;
  let pos = 0;
  const numbers: number[] = [];
  let nameOperand = '';
  let shown: Array<Codes | number> | null = null;
  let out = '';
  let font: FontInfo | null = null;
  let size = 0;
  let x = 0;
  let y = 0;
  let lineX = 0;
  let lastY = Number.NaN;
  let lastEnd = Number.NaN;
  const fail = (message: string): never => {
    throw new PdfReadError(`${message} in a content stream at byte ${pos}`);
  };

  // Parsed by hand: a bulletin page has thousands of numbers, and a string per number showed in profiles.
  const readNumber = (): number => {
    let sign = 1;
    if (b[pos] === 0x2b) pos += 1;
    else if (b[pos] === 0x2d) {
      sign = -1;
      pos += 1;
    }
    let value = 0;
    let digits = 0;
    while (pos < n && b[pos]! >= 0x30 && b[pos]! <= 0x39) {
      value = value * 10 + (b[pos]! - 0x30);
      pos += 1;
      digits += 1;
    }
    if (b[pos] === 0x2e) {
      pos += 1;
      let scale = 1;
      while (pos < n && b[pos]! >= 0x30 && b[pos]! <= 0x39) {
        scale /= 10;
        value += (b[pos]! - 0x30) * scale;
        pos += 1;
        digits += 1;
      }
    }
    if (digits === 0) fail('bad number');
    return sign * value;
  };
  const readHex = (): Codes => {
    pos += 1;
    const codes: Codes = [];
    let digits = 0;
    let code = 0;
    while (pos < n && b[pos] !== 0x3e) {
      const v = HEX[b[pos]!]!;
      pos += 1;
      if (v < 0) {
        if (isWhitespace(b[pos - 1]!)) continue;
        fail('bad hex string');
      }
      code = code * 16 + v;
      digits += 1;
      if (digits === 4) {
        codes.push(code);
        code = 0;
        digits = 0;
      }
    }
    if (pos >= n) fail('unterminated hex string');
    pos += 1;
    return codes;
  };
  const literalCodes = (): Codes => {
    const lexer = new Lexer(b, pos);
    const bytes = lexer.literalString();
    pos = lexer.pos;
    const codes: Codes = [];
    for (let i = 0; i + 1 < bytes.length; i += 2) codes.push((bytes[i]! << 8) | bytes[i + 1]!);
    return codes;
  };
  const show = (items: Array<Codes | number>) => {
    if (font === null) fail('text shown before a font is set');
    const f = font!;
    let text = '';
    let advance = 0;
    for (const item of items) {
      if (typeof item === 'number') {
        advance -= item;
        continue;
      }
      for (const code of item) {
        text += f.toUnicode.get(code) ?? '\uFFFD';
        advance += f.widths.get(code) ?? Number.NaN;
      }
    }
    if (text === '') return;
    if (out !== '') {
      if (Math.abs(y - lastY) > 0.5) out += '\n';
      else if (!(Math.abs(x - lastEnd) < 0.5)) out += ' ';
    }
    out += text;
    lastY = y;
    lastEnd = x + (advance * size) / 1000;
    x = lastEnd;
  };

  while (pos < n) {
    const c = b[pos]!;
    const cls = CLASS[c];
    if (cls === 1) {
      pos += 1;
      continue;
    }
    if (c === 0x25) {
      while (pos < n && b[pos] !== 0x0a && b[pos] !== 0x0d) pos += 1;
      continue;
    }
    if ((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e) {
      numbers.push(readNumber());
      continue;
    }
    if (c === 0x2f) {
      const start = ++pos;
      while (pos < n && isRegular(b[pos]!)) pos += 1;
      nameOperand = latin1(b, start, pos);
      continue;
    }
    if (c === 0x5b) {
      pos += 1;
      const items: Array<Codes | number> = [];
      for (;;) {
        while (pos < n && isWhitespace(b[pos]!)) pos += 1;
        if (pos >= n) fail('unterminated array');
        const d = b[pos]!;
        if (d === 0x5d) {
          pos += 1;
          break;
        }
        if (d === 0x3c) items.push(readHex());
        else if (d === 0x28) items.push(literalCodes());
        else if ((d >= 0x30 && d <= 0x39) || d === 0x2d || d === 0x2b || d === 0x2e) items.push(readNumber());
        else fail('unexpected item in an array');
      }
      shown = items;
      continue;
    }
    if (c === 0x3c && b[pos + 1] === 0x3c) {
      // A property list (marked content): parse and drop it.
      const lexer = new Lexer(b, pos);
      lexer.value();
      pos = lexer.pos;
      continue;
    }
    if (c === 0x3c) {
      shown = [readHex()];
      continue;
    }
    if (c === 0x28) {
      shown = [literalCodes()];
      continue;
    }
    if (cls === 2) fail('unexpected delimiter');
    const start = pos;
    while (pos < n && isRegular(b[pos]!)) pos += 1;
    // Only text operators matter, all of one or two characters: skip the rest without making strings.
    const length = pos - start;
    const second = length === 2 ? b[start + 1]! : 0;
    const wanted =
      length === 1 ? c === 0x27 || c === 0x22 : length === 2 && ((c === 0x54 && (second === 0x66 || second === 0x6d || second === 0x64 || second === 0x44 || second === 0x4a || second === 0x6a)) || (c === 0x42 && (second === 0x54 || second === 0x49)));
    const op = wanted ? latin1(b, start, pos) : '';
    switch (op) {
      case 'BI':
        fail('inline images are not expected in a bulletin');
        break;
      case 'Tf':
        font = fonts(nameOperand);
        size = numbers[numbers.length - 1] ?? 0;
        break;
      case 'Tm':
        if (numbers.length >= 6) {
          x = lineX = numbers[numbers.length - 2]!;
          y = numbers[numbers.length - 1]!;
        }
        break;
      case 'Td':
      case 'TD':
        if (numbers.length >= 2) {
          x = lineX = lineX + numbers[numbers.length - 2]!;
          y += numbers[numbers.length - 1]!;
        }
        break;
      case 'BT':
        x = lineX = 0;
        break;
      case 'TJ':
      case 'Tj':
      case "'":
      case '"':
        if (shown !== null) show(shown);
        break;
      default:
        break;
    }
    numbers.length = 0;
    shown = null;
  }
  return out;
}

/** Every page's text, in page order. Throws PdfReadError when the bytes are not a PDF this check can read. */
export function pdfPageTexts(pdf: Uint8Array): string[] {
  const file = new PdfFile(pdf);
  const root = file.dict(file.trailer.get('Root'), 'document catalog');
  const pagesRoot = file.dict(root.get('Pages'), 'page tree');
  const pages: Dict[] = [];
  const walk = (node: Dict, depth: number) => {
    if (depth > 32) throw new PdfReadError('page tree too deep');
    const type = nameOf(node.get('Type'));
    if (type === 'Page') {
      pages.push(node);
      return;
    }
    if (type !== 'Pages') throw new PdfReadError('page tree node of unknown type');
    const kids = file.resolve(node.get('Kids'));
    if (!Array.isArray(kids)) throw new PdfReadError('page tree node without kids');
    for (const kid of kids) walk(file.dict(kid, 'page'), depth + 1);
  };
  walk(pagesRoot, 0);
  if (pagesRoot.get('Count') !== pages.length) throw new PdfReadError('page count does not match the page tree');
  const cache = new Map<Value, FontInfo>();
  return pages.map((page) => {
    const resources = file.dict(page.get('Resources'), 'page resources');
    const fontDict = resources.has('Font') ? file.dict(resources.get('Font'), 'font resources') : new Map<string, Value>();
    const contents = file.resolve(page.get('Contents'));
    const parts = Array.isArray(contents) ? contents : [page.get('Contents') ?? null];
    const data = Buffer.concat(parts.map((part) => file.stream(part, 'page content')).flatMap((d) => [d, Buffer.from('\n')]));
    return pageText(data, (name) => {
      if (!fontDict.has(name)) throw new PdfReadError(`page uses font ${name} it does not define`);
      return fontInfo(file, fontDict.get(name), cache);
    });
  });
}

/** Spaces and line breaks as one space: a name may wrap, or be drawn word by word. */
function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Checks rendered bulletin bytes: a PDF that parses, with pages, text on every page, the region's name
 * and its coverage figure (as the bulletin formats it, e.g. `38,39%`) in the text.
 */
export function checkBulletinPdf(pdf: Uint8Array, expect: { name: string; coverageText: string }): BulletinCheck {
  const name = normalise(expect.name);
  const coverage = normalise(expect.coverageText);
  if (name === '' || coverage === '') return { ok: false, reason: 'expected region name and coverage text must not be empty' };
  let pages: string[];
  try {
    pages = pdfPageTexts(pdf);
  } catch (error) {
    return { ok: false, reason: `not a readable PDF: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (pages.length === 0) return { ok: false, reason: 'the PDF has no pages' };
  const blank = pages.findIndex((page) => normalise(page) === '');
  if (blank >= 0) return { ok: false, reason: `page ${blank + 1} has no text` };
  const text = normalise(pages.join('\n'));
  if (!text.includes(name)) return { ok: false, reason: `the text does not name the region ${JSON.stringify(expect.name)}` };
  if (!text.includes(coverage)) return { ok: false, reason: `the text does not show the coverage figure ${JSON.stringify(expect.coverageText)}` };
  return { ok: true };
}
