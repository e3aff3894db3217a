import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { canvasExtent, drawing, grid, gridColumns, label } from '../../lib/bulletin/blocks.ts';
import {
  bars,
  labelledSlots,
  linearScale,
  niceStep,
  r2,
  seriesRuns,
  slotPositions,
  stackedParts,
  stepSegments,
  valueAxis,
} from '../../lib/bulletin/charts.ts';
import { segmentView, topMovers, trendCoverage } from '../../lib/bulletin/insights.ts';
import { breakRuns, EXTRA_CHARACTERS, textWidth } from '../../lib/bulletin/textfit.ts';
import { detailsOf, figures, PERIOD } from './bulletin-fixtures.ts';

describe('chart scales and ticks', () => {
  it('maps a domain linearly onto a range, clamping outside values and rounding to 0.01 pt', () => {
    const y = linearScale([30, 40], [100, 0]);
    expect(y(30)).toBe(100);
    expect(y(40)).toBe(0);
    expect(y(35)).toBe(50);
    expect(y(33.333)).toBe(66.67);
    expect(y(10)).toBe(100);
    expect(y(99)).toBe(0);
    expect(() => linearScale([5, 5], [0, 1])).toThrow(/empty scale/);
  });

  it('picks 1, 2, 2.5 or 5 times a power of ten', () => {
    expect(niceStep(10, 5)).toBe(2);
    expect(niceStep(100, 10)).toBe(10);
    expect(niceStep(7, 4)).toBe(2);
    expect(niceStep(0.3, 3)).toBeCloseTo(0.1, 12);
    expect(niceStep(9, 4)).toBe(2.5);
    expect(niceStep(45, 4)).toBe(20);
    expect(() => niceStep(0, 4)).toThrow();
  });

  it('covers the values with whole ticks, within floor and ceiling', () => {
    expect(valueAxis([33.2, 37.04, 35, null], { maxTicks: 4 })).toEqual({ min: 32, max: 38, step: 2, ticks: [32, 34, 36, 38] });
    const bars = valueAxis([0, 59.5, 44], { maxTicks: 8, includeZero: true, floor: 0, ceiling: 100 });
    expect(bars.min).toBe(0);
    expect(bars.max).toBe(60);
    expect(bars.ticks).toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(valueAxis([99.2, 99.9], { maxTicks: 4, ceiling: 100 }).max).toBe(100);
    expect(valueAxis([0.2, 0.4], { maxTicks: 4, floor: 0 }).min).toBe(0.2);
    expect(valueAxis([0.05, 0.4], { maxTicks: 2, floor: 0.03 }).min).toBe(0.03);
    // Data past a bound is never cut off.
    expect(valueAxis([95, 103.5], { maxTicks: 4, ceiling: 100 }).max).toBeGreaterThanOrEqual(103.5);
  });

  it('keeps ticks free of floating-point noise and gives a flat or empty series room', () => {
    const axis = valueAxis([0.1, 0.7], { maxTicks: 6 });
    for (const tick of axis.ticks) expect(String(tick)).toMatch(/^-?\d+(\.\d)?$/);
    const flat = valueAxis([40, 40, 40]);
    expect(flat.min).toBeLessThan(40);
    expect(flat.max).toBeGreaterThan(40);
    expect(valueAxis([null, null]).ticks.length).toBeGreaterThan(1);
  });
});

