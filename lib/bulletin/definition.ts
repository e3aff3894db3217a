/**
 * A region's monthly bulletin as a pdfmake document definition: plain data from computed figures, pure.
 * Rendering to bytes happens in render.ts.
 *
 * Every name and key that came from reference data or an upload reaches pdfmake only as a plain `text`
 * string: never in SVG, markup, a style name or an image/URL field. Charts are pdfmake canvas vectors
 * whose geometry comes from charts.ts; their labels are text nodes placed with `relativePosition`.
 *
 * Kept lean on purpose (see PERFORMANCE.md): pdfmake measures and draws every text run on its own, and
 * wraps a paragraph word by word. So text is unwrapped by default (`noWrap`: a label is one run),
 * paragraphs are broken into lines here (textfit.ts: a line is one run), each chart is one canvas, and
 * the tables are grids (blocks.ts: one canvas and a text per cell) rather than pdfmake tables.
 */
import { parsePeriod, periodNameId } from '../domain/period.ts';
import { displayName } from '../domain/regions.ts';
import type { Level, Period, RegionFigures } from '../domain/types.ts';
import {
  bars,
  labelledSlots,
  linearScale,
  r2,
  seriesRuns,
  slotPositions,
  stackedParts,
  stepSegments,
  valueAxis,
} from './charts.ts';
import {
  formatAxisPct,
  formatCount,
  formatMonthShort,
  formatPct,
  formatPoints,
  formatPp,
  formatSignedCount,
  formatWib,
  NONE,
  parseInstant,
  STATUS_STYLES,
} from './format.ts';
import { SEGMENT_LABELS, segmentView, topMovers, trendCoverage, TREND_MIN_POINTS, type SegmentKey, type SegmentView } from './insights.ts';
import { centredTop, drawing, grid, label, LINE_EM, type Align, type GridCell } from './blocks.ts';
import { breakRuns, textWidth, type Run } from './textfit.ts';
import type { CanvasElement, Content, DocDefinition, StackNode, TextNode } from './pdfmake-types.ts';

export interface BulletinInput {
  period: Period;
  /** The bulletin's own region (level nasional, provinsi or kabkota). */
  region: RegionFigures;
  /** Provinces for the national bulletin, the province's regencies for a province, [] for a regency. */
  subRegions: RegionFigures[];
  /** Sub-regions with no figures this month. */
  missing: Array<{ code: string; name: string }>;
  /** True when the month's figures were corrected after a first run. */
  revision: boolean;
  /** Upload files behind the figures (ISO times). */
  sources: Array<{ key: string; uploadedAt: string }>;
  /** ISO time taken from the data (never the clock), shown in WIB. */
  generatedAt: string;
  /**
   * The region's last 24 months, oldest first and this month last, for the trend chart: coverage and the
   * target in force that month (null where history has no figures).
   */
  trend: Array<{ period: Period; coveragePct: number | null; targetPct: number | null }>;
}

export const BULLETIN_TITLE = 'Buletin Cakupan Semesta Jaminan Sosial Ketenagakerjaan (UCJ)';

const COLORS = {
  navy: '#0B3D6E',
  navySoft: '#C9DAEC',
  area: '#DCE7F3',
  ink: '#1F2933',
  muted: '#5F6B7A',
  card: '#F1F4F8',
  zebra: '#F7F9FB',
  rule: '#D5DCE4',
  grid: '#E3E8EE',
  missing: '#E9ECEF',
  notice: '#FFF6DF',
  noticeRule: '#E0B84C',
  positive: '#1E7B3A',
  negative: '#B83227',
} as const;

const SEGMENT_COLORS: Readonly<Record<SegmentKey, string>> = {
  pu: '#0B3D6E',
  bpu: '#3C84C6',
  jakon: '#C27C0E',
  pmi: '#7D5BA6',
};

const PAGE_MARGINS: [number, number, number, number] = [36, 36, 36, 44];
/** A4 width (595.28 pt) less the side margins: the width every top-level node is laid out in. */
export const CONTENT_WIDTH = r2(595.28 - PAGE_MARGINS[0] - PAGE_MARGINS[2]);

const LEVEL_LABEL: Record<Level, string> = {
  nasional: 'Tingkat nasional',
  provinsi: 'Tingkat provinsi',
  kabkota: 'Tingkat kabupaten/kota',
  kelompok: 'Kelompok provinsi',
};

function subLevelOf(level: Level): { level: Level; plural: string } {
  return level === 'nasional' || level === 'kelompok'
    ? { level: 'provinsi', plural: 'provinsi' }
    : { level: 'kabkota', plural: 'kabupaten/kota' };
}

/** Shorter label for charts and lists, where the full name would crowd the bars. */
export function shortName(name: string): string {
  return name
    .replace(/^Kabupaten Administrasi /, 'Kab. Adm. ')
    .replace(/^Kota Administrasi /, 'Kota Adm. ')
    .replace(/^Kabupaten /, 'Kab. ')
    .replace(/\bKepulauan\b/, 'Kep.');
}

function t(text: string | Array<string | TextNode>, style: Omit<TextNode, 'text'> = {}): TextNode {
  return { text, ...style };
}

function sup(marker: string): TextNode {
  return { text: marker, sup: true };
}

function runText(run: Run): string | TextNode {
  if (run.bold === undefined && run.sup === undefined && run.color === undefined) return run.text;
  const node: TextNode = { text: run.text };
  if (run.bold) node.bold = true;
  if (run.sup) node.sup = true;
  if (run.color !== undefined) node.color = run.color;
  return node;
}

/**
 * A paragraph broken into lines here (textfit.ts), each line one unwrapped text: far cheaper for pdfmake
 * than wrapping it word by word. `width` is the room the paragraph is laid out in.
 */
function paragraph(
  runs: Array<string | Run>,
  width: number,
  style: { fontSize: number; color?: string; lineHeight?: number; margin?: [number, number, number, number] },
): StackNode {
  const lines = breakRuns(
    runs.map((r) => (typeof r === 'string' ? { text: r } : r)),
    width - 1,
    style.fontSize,
  );
  const node: StackNode = {
    stack: lines.map((line) => (line.length === 1 && typeof runText(line[0]!) === 'string' ? line[0]!.text : { text: line.map(runText) })),
    fontSize: style.fontSize,
  };
  if (style.color !== undefined) node.color = style.color;
  if (style.lineHeight !== undefined) node.lineHeight = style.lineHeight;
  if (style.margin !== undefined) node.margin = style.margin;
  return node;
}

