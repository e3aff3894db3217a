import { describe, it, expect } from 'vitest';
import { checkBulletinPdf } from '../../lib/bulletin/check.ts';
import { BULLETIN_TITLE, bulletinDefinition, type BulletinInput } from '../../lib/bulletin/definition.ts';
import {
  formatCount,
  formatPct,
  formatPoints,
  formatPp,
  formatSignedCount,
  formatWib,
  statusColor,
  statusLabel,
} from '../../lib/bulletin/format.ts';
import type { Content, DocDefinition } from '../../lib/bulletin/pdfmake-types.ts';
import { renderBulletinPdf, renderPdf } from '../../lib/bulletin/render.ts';
import { loadRegionIndex } from '../../lib/domain/regions.ts';
import type { Status } from '../../lib/domain/types.ts';
import { lampungInput, nationalInput, regencyInput } from './bulletin-fixtures.ts';

/** Every string the definition hands pdfmake as text, in document order. */
function texts(content: Content | Content[]): string[] {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (typeof node === 'string') out.push(node);
    else if (Array.isArray(node)) node.forEach(walk);
    else if (node !== null && typeof node === 'object') {
      for (const key of ['text', 'stack', 'columns', 'table', 'body'] as const) {
        if (key in node) walk((node as Record<string, unknown>)[key]);
      }
    }
  };
  walk(content);
  return out;
}

function allText(definition: DocDefinition): string {
  return texts(definition.content).join('');
}

/** Every object key used anywhere in the content. */
function keysOf(node: unknown, keys = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => keysOf(n, keys));
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      keys.add(key);
      keysOf(value, keys);
    }
  }
  return keys;
}