describe('chart geometry', () => {
  it('spreads slots edge to edge and labels every third counted back from the newest', () => {
    const x = slotPositions(24, 30, 490);
    expect(x(0)).toBe(30);
    expect(x(23)).toBe(490);
    expect(x(1) - x(0)).toBeCloseTo(20, 2);
    expect(slotPositions(1, 0, 100)(0)).toBe(50);
    expect(labelledSlots(24, 3)).toEqual([2, 5, 8, 11, 14, 17, 20, 23]);
    expect(labelledSlots(5, 3)).toEqual([1, 4]);
  });

  it('breaks a series at gaps, keeping a lone month as a one-point run', () => {
    const runs = seriesRuns([1, 2, null, 4, null, null, 7, 8, 9], (i) => i * 10, (v) => v);
    expect(runs).toEqual([
      [{ x: 0, y: 1 }, { x: 10, y: 2 }],
      [{ x: 30, y: 4 }],
      [{ x: 60, y: 7 }, { x: 70, y: 8 }, { x: 80, y: 9 }],
    ]);
    expect(seriesRuns([null, null], (i) => i, (v) => v)).toEqual([]);
  });

  it('draws a target as one step per run of equal values, half a slot either side, clamped', () => {
    const x = (i: number) => i * 10;
    const steps = stepSegments([32, 32, 33.5, 33.5, null, 35], x, (v) => v, 10, { left: 0, right: 50 });
    expect(steps).toEqual([
      { value: 32, x1: 0, x2: 15, y: 32 },
      { value: 33.5, x1: 15, x2: 35, y: 33.5 },
      { value: 35, x1: 45, x2: 50, y: 35 },
    ]);
    expect(stepSegments([null, null], x, (v) => v, 10, { left: 0, right: 50 })).toEqual([]);
  });

  it('lays bars from zero with a sliver for tiny values and none for missing ones', () => {
    const scale = linearScale([0, 100], [100, 300]);
    expect(bars([{ value: 50, marker: 40 }, { value: 0, marker: null }, { value: null, marker: 30 }], scale)).toEqual([
      { length: 100, marker: 180 },
      { length: 0.5, marker: null },
      null,
    ]);
  });

  it('splits a whole into adjacent parts that fill the width exactly', () => {
    const parts = stackedParts(
      [
        { key: 'pu', value: 64 },
        { key: 'bpu', value: 27 },
        { key: 'jakon', value: 0 },
        { key: 'pmi', value: 9 },
      ],
      120,
    );
    expect(parts.map((p) => p.key)).toEqual(['pu', 'bpu', 'pmi']);
    expect(parts[0]).toMatchObject({ x: 0, w: 76.8 });
    expect(r2(parts[1]!.x)).toBe(76.8);
    const last = parts.at(-1)!;
    expect(r2(last.x + last.w)).toBe(120);
    expect(stackedParts([{ key: 'pu', value: null }], 120)).toEqual([]);
  });
});

describe('grid and labels', () => {
  it('gives the * column what the fixed columns leave', () => {
    expect(gridColumns([{ width: 20 }, { width: '*' }, { width: 30 }], 100)).toEqual([
      { x: 0, w: 20 },
      { x: 20, w: 50 },
      { x: 70, w: 30 },
    ]);
    expect(() => gridColumns([{ width: '*' }, { width: '*' }], 100)).toThrow();
  });

  it('offsets detached labels by the container width for right and centre alignment', () => {
    expect(label('a', 100, 5, 500).relativePosition).toEqual({ x: 100, y: 5 });
    expect(label('a', 100, 5, 500, { align: 'right' }).relativePosition).toEqual({ x: -400, y: 5 });
    expect(label('a', 100, 5, 500, { align: 'center' }).relativePosition).toEqual({ x: -150, y: 5 });
  });

  it('puts the canvas first, exactly as tall as asked, and moves the labels up by that height', () => {
    const block = drawing([label('x', 0, 10, 500)], [{ type: 'rect', x: 0, y: 0, w: 10, h: 40 }], 52);
    const [canvas, text] = block.stack as unknown as [{ canvas: unknown[]; margin: number[] }, { relativePosition: { y: number } }];
    expect(canvas.margin).toEqual([0, 0, 0, 12]);
    expect(text.relativePosition.y).toBe(10 - 52);
    expect(canvasExtent([{ type: 'line', x1: 0, y1: 3, x2: 0, y2: 9 }, { type: 'ellipse', x: 0, y: 10, r1: 2, r2: 2 }])).toBe(12);
  });

  it('draws zebra rows, chips and a total rule, and places one label per non-empty cell', () => {
    const block = grid({
      width: 200,
      columns: [{ width: '*' }, { width: 60, align: 'right' }],
      head: [['Nama'], ['Nilai', 'persen']],
      rows: [[{ text: 'A' }, { text: '1', chip: '#00FF00' }], [{ text: 'B' }, { text: '' }], [{ text: 'Total', bold: true }, { text: '3' }]],
      totals: 1,
      rowHeight: 10,
      fontSize: 7,
      headFontSize: 6,
      padding: 3,
      colors: { text: '#000000', head: '#000080', headRule: '#000080', rule: '#CCCCCC', zebra: '#EEEEEE' },
    });
    const canvas = (block.stack[0] as { canvas: Array<{ type: string; color?: string }> }).canvas;
    expect(canvas.filter((v) => v.type === 'rect' && v.color === '#EEEEEE')).toHaveLength(1);
    expect(canvas.filter((v) => v.color === '#00FF00')).toHaveLength(1);
    const texts = block.stack.slice(1).map((n) => (n as { text: string }).text);
    expect(texts).toEqual(['Nama', 'Nilai', 'persen', 'A', '1', 'B', 'Total', '3']);
  });
});

