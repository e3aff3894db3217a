/**
 * Kept, not left to a library: no zip or xlsx reader bounds what it inflates and builds; this zip-bomb guard does.
 *
 * Reads an uploaded Excel workbook (.xlsx) into the same table of text cells as table.ts: the sheet
 * named `data` (any case), else the first worksheet; header = its first non-empty row; `row` = the
 * sheet's row number as Excel shows it; cells as the admin sees them, never re-evaluated.
 *
 * Why exceljs never sees the upload itself: `workbook.xlsx.load` inflates every zip entry with JSZip,
 * with no size limit, and then expands ranges cell by cell (merged cells, data validations, defined
 * names), so a 1 KB file with one `A1:XFD1048576` means 17 billion objects. Its streaming reader stops
 * early but spools sheets to temp files, ignores styles (so no dates) and only knows `sheetN.xml`.
 * The simplest thing that is truly bounded:
 *  1. read the zip's central directory ourselves (a small, fixed structure) and reject, before any
 *     inflating, too many entries, declared sizes over the cap, and implausible compression ratios;
 *  2. inflate only the parts needed (workbook, its rels, styles, shared strings, the chosen sheet) with
 *     `inflateRawSync(…, { maxOutputLength })` set to the declared size, so a size that lies stops the
 *     inflater at the cap instead of after gigabytes; CRCs are checked;
 *  3. scan the XML bytes of every part exceljs will parse before any object is built: count shared
 *     strings, rows, cells and style elements, and reject nesting, tag sizes and row numbers that no
 *     spreadsheet writes (see scanXml);
 *  4. hand exceljs a new, uncompressed package holding only those parts, with a one-sheet workbook and
 *     the sheet reduced to its `<sheetData>`: nothing before it (`<cols min="1" max="2000000000">` made
 *     exceljs build a column object per index until the process died) and nothing after it (merges,
 *     validations, hyperlinks, drawings: ranges it would expand cell by cell).
 * Memory is then about the upload + the inflated parts (≤ maxUncompressedBytes) + exceljs's model of at
 * most maxCells cells (≈ 0.5 KB each).
 */
import { crc32, inflateRawSync } from 'node:zlib';
import type ExcelJS from 'exceljs';
import JSZip from 'jszip';
// exceljs's Workbook alone: the package's main entry also loads its CSV, streaming reader and writer
// (fast-csv, unzipper, archiver, bluebird), which reading one sheet never uses: 1,049 KB of a bundle
// against 482 KB for this (bench: bundle_kb_*).
import Workbook from 'exceljs/lib/doc/workbook.js';
import { fileIssue, FileProblem, fileProblemResult, TableBuilder, tooManyRowsIssue } from './table-builder.ts';
import type { TableResult } from './table-shape.ts';
import { UPLOAD_LIMITS } from './limits.ts';

export interface XlsxLimits {
  /** Uncompressed bytes in total: declared by the zip for all its entries, and really inflated for the parts read. */
  maxUncompressedBytes: number;
  /** Largest uncompressed ÷ compressed size for an entry over 1 MiB (XML usually packs 10–20×; zip bombs 1000×). */
  maxCompressionRatio: number;
  /** Entries in the zip. */
  maxEntries: number;
  /** Strings in the shared-strings table. */
  maxSharedStrings: number;
  /** Uncompressed bytes of the shared-strings table. */
  maxSharedStringsBytes: number;
  /** Cells plus rows in the sheet read: what exceljs holds in memory, about 0.5 KB each. */
  maxCells: number;
  /** Data rows (not counting the header). */
  maxRows: number;
  /** Elements in the styles part, which exceljs turns into objects (Excel itself allows 64,000 cell formats). */
  maxStyleElements: number;
}

export const DEFAULT_XLSX_LIMITS: Readonly<XlsxLimits> = Object.freeze({
  maxUncompressedBytes: 100 * 1024 * 1024,
  maxCompressionRatio: 100,
  maxEntries: 10_000,
  maxSharedStrings: 200_000,
  maxSharedStringsBytes: 20 * 1024 * 1024,
  // 65,000 rows × 14 columns measured at ≈ 630 MB peak RSS and ≈ 5 s; validate-upload has 1024 MB.
  maxCells: 1_000_000,
  /** Ten years of monthly rows for every regency (514 × 120 = 61,680). */
  maxRows: 65_000,
  maxStyleElements: 250_000,
});

