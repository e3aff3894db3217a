/**
 * The speed-ups that reach into pdfmake's and pdfkit's internals (lib/bulletin/pdf-engine-patches.ts)
 * change nothing a reader sees: every kind of bulletin, rendered with them and without them, reads back
 * through pdf.js as the same pages, the same text items at the same positions in the same fonts, and the
 * same drawing. The bytes differ (the patches start every font subset with a fixed repertoire of glyphs,
 * so glyph codes and font streams differ), which is why the comparison is of what pdf.js reads.
 * An upgrade of pdfmake or pdfkit that breaks a patch fails here, not in a month's run.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { getDocument, OPS } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { BulletinInput } from '../../lib/bulletin/definition.ts';
import { checkPdfEngineInternals, styleLookups, WRITTEN_AGAINST } from '../../lib/bulletin/pdf-engine-patches.ts';
import { renderBulletinPdf, usePdfEnginePatches } from '../../lib/bulletin/render.ts';
import { loadRegionIndex } from '../../lib/domain/regions.ts';
import { lampungInput, nationalInput, regencyInput } from './bulletin-fixtures.ts';

interface TextItem {
  str: string;
  x: number;
  y: number;
  width: number;
  height: number;
  /** The transform's scale: the font size of upright text. */
  size: number;
  /** The embedded font's name, e.g. `BZZZZZ+Roboto-Medium`. */
  font: string;
}

interface PageLayout {
  texts: TextItem[];
  /** One line per drawing operation: its name and arguments, with fonts by name and glyphs by text and advance. */
  operations: string[];
}

const OPERATION_NAMES = new Map(Object.entries(OPS).map(([name, id]) => [id, name]));

/** pdf.js names a loaded font `g_d<document>_f<n>`: the document part differs from one document to the next. */
const LOADED_FONT = /^g_d\d+_f\d+$/;

const fontSchema = z.object({ name: z.string() });

/** An operation's arguments as text, without what the patches may change: glyph codes in the subset, pdf.js's font ids. */
function argumentsText(args: unknown, fontName: (loadedName: string) => string): string {
  return JSON.stringify(args, (_key, value: unknown) => {
    if (typeof value === 'string' && LOADED_FONT.test(value)) return fontName(value);
    if (ArrayBuffer.isView(value)) return Object.values(value);
    if (value !== null && typeof value === 'object' && 'unicode' in value && 'width' in value) return `${String(value.unicode)}:${String(value.width)}`;
    return value;
  });
}

/** Every page as pdf.js reads it: its text items and its drawing operations. */
async function pdfLayout(pdf: Uint8Array): Promise<PageLayout[]> {
  const document = await getDocument({ data: new Uint8Array(pdf), isEvalSupported: false, useSystemFonts: false }).promise;
  try {
    const pages: PageLayout[] = [];
    for (let number = 1; number <= document.numPages; number += 1) {
      const page = await document.getPage(number);
      const content = await page.getTextContent();
      // Also loads the page's fonts into commonObjs, where their names are.
      const list = await page.getOperatorList();
      const fontName = (loadedName: string) => fontSchema.parse(page.commonObjs.get(loadedName)).name;
      const texts: TextItem[] = [];
      for (const item of content.items) {
        if (!('str' in item)) continue;
        const [a, b, , , x, y] = z.array(z.number()).length(6).parse(item.transform);
        texts.push({ str: item.str, x: x!, y: y!, width: item.width, height: item.height, size: Math.hypot(a!, b!), font: fontName(item.fontName) });
      }
      const operations = list.fnArray.map((fn, i) => `${OPERATION_NAMES.get(fn) ?? fn} ${argumentsText(list.argsArray[i], fontName)}`);
      pages.push({ texts, operations });
    }
    return pages;
  } finally {
    await document.destroy();
  }
}

/** Renders with the patches taken out; they are put back even when rendering fails. */
async function renderWithoutPatches(input: BulletinInput): Promise<Buffer> {
  usePdfEnginePatches(false);
  try {
    return await renderBulletinPdf(input);
  } finally {
    usePdfEnginePatches(true);
  }
}

const { provinces } = await loadRegionIndex();
const regency = regencyInput();

const BULLETIN_KINDS: Array<[string, BulletinInput]> = [
  ['the national bulletin (38 provinces, several pages)', nationalInput(provinces)],
  ['a province bulletin', lampungInput()],
  ['a regency bulletin', regency],
  ['a revised province bulletin with missing and carried-forward regencies', lampungInput({ withMissing: true, revision: true })],
  ['a province bulletin without trend or segments', lampungInput({ trend: false, details: false })],
  // Characters outside the repertoire every font subset starts with are appended to that document's subset.
  ['a regency bulletin with upload names outside the glyph repertoire', { ...regency, sources: [{ key: 'uploads/2025-10/データ-Ωμέγα.csv', uploadedAt: '2025-11-03T02:41:00Z' }] }],
];

describe('pdf engine patches', () => {
  afterEach(() => usePdfEnginePatches(true));

  it('were written against the pdfmake and pdfkit installed', () => {
    const require = createRequire(import.meta.url);
    const version = (name: string) => z.object({ version: z.string() }).parse(JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8'))).version;
    // A different version may still work: check the patches against it (this file does), then update WRITTEN_AGAINST.
    expect({ pdfmake: version('pdfmake'), pdfkit: version('pdfkit') }).toEqual(WRITTEN_AGAINST);
  });

  it.each(BULLETIN_KINDS)('leave %s reading the same: pages, text at the same positions in the same fonts, drawing', async (_kind, input) => {
    const patched = await renderBulletinPdf(input);
    const plain = await renderWithoutPatches(input);
    expect(plain.equals(patched), 'the patches should change the font subsets, or this test compares nothing').toBe(false);
    const [withPatches, without] = [await pdfLayout(patched), await pdfLayout(plain)];
    expect(withPatches.length).toBeGreaterThan(0);
    expect(without.length, 'pages').toBe(withPatches.length);
    withPatches.forEach((page, i) => {
      expect(page.texts.length, `text items on page ${i + 1}`).toBeGreaterThan(0);
      expect(without[i]!.texts, `text on page ${i + 1}`).toEqual(page.texts);
      expect(without[i]!.operations, `drawing on page ${i + 1}`).toEqual(page.operations);
    });
  });

  it('render the same bytes again once put back', async () => {
    const input = lampungInput({ withMissing: true });
    const before = await renderBulletinPdf(input);
    await renderWithoutPatches(regencyInput());
    expect((await renderBulletinPdf(input)).equals(before)).toBe(true);
  });

  it('refuse a pdfmake whose internals no longer look as the patches expect, saying what changed', () => {
    const { StyleContextStack } = styleLookups();
    const prototype: object = StyleContextStack.prototype;
    const autopush: unknown = Reflect.get(prototype, 'autopush');
    Reflect.set(prototype, 'autopush', undefined);
    try {
      expect(() => checkPdfEngineInternals()).toThrow(/StyleContextStack\.prototype\.autopush is no longer a function of 1 parameter,.*pdfmake 0\.3\.11/);
    } finally {
      Reflect.set(prototype, 'autopush', autopush);
    }
    expect(() => checkPdfEngineInternals()).not.toThrow();
  });
});