/** A chart label (muted, 6.5 pt unless told) at a point of the full-width container; see blocks.label. */
function chartLabel(
  text: string,
  x: number,
  y: number,
  style: { align?: Align; fontSize?: number; color?: string; bold?: boolean } = {},
): TextNode {
  return label(text, x, y, CONTENT_WIDTH, { fontSize: 6.5, color: COLORS.muted, ...style });
}

/** Footnote markers: one number per month a denominator was carried from, `a` for aggregated, `b` for carried figures. */
interface Marks {
  eligibleFrom: Map<Period, string>;
  /** Sub-regions whose denominator was carried, with the month. */
  carriedDenominators: Array<{ name: string; from: Period }>;
  aggregated: boolean;
  carried: boolean;
}

function markersFor(region: RegionFigures, name: string, marks: Marks): string[] {
  const markers: string[] = [];
  if (region.eligibleFrom !== null) {
    let marker = marks.eligibleFrom.get(region.eligibleFrom);
    if (marker === undefined) {
      marker = String(marks.eligibleFrom.size + 1);
      marks.eligibleFrom.set(region.eligibleFrom, marker);
    }
    markers.push(marker);
    marks.carriedDenominators.push({ name, from: region.eligibleFrom });
  }
  if (region.source === 'aggregated') {
    marks.aggregated = true;
    markers.push('a');
  }
  if (region.source === 'missing') {
    marks.carried = true;
    markers.push('b');
  }
  return markers;
}

function withMarkers(name: string, markers: string[]): string | Array<string | TextNode> {
  return markers.length === 0 ? name : [name, sup(` ${markers.join(',')}`)];
}

function byRank(a: RegionFigures, b: RegionFigures): number {
  if (a.rank !== b.rank) {
    if (a.rank === null) return 1;
    if (b.rank === null) return -1;
    return a.rank - b.rank;
  }
  return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
}

function signedColor(x: number | null): string {
  if (x === null || Math.abs(x) < 0.005) return COLORS.ink;
  return x > 0 ? COLORS.positive : COLORS.negative;
}

function sectionTitle(text: string): TextNode {
  return t(text, { fontSize: 10.5, bold: true, color: COLORS.navy, margin: [0, 2, 0, 3] });
}

/** A one-line legend of coloured marks and labels. */
function legend(items: Array<[mark: string, color: string, text: string]>, extra?: string): TextNode {
  const runs: Array<string | TextNode> = [];
  items.forEach(([mark, color, text], i) => {
    runs.push(t(mark, { color }), i === items.length - 1 && extra === undefined ? ` ${text}` : ` ${text}    `);
  });
  if (extra !== undefined) runs.push(extra);
  return t(runs, { fontSize: 7, color: COLORS.muted, margin: [0, 0, 0, 4] });
}

// ---------------------------------------------------------------------------------------------------
// Head of the first page: the title band, the four headline cards and the strip of changes, drawn as one
// canvas with its texts placed over it (every height is known: names and notes are broken here).

/** A text's line height at lineHeight 1. */
const line = (fontSize: number) => fontSize * LINE_EM;

interface Placed {
  labels: TextNode[];
  canvas: CanvasElement[];
}

/** One line of a column: its text and style, the room below it, its letter spacing. */
interface ColumnItem {
  text: string | Array<string | TextNode>;
  fontSize: number;
  color: string;
  bold?: boolean;
  gap?: number;
  spacing?: number;
}

/** Stacks texts down a column from `top`; returns where the column ends. */
function column(placed: Placed, x: number, top: number, items: readonly ColumnItem[]): number {
  let y = top;
  for (const item of items) {
    const node = label(item.text, x, r2(y), CONTENT_WIDTH, { fontSize: item.fontSize, color: item.color, bold: item.bold ?? false });
    if (item.spacing !== undefined) node.characterSpacing = item.spacing;
    placed.labels.push(node);
    y += line(item.fontSize) + (item.gap ?? 0);
  }
  return y;
}

/** Lines of a note broken to `width`, as column items. */
function noteLines(runs: Run[], width: number, fontSize: number, color: string): ColumnItem[] {
  return breakRuns(runs, width - 1, fontSize).map((l) => ({ text: l.length === 1 && l[0]!.color === undefined ? l[0]!.text : l.map(runText), fontSize, color }));
}

const BAND = { padX: 14, padY: 9 } as const;
const CARD = { gutter: 6, padX: 9, padY: 8 } as const;