describe('movers, segments and trend coverage', () => {
  const region = (code: string, momDeltaPp: number | null, source: 'reported' | 'missing' = 'reported') => ({
    ...figures({ code, name: code, level: 'kabkota', active: 100, eligible: 300, targetPct: 40, activeMonthAgo: 99, activeThreeMonthsAgo: 95 }, PERIOD),
    momDeltaPp,
    source,
  });

  it('ranks the largest gains and falls, ignoring carried figures and changes that round to zero', () => {
    const movers = topMovers([
      region('a', 0.5),
      region('b', 0.7),
      region('c', -0.2),
      region('d', 0.001),
      region('e', 0.9, 'missing'),
      region('f', 0.5),
      region('g', null),
      region('h', -0.6),
    ]);
    expect(movers!.gains.map((r) => r.code)).toEqual(['b', 'a', 'f']);
    expect(movers!.falls.map((r) => r.code)).toEqual(['h', 'c']);
    expect(topMovers([region('a', null)])).toBeNull();
    expect(topMovers([])).toBeNull();
  });

  it('shows only the details a region has, and nothing when it has none', () => {
    expect(segmentView(null, 100)).toBeNull();
    expect(
      segmentView(
        { pu: null, bpu: null, jakon: null, pmi: null, workersFormal: null, workersInformal: null, vulnerableProtected: null, villages100: null, villages: null },
        100,
      ),
    ).toBeNull();
    const full = segmentView(detailsOf(1000, 3000), 1000)!;
    expect(full.complete).toBe(true);
    expect(full.segments.map((s) => s.key)).toEqual(['pu', 'bpu', 'jakon', 'pmi']);
    expect(full.segments.reduce((sum, s) => sum + s.count, 0)).toBe(1000);
    expect(full.formal!.pct).toBeCloseTo((100 * 640) / 1230, 10);
    expect(full.informal!.pct).toBeCloseTo((100 * 270) / 1770, 10);
    expect(full.villages).toEqual({ with100: 412, total: 2640, pct: (100 * 412) / 2640 });
    const partial = segmentView(detailsOf(1000, 3000, { jakon: null, workersFormal: null, villages: null, vulnerableProtected: null }), 1000)!;
    expect(partial.complete).toBe(false);
    expect(partial.segments.map((s) => s.key)).toEqual(['pu', 'bpu', 'pmi']);
    expect(partial.formal).toBeNull();
    expect(partial.vulnerableProtected).toBeNull();
    expect(partial.villages).toEqual({ with100: 412, total: null, pct: null });
    expect(segmentView(detailsOf(1000, 3000, { workersInformal: 0 }), 1000)!.informal).toBeNull();
  });

  it('counts months with and without figures', () => {
    expect(trendCoverage([{ coveragePct: 1 }, { coveragePct: null }, { coveragePct: 2 }])).toEqual({ points: 2, gaps: 1 });
  });
});

