/**
 * What every section of a bulletin shares: the page, the colours, what the assembler works out once for
 * all sections (BulletinContext), and the text helpers the sections lay their texts out with.
 *
 * The helpers keep pdfmake's work small: pdfmake measures and draws every text run on its own, and wraps
 * a paragraph word by word, so text is unwrapped by default (a label is one run) and paragraphs are broken
 * into lines here (textfit.ts: a line is one run).
 */
import type { Level } from '../../domain/types.ts';
import { grid, label, LINE_EM, type Align, type GridSpec } from '../blocks.ts';
import { r2 } from '../charts.ts';
import type { BulletinInput } from '../input.ts';
import type { CanvasElement, StackNode, TextNode } from '../pdfmake-types.ts';
import { breakRuns, type Run } from '../textfit.ts';

export const BULLETIN_TITLE = 'Buletin Cakupan Semesta Jaminan Sosial Ketenagakerjaan (UCJ)';

export const COLORS = {
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
  white: '#FFFFFF',
} as const;

export const PAGE_MARGINS: [number, number, number, number] = [36, 36, 36, 44];
/** A4 width (595.28 pt) less the side margins: the width every top-level node is laid out in. */
export const CONTENT_WIDTH = r2(595.28 - PAGE_MARGINS[0] - PAGE_MARGINS[2]);

/** What the assembler works out once and every section may need. */
export interface BulletinContext {
  input: BulletinInput;
  /** The region's display name. */
  name: string;
  /** The month's name, e.g. "Oktober 2025". */
  month: string;
  year: number;
  /** The level of the region's sub-regions, and its plural as the text says it. */
  sub: { level: Level; plural: string };
}

/** Shorter label for charts and lists, where the full name would crowd the bars. */
export function shortName(name: string): string {
  return name
    .replace(/^Kabupaten Administrasi /, 'Kab. Adm. ')
    .replace(/^Kota Administrasi /, 'Kota Adm. ')
    .replace(/^Kabupaten /, 'Kab. ')
    .replace(/\bKepulauan\b/, 'Kep.');
}

export function t(text: string | Array<string | TextNode>, style: Omit<TextNode, 'text'> = {}): TextNode {
  return { text, ...style };
}

export function sup(marker: string): TextNode {
  return { text: marker, sup: true };
}

/** A run as pdfmake text: a plain string when it has no style of its own. */
export function runText(run: Run): string | TextNode {
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
export function paragraph(
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
export function chartLabel(
  text: string,
  x: number,
  y: number,
  style: { align?: Align; fontSize?: number; color?: string; bold?: boolean } = {},
): TextNode {
  return label(text, x, y, CONTENT_WIDTH, { fontSize: 6.5, color: COLORS.muted, ...style });
}

/** Green for a rise, red for a fall, ink for no change (or none shown). */
export function signedColor(x: number | null): string {
  if (x === null || Math.abs(x) < 0.005) return COLORS.ink;
  return x > 0 ? COLORS.positive : COLORS.negative;
}

export function sectionTitle(text: string): TextNode {
  return t(text, { fontSize: 10.5, bold: true, color: COLORS.navy, margin: [0, 2, 0, 3] });
}

/** One entry of a legend: the coloured mark, its colour, what it stands for. */
export type LegendItem = [mark: string, color: string, text: string];

/** A one-line legend of coloured marks and labels. */
export function legend(items: LegendItem[], extra?: string): TextNode {
  const runs: Array<string | TextNode> = [];
  items.forEach(([mark, color, text], i) => {
    runs.push(t(mark, { color }), i === items.length - 1 && extra === undefined ? ` ${text}` : ` ${text}    `);
  });
  if (extra !== undefined) runs.push(extra);
  return t(runs, { fontSize: 7, color: COLORS.muted, margin: [0, 0, 0, 4] });
}

/** A full-width table of a section, in the bulletin's table type and colours (blocks.grid). */
export function sectionGrid(spec: Omit<GridSpec, 'width' | 'fontSize' | 'headFontSize' | 'colors'>): StackNode {
  return grid({
    ...spec,
    width: CONTENT_WIDTH,
    fontSize: 7.5,
    headFontSize: 6.5,
    colors: { text: COLORS.ink, head: COLORS.navy, headRule: COLORS.navy, rule: COLORS.rule, zebra: COLORS.zebra },
  });
}

// Drawings whose every height is known (the head of the first page, the notes): a canvas with its texts
// placed over it, built up by the parts that draw into it.

/** A text's line height at lineHeight 1. */
export const line = (fontSize: number) => fontSize * LINE_EM;

/** A drawing being built: its texts and its canvas, in painting order. */
export interface Placed {
  labels: TextNode[];
  canvas: CanvasElement[];
}

/** One line of a column: its text and style, the room below it, its letter spacing. */
export interface ColumnItem {
  text: string | Array<string | TextNode>;
  fontSize: number;
  color: string;
  bold?: boolean;
  gap?: number;
  spacing?: number;
}

/** Stacks texts down a column from `top`; returns where the column ends. */
export function column(placed: Placed, x: number, top: number, items: readonly ColumnItem[]): number {
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
export function noteLines(runs: Run[], width: number, fontSize: number, color: string): ColumnItem[] {
  return breakRuns(runs, width - 1, fontSize).map((l) => ({ text: l.length === 1 && l[0]!.color === undefined ? l[0]!.text : l.map(runText), fontSize, color }));
}
