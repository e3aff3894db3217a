/**
 * Kept because a bulletin renders about four times faster with them; written against pdfmake 0.3.11 and pdfkit 0.19.1, pinned exactly in package.json.
 *
 * Every change this project makes to pdfmake's and pdfkit's internals, in one place, with the same
 * output: the text lands where it lands without them (test/unit/bulletin-patches.test.ts renders every
 * kind of bulletin both ways and compares what pdf.js reads back), and identical inputs give identical
 * bytes. `installPdfEnginePatches` checks that each internal it touches still has the shape it had in
 * those versions and throws a clear error otherwise; the parts only an instance shows (pdfkit's font and
 * its PDF objects) are checked on the first font pdfkit builds.
 *
 * - Style lookup. pdfmake resolves about twenty style properties for every text run (font, bold, colour,
 *   decoration, link, …) through `StyleContextStack.getStyleProperty`, which pushes the run on the style
 *   stack, builds two closures and walks the stack for each property: the largest single item in a
 *   bulletin's CPU profile after text drawing. The replacements walk the same stack in the same order and
 *   return the same values, without pushing, popping or allocating (test/unit/bulletin-render.test.ts
 *   compares them with pdfmake's own on generated stacks).
 * - Fonts. pdfkit parses the TrueType font again for every document, shapes every word again, and builds
 *   and compresses a new font subset for every document. Here each font face is read and parsed once per
 *   process and shared by every document, with one shaping cache per face; each document still gets its
 *   own subset, which starts with a fixed repertoire of glyphs (printable ASCII and the few other
 *   characters bulletins use) so that the subset, its encoding and its compressed stream are the same
 *   from one bulletin to the next and are built once. Whole strings are laid out once too (pdfkit caches
 *   words, and joins them again for every measure and draw).
 */
import { deflateSync } from 'node:zlib';
// Static imports, so esbuild bundles these into the Lambda (a createRequire'd require stays a run-time lookup).
import pdfmakeDocumentModule from 'pdfmake/js/PDFDocument.js';
import styleContextStackModule from 'pdfmake/js/StyleContextStack.js';
import { EXTRA_CHARACTERS } from './textfit.ts';

/** The versions the patches were written against and checked with; the patches test compares them with what is installed. */
export const WRITTEN_AGAINST = { pdfmake: '0.3.11', pdfkit: '0.19.1' } as const;

