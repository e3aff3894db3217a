import { describe, it, expect } from 'vitest';
import { checkBulletinPdf } from '../../lib/bulletin/check.ts';
import { BULLETIN_TITLE, bulletinDefinition, shortName, type BulletinInput } from '../../lib/bulletin/definition.ts';
import {
  formatAxisPct,
  formatCount,
  formatMonthShort,
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
import { pdfText } from '../support/pdf-text.ts';
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

/** Every text of the definition, runs and lines separated by a space (lines are broken in the definition). */
function allText(definition: DocDefinition): string {
  return texts(definition.content).join(' ').replace(/\s+/g, ' ');
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
    expect(formatAxisPct(35)).toBe('35%');
    expect(formatAxisPct(37.5)).toBe('37,5%');
    expect(formatMonthShort('2025-10')).toBe('Okt 2025');
    expect(formatMonthShort('2026-08')).toBe('Agu 2026');
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

/** The text a reader sees, one string per page, from pdf.js (an independent reader of what we render). */
async function readerText(pdf: Buffer): Promise<{ pages: number; text: string }> {
  const { pages, text } = await pdfText(pdf);
  return { pages, text: text.replace(/\s+/g, ' ') };
}

describe('bulletin definition', () => {
  it('names the region, the month and the formatted figures', () => {
    const text = allText(bulletinDefinition(regencyInput()));
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

  it('says Revisi in the title band and the completeness box of a corrected month', () => {
    const definition = bulletinDefinition(lampungInput({ revision: true }));
    expect(allText(definition)).toContain('Oktober 2025 · Revisi');
    expect(allText(definition)).toContain('Edisi revisi');
    expect(definition.info.title).toContain('Revisi');
  });

  it('lists sub-regions by rank and marks carried, aggregated and missing figures', () => {
    const input = lampungInput({ withMissing: true });
    const strings = texts(bulletinDefinition(input).content);
    const text = strings.join(' ').replace(/\s+/g, ' ');
    const tableStart = strings.indexOf('Rincian per kabupaten/kota');
    const names = [...input.subRegions].sort((a, b) => a.rank! - b.rank!).map((r) => r.name.replace(/\B\w+/g, (w) => w.toLowerCase()));
    const positions = names.map((name) => strings.indexOf(name, tableStart));
    expect(tableStart).toBeGreaterThan(0);
    expect(positions.every((p) => p > tableStart)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(strings.indexOf('Kota Metro', tableStart)).toBeGreaterThan(Math.max(...positions));
    expect(text).toContain('Data pekerja dari Februari 2025, angka terbaru yang tersedia: Kabupaten Tanggamus.');
    expect(text).toContain('2 kabupaten/kota belum memiliki angka bulan ini: Kabupaten Mesuji, Kota Metro.');
    expect(text).toContain('Angka Lampung adalah jumlah angka kabupaten/kota di wilayahnya');
    expect(text).toContain('Belum melapor');
    expect(text).toContain('Tanpa target');
  });

  it('shows the trend, movers and segments only when the data has them', () => {
    const full = allText(bulletinDefinition(lampungInput()));
    expect(full).toContain('Tren cakupan 24 bulan terakhir');
    expect(full).toContain('2 dari 24 bulan tanpa angka');
    expect(full).toContain('Pergerakan terbesar bulan ini');
    expect(full).toContain('Segmen peserta dan perlindungan');
    expect(full).toContain('Cakupan pekerja formal (PU ÷ pekerja formal)');
    expect(full).toContain('412 dari 2.640 desa');

    const bare = allText(bulletinDefinition(lampungInput({ trend: false, details: false })));
    expect(bare).not.toContain('Tren cakupan');
    expect(bare).not.toContain('Segmen peserta');

    const regency = allText(bulletinDefinition(regencyInput()));
    expect(regency).not.toContain('Pergerakan terbesar');
    expect(regency).not.toContain('Jasa konstruksi');
    expect(regency).toContain('Peserta penerima upah (PU)');
    expect(regency).toContain('412 desa');
  });

  it('shortens names only where room is tight', () => {
    expect(shortName('Kabupaten Kepulauan Siau Tagulandang Biaro')).toBe('Kab. Kep. Siau Tagulandang Biaro');
    expect(shortName('Kota Administrasi Jakarta Pusat')).toBe('Kota Adm. Jakarta Pusat');
    expect(shortName('Kabupaten Administrasi Kepulauan Seribu')).toBe('Kab. Adm. Kep. Seribu');
    expect(shortName('Kota Metro')).toBe('Kota Metro');
  });

  it('keeps uploaded text to plain text nodes and never reads the clock or mutates its input', () => {
    const input: BulletinInput = {
      ...lampungInput(),
      sources: [{ key: 'uploads/2025-10/<svg onload="x()">{"image":"http://evil"}.csv', uploadedAt: '2025-11-03T02:41:00Z' }],
    };
    const before = structuredClone(input);
    const first = bulletinDefinition(input);
    const second = bulletinDefinition(input);
    expect(allText(first)).toContain('<svg onload="x()">{"image":"http://evil"}.csv');
    const keys = keysOf(first.content);
    for (const forbidden of ['svg', 'image', 'images', 'link', 'qr', 'url', 'attachment']) expect(keys.has(forbidden)).toBe(false);
    // Named styles are the definition's own: no uploaded text ever becomes a style name or colour.
    const styleValues = new Set<string>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node !== null && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if ((key === 'style' || key === 'color' || key === 'fillColor') && typeof value === 'string') styleValues.add(value);
          walk(value);
        }
      }
    };
    walk(first.content);
    for (const value of styleValues) expect(value).toMatch(/^(#[0-9A-F]{6}|th)$/);
    expect(JSON.stringify(first.content)).toBe(JSON.stringify(second.content));
    expect(input).toEqual(before);
  });
});

describe('bulletin rendering', () => {
  it('renders a regency bulletin on one page a reader can read', async () => {
    const pdf = await renderBulletinPdf(regencyInput());
    const { pages, text } = await readerText(pdf);
    expect(pages).toBe(1);
    for (const expected of ['Kabupaten Aceh Selatan', 'Oktober 2025', '38,39%', 'Tertinggal', 'Tren cakupan 24 bulan terakhir', 'Segmen peserta', 'Halaman 1 dari 1']) {
      expect(text).toContain(expected);
    }
    expect(text).not.toContain('Pergerakan terbesar');
  });

  it('renders a province bulletin with its charts, movers, segments and table', async () => {
    const input = lampungInput({ withMissing: true });
    const { pages, text } = await readerText(await renderBulletinPdf(input));
    expect(pages).toBe(2);
    for (const expected of [
      'Lampung',
      'Oktober 2025',
      '37,04%',
      'Tercapai',
      'Tren cakupan 24 bulan terakhir',
      'Cakupan per kabupaten/kota',
      'Pergerakan terbesar bulan ini',
      'Segmen peserta dan perlindungan',
      'Rincian per kabupaten/kota',
      'Kabupaten Lampung Timur',
      'Kelengkapan data',
      'Halaman 2 dari 2',
    ]) {
      expect(text).toContain(expected);
    }
  });

  it('leaves out the trend and segments when the data has none', async () => {
    const { text } = await readerText(await renderBulletinPdf(lampungInput({ trend: false, details: false })));
    expect(text).toContain('Lampung');
    expect(text).not.toContain('Tren cakupan');
    expect(text).not.toContain('Segmen peserta');
  });

  it('renders a national bulletin of the 38 provinces', async () => {
    const { provinces } = await loadRegionIndex();
    const input = nationalInput(provinces);
    expect(input.subRegions).toHaveLength(38);
    const { pages, text } = await readerText(await renderBulletinPdf(input));
    expect(pages).toBeGreaterThanOrEqual(2);
    for (const expected of ['Indonesia', 'Oktober 2025', '33,83%', 'Tertinggal', 'Cakupan per provinsi', 'Nusa Tenggara Barat', 'WILAYAH MELAPOR']) {
      expect(text).toContain(expected);
    }
  });

  it('names the first 12 source files of many in its footnote and counts the rest', async () => {
    const { provinces } = await loadRegionIndex();
    const sources = Array.from({ length: 20 }, (_, i) => ({ key: `uploads/2025-10/kab-${String(i).padStart(2, '0')}.csv`, uploadedAt: '2025-11-03T02:41:00Z' }));
    const { text } = await readerText(await renderBulletinPdf({ ...nationalInput(provinces), sources }));
    const flat = text.replace(/\s+/g, '');
    expect(flat).toContain('Berkasunggahan(20)');
    expect(flat).toContain('uploads/2025-10/kab-11.csv');
    expect(flat).not.toContain('kab-12.csv');
    expect(flat).toContain('dan8berkaslainnya');
  });

  it('gives byte-identical PDFs for the same input, whatever was rendered before', async () => {
    const input = lampungInput({ withMissing: true, revision: true });
    const first = await renderBulletinPdf(input);
    await renderBulletinPdf(regencyInput());
    const second = await renderBulletinPdf(input);
    expect(first.equals(second)).toBe(true);
  });

  it('renders the same definition twice without pdfmake consuming it', async () => {
    const definition = bulletinDefinition(regencyInput());
    const before = JSON.stringify(definition.content);
    const first = await renderPdf(definition);
    expect(JSON.stringify(definition.content)).toBe(before);
    expect((await renderPdf(definition)).equals(first)).toBe(true);
  });

  it('passes its own check', async () => {
    const pdf = await renderBulletinPdf(regencyInput());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(checkBulletinPdf(pdf, { name: 'Kabupaten Aceh Selatan', coverageText: '38,39%' })).toEqual({ ok: true });
  });
});

describe('bulletin rendering of unusual months', () => {
  it('renders and passes its check for a province with no regency figures, over-100% coverage and odd upload names', async () => {
    const base = lampungInput();
    const inputs: BulletinInput[] = [
      // Every regency missing: the chart and table show them as not reported, nothing moves.
      { ...base, subRegions: [], missing: base.subRegions.map((r) => ({ code: r.code, name: r.name })) },
      // A regency over 100% and a one-month history.
      {
        ...regencyInput(),
        region: { ...regencyInput().region, active: 3_100_000, coveragePct: 103.54, status: 'achieved', gapPp: -58.54, gapWorkers: 0 },
        trend: regencyInput().trend.map((m, i) => (i === 23 ? { ...m, coveragePct: 103.54 } : { ...m, coveragePct: null })),
        sources: Array.from({ length: 12 }, (_, i) => ({ key: `uploads/2025-10/データ-${i}-${'x'.repeat(60)}.csv`, uploadedAt: '2025-11-03T02:41:00Z' })),
      },
    ];
    for (const input of inputs) {
      const pdf = await renderBulletinPdf(input);
      const expected = { name: input.region.level === 'provinsi' ? 'Lampung' : 'Kabupaten Aceh Selatan', coverageText: formatPct(input.region.coveragePct) };
      expect(checkBulletinPdf(pdf, expected)).toEqual({ ok: true });
    }
    const text = allText(bulletinDefinition(inputs[0]!));
    expect(text).toContain('15 kabupaten/kota belum memiliki angka bulan ini');
    expect(text).not.toContain('Pergerakan terbesar');
    expect(allText(bulletinDefinition(inputs[1]!))).toContain('Riwayat belum cukup untuk grafik tren (1 dari 24 bulan memiliki angka).');
  });
});