describe('line breaking', () => {
  const require = createRequire(import.meta.url);
  // pdfkit measures text as the renderer does (shaping and kerning included): the reference for textfit.
  const PDFDocument = require('pdfkit') as new (options: object) => {
    font(path: string): { fontSize(size: number): { widthOfString(text: string): number } };
  };
  const measure = (face: 'Regular' | 'Medium', size: number) => {
    const doc = new PDFDocument({ autoFirstPage: false });
    const font = doc.font(require.resolve(`pdfmake/fonts/Roboto/Roboto-${face}.ttf`)).fontSize(size);
    return (text: string) => font.widthOfString(text);
  };

  it('knows every glyph width of both faces, and never measures text narrower than pdfkit does', () => {
    const regular = measure('Regular', 10);
    const bold = measure('Medium', 10);
    const ascii = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
    for (const char of [...ascii, ...EXTRA_CHARACTERS]) {
      expect(textWidth(char, 10)).toBeCloseTo(regular(char), 6);
      expect(textWidth(char, 10, true)).toBeCloseTo(bold(char), 6);
    }
    for (const text of ['Kabupaten Kepulauan Siau Tagulandang Biaro', 'AVATAR To Wa Ty 1.149.447 −38,39%', 'Persentase tidak pernah dirata-ratakan']) {
      expect(textWidth(text, 7.5)).toBeGreaterThanOrEqual(regular(text) * 0.75 - 1e-9);
      expect(textWidth(text, 7.5, true)).toBeGreaterThanOrEqual(bold(text) * 0.75 - 1e-9);
    }
    expect(textWidth('漢', 10)).toBeGreaterThan(8);
  });

  it('breaks runs into lines that fit as pdfkit lays them out, merging runs of one style', () => {
    const regular = measure('Regular', 6.5);
    const bold = measure('Medium', 6.5);
    const runs = [
      { text: 'Definisi. ', bold: true },
      { text: 'Cakupan = peserta aktif BPJS Ketenagakerjaan ÷ penduduk bekerja × 100. Kesenjangan = target − cakupan, dalam poin persentase (pp); negatif berarti di atas target. '.repeat(4) },
      { text: 'b', sup: true },
      { text: ' Akhir kalimat.' },
    ];
    const lines = breakRuns(runs, 200, 6.5);
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) {
      const width = line.reduce((sum, run) => sum + (run.sup ? regular(run.text) * 0.58 : run.bold ? bold(run.text) : regular(run.text)), 0);
      expect(width).toBeLessThanOrEqual(200);
      expect(line.at(-1)!.text).not.toMatch(/ $/);
      for (let i = 1; i < line.length; i += 1) expect(line[i]!.bold === line[i - 1]!.bold && line[i]!.sup === line[i - 1]!.sup).toBe(false);
    }
    expect(lines[0]![0]).toEqual({ text: 'Definisi. ', bold: true });
    const words = (text: string) => text.split(/\s+/).filter(Boolean);
    expect(words(lines.map((l) => l.map((r) => r.text).join('')).join(' '))).toEqual(words(runs.map((r) => r.text).join('')));
  });

  it('puts a word longer than the line on a line of its own', () => {
    const lines = breakRuns([{ text: 'a uploads/2025-10/berkas-dengan-nama-yang-sangat-panjang-sekali.xlsx b' }], 60, 7);
    expect(lines.map((l) => l.map((r) => r.text).join(''))).toEqual(['a', 'uploads/2025-10/berkas-dengan-nama-yang-sangat-panjang-sekali.xlsx', 'b']);
  });
});