function head(input: BulletinInput, name: string, month: string, year: number, plural: string, reported: number, expected: number): StackNode {
  const r = input.region;
  const placed: Placed = { labels: [], canvas: [] };
  const white = '#FFFFFF';

  // Title band. A long regency name wraps; nothing else in the band does.
  const edition = input.revision ? `${month} · Revisi` : month;
  const editionWidth = textWidth(edition, 13, true);
  const nameLines = breakRuns([{ text: name, bold: true }], CONTENT_WIDTH - 2 * BAND.padX - editionWidth - 12, 20).map((l) => l[0]!.text);
  let y: number = BAND.padY;
  y = column(placed, BAND.padX, y, [{ text: BULLETIN_TITLE, fontSize: 8.5, color: COLORS.navySoft, bold: true, gap: 4 }]);
  const nameTop = y;
  y = column(placed, BAND.padX, y, nameLines.map((text) => ({ text, fontSize: 20, color: white, bold: true })));
  placed.labels.push(label(edition, CONTENT_WIDTH - BAND.padX, r2(nameTop + 5), CONTENT_WIDTH, { align: 'right', fontSize: 13, color: white, bold: true }));
  // A revision replaces the subtitle with the notice, so that it costs no extra line.
  const subtitle: string | Array<string | TextNode> = input.revision
    ? [`${LEVEL_LABEL[r.level]} · `, t('Revisi: angka bulan ini telah dikoreksi; buletin ini menggantikan edisi sebelumnya.', { bold: true, color: '#FFE9A8' })]
    : `${LEVEL_LABEL[r.level]} · Peserta aktif BPJS Ketenagakerjaan terhadap penduduk bekerja`;
  y = column(placed, BAND.padX, y + 3, [{ text: subtitle, fontSize: 8, color: COLORS.navySoft }]);
  const bandHeight = r2(y + BAND.padY);
  placed.canvas.push({ type: 'rect', x: 0, y: 0, w: CONTENT_WIDTH, h: bandHeight, color: COLORS.navy });

  // Headline cards.
  const cardWidth = (CONTENT_WIDTH - 3 * CARD.gutter) / 4;
  const inner = cardWidth - 2 * CARD.padX;
  const cardTop = bandHeight + 10;
  const cardLabel = (text: string): ColumnItem => ({ text: text.toUpperCase(), fontSize: 6.5, color: COLORS.muted, bold: true, gap: 3, spacing: 0.4 });
  const figure = (text: string, color: string = COLORS.ink, fontSize = 15): ColumnItem => ({ text, fontSize, color, bold: true, gap: 2 });
  const note = (runs: Run[]) => noteLines(runs, inner, 7.5, COLORS.muted);

  const eligibleNote: Run[] = [{ text: `dari ${formatCount(r.eligible)} penduduk bekerja` }];
  if (r.eligibleFrom !== null) eligibleNote.push({ text: ` (data pekerja ${periodNameId(r.eligibleFrom)})`, color: COLORS.ink });
  const gapCard: ColumnItem[] = [cardLabel('Kesenjangan ke target')];
  if (r.targetPct === null || r.gapPp === null) {
    gapCard.push(figure(NONE), ...note([{ text: 'Belum ada target tahun ini' }]));
  } else if (r.gapPp <= 0 || r.gapWorkers === 0) {
    gapCard.push(figure('Tercapai', STATUS_STYLES.achieved.color), ...note([{ text: `${formatPoints(-r.gapPp)} pp di atas target` }]));
  } else {
    const perMonth =
      r.monthsLeft > 0
        ? `${formatCount(r.requiredMonthlyAdditions)} per bulan (${r.monthsLeft} bulan tersisa)`
        : `${formatCount(r.requiredMonthlyAdditions)} di bulan terakhir`;
    gapCard.push(figure(`${formatPoints(r.gapPp)} pp`), ...note([{ text: `${formatCount(r.gapWorkers)} peserta lagi` }]), ...note([{ text: `Perlu tambahan ${perMonth}` }]));
  }
  const cards: ColumnItem[][] = [
    [cardLabel('Cakupan'), figure(formatPct(r.coveragePct), COLORS.navy, 20)],
    [cardLabel('Peserta aktif'), figure(formatCount(r.active)), ...note(eligibleNote)],
    [cardLabel(`Target ${year}`), figure(formatPct(r.targetPct)), ...note([{ text: r.targetActive === null ? NONE : `${formatCount(r.targetActive)} peserta` }])],
    gapCard,
  ];
  let cardBottom = 0;
  cards.forEach((items, i) => {
    let end = column(placed, i * (cardWidth + CARD.gutter) + CARD.padX, cardTop + CARD.padY, items);
    if (i === 0) {
      // The status badge under the coverage figure.
      // A bulletin is only made for a region with figures, so its status is never null; no_target is the
      // neutral fallback should that ever change.
      const status = STATUS_STYLES[r.status ?? 'no_target'];
      const badgeTop = end + 1;
      placed.canvas.push({ type: 'rect', x: CARD.padX, y: r2(badgeTop), w: r2(textWidth(status.label, 8, true) + 10), h: r2(line(8) + 2.5), color: status.color });
      placed.labels.push(label(status.label, CARD.padX + 5, r2(badgeTop + 1.5), CONTENT_WIDTH, { fontSize: 8, color: white, bold: true }));
      end = badgeTop + line(8) + 2.5;
    }
    cardBottom = Math.max(cardBottom, end);
  });
  const cardHeight = r2(cardBottom + CARD.padY - cardTop);
  // The cards' fills go right after the band's, under the badge drawn on the first.
  placed.canvas.splice(
    1,
    0,
    ...[0, 1, 2, 3].map((i): CanvasElement => ({ type: 'rect', x: r2(i * (cardWidth + CARD.gutter)), y: r2(cardTop), w: r2(cardWidth), h: cardHeight, color: COLORS.card })),
  );

  // The strip: month-on-month, year-on-year, projection, and rank (or, nationally, regions reporting).
  const stripTop = cardTop + cardHeight + 6;
  const value = (text: string, color: string = COLORS.ink): ColumnItem => ({ text, fontSize: 10.5, color, bold: true, gap: 1 });
  const small = (text: string | null): ColumnItem[] => (text === null ? [] : [{ text, fontSize: 7, color: COLORS.muted }]);
  const last: ColumnItem[] =
    r.level === 'nasional'
      ? [cardLabel('Wilayah melapor'), value(`${reported} dari ${expected}`), ...small(plural)]
      : [
          cardLabel(r.level === 'provinsi' ? 'Peringkat nasional' : 'Peringkat di provinsi'),
          value(r.rank === null ? NONE : `ke-${r.rank}`),
          ...small(r.rank === null ? null : 'menurut cakupan'),
        ];
  const strip: ColumnItem[][] = [
    [
      cardLabel('Dibanding bulan lalu'),
      value(formatPp(r.momDeltaPp), signedColor(r.momDeltaPp)),
      ...small(r.momDeltaActive === null ? null : `${formatSignedCount(r.momDeltaActive)} peserta`),
    ],
    [cardLabel('Dibanding tahun lalu'), value(formatPp(r.yoyDeltaPp), signedColor(r.yoyDeltaPp))],
    [cardLabel('Proyeksi Desember'), value(formatPct(r.projectedPct)), ...small('laju 3 bulan terakhir')],
    last,
  ];
  let stripBottom = 0;
  strip.forEach((items, i) => {
    stripBottom = Math.max(stripBottom, column(placed, i * (cardWidth + CARD.gutter) + CARD.padX, stripTop, items));
  });
  const ruleY = r2(stripBottom + 6);
  placed.canvas.push({ type: 'line', x1: 0, y1: ruleY, x2: CONTENT_WIDTH, y2: ruleY, lineWidth: 0.8, lineColor: COLORS.rule });
  return { ...drawing(placed.labels, placed.canvas, r2(ruleY + 0.4)), margin: [0, 0, 0, 8] };
}

