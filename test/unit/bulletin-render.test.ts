import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DocDefinition } from '../../lib/bulletin/pdfmake-types.ts';
import { setRenderCaches, styleLookups, type StyleStack } from '../../lib/bulletin/pdf-engine-patches.ts';
import { renderBulletinPdf, renderPdf } from '../../lib/bulletin/render.ts';
import { lampungInput, regencyInput } from './bulletin-fixtures.ts';

const PROPERTIES = ['bold', 'color', 'fontSize', 'noWrap', 'decoration', 'alignment'] as const;

const { StyleContextStack, original, replacements } = styleLookups();

/** A style stack built by pdfmake's own constructor, with its lookups pinned to one implementation. */
function stackOf(
  styles: Record<string, Record<string, unknown>>,
  defaultStyle: Record<string, unknown>,
  items: Array<string | Record<string, unknown>>,
  getProperty: (this: StyleStack, property: string) => unknown,
): StyleStack {
  const stack = new StyleContextStack(styles, defaultStyle);
  for (const item of items) stack.push(item);
  stack.getProperty = getProperty;
  return stack;
}

describe('pdfmake style lookup speed-up', () => {
  it('returns what pdfmake returns, for any stack, item and property', () => {
    const value = fc.oneof(fc.constant(undefined), fc.constant(null), fc.boolean(), fc.integer({ min: 1, max: 20 }), fc.constantFrom('#000000', 'right'));
    const props = fc.dictionary(fc.constantFrom(...PROPERTIES), value, { maxKeys: 4 });
    const styleName = fc.constantFrom('a', 'b', 'c', 'missing');
    const style = fc.record({ extends: fc.option(fc.oneof(styleName, fc.array(styleName, { maxLength: 2 })), { nil: undefined }) }).chain((base) =>
      props.map((p) => ({ ...p, ...(base.extends === undefined ? {} : { extends: base.extends }) })),
    );
    const item = fc.oneof(
      fc.string({ maxLength: 3 }),
      props.chain((p) => fc.option(fc.oneof(styleName, fc.array(styleName, { maxLength: 2 })), { nil: undefined }).map((s) => (s === undefined ? p : { ...p, style: s }))),
    );
    fc.assert(
      fc.property(
        fc.record({ a: style, b: style, c: style }),
        props,
        fc.array(fc.oneof(styleName, props), { maxLength: 5 }),
        item,
        fc.constantFrom(...PROPERTIES),
        (styles, defaults, items, probe, property) => {
          const theirs = original.getStyleProperty(probe, stackOf(styles, defaults, items, original.getProperty), property, 'default');
          const ours = replacements.getStyleProperty(probe, stackOf(styles, defaults, items, replacements.getProperty), property, 'default');
          expect(ours).toEqual(theirs);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('bulletin renderer', () => {
  it('embeds two subset fonts, regular and medium, and nothing else', async () => {
    const pdf = (await renderBulletinPdf(lampungInput())).toString('latin1');
    expect(pdf.match(/\/FontFile2 /g)).toHaveLength(2);
    expect(pdf).toMatch(/\/BaseFont \/[A-Z]{6}\+Roboto-Regular/);
    expect(pdf).toMatch(/\/BaseFont \/[A-Z]{6}\+Roboto-Medium/);
    expect(pdf).not.toMatch(/\/Subtype \/Image|\/URI|\/JavaScript|\/Launch/);
  });

  it('refuses remote and local resources in a definition', async () => {
    const base: DocDefinition = {
      pageSize: 'A4',
      pageOrientation: 'portrait',
      pageMargins: [40, 40, 40, 40],
      language: 'id-ID',
      info: { title: 'x', subject: 'x', creator: 'x', producer: 'x', creationDate: new Date(0), modDate: new Date(0) },
      content: [],
      styles: {},
      defaultStyle: { font: 'Roboto' },
      footer: () => '',
    };
    const withImage = (image: string) => ({ ...base, content: [{ image } as unknown as DocDefinition['content'][number]] });
    await expect(renderPdf(withImage('https://127.0.0.1:9/logo.png'))).rejects.toThrow(/denied/);
    await expect(renderPdf(withImage('/etc/hostname'))).rejects.toThrow(/denied/);
  });

  it('writes the same bytes with its shaping, subset and compression caches as pdfkit writes without them', async () => {
    setRenderCaches(false);
    try {
      const plain = [await renderBulletinPdf(lampungInput()), await renderBulletinPdf(regencyInput())];
      setRenderCaches(true);
      expect((await renderBulletinPdf(lampungInput())).equals(plain[0]!)).toBe(true);
      expect((await renderBulletinPdf(regencyInput())).equals(plain[1]!)).toBe(true);
    } finally {
      setRenderCaches(true);
    }
  });

  it('keeps bytes identical across documents that share the parsed fonts and caches', async () => {
    const alone = await renderBulletinPdf(regencyInput());
    for (let i = 0; i < 3; i += 1) await renderBulletinPdf(lampungInput({ withMissing: i % 2 === 0 }));
    expect((await renderBulletinPdf(regencyInput())).equals(alone)).toBe(true);
  });
});