function changed(what: string, expected: string): Error {
  return new Error(
    `pdf-engine-patches: ${what} is no longer ${expected}, as it was in pdfmake ${WRITTEN_AGAINST.pdfmake} and pdfkit ${WRITTEN_AGAINST.pdfkit}: ` +
      'update lib/bulletin/pdf-engine-patches.ts for the new version and run test/unit/bulletin-patches.test.ts',
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function');
}

/** Throws unless `owner[name]` is a function of `arity` parameters. */
function expectMethod(owner: unknown, name: string, arity: number, where: string): void {
  const method = isRecord(owner) ? owner[name] : undefined;
  if (typeof method !== 'function' || method.length !== arity) throw changed(`${where}.${name}`, `a function of ${arity} parameter${arity === 1 ? '' : 's'}`);
}

/** Throws unless `owner[name]` passes `test` (`expected` says what it should be, for the error). */
function expectField(owner: unknown, name: string, test: (value: unknown) => boolean, expected: string, where: string): void {
  if (!isRecord(owner) || !test(owner[name])) throw changed(`${where}.${name}`, expected);
}

const isArray = (value: unknown) => Array.isArray(value);
const isObject = (value: unknown) => isRecord(value) && !Array.isArray(value);

/** pdfmake's modules are CommonJS with `exports.default`; a bundler may hand over either shape. */
function commonJsDefault(module: { default?: unknown }): unknown {
  return module.default ?? module;
}

// ---------------------------------------------------------------------------------------------------
// Style lookup (pdfmake js/StyleContextStack.js).

type StyleItem = string | Record<string, unknown>;

export interface StyleStack {
  styleDictionary: Record<string, Record<string, unknown> | undefined>;
  defaultStyle?: Record<string, unknown>;
  styleOverrides?: StyleItem[];
  getProperty(property: string): unknown;
}

type GetProperty = (this: StyleStack, property: string) => unknown;
type GetStyleProperty = (item: StyleItem, stack: StyleStack | null | undefined, property: string, defaultValue: unknown) => unknown;

export interface StyleContextStackClass {
  new (styleDictionary: StyleStack['styleDictionary'], defaultStyle?: Record<string, unknown>): StyleStack & { push(item: StyleItem): void };
  prototype: StyleStack;
  getStyleProperty: GetStyleProperty;
}

/** pdfmake's class, checked: the lookups it replaces, and the fields and steps of pdfmake's that they mirror. */
function expectStyleContextStackClass(found: unknown): asserts found is StyleContextStackClass {
  const where = 'pdfmake StyleContextStack';
  if (typeof found !== 'function') throw changed(where, 'a class');
  expectMethod(found, 'getStyleProperty', 4, where);
  for (const [name, arity] of [['getProperty', 1], ['auto', 2], ['autopush', 1], ['push', 1]] as const) expectMethod(found.prototype, name, arity, `${where}.prototype`);
  const probe: unknown = Reflect.construct(found, [{}, {}]);
  expectField(probe, 'styleDictionary', isObject, 'the named styles', `${where} instance`);
  expectField(probe, 'defaultStyle', isObject, 'the default style', `${where} instance`);
  expectField(probe, 'styleOverrides', isArray, 'the stack, an array', `${where} instance`);
}

const isValue = (value: unknown): boolean => value !== undefined && value !== null;

/** A named style's property, following `extends` as pdfmake does (a cycle ends the search). */
function fromNamedStyle(dictionary: StyleStack['styleDictionary'], name: string, property: string, visited: Set<string> | null): unknown {
  const style = dictionary[name];
  if (!style) return undefined;
  if (isValue(style[property])) return style[property];
  if (style.extends) {
    const seen = visited ?? new Set<string>();
    if (seen.has(name)) return undefined;
    seen.add(name);
    const parents = (Array.isArray(style.extends) ? style.extends : [style.extends]) as string[];
    for (let i = parents.length - 1; i >= 0; i -= 1) {
      const value = fromNamedStyle(dictionary, parents[i]!, property, seen);
      if (isValue(value)) return value;
    }
  }
  return undefined;
}

function getProperty(this: StyleStack, property: string): unknown {
  const overrides = this.styleOverrides;
  if (overrides) {
    for (let i = overrides.length - 1; i >= 0; i -= 1) {
      const item = overrides[i]!;
      if (typeof item === 'string') {
        const value = fromNamedStyle(this.styleDictionary, item, property, null);
        if (isValue(value)) return value;
      } else if (isValue(item[property])) return item[property];
    }
  }
  return this.defaultStyle && this.defaultStyle[property];
}

/**
 * pdfmake: push the item (its named styles, then the item), read the property from the stack, pop. The
 * item itself was already found not to have it, so the walk starts at its named styles, last first.
 */
function getStyleProperty(item: StyleItem, stack: StyleStack | null | undefined, property: string, defaultValue: unknown): unknown {
  // As pdfmake: a string item's property is looked up too (String.prototype has a few).
  const own = (item as Record<string, unknown>)[property];
  if (isValue(own)) return own;
  if (!stack) return defaultValue;
  let value: unknown;
  if (typeof item !== 'string' && item.section === undefined && item.style) {
    const names = (Array.isArray(item.style) ? item.style : [item.style]) as string[];
    for (let i = names.length - 1; i >= 0 && !isValue(value); i -= 1) value = fromNamedStyle(stack.styleDictionary, names[i]!, property, null);
  }
  if (!isValue(value)) value = stack.getProperty(property);
  return isValue(value) ? value : defaultValue;
}

// ---------------------------------------------------------------------------------------------------
// Fonts (pdfmake js/PDFDocument.js, pdfkit js/pdfkit.js: EmbeddedFont, PDFReference, the fonts mixin).

/** The slice of pdfkit's EmbeddedFont this module touches. */
interface EmbeddedFont {
  name: string;
  font: FontkitFont;
  subset: FontkitSubset;
  layoutCache: Record<string, unknown>;
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
type ProvideFont = (this: PdfkitDocument, family: string, bold: boolean, italics: boolean) => unknown;

interface PdfmakeDocumentClass {
  prototype: { provideFont: ProvideFont };
}

/** pdfmake's document class, checked: the font loading it replaces, and what the replacement calls. */
function expectPdfmakeDocumentClass(found: unknown): asserts found is PdfmakeDocumentClass {
  const where = 'pdfmake PDFDocument';
  if (typeof found !== 'function') throw changed(where, 'a class');
  expectMethod(found.prototype, 'provideFont', 3, `${where}.prototype`);
  expectMethod(found.prototype, 'getFontType', 2, `${where}.prototype`);
  // pdfkit's, inherited: the references the font files are written to, and the font loading whose
  // registration the replacement repeats.
  expectMethod(found.prototype, 'ref', 1, `${where}.prototype (pdfkit)`);
  expectMethod(found.prototype, 'font', 3, `${where}.prototype (pdfkit)`);
}

function expectEmbeddedFont(value: unknown): asserts value is EmbeddedFont {
  const where = 'pdfkit EmbeddedFont';
  expectField(value, 'font', isObject, 'the fontkit font', where);
  expectMethod(isRecord(value) ? value.font : undefined, 'createSubset', 0, `${where}.font (fontkit)`);
  expectField(value, 'subset', isObject, 'the fontkit subset', where);
  const subset = isRecord(value) ? value.subset : undefined;
  expectField(subset, 'glyphs', isArray, 'its glyph list', `${where}.subset`);
  expectField(subset, 'mapping', isObject, 'its glyph mapping', `${where}.subset`);
  expectMethod(subset, 'encode', 0, `${where}.subset`);
  // Present unless a document turns it off; shared here, so a renamed one would silently cost the speed.
  expectField(value, 'layoutCache', isObject, 'the word shaping cache', where);
  expectField(value, 'widths', isArray, 'the widths by glyph', where);
  expectField(value, 'unicode', isArray, 'the code points by glyph', where);
  expectField(value, 'name', (name) => typeof name === 'string', 'the PostScript name', where);
  expectMethod(value, 'layout', 3, where);
  expectMethod(value, 'encode', 2, where);
  expectMethod(value, 'embed', 0, where);
}

function expectEmbeddedFontClass(value: unknown): asserts value is EmbeddedFontClass {
  if (typeof value !== 'function' || value.length !== 3) throw changed('pdfkit EmbeddedFont', 'constructed from (document, font, id)');
}

/** The document fields the shared font loading reads and fills, as pdfkit's `font()` and pdfmake's `provideFont` do. */
function expectDocument(document: PdfkitDocument): void {
  const where = 'pdfmake PDFDocument instance';
  expectField(document, 'fonts', isObject, 'the font files by family', where);
  expectField(document, 'fontCache', isObject, 'the fonts by family and style', where);
  expectField(document, '_fontFamilies', isObject, "pdfkit's font registry", where);
  expectField(document, '_fontCount', (count) => typeof count === 'number', "pdfkit's font counter", where);
  expectField(document, 'compress', (compress) => typeof compress === 'boolean', 'the compression switch', where);
}

function expectReference(value: unknown): void {
  const where = 'pdfkit PDFReference';
  expectField(value, 'data', isObject, 'the dictionary', where);
  expectField(value, 'compress', (compress) => typeof compress === 'boolean', 'the compression switch', where);
  expectMethod(value, 'end', 1, where);
  expectMethod(value, 'write', 1, where);
  expectMethod(value, 'finalize', 0, where);
}

/**
 * Glyphs every subset starts with, in this order. Separated by spaces so that shaping makes no ligatures
 * of them. A character outside it still works: it is appended to that document's subset.
 */
const REPERTOIRE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i))
  .concat([...EXTRA_CHARACTERS])
  .join(' ');

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