function summary(input: BulletinInput, name: string, month: string, year: number): StackNode {
  const r = input.region;
  const sentences: string[] = [];
  if (r.coveragePct === null) {
    sentences.push(`Belum ada angka cakupan ${name} untuk ${month}.`);
  } else {
    sentences.push(
      `Pada ${month}, ${formatPct(r.coveragePct)} penduduk bekerja di ${name} (${formatCount(r.active)} dari ${formatCount(r.eligible)} orang) adalah peserta aktif BPJS Ketenagakerjaan.`,
    );
  }
  if (r.status === 'no_target' || r.targetPct === null) {
    sentences.push(`Belum ada target untuk ${year}.`);
  } else if (r.status === 'achieved') {
    sentences.push(`Target ${year} sebesar ${formatPct(r.targetPct)} sudah tercapai.`);
  } else {
    const perMonth =
      r.monthsLeft > 0
        ? `, atau ${formatCount(r.requiredMonthlyAdditions)} peserta per bulan selama ${r.monthsLeft} bulan tersisa`
        : '';
    sentences.push(
      `Untuk mencapai target ${year} sebesar ${formatPct(r.targetPct)} masih diperlukan ${formatCount(r.gapWorkers)} peserta lagi${perMonth}.`,
    );
    if (r.projectedPct !== null) {
      const verdict =
        r.status === 'on_track' ? 'cukup untuk mencapai target' : r.status === 'at_risk' ? 'sedikit di bawah target' : 'jauh di bawah target';
      sentences.push(
        `Dengan laju pertambahan tiga bulan terakhir, cakupan akhir tahun diproyeksikan ${formatPct(r.projectedPct)}, ${verdict}.`,
      );
    }
  }
  return paragraph([sentences.join(' ')], CONTENT_WIDTH, { fontSize: 9, lineHeight: 1.25, margin: [0, 0, 0, 10] });
}

// ---------------------------------------------------------------------------------------------------
// Trend: the last 24 months of coverage against the target in force, one canvas.

const TREND = { height: 92, top: 6, left: 30, rightPad: 44, axisGap: 3 } as const;

function trendSection(input: BulletinInput): StackNode | null {
  const { trend } = input;
  const { points, gaps } = trendCoverage(trend);
  if (points < TREND_MIN_POINTS) return null;
  const coverage = trend.map((m) => m.coveragePct);
  const targets = trend.map((m) => m.targetPct);
  const axis = valueAxis([...coverage, ...targets], { maxTicks: 4, floor: 0, ceiling: 100 });
  const left = TREND.left;
  const right = CONTENT_WIDTH - TREND.rightPad;
  const bottom = TREND.height;
  const x = slotPositions(trend.length, left, right);
  const y = linearScale([axis.min, axis.max], [bottom, TREND.top]);
  const slot = trend.length > 1 ? (right - left) / (trend.length - 1) : right - left;

  const canvas: CanvasElement[] = [];
  const labels: TextNode[] = [];
  for (const tick of axis.ticks) {
    const ty = y(tick);
    canvas.push({ type: 'line', x1: left, y1: ty, x2: right, y2: ty, lineWidth: tick === axis.min ? 0.8 : 0.5, lineColor: tick === axis.min ? COLORS.rule : COLORS.grid });
    labels.push(chartLabel(formatAxisPct(tick), left - 5, centredTop(ty, 6.5), { align: 'right' }));
  }
  const runs = seriesRuns(coverage, x, y);
  for (const run of runs) {
    if (run.length < 2) continue;
    canvas.push({
      type: 'polyline',
      // pdfmake moves each point of a canvas in place: no two vectors may share point objects.
      points: [...run.map((p) => ({ ...p })), { x: run[run.length - 1]!.x, y: bottom }, { x: run[0]!.x, y: bottom }],
      closePath: true,
      color: COLORS.area,
    });
  }
  const steps = stepSegments(targets, x, y, slot, { left, right });
  steps.forEach((step, i) => {
    canvas.push({ type: 'line', x1: step.x1, y1: step.y, x2: step.x2, y2: step.y, lineWidth: 1, lineColor: COLORS.ink, dash: { length: 3, space: 2 } });
    const next = steps[i + 1];
    if (next !== undefined && Math.abs(next.x1 - step.x2) < 0.05) {
      canvas.push({ type: 'line', x1: step.x2, y1: step.y, x2: next.x1, y2: next.y, lineWidth: 1, lineColor: COLORS.ink, dash: { length: 3, space: 2 } });
    }
  });
  for (const run of runs) {
    if (run.length === 1) canvas.push({ type: 'ellipse', x: run[0]!.x, y: run[0]!.y, r1: 1.6, r2: 1.6, color: COLORS.navy });
    else canvas.push({ type: 'polyline', points: run.map((p) => ({ ...p })), lineWidth: 1.6, lineColor: COLORS.navy, lineJoin: 'round', lineCap: 'round' });
  }
  const last = coverage[coverage.length - 1];
  if (last !== null && last !== undefined) {
    const lx = x(coverage.length - 1);
    const ly = y(last);
    canvas.push({ type: 'ellipse', x: lx, y: ly, r1: 2.6, r2: 2.6, color: COLORS.navy });
    labels.push(chartLabel(formatPct(last), lx + 5, centredTop(ly, 7), { fontSize: 7, bold: true, color: COLORS.navy }));
  }
  for (const i of labelledSlots(trend.length, 3)) {
    const tx = x(i);
    canvas.push({ type: 'line', x1: tx, y1: bottom, x2: tx, y2: bottom + 2.5, lineWidth: 0.5, lineColor: COLORS.muted });
    labels.push(chartLabel(formatMonthShort(trend[i]!.period), tx, bottom + TREND.axisGap + 1, { align: 'center' }));
  }

  const gapNote = gaps > 0 ? `(${gaps} dari ${trend.length} bulan tanpa angka)` : undefined;
  return {
    unbreakable: true,
    stack: [
      sectionTitle(`Tren cakupan ${trend.length} bulan terakhir`),
      legend(
        [['—', COLORS.navy, 'cakupan'], ...(steps.length > 0 ? [['- -', COLORS.ink, 'target tahunan'] as [string, string, string]] : [])],
        gapNote,
      ),
      drawing(labels, canvas, r2(bottom + 12)),
    ],
    margin: [0, 0, 0, 6],
  };
}

// ---------------------------------------------------------------------------------------------------
// Ranked bars of coverage, coloured by status, with each region's target as a tick and the bulletin
// region's own coverage as a dashed reference line: one canvas, names and values as labels.

const BARS = { nameWidth: 138, valueWidth: 52 } as const;

interface Row {
  figures: RegionFigures | null;
  code: string;
  name: string;
  markers: string[];
}

