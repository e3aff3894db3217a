/**
 * Renders bulletin definitions to PDF bytes with pdfmake 0.3's node API. The edge of the bulletin module:
 * definition.ts stays pure, this file owns fonts and pdfmake's process-wide settings.
 *
 * Speed (PERFORMANCE.md): pdfkit parses the TrueType font again for every document, shapes every word
 * again, and builds and compresses a new font subset for every document. Here each font face is read and
 * parsed once per process and shared by every document, with one shaping cache per face; each document
 * still gets its own subset, which starts with a fixed repertoire of glyphs (printable ASCII and the few
 * other characters bulletins use) so that the subset, its encoding and its compressed stream are the same
 * from one bulletin to the next and are built once. Whole strings are laid out once too (pdfkit caches
 * words, and joins them again for every measure and draw), and pdfmake's style lookup is replaced by an
 * equivalent that does not allocate (pdfmake-speedups.ts). All of it is transparent: the bytes are those
 * pdfkit writes without it (a test compares), and identical inputs give identical bytes.
 */
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { join } from 'node:path';
// Static imports, so esbuild bundles pdfmake into the Lambda (a createRequire'd require stays a run-time lookup).
import pdfmakeModule from 'pdfmake';
import pdfmakeDocumentModule from 'pdfmake/js/PDFDocument.js';
import { bulletinDefinition, type BulletinInput } from './definition.ts';
import type { DocDefinition } from './pdfmake-types.ts';
import { installSpeedups } from './pdfmake-speedups.ts';

const FONT_FILES = {
  normal: 'Roboto-Regular.ttf',
  bold: 'Roboto-Medium.ttf',
  italics: 'Roboto-Italic.ttf',
  bolditalics: 'Roboto-MediumItalic.ttf',
} as const;

/** Where the font bytes live in pdfmake's virtual file system: nothing is read from disk while rendering. */
const VFS_DIR = 'ucj-fonts';

/**
 * Glyphs every subset starts with, in this order. Separated by spaces so that shaping makes no ligatures
 * of them. A character outside it still works: it is appended to that document's subset.
 */
const REPERTOIRE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i))
  .concat(['–', '−', '—', '·', '÷', '×', '≥', '≤', '■', '¦', '…', '’', 'é'])
  .join(' ');

/** The slice of pdfkit's EmbeddedFont this module touches (pdfkit 0.19, js/pdfkit.js). */
interface EmbeddedFont {
  name: string;
  font: FontkitFont;
  subset: FontkitSubset;
  layoutCache?: Record<string, unknown>;
  widths: number[];
  unicode: number[][];
  document: PdfkitDocument;
  encode(text: string): unknown;
  embed(): void;
  layout(text: string, features?: unknown, onlyWidth?: boolean): Layout;
}
interface Layout {
  glyphs: unknown[] | null;
  positions: unknown[] | null;
  advanceWidth: number;
}
interface FontkitFont {
  createSubset(): FontkitSubset;
}
interface FontkitSubset {
  glyphs: number[];
  mapping: Record<number, number>;
  encode(): Uint8Array;
}
interface PdfkitReference {
  compress: boolean;
  data: Record<string, unknown>;
  end(chunk?: unknown): void;
  write(chunk: unknown): void;
  finalize(): void;
}
interface PdfkitDocument {
  compress: boolean;
  ref(data?: Record<string, unknown>): PdfkitReference;
  fonts: Record<string, Record<string, string>>;
  fontCache: Record<string, Record<string, EmbeddedFont>>;
  _fontCount: number;
  _fontFamilies: Record<string, EmbeddedFont>;
  _font: EmbeddedFont;
  getFontType(bold: boolean, italics: boolean): string;
}
type EmbeddedFontClass = new (document: PdfkitDocument, font: FontkitFont, id: string) => EmbeddedFont;

/** One parsed face for the process: the fontkit font, pdfkit's class for it, shaping and subset caches. */
interface SharedFace {
  font: FontkitFont;
  ctor: EmbeddedFontClass;
  layoutCache: Record<string, unknown>;
  /** The subset, widths and ToUnicode entries right after the repertoire was included. */
  start: { glyphs: number[]; mapping: Record<number, number>; widths: number[]; unicode: number[][] } | null;
  /** Encoded subsets by glyph list. */
  subsets: Map<string, Uint8Array>;
  /** Whole strings laid out (pdfkit caches words only, and re-joins them for every measure and draw). */
  layouts: Map<string, Layout>;
  /** Documents since the shaping caches were last emptied. */
  documents: number;
}

const faces = new Map<string, SharedFace>();

/** The caches below are transparent: turning them off (a test does) changes no byte of the output. */
let caching = true;

/** For tests and diagnosis: render without the shaping, subset and compression caches (fonts stay shared). */
export function setRenderCaches(enabled: boolean): void {
  caching = enabled;
}