/** By font file (its name in pdfmake's virtual file system). */
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

let referenceChecked = false;

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
      if (!referenceChecked) {
        expectReference(created);
        referenceChecked = true;
      }
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
function sharedFontLoading(original: ProvideFont): ProvideFont {
  return function provideSharedFont(family, bold, italics) {
    const type = this.getFontType(bold, italics);
    const known = this.fontCache[family]?.[type];
    if (known) return known;
    const file = this.fonts[family]?.[type];
    const face = file === undefined ? undefined : faces.get(file);
    if (file === undefined || face === undefined) {
      const font = original.call(this, family, bold, italics);
      if (file === undefined) return font;
      // The first font of a face is pdfkit's own: the shapes the shared ones rely on are checked on it.
      expectDocument(this);
      expectEmbeddedFont(font);
      const ctor: unknown = font.constructor;
      expectEmbeddedFontClass(ctor);
      const created: SharedFace = {
        font: font.font,
        ctor,
        layoutCache: font.layoutCache,
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

// ---------------------------------------------------------------------------------------------------
// Installing.

interface Internals {
  documentClass: PdfmakeDocumentClass;
  styleStack: StyleContextStackClass;
  /** pdfmake's own implementations, taken before anything was replaced. */
  original: { provideFont: ProvideFont; getProperty: GetProperty; getStyleProperty: GetStyleProperty };
}

let internals: Internals | undefined;

/**
 * Checks pdfmake's classes as they are now (pdfkit's font and PDF objects are checked on the first font
 * built); throws a clear error naming what changed. The patches' install runs it once.
 */
export function checkPdfEngineInternals(): Pick<Internals, 'documentClass' | 'styleStack'> {
  const documentClass = commonJsDefault(pdfmakeDocumentModule);
  expectPdfmakeDocumentClass(documentClass);
  const styleStack = commonJsDefault(styleContextStackModule);
  expectStyleContextStackClass(styleStack);
  return { documentClass, styleStack };
}

/** pdfmake's classes, checked once, and their own implementations, taken before anything is replaced. */
function pdfEngineInternals(): Internals {
  if (internals) return internals;
  const { documentClass, styleStack } = checkPdfEngineInternals();
  internals = {
    documentClass,
    styleStack,
    original: {
      provideFont: documentClass.prototype.provideFont,
      getProperty: styleStack.prototype.getProperty,
      getStyleProperty: styleStack.getStyleProperty,
    },
  };
  return internals;
}

let installed = false;

/** Replaces pdfmake's font loading and style lookup (process-wide). Throws if their internals have changed. */
export function installPdfEnginePatches(): void {
  if (installed) return;
  const { documentClass, styleStack, original } = pdfEngineInternals();
  documentClass.prototype.provideFont = sharedFontLoading(original.provideFont);
  styleStack.prototype.getProperty = getProperty;
  styleStack.getStyleProperty = getStyleProperty;
  installed = true;
}

/**
 * Puts pdfmake's own implementations back, for the test that renders without the patches. Fonts parsed so
 * far stay cached for the next install; documents rendered meanwhile parse their own, as pdfkit does.
 */
export function uninstallPdfEnginePatches(): void {
  if (!installed) return;
  const { documentClass, styleStack, original } = pdfEngineInternals();
  documentClass.prototype.provideFont = original.provideFont;
  styleStack.prototype.getProperty = original.getProperty;
  styleStack.getStyleProperty = original.getStyleProperty;
  installed = false;
}

/** For the equivalence test of the style lookup: pdfmake's class, its own lookups and the replacements. */
export function styleLookups(): {
  StyleContextStack: StyleContextStackClass;
  original: { getProperty: GetProperty; getStyleProperty: GetStyleProperty };
  replacements: { getProperty: GetProperty; getStyleProperty: GetStyleProperty };
} {
  const { styleStack, original } = pdfEngineInternals();
  return {
    StyleContextStack: styleStack,
    original: { getProperty: original.getProperty, getStyleProperty: original.getStyleProperty },
    replacements: { getProperty, getStyleProperty },
  };
}