function barChartSection(rows: Row[], parent: RegionFigures, parentName: string, plural: string): StackNode {
  const n = rows.length;
  const rowHeight = n > 24 ? 9.2 : n > 12 ? 11 : 13;
  const barLeft = BARS.nameWidth;
  const barRight = CONTENT_WIDTH - BARS.valueWidth;
  const values = rows.flatMap((r) => [r.figures?.coveragePct ?? null, r.figures?.targetPct ?? null]);
  const axis = valueAxis([0, ...values, parent.coveragePct], { maxTicks: 8, includeZero: true, floor: 0, ceiling: 100 });
  const scale = linearScale([0, axis.max], [barLeft, barRight]);
  const height = r2(n * rowHeight);
  const fontSize = n > 24 ? 6.5 : 7;

  const canvas: CanvasElement[] = axis.ticks.map((tick) => ({
    type: 'line',
    x1: scale(tick),
    y1: 0,
    x2: scale(tick),
    y2: height,
    lineWidth: tick === 0 ? 0.8 : 0.5,
    lineColor: tick === 0 ? COLORS.rule : COLORS.grid,
  }));
  const labels: TextNode[] = [];
  const laidOut = bars(rows.map((r) => ({ value: r.figures?.coveragePct ?? null, marker: r.figures?.targetPct ?? null })), scale);
  rows.forEach((row, i) => {
    const f = row.figures;
    const top = r2(i * rowHeight);
    const middle = top + rowHeight / 2;
    const bar = laidOut[i]!;
    if (bar !== null && f !== null) {
      canvas.push({
        type: 'rect',
        x: barLeft,
        y: r2(top + 1.5),
        w: r2(bar.length),
        h: r2(rowHeight - 3),
        color: f.status === null ? COLORS.missing : STATUS_STYLES[f.status].color,
        // Carried-forward figures are drawn faint: they are not this month's.
        ...(f.source === 'missing' ? { fillOpacity: 0.35 } : {}),
      });
    }
    if (bar?.marker != null) {
      canvas.push({ type: 'line', x1: bar.marker, y1: r2(top + 0.5), x2: bar.marker, y2: r2(top + rowHeight - 0.5), lineWidth: 1.6, lineColor: COLORS.ink });
    }
    labels.push(
      label(withMarkers(shortName(row.name), row.markers), barLeft - 5, centredTop(middle, fontSize), CONTENT_WIDTH, { align: 'right', fontSize, color: COLORS.ink }),
    );
    labels.push(
      f === null || f.coveragePct === null
        ? chartLabel('belum melapor', barRight + 4, centredTop(middle, fontSize), { fontSize })
        : chartLabel(formatPct(f.coveragePct), barRight + 4, centredTop(middle, fontSize), { fontSize, bold: true, color: COLORS.ink }),
    );
  });
  if (parent.coveragePct !== null) {
    const px = scale(parent.coveragePct);
    canvas.push({ type: 'line', x1: px, y1: 0, x2: px, y2: height, lineWidth: 0.8, lineColor: COLORS.muted, dash: { length: 2, space: 1.5 } });
  }
  for (const tick of axis.ticks) labels.push(chartLabel(formatAxisPct(tick), scale(tick), height + 2.5, { align: 'center' }));

  return {
    // Kept on one page: a chart split across pages loses its axis and legend.
    unbreakable: true,
    stack: [
      sectionTitle(`Cakupan per ${plural}`),
      legend([
        ...(['achieved', 'on_track', 'at_risk', 'off_track', 'no_target'] as const).map(
          (s) => ['■', STATUS_STYLES[s].color, STATUS_STYLES[s].label] as [string, string, string],
        ),
        ...(rows.some((r) => r.figures?.targetPct != null) ? [['|', COLORS.ink, 'target'] as [string, string, string]] : []),
        ...(parent.coveragePct !== null ? [['¦', COLORS.muted, `cakupan ${parentName}`] as [string, string, string]] : []),
      ]),
      drawing(labels, canvas, r2(height + 12)),
    ],
    margin: [0, 0, 0, 8],
  };
}

// ---------------------------------------------------------------------------------------------------
// The month's largest movers among the sub-regions.

function moversSection(subRegions: RegionFigures[], plural: string): StackNode | null {
  const movers = topMovers(subRegions, 3);
  if (movers === null) return null;
  const count = Math.max(movers.gains.length, movers.falls.length, 1);
  const cells = (list: RegionFigures[], i: number, color: string, none: string): [GridCell, GridCell] => {
    const r = list[i];
    if (r === undefined) return [{ text: i === 0 ? none : '', color: COLORS.muted }, { text: '' }];
    return [{ text: `${i + 1}. ${shortName(displayName(r))}` }, { text: formatPp(r.momDeltaPp), bold: true, color }];
  };
  const rows: GridCell[][] = [];
  for (let i = 0; i < count; i += 1) {
    rows.push([
      ...cells(movers.gains, i, COLORS.positive, 'Tidak ada kenaikan.'),
      { text: '' },
      ...cells(movers.falls, i, COLORS.negative, 'Tidak ada penurunan.'),
    ]);
  }
  const half = r2((CONTENT_WIDTH - 20 - 2 * 52) / 2);
  return {
    unbreakable: true,
    stack: [
      sectionTitle(`Pergerakan terbesar bulan ini (${plural})`),
      grid({
        width: CONTENT_WIDTH,
        columns: [{ width: half }, { width: 52, align: 'right' }, { width: 20 }, { width: half }, { width: 52, align: 'right' }],
        head: [['Kenaikan cakupan terbesar'], ['pp'], [''], ['Penurunan cakupan terbesar'], ['pp']],
        rows,
        rowHeight: 10.5,
        fontSize: 7.5,
        headFontSize: 6.5,
        padding: 3,
        colors: { text: COLORS.ink, head: COLORS.navy, headRule: COLORS.navy, rule: COLORS.rule, zebra: COLORS.zebra },
      }),
    ],
    margin: [0, 0, 0, 8],
  };
}

// ---------------------------------------------------------------------------------------------------
// Table of sub-regions by rank, with the bulletin's own region as a total row.

function statusCell(f: RegionFigures | null): GridCell {
  if (f === null || f.status === null) return { text: 'Belum melapor', bold: true, color: COLORS.muted, chip: COLORS.missing, fontSize: 6.5 };
  const style = STATUS_STYLES[f.status];
  return { text: style.label, bold: true, color: '#FFFFFF', chip: style.color, fontSize: 6.5 };
}