/**
 * Most strings recur (labels, names, a region's figures in several bulletins) but every bulletin adds
 * figures of its own: the shaping caches start over every so often so that a worker rendering a whole
 * month does not grow without bound.
 */
const MAX_LAYOUTS = 20_000;
const DOCUMENTS_PER_CACHE = 200;

/**
 * pdfkit's own consumers only read a layout (its encode and text drawing copy what they change), so one
 * layout of a string serves every measure and draw of it, in every document.
 */
function shareLayouts(font: EmbeddedFont, face: SharedFace): void {
  const layout = font.layout.bind(font);
  font.layout = (text, features, onlyWidth) => {
    if (features || !caching) return layout(text, features, onlyWidth);
    let known = face.layouts.get(text);
    if (known === undefined) {
      known = layout(text);
      if (face.layouts.size >= MAX_LAYOUTS) face.layouts.clear();
      face.layouts.set(text, known);
    }
    return known;
  };
}

/** Deflated font files, by the encoded subset they were made from (the same object while it is cached). */
const deflated = new WeakMap<Uint8Array, Buffer>();

/** Distinct subsets kept per face: a handful in practice; the bound keeps an odd stream of inputs from growing it. */
const MAX_SUBSETS = 64;

/** A subset's encoding depends only on its glyph list: build it once per distinct list. */
function shareSubsetEncoding(face: SharedFace, subset: FontkitSubset): void {
  const encode = subset.encode.bind(subset);
  subset.encode = () => {
    if (!caching) return encode();
    const key = subset.glyphs.join(',');
    let bytes = face.subsets.get(key);
    if (bytes === undefined) {
      bytes = encode();
      if (face.subsets.size < MAX_SUBSETS) {
        face.subsets.set(key, bytes);
        deflated.set(bytes, deflateSync(bytes));
      }
    }
    return bytes;
  };
}

/** Deflated ToUnicode CMaps by their text: the same in every bulletin whose subset is the repertoire. */
const deflatedCmaps = new Map<string, Buffer>();
const MAX_CMAPS = 64;

/**
 * pdfkit deflates a font's file and its ToUnicode CMap in every document. When the bytes it is handed are
 * a cached encoding, or the CMap one seen before, the stream written is the cached deflate of them: the
 * same bytes pdfkit would write (zlib's defaults, and pdfkit's line end after a string), made once.
 */
function shareFontFileCompression(font: EmbeddedFont): void {
  const embed = font.embed;
  font.embed = function embedWithSharedCompression(this: EmbeddedFont) {
    const document = this.document;
    if (!document.compress || !caching) return embed.call(this);
    const ref = document.ref;
    document.ref = function refDuringEmbed(this: PdfkitDocument, data?: Record<string, unknown>) {
      const created = ref.call(this, data);
      const end = created.end;
      created.end = (chunk?: unknown) => {
        // Only a stream with an empty dictionary, written in one piece: the font file and the CMap.
        let bytes: Buffer | undefined;
        if (Object.keys(created.data).length === 0) {
          if (chunk instanceof Uint8Array) bytes = deflated.get(chunk);
          else if (typeof chunk === 'string') {
            bytes = deflatedCmaps.get(chunk);
            if (bytes === undefined && deflatedCmaps.size < MAX_CMAPS) {
              bytes = deflateSync(Buffer.from(`${chunk}\n`, 'binary'));
              deflatedCmaps.set(chunk, bytes);
            }
          }
        }
        if (bytes === undefined) {
          end.call(created, chunk);
          return;
        }
        // In pdfkit's order (Length, then Filter), so that the dictionary reads as pdfkit writes it.
        created.compress = false;
        created.write(bytes);
        created.data.Filter = 'FlateDecode';
        created.finalize();
      };
      return created;
    };
    try {
      return embed.call(this);
    } finally {
      document.ref = ref;
    }
  };
}

/**
 * Gives a new document's font the process-wide shaping cache and starts its subset with the repertoire
 * (copied from the face's first document rather than shaped again).
 */
function prepare(font: EmbeddedFont, face: SharedFace): EmbeddedFont {
  if (++face.documents % DOCUMENTS_PER_CACHE === 0) {
    face.layoutCache = Object.create(null);
    face.layouts.clear();
  }
  font.layoutCache = face.layoutCache;
  shareLayouts(font, face);
  shareSubsetEncoding(face, font.subset);
  shareFontFileCompression(font);
  if (face.start === null) {
    font.encode(REPERTOIRE);
    face.start = {
      glyphs: [...font.subset.glyphs],
      mapping: { ...font.subset.mapping },
      widths: [...font.widths],
      unicode: [...font.unicode],
    };
  } else {
    font.subset.glyphs = [...face.start.glyphs];
    font.subset.mapping = { ...face.start.mapping };
    font.widths = [...face.start.widths];
    font.unicode = [...face.start.unicode];
  }
  return font;
}