/** Deeper than any spreadsheet writes (worksheet › sheetData › row › c › is › r › t is 7); exceljs's parser keeps a stack entry per level. */
const XML_MAX_DEPTH = 32;
/** One tag with its attributes; exceljs's parser builds an object of them. A real tag is well under 1 KB. */
const XML_MAX_TAG_BYTES = 16 * 1024;
/** Relationships and the workbook part: a few KB in a real file, read with regular expressions into objects. */
const PACKAGE_PART_MAX_BYTES = 4 * 1024 * 1024;
/** Excel's last row. exceljs keeps rows in an array by number and walks every index up to the last. */
const EXCEL_MAX_ROW = 1_048_576;

/** Entries smaller than this are never judged by their compression ratio. */
const RATIO_FLOOR_BYTES = 1024 * 1024;

const SIG_EOCD = 0x06054b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const OLE_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

const MB = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toLocaleString('id-ID', { maximumFractionDigits: 1 })} MB` : `${Math.ceil(bytes / 1024)} KB`;
const count = (value: number) => value.toLocaleString('id-ID');

const MSG_RUSAK = 'Berkas .xlsx rusak atau bukan berkas Excel yang sah. Buka di Excel, simpan ulang sebagai "Buku Kerja Excel (.xlsx)", lalu unggah ulang.';

/** A problem with the file as a whole: thrown inside this module, returned as the TableResult. */
const failure = (code: 'XLSX_RUSAK' | 'XLSX_TERLALU_BESAR' | 'BERKAS_KOSONG', message: string) => new FileProblem(fileIssue(code, message));
const corrupt = (detail?: string) => failure('XLSX_RUSAK', detail ? `${MSG_RUSAK} (${detail})` : MSG_RUSAK);
const tooLarge = (message: string) => failure('XLSX_TERLALU_BESAR', message);
const tooLargeInTotal = (limit: number) =>
  tooLarge(`Isi berkas .xlsx setelah dibuka lebih dari ${MB(limit)}. Hapus lembar, gambar, atau baris yang tidak perlu, atau pecah menjadi beberapa berkas.`);

/**
 * What is wrong with the file is its result: a broken or oversized package (checked here before exceljs
 * sees anything), or anything exceljs throws while parsing the parts (it parses the file's own XML, so
 * that is the file's fault). Anything thrown by the code that reads the parsed sheet is a bug and goes on up.
 */
export async function readXlsxTable(bytes: Uint8Array, limits: XlsxLimits = DEFAULT_XLSX_LIMITS): Promise<TableResult> {
  try {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const parts = extractParts(buffer, limits);
    const worksheet = await loadWorksheet(parts);
    const builder = new TableBuilder({
      format: 'xlsx',
      limits: { maxRows: limits.maxRows, maxColumns: UPLOAD_LIMITS.maxColumns, maxCells: UPLOAD_LIMITS.maxCells },
      sheet: parts.sheetName,
      emptyMessage: 'Lembar kerja kosong: tidak ada baris judul maupun data.',
    });
    readRows(worksheet, builder);
    return builder.finish();
  } catch (error) {
    return fileProblemResult(error);
  }
}

// ---------------------------------------------------------------------------------------------------
// The zip container

interface ZipEntry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** The central directory, by lower-cased part name (OOXML part names ignore case); checked against the limits. */
function readCentralDirectory(buffer: Buffer, limits: XlsxLimits): Map<string, ZipEntry> {
  if (buffer.subarray(0, 8).equals(OLE_MAGIC)) {
    throw failure(
      'XLSX_RUSAK',
      'Berkas ini berformat Excel lama (.xls) atau dilindungi kata sandi. Buka di Excel, hapus kata sandinya, simpan sebagai "Buku Kerja Excel (.xlsx)", lalu unggah ulang.',
    );
  }
  if (buffer.length < 22 || buffer.readUInt32LE(0) !== SIG_LOCAL) throw corrupt();
  const eocd = findEndOfCentralDirectory(buffer);
  if (eocd < 0) throw corrupt('akhir arsip tidak ditemukan, mungkin terpotong saat diunggah');
  const diskNumber = buffer.readUInt16LE(eocd + 4);
  const centralDisk = buffer.readUInt16LE(eocd + 6);
  const total = buffer.readUInt16LE(eocd + 10);
  const centralSize = buffer.readUInt32LE(eocd + 12);
  const centralOffset = buffer.readUInt32LE(eocd + 16);
  const zip64 =
    total === 0xffff || centralSize === 0xffffffff || centralOffset === 0xffffffff || (eocd >= 20 && buffer.readUInt32LE(eocd - 20) === SIG_ZIP64_LOCATOR);
  if (zip64) throw corrupt('format ZIP64 tidak didukung');
  if (diskNumber !== 0 || centralDisk !== 0 || centralOffset + centralSize !== eocd) throw corrupt();
  if (total > limits.maxEntries) {
    throw tooLarge(`Berkas .xlsx berisi ${count(total)} bagian, melebihi batas ${count(limits.maxEntries)}. Salin data ke buku kerja baru lalu unggah ulang.`);
  }

  const entries = new Map<string, ZipEntry>();
  let declaredTotal = 0;
  let position = centralOffset;
  for (let index = 0; index < total; index += 1) {
    if (position + 46 > eocd || buffer.readUInt32LE(position) !== SIG_CENTRAL) throw corrupt();
    const flags = buffer.readUInt16LE(position + 8);
    const nameLength = buffer.readUInt16LE(position + 28);
    const next = position + 46 + nameLength + buffer.readUInt16LE(position + 30) + buffer.readUInt16LE(position + 32);
    if (next > eocd) throw corrupt();
    const entry: ZipEntry = {
      name: buffer
        .toString('utf8', position + 46, position + 46 + nameLength)
        .replace(/\\/g, '/')
        .replace(/^\/+/, ''),
      method: buffer.readUInt16LE(position + 10),
      crc: buffer.readUInt32LE(position + 16),
      compressedSize: buffer.readUInt32LE(position + 20),
      size: buffer.readUInt32LE(position + 24),
      localOffset: buffer.readUInt32LE(position + 42),
    };
    position = next;
    if (flags & 0x1) {
      throw failure('XLSX_RUSAK', 'Berkas .xlsx dilindungi kata sandi. Hapus kata sandinya di Excel, simpan ulang, lalu unggah ulang.');
    }
    declaredTotal += entry.size;
    if (declaredTotal > limits.maxUncompressedBytes) throw tooLargeInTotal(limits.maxUncompressedBytes);
    if (entry.size > RATIO_FLOOR_BYTES && entry.size / Math.max(1, entry.compressedSize) > limits.maxCompressionRatio) {
      throw tooLarge(`Bagian "${entry.name}" di berkas .xlsx memampat secara tidak wajar (lebih dari ${limits.maxCompressionRatio}×); berkas ditolak demi keamanan.`);
    }
    const key = entry.name.toLowerCase();
    if (!entry.name.endsWith('/') && !entries.has(key)) entries.set(key, entry);
  }
  return entries;
}

function findEndOfCentralDirectory(buffer: Buffer): number {
  const lowest = Math.max(0, buffer.length - 22 - 0xffff);
  for (let offset = buffer.length - 22; offset >= lowest; offset -= 1) {
    if (buffer.readUInt32LE(offset) === SIG_EOCD && offset + 22 + buffer.readUInt16LE(offset + 20) <= buffer.length) return offset;
  }
  return -1;
}

/** Inflates one entry, never past its declared size nor the remaining budget. */
function inflateEntry(buffer: Buffer, entry: ZipEntry, budget: { remaining: number; limit: number }): Buffer {
  const local = entry.localOffset;
  if (local + 30 > buffer.length || buffer.readUInt32LE(local) !== SIG_LOCAL) throw corrupt();
  const start = local + 30 + buffer.readUInt16LE(local + 26) + buffer.readUInt16LE(local + 28);
  const end = start + entry.compressedSize;
  if (end > buffer.length) throw corrupt();
  const raw = buffer.subarray(start, end);
  const lied = () =>
    tooLarge(`Bagian "${entry.name}" di berkas .xlsx ternyata lebih besar daripada ukuran yang tercatat di dalam arsip; berkas ditolak demi keamanan.`);
  if (entry.size > budget.remaining) throw tooLargeInTotal(budget.limit);
  let data: Buffer;
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) throw lied();
    data = raw;
  } else if (entry.method === 8) {
    try {
      data = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
    } catch (error) {
      if (error instanceof Error && 'code' in error && error.code === 'ERR_BUFFER_TOO_LARGE') throw lied();
      throw corrupt();
    }
  } else {
    throw corrupt('metode pemampatan tidak dikenal');
  }
  if (data.length !== entry.size || crc32(data) !== entry.crc) throw corrupt();
  budget.remaining -= data.length;
  return data;
}

/**
 * An uncompressed zip of the given parts, written by JSZip (exceljs's own zip library, so no new code
 * in the bundle): stored, not deflated, because exceljs unzips it again at once.
 */
function storedZip(files: ReadonlyArray<readonly [string, Buffer]>): Promise<ArrayBuffer> {
  const zip = new JSZip();
  for (const [name, data] of files) zip.file(name, data, { binary: true, createFolders: false });
  return zip.generateAsync({ type: 'arraybuffer', compression: 'STORE' });
}

// ---------------------------------------------------------------------------------------------------
// The package: which parts, and are they within limits

interface Parts {
  /** The chosen sheet's name in the workbook (exceljs sees it as `data`). */
  sheetName: string;
  date1904: boolean;
  sheet: Buffer;
  styles?: Buffer;
  sharedStrings?: Buffer;
}

function extractParts(buffer: Buffer, limits: XlsxLimits): Parts {
  const entries = readCentralDirectory(buffer, limits);
  const budget = { remaining: limits.maxUncompressedBytes, limit: limits.maxUncompressedBytes };
  const part = (path: string | undefined): Buffer | undefined => {
    const entry = path === undefined ? undefined : entries.get(path.toLowerCase());
    return entry ? inflateEntry(buffer, entry, budget) : undefined;
  };
  /** The package's small parts (relationships, workbook), read here with regular expressions into objects. */
  const smallPart = (path: string): Buffer | undefined => {
    const entry = entries.get(path.toLowerCase());
    if (entry && entry.size > PACKAGE_PART_MAX_BYTES) {
      throw tooLarge(`Bagian "${entry.name}" di berkas .xlsx lebih dari ${MB(PACKAGE_PART_MAX_BYTES)}, jauh di atas ukuran wajar. Salin data ke buku kerja baru lalu unggah ulang.`);
    }
    return part(path);
  };
  const text = (data: Buffer) => data.toString('utf8').replace(/^\uFEFF/, '');

  const rootRels = smallPart('_rels/.rels');
  const workbookPath = (rootRels && relationships(text(rootRels), '').find((rel) => rel.type.endsWith('/officedocument'))?.target) ?? 'xl/workbook.xml';
  const workbookData = smallPart(workbookPath);
  if (!workbookData) throw corrupt('buku kerja tidak ditemukan di dalam arsip');
  const workbookXml = text(workbookData);
  const slash = workbookPath.lastIndexOf('/');
  const workbookDir = workbookPath.slice(0, slash + 1);
  const relsData = smallPart(`${workbookDir}_rels/${workbookPath.slice(slash + 1)}.rels`);
  const rels = relsData ? relationships(text(relsData), workbookDir) : [];

  // By id, the first of each: a search per sheet made 80,000 sheets and relationships take 40 s.
  const worksheetRels = new Map<string, Relationship>();
  for (const rel of rels) if (rel.type.endsWith('/worksheet') && !worksheetRels.has(rel.id)) worksheetRels.set(rel.id, rel);
  const worksheets = elements(workbookXml, 'sheet').flatMap((attributes) => {
    const rId = [...attributes].find(([name]) => /(^|:)id$/.test(name))?.[1];
    const rel = rId === undefined ? undefined : worksheetRels.get(rId);
    return rel && entries.has(rel.target.toLowerCase()) ? [{ name: attributes.get('name') ?? '', path: rel.target }] : [];
  });
  const chosen = worksheets.find((sheet) => sheet.name.trim().toLowerCase() === 'data') ?? worksheets[0];
  if (!chosen) throw failure('BERKAS_KOSONG', 'Berkas .xlsx tidak berisi lembar kerja.');

  const sharedStringsEntry = entries.get(rels.find((rel) => rel.type.endsWith('/sharedstrings'))?.target.toLowerCase() ?? 'xl/sharedstrings.xml');
  const sharedStringsTooLarge = () =>
    tooLarge(
      `Tabel teks (shared strings) di berkas .xlsx terlalu besar (batas ${count(limits.maxSharedStrings)} teks, ${MB(limits.maxSharedStringsBytes)}). Hapus lembar atau isian teks yang tidak perlu.`,
    );
  if (sharedStringsEntry && sharedStringsEntry.size > limits.maxSharedStringsBytes) throw sharedStringsTooLarge();
  const sharedStrings = sharedStringsEntry ? inflateEntry(buffer, sharedStringsEntry, budget) : undefined;
  if (sharedStrings && scanXml(sharedStrings, ['si']).counts.si > limits.maxSharedStrings) throw sharedStringsTooLarge();

  const sheet = sheetDataOnly(part(chosen.path)!);
  const { counts, rowsWithValues } = scanXml(sheet, ['row', 'c']);
  if (rowsWithValues > limits.maxRows + 1) throw new FileProblem(tooManyRowsIssue(limits.maxRows, chosen.name));
  if (counts.row + counts.c > limits.maxCells) {
    throw tooLarge(
      `Lembar "${chosen.name}" berisi terlalu banyak sel dan baris (${count(counts.row + counts.c)}, batas ${count(limits.maxCells)}). Hapus kolom atau baris kosong yang berformat, atau pecah menjadi beberapa berkas.`,
    );
  }
  const styles = part(rels.find((rel) => rel.type.endsWith('/styles'))?.target ?? 'xl/styles.xml');
  const styleElements = styles ? scanXml(styles, []).elements : 0;
  if (styleElements > limits.maxStyleElements) {
    throw tooLarge(
      `Format sel (styles) di berkas .xlsx terlalu banyak (${count(styleElements)} unsur, batas ${count(limits.maxStyleElements)}). Salin data ke buku kerja baru lalu unggah ulang.`,
    );
  }
  const workbookPr = elements(workbookXml, 'workbookPr')[0];
  const date1904 = ['1', 'true'].includes(workbookPr?.get('date1904')?.toLowerCase() ?? '');
  return { sheetName: chosen.name, date1904, sheet, styles, sharedStrings };
}

interface Relationship {
  id: string;
  /** Lower-cased. */
  type: string;
  /** The part's path inside the zip. */
  target: string;
}

function relationships(xml: string, baseDir: string): Relationship[] {
  return elements(xml, 'Relationship')
    .filter((attributes) => attributes.get('TargetMode') !== 'External')
    .map((attributes) => ({
      id: attributes.get('Id') ?? '',
      type: (attributes.get('Type') ?? '').toLowerCase(),
      target: resolvePath(baseDir, attributes.get('Target') ?? ''),
    }));
}

function resolvePath(baseDir: string, target: string): string {
  const segments = (target.startsWith('/') ? target : baseDir + target).split('/');
  const out: string[] = [];
  for (const segment of segments) {
    if (segment === '..') out.pop();
    else if (segment !== '' && segment !== '.') out.push(segment);
  }
  return out.join('/');
}

/** The attributes of every `<name …>` element (any namespace prefix), as found in small XML parts. */
function elements(xml: string, name: string): Array<Map<string, string>> {
  const found: Array<Map<string, string>> = [];
  const tag = new RegExp(`<(?:[\\w.-]+:)?${name}(?=[\\s/>])([^>]*)>`, 'g');
  for (const match of xml.matchAll(tag)) {
    const attributes = new Map<string, string>();
    for (const attribute of match[1]!.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
      attributes.set(attribute[1]!, unescapeXml(attribute[2] ?? attribute[3] ?? ''));
    }
    found.push(attributes);
  }
  return found;
}

const XML_ENTITIES = new Map([['lt', '<'], ['gt', '>'], ['amp', '&'], ['quot', '"'], ['apos', "'"]]);

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|lt|gt|amp|quot|apos);/gi, (whole, entity: string) => {
    const lower = entity.toLowerCase();
    if (lower.startsWith('#')) {
      const code = lower.startsWith('#x') ? parseInt(lower.slice(2), 16) : parseInt(lower.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return XML_ENTITIES.get(lower) ?? whole;
  });
}

/**
 * The sheet reduced to its root tag and `<sheetData>`, where every cell value is. Before it are column
 * widths and views, after it ranges (merges, data validations, conditional formats, hyperlinks, drawings):
 * exceljs expands both index by index, and resolves the latter through relationships this package leaves out.
 */
function sheetDataOnly(sheet: Buffer): Buffer {
  const head = sheet.toString('latin1', 0, Math.min(sheet.length, 64 * 1024));
  const root = /<([\w.-]+:)?worksheet(?=[\s/>])[^>]*>/.exec(head);
  if (!root) throw corrupt('lembar kerja tidak dapat dibaca');
  const prefix = root[1] ?? '';
  const empty = () => Buffer.from(`<${prefix}worksheet xmlns${prefix ? `:${prefix.slice(0, -1)}` : ''}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>`);
  const open = root[0].endsWith('/>') ? -1 : sheet.indexOf(`<${prefix}sheetData`, root.index + root[0].length);
  const closeTag = `</${prefix}sheetData>`;
  const close = open < 0 ? -1 : sheet.lastIndexOf(closeTag);
  if (open < 0 || close < open) return empty();
  return Buffer.concat([Buffer.from(root[0], 'latin1'), sheet.subarray(open, close + closeTag.length), Buffer.from(`</${prefix}worksheet>`)]);
}

/**
 * One pass over an XML part's bytes before exceljs parses it: counts start tags by local name, and the
 * rows that hold a value (`<v>` or inline `<is>`: an upper bound on the non-empty rows exceljs will give);
 * and rejects what no spreadsheet writes and would cost exceljs memory or time out of proportion to the
 * bytes: nesting deeper than XML_MAX_DEPTH, a tag over XML_MAX_TAG_BYTES, a row number past Excel's last.
 * Text never holds a raw `<`; attribute values may hold `>`, so a tag ends at the first unquoted one.
 */
function scanXml<T extends string>(xml: Buffer, names: readonly T[]): { counts: Record<T, number>; rowsWithValues: number; elements: number } {
  const counts = Object.fromEntries(names.map((name) => [name, 0])) as Record<string, number>;
  const wanted = new Set<string>(names);
  let depth = 0;
  let elements = 0;
  let rowsWithValues = 0;
  let rowHasValue = true;
  let at = xml.indexOf(0x3c);
  while (at >= 0) {
    const next = xml[at + 1];
    let end: number;
    if (next === 0x2f) {
      depth -= 1;
      end = xml.indexOf(0x3e, at);
    } else if (next === 0x3f) {
      end = xml.indexOf('?>', at);
    } else if (next === 0x21) {
      end = xml.indexOf(xml[at + 2] === 0x2d ? '-->' : xml[at + 2] === 0x5b ? ']]>' : '>', at);
    } else {
      let quote = 0;
      for (end = at + 1; end < xml.length; end += 1) {
        const byte = xml[end]!;
        if (quote !== 0) {
          if (byte === quote) quote = 0;
        } else if (byte === 0x22 || byte === 0x27) {
          quote = byte;
        } else if (byte === 0x3e) {
          break;
        }
        if (end - at > XML_MAX_TAG_BYTES) throw corrupt(`satu tag XML lebih dari ${MB(XML_MAX_TAG_BYTES)}`);
      }
      if (end >= xml.length) break;
      let nameEnd = at + 1;
      while (nameEnd < end && !isTagNameEnd(xml[nameEnd]!)) nameEnd += 1;
      const qualified = xml.toString('latin1', at + 1, nameEnd);
      const name = qualified.slice(qualified.indexOf(':') + 1);
      elements += 1;
      if (xml[end - 1] !== 0x2f && ++depth > XML_MAX_DEPTH) throw corrupt(`XML bersarang lebih dari ${XML_MAX_DEPTH} tingkat`);
      if (wanted.has(name)) counts[name]! += 1;
      if (name === 'row' || name === 'c') {
        const ref = /\sr\s*=\s*["'][A-Za-z]*(\d+)["']/.exec(xml.toString('latin1', nameEnd, end));
        if (ref && Number(ref[1]) > EXCEL_MAX_ROW) throw corrupt(`nomor baris ${ref[1]} melewati baris terakhir Excel (${count(EXCEL_MAX_ROW)})`);
      }
      if (name === 'row') rowHasValue = false;
      else if ((name === 'v' || name === 'is') && !rowHasValue) {
        rowHasValue = true;
        rowsWithValues += 1;
      }
    }
    if (end < 0) break;
    at = xml.indexOf(0x3c, end + 1);
  }
  return { counts: counts as Record<T, number>, rowsWithValues, elements };
}

function isTagNameEnd(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === 0x2f || byte === 0x3e;
}

// ---------------------------------------------------------------------------------------------------
// exceljs, on the package built above

async function loadWorksheet(parts: Parts): Promise<ExcelJS.Worksheet> {
  const workbookXml =
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">' +
    `<workbookPr${parts.date1904 ? ' date1904="1"' : ''}/><sheets><sheet name="data" sheetId="1" r:id="rId1"/></sheets></workbook>`;
  const relsXml =
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>' +
    '</Relationships>';
  const files: Array<readonly [string, Buffer]> = [
    ['xl/workbook.xml', Buffer.from(workbookXml)],
    ['xl/_rels/workbook.xml.rels', Buffer.from(relsXml)],
    ['xl/worksheets/sheet1.xml', parts.sheet],
  ];
  if (parts.styles) files.push(['xl/styles.xml', parts.styles]);
  if (parts.sharedStrings) files.push(['xl/sharedStrings.xml', parts.sharedStrings]);
  const workbook = new Workbook();
  try {
    await workbook.xlsx.load(await storedZip(files));
  } catch {
    // exceljs parsing the file's own XML (the package around it is ours, and checked): the file's fault.
    throw corrupt();
  }
  const worksheet = workbook.worksheets[0];
  if (!worksheet) throw corrupt('lembar kerja tidak dapat dibaca');
  return worksheet;
}

/** Each row as the admin sees it, with the sheet's row number, to the builder (which takes the first non-blank as the header). */
function readRows(worksheet: ExcelJS.Worksheet, builder: TableBuilder): void {
  worksheet.eachRow((row) => {
    const texts: string[] = [];
    row.eachCell((cell, column) => {
      texts[column - 1] = cellText(cell.value, builder.columns?.[column - 1] ?? '', cell.numFmt);
    });
    builder.addRow(Array.from(texts, (text) => text ?? ''), row.number);
  });
}

const MONTH_COLUMNS = new Set(['periode', 'bulan']);

/** A cell as the admin sees it: see the module comment. */
export function cellText(value: ExcelJS.CellValue, column: string, numFmt?: string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number') return isPercentFormat(numFmt) ? `${formatNumber(value * 100)}%` : formatNumber(value);
  if (value instanceof Date) return formatDate(value, MONTH_COLUMNS.has(column));
  if ('error' in value) return String(value.error);
  if ('richText' in value) return value.richText.map((run) => run.text ?? '').join('');
  if ('formula' in value || 'sharedFormula' in value) return value.result === undefined ? '' : cellText(value.result, column, numFmt);
  if ('text' in value) return typeof value.text === 'string' ? value.text : cellText(value.text as ExcelJS.CellValue, column, numFmt);
  return '';
}

function isPercentFormat(numFmt: string | undefined): boolean {
  return numFmt !== undefined && numFmt.replace(/"[^"]*"/g, '').replace(/\\./g, '').includes('%');
}

/**
 * A number as Excel shows it in a General cell, without grouping: 15 significant digits (so 0.1 + 0.2
 * is `0.3`), and never an exponent (`1e+21` becomes `1000000000000000000000`).
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const text = String(Number(value.toPrecision(15)));
  const match = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return text;
  const [, sign, whole, fraction = '', exponent] = match;
  const digits = whole! + fraction;
  const point = whole!.length + Number(exponent);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function formatDate(date: Date, monthOnly: boolean): string {
  if (Number.isNaN(date.getTime())) return '';
  const iso = date.toISOString();
  if (monthOnly) return iso.slice(0, 7);
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.slice(0, 19);
}