function figureCells(f: RegionFigures, bold: boolean): GridCell[] {
  return [
    { text: formatCount(f.active), bold },
    { text: formatCount(f.eligible), bold },
    { text: formatPct(f.coveragePct), bold: true },
    { text: formatPct(f.targetPct), bold },
    { text: formatPoints(f.gapPp), bold },
    { text: formatPp(f.momDeltaPp), bold, color: signedColor(f.momDeltaPp) },
  ];
}

/** More rows than this are split into blocks of this many, each with its heads (a page holds about 60). */
const TABLE_BLOCK_ROWS = 45;

function tableSection(rows: Row[], parent: RegionFigures, parentName: string, parentMarkers: string[], plural: string): StackNode {
  const dash: GridCell = { text: NONE, color: COLORS.muted };
  const body: GridCell[][] = rows.map((row) => {
    const f = row.figures;
    const name: GridCell = { text: withMarkers(row.name, row.markers) };
    return f === null
      ? [dash, name, dash, dash, dash, dash, dash, dash, statusCell(null)]
      : [{ text: f.rank === null ? NONE : String(f.rank), color: COLORS.muted }, name, ...figureCells(f, false), statusCell(f)];
  });
  const total: GridCell[] = [{ text: '' }, { text: withMarkers(parentName, parentMarkers), bold: true }, ...figureCells(parent, true), statusCell(parent)];
  const blocks: Content[] = [];
  for (let start = 0; start < body.length || start === 0; start += TABLE_BLOCK_ROWS) {
    const chunk = body.slice(start, start + TABLE_BLOCK_ROWS);
    const last = start + TABLE_BLOCK_ROWS >= body.length;
    blocks.push({
      unbreakable: true,
      stack: [
        sectionTitle(start === 0 ? `Rincian per ${plural}` : `Rincian per ${plural} (lanjutan)`),
        grid({
          width: CONTENT_WIDTH,
          columns: [
            { width: 16, align: 'right' },
            { width: '*' },
            { width: 52, align: 'right' },
            { width: 58, align: 'right' },
            { width: 40, align: 'right' },
            { width: 38, align: 'right' },
            { width: 50, align: 'right' },
            { width: 48, align: 'right' },
            { width: 58, align: 'center' },
          ],
          head: [['#'], [plural.charAt(0).toUpperCase() + plural.slice(1)], ['Peserta', 'aktif'], ['Penduduk', 'bekerja'], ['Cakupan'], ['Target'], ['Kesenjangan', '(pp)'], ['Perubahan', 'bulanan'], ['Status']],
          rows: last ? [...chunk, total] : chunk,
          totals: last ? 1 : 0,
          rowHeight: rows.length > 24 ? 10.6 : 11.5,
          fontSize: 7.5,
          headFontSize: 6.5,
          padding: 3,
          colors: { text: COLORS.ink, head: COLORS.navy, headRule: COLORS.navy, rule: COLORS.rule, zebra: COLORS.zebra },
        }),
      ],
      margin: [0, 0, 0, 10],
    });
  }
  return { stack: blocks };
}

// ---------------------------------------------------------------------------------------------------
// Segments, formal/informal coverage, vulnerable workers and villages: only what the data has.

const METER_WIDTH = 120;

/** A 0–100% meter. */
function meter(pct: number | null, color: string, rowHeight: number): CanvasElement[] {
  const y = r2((rowHeight - 6) / 2);
  const canvas: CanvasElement[] = [{ type: 'rect', x: 0, y, w: METER_WIDTH, h: 6, color: COLORS.grid }];
  if (pct !== null) canvas.push({ type: 'rect', x: 0, y, w: Math.max(r2((Math.min(Math.max(pct, 0), 100) / 100) * METER_WIDTH), 0.5), h: 6, color });
  return canvas;
}

function segmentSection(view: SegmentView): StackNode {
  const rowHeight = 10.5;
  const rows: GridCell[][] = [];
  const stacked = view.complete ? stackedParts(view.segments.map((s) => ({ key: s.key, value: s.count })), METER_WIDTH) : [];
  const y = r2((rowHeight - 6) / 2);
  for (const s of view.segments) {
    const names = SEGMENT_LABELS[s.key];
    // All four present: each row shows the whole stacked bar with its own part in full colour.
    const canvas: CanvasElement[] =
      stacked.length > 0
        ? stacked.map((part) => ({
            type: 'rect' as const,
            x: part.x,
            y,
            w: part.w,
            h: 6,
            color: SEGMENT_COLORS[part.key],
            ...(part.key === s.key ? {} : { fillOpacity: 0.18 }),
          }))
        : meter(s.share, SEGMENT_COLORS[s.key], rowHeight);
    rows.push([
      { text: [t('■ ', { color: SEGMENT_COLORS[s.key] }), `Peserta ${names.long.charAt(0).toLowerCase()}${names.long.slice(1)} (${names.short})`] },
      { text: formatCount(s.count) },
      { text: s.share === null ? NONE : formatPct(s.share), color: COLORS.muted },
      { text: '', canvas },
    ]);
  }
  const ratioRow = (text: string, r: { participants: number; workers: number; pct: number }, color: string): GridCell[] => [
    { text },
    { text: `${formatCount(r.participants)} dari ${formatCount(r.workers)}` },
    { text: formatPct(r.pct), bold: true },
    { text: '', canvas: meter(r.pct, color, rowHeight) },
  ];
  if (view.formal !== null) rows.push(ratioRow('Cakupan pekerja formal (PU ÷ pekerja formal)', view.formal, SEGMENT_COLORS.pu));
  if (view.informal !== null) rows.push(ratioRow('Cakupan pekerja informal (BPU ÷ pekerja informal)', view.informal, SEGMENT_COLORS.bpu));
  if (view.vulnerableProtected !== null) {
    rows.push([{ text: 'Pekerja rentan dilindungi (iuran dibayar pemerintah atau CSR)' }, { text: formatCount(view.vulnerableProtected) }, { text: NONE, color: COLORS.muted }, { text: '' }]);
  }
  if (view.villages !== null) {
    const v = view.villages;
    rows.push([
      { text: 'Desa dengan sedikitnya 100 pekerja terlindungi' },
      { text: v.total === null ? `${formatCount(v.with100)} desa` : `${formatCount(v.with100)} dari ${formatCount(v.total)} desa` },
      { text: formatPct(v.pct), bold: v.pct !== null },
      { text: '', canvas: v.pct === null ? [] : meter(v.pct, COLORS.positive, rowHeight) },
    ]);
  }
  return {
    unbreakable: true,
    stack: [
      sectionTitle('Segmen peserta dan perlindungan'),
      grid({
        width: CONTENT_WIDTH,
        columns: [{ width: '*' }, { width: 110, align: 'right' }, { width: 56, align: 'right' }, { width: METER_WIDTH + 12 }],
        head: [['Indikator'], ['Jumlah'], ['Persentase'], ['']],
        rows,
        rowHeight,
        fontSize: 7.5,
        headFontSize: 6.5,
        padding: 6,
        colors: { text: COLORS.ink, head: COLORS.navy, headRule: COLORS.navy, rule: COLORS.rule, zebra: COLORS.zebra },
      }),
    ],
    margin: [0, 0, 0, 10],
  };
}