describe('bulletin format', () => {
  it('formats counts, percentages and points the Indonesian way', () => {
    expect(formatCount(1_149_447)).toBe('1.149.447');
    expect(formatCount(0)).toBe('0');
    expect(formatPct(38.3917)).toBe('38,39%');
    expect(formatPct(100 * (1_149_447 / 2_994_000))).toBe('38,39%');
    expect(formatPct(5)).toBe('5,00%');
    expect(formatPp(0.42)).toBe('+0,42 pp');
    expect(formatPp(-1.05)).toBe('\u22121,05 pp');
    expect(formatPp(0)).toBe('0,00 pp');
    expect(formatPp(-0.001)).toBe('0,00 pp');
    expect(formatPoints(6.6083)).toBe('6,61');
    expect(formatPoints(-2.1)).toBe('\u22122,10');
    expect(formatSignedCount(12_447)).toBe('+12.447');
    expect(formatSignedCount(-1_020)).toBe('\u22121.020');
  });

  it('shows an en dash where a figure does not apply', () => {
    for (const format of [formatCount, formatPct, formatPp, formatPoints, formatSignedCount]) {
      expect(format(null)).toBe('–');
    }
  });

  it('labels every status in Indonesian with a colour', () => {
    const expected: Record<Status, string> = {
      achieved: 'Tercapai',
      on_track: 'Sesuai jalur',
      at_risk: 'Berisiko',
      off_track: 'Tertinggal',
      no_target: 'Tanpa target',
    };
    for (const [status, label] of Object.entries(expected) as Array<[Status, string]>) {
      expect(statusLabel(status)).toBe(label);
      expect(statusColor(status)).toMatch(/^#[0-9A-F]{6}$/);
    }
  });

  it('shows instants in WIB, across a day and year boundary', () => {
    expect(formatWib('2026-11-22T03:15:00Z')).toBe('22 November 2026 10.15 WIB');
    expect(formatWib('2025-12-31T18:30:00Z')).toBe('1 Januari 2026 01.30 WIB');
    expect(formatWib('2025-11-05T07:02:10+07:00')).toBe('5 November 2025 07.02 WIB');
    expect(() => formatWib('2025-11-05 07:02')).toThrow(/ISO 8601/);
  });
});

describe('bulletin definition', () => {
  it('names the region, the month and the formatted figures', () => {
    // Prepare
    const input = regencyInput();
    // Act
    const text = allText(bulletinDefinition(input));
    // Assess
    expect(text).toContain(BULLETIN_TITLE);
    expect(text).toContain('Kabupaten Aceh Selatan');
    expect(text).toContain('Oktober 2025');
    expect(text).toContain('38,39%');
    expect(text).toContain('1.149.447');
    expect(text).toContain('2.994.000');
    expect(text).toContain('45,00%');
    expect(text).toContain('Tertinggal');
    expect(text).toContain('22 November 2025 10.15 WIB');
    expect(text).toContain('uploads/2025-10/aceh-selatan.csv');
    expect(text).not.toContain('Revisi');
  });

  it('is A4 portrait with fixed metadata from the data, and numbers its pages', () => {
    const definition = bulletinDefinition(lampungInput());
    expect(definition.pageSize).toBe('A4');
    expect(definition.pageOrientation).toBe('portrait');
    expect(definition.info.creationDate.toISOString()).toBe('2025-11-22T03:15:00.000Z');
    expect(texts(definition.footer(1, 2)).join('')).toContain('Halaman 1 dari 2');
  });

  it('says Revisi in the title band of a corrected month', () => {
    const definition = bulletinDefinition(lampungInput({ revision: true }));
    expect(allText(definition)).toContain('Oktober 2025 · Revisi');
    expect(definition.info.title).toContain('Revisi');
  });

  it('lists sub-regions by rank and marks carried, aggregated and missing figures', () => {
    // Prepare
    const input = lampungInput({ withMissing: true });
    // Act
    const definition = bulletinDefinition(input);
    const text = allText(definition);
    // Assess
    const strings = texts(definition.content);
    const tableStart = strings.indexOf('Rincian per kabupaten/kota');
    const names = [...input.subRegions].sort((a, b) => a.rank! - b.rank!).map((r) => r.name);
    const positions = names.map((name) => {
      const display = name.replace(/\B\w+/g, (w) => w.toLowerCase());
      return strings.indexOf(display, tableStart);
    });
    expect(tableStart).toBeGreaterThan(0);
    expect(positions.every((p) => p > tableStart)).toBe(true);
    expect(new Set(positions).size).toBe(names.length);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(strings.indexOf('Kota Metro', tableStart)).toBeGreaterThan(Math.max(...positions));
    expect(text).toContain('Data pekerja dari Februari 2025');
    expect(text).toContain('2 kabupaten/kota belum memiliki angka bulan ini: Kabupaten Mesuji, Kota Metro.');
    expect(text).toContain('Angka Lampung adalah jumlah angka kabupaten/kota di wilayahnya.');
    expect(text).toContain('Belum melapor');
    expect(text).toContain('Tanpa target');
  });

  it('keeps uploaded text to plain text nodes and never reads the clock or mutates its input', () => {
    // Prepare
    const input: BulletinInput = {
      ...lampungInput(),
      sources: [{ key: 'uploads/2025-10/<svg onload="x()">{"image":"http://evil"}.csv', uploadedAt: '2025-11-03T02:41:00Z' }],
    };
    const before = structuredClone(input);
    // Act
    const first = bulletinDefinition(input);
    const second = bulletinDefinition(input);
    // Assess
    expect(allText(first)).toContain('<svg onload="x()">{"image":"http://evil"}.csv');
    const keys = keysOf(first.content);
    for (const forbidden of ['svg', 'image', 'images', 'link', 'qr', 'url', 'attachment']) expect(keys.has(forbidden)).toBe(false);
    expect(JSON.stringify(first.content)).toBe(JSON.stringify(second.content));
    expect(input).toEqual(before);
  });
});

describe('bulletin rendering', () => {
  it('renders a regency bulletin to a valid PDF', async () => {
    const pdf = await renderBulletinPdf(regencyInput());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(checkBulletinPdf(pdf, { name: 'Kabupaten Aceh Selatan', coverageText: '38,39%' })).toEqual({ ok: true });
  });

  it('gives byte-identical PDFs for the same input', async () => {
    const input = lampungInput({ withMissing: true, revision: true });
    const [first, second] = [await renderBulletinPdf(input), await renderBulletinPdf(input)];
    expect(first.equals(second)).toBe(true);
  });

  it('renders the same definition twice without pdfmake consuming it', async () => {
    const definition = bulletinDefinition(regencyInput());
    const before = JSON.stringify(definition.content);
    const first = await renderPdf(definition);
    expect(JSON.stringify(definition.content)).toBe(before);
    expect((await renderPdf(definition)).equals(first)).toBe(true);
  });

  it('renders a province with 15 regencies', async () => {
    const input = lampungInput();
    expect(input.subRegions).toHaveLength(15);
    const pdf = await renderBulletinPdf(input);
    expect(checkBulletinPdf(pdf, { name: 'Lampung', coverageText: '37,17%' }).ok).toBe(true);
  });

  it('renders a national bulletin of the 38 provinces over more than one page', async () => {
    const { provinces } = await loadRegionIndex();
    const input = nationalInput(provinces);
    expect(input.subRegions).toHaveLength(38);
    const pdf = await renderBulletinPdf(input);
    expect(checkBulletinPdf(pdf, { name: 'Indonesia', coverageText: '33,83%' }).ok).toBe(true);
    expect(pdf.toString('latin1').match(/\/Type \/Page\b(?!s)/g)?.length).toBeGreaterThanOrEqual(2);
  });
});

describe('bulletin check', () => {
  it('rejects bytes that are not a whole PDF', async () => {
    const pdf = await renderBulletinPdf(regencyInput());
    const expectation = { name: 'Kabupaten Aceh Selatan', coverageText: '38,39%' };
    expect(checkBulletinPdf(Buffer.from('<html>not a pdf</html>'.repeat(10)), expectation).ok).toBe(false);
    expect(checkBulletinPdf(pdf.subarray(0, pdf.length - 200), expectation)).toEqual({ ok: false, reason: 'no %%EOF marker at the end' });
    expect(checkBulletinPdf(pdf, { name: '', coverageText: '38,39%' }).ok).toBe(false);
  });
});