/**
 * Replaces pdfmake's per-document font loading (PDFDocument.provideFont) with one that shares the parsed
 * face. The first document of each face goes through pdfmake and pdfkit as usual; later ones construct
 * pdfkit's EmbeddedFont around the shared fontkit font and register it the way pdfkit's `font()` does.
 */
function shareFonts(): void {
  const documentClass = ((pdfmakeDocumentModule as { default?: unknown }).default ?? pdfmakeDocumentModule) as {
    prototype: { provideFont(this: PdfkitDocument, family: string, bold: boolean, italics: boolean): EmbeddedFont };
  };
  const proto = documentClass.prototype;
  const original = proto.provideFont;
  if (typeof original !== 'function') throw new Error('pdfmake PDFDocument.provideFont not found: font sharing needs updating');
  proto.provideFont = function provideSharedFont(family, bold, italics) {
    const type = this.getFontType(bold, italics);
    const known = this.fontCache[family]?.[type];
    if (known) return known;
    const file = this.fonts[family]?.[type];
    const face = file === undefined ? undefined : faces.get(file);
    if (file === undefined || face === undefined) {
      const font = original.call(this, family, bold, italics);
      if (file === undefined) return font;
      const created: SharedFace = {
        font: font.font,
        ctor: font.constructor as EmbeddedFontClass,
        layoutCache: font.layoutCache ?? Object.create(null),
        start: null,
        subsets: new Map(),
        layouts: new Map(),
        documents: 0,
      };
      faces.set(file, created);
      return prepare(font, created);
    }
    const font = new face.ctor(this, face.font, `F${++this._fontCount}`);
    if (!this._fontFamilies[font.name]) this._fontFamilies[font.name] = font;
    else this._fontFamilies[`${font.name}#${this._fontCount}`] = font;
    this._font = font;
    (this.fontCache[family] ??= {})[type] = font;
    return prepare(font, face);
  };
}

let configured: typeof pdfmakeModule | undefined;

/** pdfmake's settings are process-wide: set them once, on first use. */
function pdfmake(): typeof pdfmakeModule {
  if (configured) return configured;
  const instance = pdfmakeModule;
  // In a Lambda bundle pdfmake's own folder is gone: the deployment copies the fonts beside the code
  // and names the folder in UCJ_FONT_DIR. From a checkout they are read where pdfmake ships them.
  const fontDir = process.env.UCJ_FONT_DIR;
  const require = createRequire(import.meta.url);
  const path = (file: string) => (fontDir ? join(fontDir, file) : require.resolve(`pdfmake/fonts/Roboto/${file}`));
  const roboto = { normal: '', bold: '', italics: '', bolditalics: '' };
  for (const [style, file] of Object.entries(FONT_FILES) as Array<[keyof typeof FONT_FILES, string]>) {
    const name = `${VFS_DIR}/${file}`;
    instance.virtualfs.writeFileSync(name, readFileSync(path(file)));
    roboto[style] = name;
  }
  instance.setFonts({ Roboto: roboto });
  // Bulletins embed no remote resources and no local files (the fonts are in memory): anything else in
  // a definition is a bug or an injection, and must fail rather than fetch or read.
  instance.setUrlAccessPolicy(() => false);
  instance.setLocalAccessPolicy(() => false);
  shareFonts();
  installSpeedups();
  configured = instance;
  return instance;
}

/** Loads and parses the fonts now rather than in the first render (a worker warms up before taking work). */
export async function warmUp(): Promise<void> {
  const definition = bulletinDefinitionForWarmUp();
  await renderOwned(definition);
}

function bulletinDefinitionForWarmUp(): DocDefinition {
  return {
    pageSize: 'A4',
    pageOrientation: 'portrait',
    pageMargins: [40, 40, 40, 40],
    language: 'id-ID',
    info: { title: 'warm-up', subject: '', creator: '', producer: '', creationDate: new Date(0), modDate: new Date(0) },
    content: [{ text: 'Buletin', bold: true }, { text: '0,00%' }],
    styles: {},
    defaultStyle: { font: 'Roboto' },
    footer: () => '',
  };
}

/** Renders a definition nobody else holds: pdfmake annotates the nodes it lays out. */
function renderOwned(definition: DocDefinition): Promise<Buffer> {
  return pdfmake().createPdf(definition).getBuffer();
}

/**
 * Renders a definition to PDF bytes. pdfmake annotates the nodes it lays out, so it gets a copy and the
 * caller's definition can be rendered again.
 */
export async function renderPdf(definition: DocDefinition): Promise<Buffer> {
  const { footer, ...data } = definition;
  return renderOwned({ ...structuredClone(data), footer });
}

/** The region's bulletin as PDF bytes; the same input gives the same bytes. */
export async function renderBulletinPdf(input: BulletinInput): Promise<Buffer> {
  return renderOwned(bulletinDefinition(input));
}