// ---------------------------------------------------------------------------------------------------
// Data completeness (a box), then definitions and sources (the footnote).

const BOX = { rule: 2.5, padX: 9, padY: 7 } as const;
/** The room inside the completeness box: the width less its left rule and paddings. */
const BOX_WIDTH = r2(CONTENT_WIDTH - BOX.rule - 2 * BOX.padX);

/** What the completeness box says: what is missing, carried, aggregated or revised, one paragraph each. */
function completenessLines(input: BulletinInput, parentName: string, plural: string, subLevel: Level, marks: Marks, missingNames: string[]): Run[][] {
  const lines: Run[][] = [];
  const text = (value: string): Run => ({ text: value });
  const mark = (m: string): Run => ({ text: m, sup: true });
  const own = input.region;
  if (own.level !== 'kabkota') {
    const expected = input.subRegions.filter((r) => r.source !== 'missing').length + missingNames.length;
    lines.push([
      text(
        missingNames.length === 0
          ? `Semua ${expected} ${plural} memiliki angka bulan ini.`
          : `${missingNames.length} ${plural} belum memiliki angka bulan ini: ${missingNames.join(', ')}.`,
      ),
    ]);
    if (marks.carried) {
      lines.push([mark('b'), text(' Angka terakhir yang diketahui dipakai untuk total, tidak untuk peringkat (batang pucat di grafik).')]);
    }
  }
  if (own.source === 'aggregated') {
    const parts = subLevel === 'provinsi' ? 'provinsi' : 'kabupaten/kota di wilayahnya';
    lines.push([mark('a'), text(` Angka ${parentName} adalah jumlah angka ${parts}, tidak dilaporkan sendiri.`)]);
  } else if (marks.aggregated) {
    lines.push([mark('a'), text(' Jumlah angka wilayah di bawahnya, tidak dilaporkan sendiri.')]);
  }
  if (own.source === 'reported' && own.level === 'kabkota') lines.push([text(`Angka ${parentName} dilaporkan langsung oleh wilayah.`)]);
  if (own.eligibleFrom !== null) {
    lines.push([text(`Data pekerja ${parentName} dari ${periodNameId(own.eligibleFrom)}, angka terbaru yang tersedia.`)]);
  }
  for (const [month, marker] of marks.eligibleFrom) {
    const names = marks.carriedDenominators.filter((c) => c.from === month && c.name !== parentName).map((c) => c.name);
    if (names.length === 0) continue;
    lines.push([mark(marker), text(` Data pekerja dari ${periodNameId(month)}, angka terbaru yang tersedia: ${names.join(', ')}.`)]);
  }
  const { points, gaps } = trendCoverage(input.trend);
  if (input.trend.length > 0 && gaps > 0) {
    lines.push([
      text(
        points < TREND_MIN_POINTS
          ? `Riwayat belum cukup untuk grafik tren (${points} dari ${input.trend.length} bulan memiliki angka).`
          : `Riwayat: ${gaps} dari ${input.trend.length} bulan tanpa angka (celah pada garis tren).`,
      ),
    ]);
  }
  lines.push([
    input.revision
      ? { text: 'Edisi revisi: angka bulan ini telah dikoreksi setelah edisi pertama; buletin ini menggantikan edisi sebelumnya.', bold: true }
      : text('Edisi pertama bulan ini; belum ada koreksi angka.'),
  ]);
  return lines;
}

/** Definitions are the same in every bulletin: broken into lines once per process. */
let definitionLines: Run[][] | undefined;

const lead = (text: string): Run => ({ text, bold: true, color: COLORS.ink });

function definitionsText(): Run[][] {
  definitionLines ??= breakRuns(
    [
      lead('Definisi. '),
      { text: 'Cakupan = peserta aktif BPJS Ketenagakerjaan ÷ penduduk bekerja × 100. ' },
      { text: 'Kesenjangan = target − cakupan, dalam poin persentase (pp); negatif berarti di atas target. ' },
      { text: 'Perlu tambahan per bulan = selisih peserta terhadap target ÷ sisa bulan hingga Desember. ' },
      { text: 'Proyeksi Desember = cakupan bila pertambahan rata-rata tiga bulan terakhir berlanjut hingga Desember. ' },
      {
        text: 'Status: Tercapai (cakupan ≥ target); Sesuai jalur (proyeksi ≥ target); Berisiko (proyeksi kurang dari 2 pp di bawah target); Tertinggal (selebihnya); Tanpa target. ',
      },
      {
        text: 'Segmen: PU = penerima upah, BPU = bukan penerima upah, Jakon = jasa konstruksi, PMI = pekerja migran Indonesia; cakupan formal = PU ÷ pekerja formal, informal = BPU ÷ pekerja informal. ',
      },
      { text: 'Persentase tidak pernah dirata-ratakan: angka wilayah adalah jumlah peserta dan pekerja wilayah di bawahnya.' },
    ],
    CONTENT_WIDTH - 1,
    NOTE_SIZE,
  );
  return definitionLines;
}

const NOTE_SIZE = 6.5;
const MAX_SOURCES_SHOWN = 12;

function sourcesText(input: BulletinInput): Run[][] {
  const parts: Run[] = [lead('Sumber. ')];
  if (input.sources.length === 0) {
    parts.push({ text: 'Tidak ada berkas unggahan tercatat. ' });
  } else {
    const sorted = [...input.sources].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    // With one file per regency the nation has hundreds: the footnote names the first few and counts the rest
    // (every snapshot keeps its full list; `ucj history --region` shows it).
    const shown = sorted.slice(0, MAX_SOURCES_SHOWN);
    parts.push({ text: `Berkas unggahan (${sorted.length}): ` });
    shown.forEach((s, i) => parts.push({ text: `${s.key} (diunggah ${formatWib(s.uploadedAt)})${i === shown.length - 1 ? '' : '; '}` }));
    parts.push({ text: sorted.length > shown.length ? `; dan ${sorted.length - shown.length} berkas lainnya. ` : '. ' });
  }
  parts.push({ text: `Target tahunan dari berkas target. Buletin dibuat ${formatWib(input.generatedAt)}.` });
  return breakRuns(parts, CONTENT_WIDTH - 1, NOTE_SIZE);
}

