import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkBulletinPdf, parseToUnicode, pdfPageTexts } from '../../lib/bulletin/check.ts';
import { bulletinExpectation } from '../../lib/bulletin/checked.ts';
import { renderBulletinPdf, renderPdf } from '../../lib/bulletin/render.ts';
import { pdfText } from '../support/pdf-text.ts';
import { lampungInput, regencyInput } from './bulletin-fixtures.ts';

const ACEH = { name: 'Kabupaten Aceh Selatan', coverageText: '38,39%' };

let regency: Buffer;
let province: Buffer;

beforeAll(async () => {
  regency = await renderBulletinPdf(regencyInput());
  province = await renderBulletinPdf(lampungInput({ withMissing: true }));
});

/** The data of the first FlateDecode stream longer than `min` bytes (a page's content), and where it starts. */
function bigStream(pdf: Buffer, min = 1000): { start: number; length: number } {
  const text = pdf.toString('latin1');
  const pattern = /\/Length (\d+)\n\/Filter \/FlateDecode\n>>\nstream\n/g;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    if (Number(m[1]) > min) return { start: m.index + m[0].length, length: Number(m[1]) };
  }
  throw new Error('no stream found');
}

describe('bulletin check', () => {
  it('passes a real bulletin', () => {
    expect(checkBulletinPdf(regency, ACEH)).toEqual({ ok: true });
    expect(checkBulletinPdf(province, bulletinExpectation(lampungInput({ withMissing: true })))).toEqual({ ok: true });
  });

  it('fails a truncated PDF', () => {
    const check = checkBulletinPdf(regency.subarray(0, regency.length - 200), ACEH);
    expect(check.ok).toBe(false);
    expect(check.reason).toMatch(/not a readable PDF: no startxref/);
    // The front half with the original tail: the table points past what is left.
    const spliced = Buffer.concat([regency.subarray(0, regency.length / 2), regency.subarray(regency.length - 2000)]);
    expect(checkBulletinPdf(spliced, ACEH).ok).toBe(false);
  });

  it('fails a PDF with a corrupted page stream or cross-reference table', () => {
    const { start, length } = bigStream(regency);
    const corrupted = Buffer.from(regency);
    for (let i = 0; i < 16; i += 1) {
      const at = start + Math.floor(length / 2) + i;
      corrupted[at] = corrupted[at]! ^ 0x5a;
    }
    const check = checkBulletinPdf(corrupted, ACEH);
    expect(check.ok).toBe(false);
    expect(check.reason).toMatch(/does not inflate|not a readable PDF/);

    const text = regency.toString('latin1');
    const entry = text.indexOf(' 00000 n ', text.lastIndexOf('\nxref\n')) - 10;
    const shifted = Buffer.from(regency);
    shifted.write(String(Number(text.slice(entry, entry + 10)) + 7).padStart(10, '0'), entry, 'latin1');
    expect(checkBulletinPdf(shifted, ACEH)).toMatchObject({ ok: false, reason: expect.stringMatching(/is not at its offset/) });
  });

  it('fails a bulletin made for another region', () => {
    const check = checkBulletinPdf(province, ACEH);
    expect(check).toMatchObject({ ok: false, reason: expect.stringMatching(/does not name the region "Kabupaten Aceh Selatan"/) });
  });

  it('fails a bulletin that does not show the expected coverage figure', () => {
    const check = checkBulletinPdf(regency, { name: ACEH.name, coverageText: '12,34%' });
    expect(check).toMatchObject({ ok: false, reason: expect.stringMatching(/does not show the coverage figure "12,34%"/) });
  });

  it('fails a blank page, bytes that are no PDF, and an empty expectation', async () => {
    const blank = await renderPdf({
      pageSize: 'A4',
      pageOrientation: 'portrait',
      pageMargins: [40, 40, 40, 40],
      language: 'id-ID',
      info: { title: 'x', subject: 'x', creator: 'x', producer: 'x', creationDate: new Date(0), modDate: new Date(0) },
      content: [{ canvas: [{ type: 'rect', x: 0, y: 0, w: 10, h: 10, color: '#000000' }] }],
      styles: {},
      defaultStyle: { font: 'Roboto' },
      footer: () => '',
    });
    expect(checkBulletinPdf(blank, ACEH)).toEqual({ ok: false, reason: 'page 1 has no text' });
    expect(checkBulletinPdf(Buffer.from('<html>not a pdf</html>'.repeat(10)), ACEH).reason).toMatch(/does not start with %PDF-/);
    expect(checkBulletinPdf(regency, { name: ' ', coverageText: '38,39%' }).ok).toBe(false);
  });

  it('never throws or hangs on damaged bytes: it answers, and a cut file always fails', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }), fc.nat(), (flips, cut) => {
        const damaged = Buffer.from(regency);
        for (const [at, mask] of flips) {
          const i = at % damaged.length;
          damaged[i] = damaged[i]! ^ mask;
        }
        const check = checkBulletinPdf(damaged, ACEH);
        expect(typeof check.ok).toBe('boolean');
        expect(checkBulletinPdf(regency.subarray(0, cut % regency.length), ACEH).ok).toBe(false);
      }),
      { numRuns: 150 },
    );
  });

  it('reads the same text as pdf.js, page by page', async () => {
    for (const pdf of [regency, province]) {
      const ours = pdfPageTexts(pdf);
      const reference = await pdfText(pdf);
      expect(ours).toHaveLength(reference.pages);
      const squeeze = (text: string) => text.replace(/\s+/g, '');
      expect(squeeze(ours.join(''))).toBe(squeeze(reference.text));
    }
    expect(pdfPageTexts(province)[0]!.replace(/\s+/g, ' ')).toContain('Lampung Oktober 2025 Tingkat provinsi');
  });

  it('reads ToUnicode CMaps written with bfchar, bfrange arrays and bfrange offsets', () => {
    const cmap = Buffer.from(
      [
        '/CIDInit /ProcSet findresource begin 12 dict begin begincmap',
        '2 beginbfchar <0001> <0041> <0002> <D835DC00> endbfchar',
        '2 beginbfrange <0010> <0012> [<0061> <0062> <0063>] <0020> <0022> <0030> endbfrange',
        'endcmap end end',
      ].join('\n'),
      'latin1',
    );
    const map = parseToUnicode(cmap);
    expect(map.get(0x01)).toBe('A');
    expect(map.get(0x02)).toBe('\u{1D400}');
    expect([map.get(0x10), map.get(0x11), map.get(0x12)]).toEqual(['a', 'b', 'c']);
    expect([map.get(0x20), map.get(0x22)]).toEqual(['0', '2']);
  });
});