/**
 * The close of the bulletin, as one drawing: the data-completeness box (amber when something is missing,
 * carried or revised), then the definitions and sources in small print under a rule.
 */
function notesSection(input: BulletinInput, parentName: string, plural: string, subLevel: Level, marks: Marks, missingNames: string[]): StackNode {
  const placed: Placed = { labels: [], canvas: [] };
  const complete = missingNames.length === 0 && marks.eligibleFrom.size === 0 && input.region.eligibleFrom === null && !input.revision;
  const boxX = BOX.rule + BOX.padX;
  let y = column(placed, boxX, BOX.padY, [{ text: 'Kelengkapan data', fontSize: 8.5, color: COLORS.navy, bold: true, gap: 2 }]);
  for (const paragraphRuns of completenessLines(input, parentName, plural, subLevel, marks, missingNames)) {
    const lines = breakRuns(paragraphRuns, BOX_WIDTH - 1, 7.5);
    y = column(placed, boxX, y, lines.map((l, i) => ({ text: l.map(runText), fontSize: 7.5, color: COLORS.ink, gap: i === lines.length - 1 ? 2.5 : 1.5 })));
  }
  const boxHeight = r2(y - 2.5 + BOX.padY);
  placed.canvas.push(
    { type: 'rect', x: 0, y: 0, w: CONTENT_WIDTH, h: boxHeight, color: complete ? COLORS.card : COLORS.notice },
    { type: 'rect', x: 0, y: 0, w: BOX.rule, h: boxHeight, color: complete ? COLORS.navySoft : COLORS.noticeRule },
  );
  const ruleY = r2(boxHeight + 10);
  placed.canvas.push({ type: 'line', x1: 0, y1: ruleY, x2: CONTENT_WIDTH, y2: ruleY, lineWidth: 0.8, lineColor: COLORS.rule });
  const small = (lines: Run[][], after: number): ColumnItem[] =>
    lines.map((l, i) => ({ text: l.map(runText), fontSize: NOTE_SIZE, color: COLORS.muted, gap: i === lines.length - 1 ? after : 1.3 }));
  y = column(placed, 0, ruleY + 6, [...small(definitionsText(), 3), ...small(sourcesText(input), 0)]);
  return { ...drawing(placed.labels, placed.canvas, r2(y)), unbreakable: true };
}

// ---------------------------------------------------------------------------------------------------

export function bulletinDefinition(input: BulletinInput): DocDefinition {
  const { region } = input;
  const { year } = parsePeriod(input.period);
  const month = periodNameId(input.period);
  const name = displayName(region);
  const sub = subLevelOf(region.level);
  const created = parseInstant(input.generatedAt);

  const marks: Marks = { eligibleFrom: new Map(), carriedDenominators: [], aggregated: false, carried: false };
  const parentMarkers = markersFor(region, name, marks);

  const known = new Set(input.subRegions.map((r) => r.code));
  const rows: Row[] = [...input.subRegions].sort(byRank).map((f) => {
    const rowName = displayName(f);
    return { figures: f, code: f.code, name: rowName, markers: markersFor(f, rowName, marks) };
  });
  const absent = input.missing
    .filter((m) => !known.has(m.code))
    .map((m) => ({ figures: null, code: m.code, name: displayName({ name: m.name, level: sub.level }), markers: [] }))
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  rows.push(...absent);
  const missingNames = [
    ...input.subRegions.filter((r) => r.source === 'missing').sort(byRank).map((r) => displayName(r)),
    ...absent.map((r) => r.name),
  ];

  const reported = input.subRegions.filter((r) => r.source !== 'missing').length;
  const content: Content[] = [head(input, name, month, year, sub.plural, reported, rows.length)];
  if (rows.length === 0) {
    // A regency has no rows below it: a plain-language summary uses the room.
    content.push(summary(input, name, month, year));
  }
  const trend = trendSection(input);
  if (trend !== null) content.push(trend);
  if (rows.length > 0) {
    content.push(barChartSection(rows, region, name, sub.plural));
    const movers = moversSection(input.subRegions, sub.plural);
    if (movers !== null) content.push(movers);
  }
  // The region's own breakdown before the reference table of sub-regions.
  const segments = segmentView(region.details, region.active);
  if (segments !== null) content.push(segmentSection(segments));
  if (rows.length > 0) content.push(tableSection(rows, region, name, parentMarkers, sub.plural));
  // The notes close the bulletin together: a page of its own holds both rather than the definitions alone.
  content.push(notesSection(input, name, sub.plural, sub.level, marks, missingNames));

  const edition = input.revision ? `${month} (Revisi)` : month;
  const footerText = `Buletin UCJ · ${name} · ${edition}`;

  return {
    pageSize: 'A4',
    pageOrientation: 'portrait',
    pageMargins: PAGE_MARGINS,
    language: 'id-ID',
    info: {
      title: `${BULLETIN_TITLE}: ${name}, ${edition}`,
      subject: `Cakupan peserta aktif BPJS Ketenagakerjaan ${name}, ${month}`,
      creator: 'ucj-bulletin',
      producer: 'ucj-bulletin (pdfmake)',
      creationDate: created,
      modDate: created,
    },
    content,
    styles: {
      th: { fontSize: 6.5, bold: true, color: COLORS.navy, noWrap: false },
    },
    // Unwrapped by default: one text run per label instead of one per word (see the file comment).
    defaultStyle: { font: 'Roboto', fontSize: 9, color: COLORS.ink, lineHeight: 1.1, noWrap: true },
    footer: (currentPage, pageCount) => ({
      columns: [
        t(footerText, { width: '*' }),
        t(`Halaman ${currentPage} dari ${pageCount}`, { width: 'auto', alignment: 'right' }),
      ],
      fontSize: 7,
      color: COLORS.muted,
      margin: [PAGE_MARGINS[0], 16, PAGE_MARGINS[2], 0],
    }),
  };
}
