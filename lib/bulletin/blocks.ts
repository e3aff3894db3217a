/**
 * Low-level building blocks of bulletin definitions, pure: chart and grid labels placed with pdfmake's
 * `relativePosition`, and a grid (a table drawn as one canvas of fills and rules with its cell texts
 * placed over it).
 *
 * Why a grid rather than a pdfmake table: pdfmake draws every rule and every fill of a table cell by cell
 * and lays out every cell through its full table machinery; in the rendering profile a 40-row table cost
 * more than the rest of a bulletin together. A grid has fixed column widths and one line per cell, which
 * is all a bulletin's tables need, and costs about half.
 */
import { r2 } from './charts.ts';
import type { CanvasElement, CanvasNode, StackNode, TextNode } from './pdfmake-types.ts';

/** Roboto's ascent plus descent per point of font size: the height of one line at lineHeight 1. */
export const LINE_EM = (1900 + 500) / 2048;

export type Align = 'left' | 'right' | 'center';

/** The top of a one-line text of `fontSize` centred on `y`. */
export function centredTop(y: number, fontSize: number): number {
  return y - (fontSize * LINE_EM) / 2;
}

/**
 * A text at a point of its container, taking no room in the flow. `x` is the text's left edge, right
 * edge or centre by `align`; `y` its top. pdfmake aligns a detached text within the container's full
 * width (`containerWidth`), so the offset takes that width back.
 */
export function label(
  text: string | Array<string | TextNode>,
  x: number,
  y: number,
  containerWidth: number,
  style: { align?: Align; fontSize?: number; color?: string; bold?: boolean } = {},
): TextNode {
  const align = style.align ?? 'left';
  const dx = align === 'left' ? x : align === 'right' ? x - containerWidth : x - containerWidth / 2;
  const node: TextNode = { text, relativePosition: { x: r2(dx), y: r2(y) }, lineHeight: 1 };
  if (style.fontSize !== undefined) node.fontSize = style.fontSize;
  if (style.color !== undefined) node.color = style.color;
  if (align !== 'left') node.alignment = align;
  if (style.bold) node.bold = true;
  return node;
}

/** How far down a canvas reaches, as pdfmake measures it (the largest y of its elements). */
export function canvasExtent(canvas: readonly CanvasElement[]): number {
  let h = 0;
  for (const v of canvas) {
    if (v.type === 'rect') h = Math.max(h, v.y + v.h);
    else if (v.type === 'line') h = Math.max(h, v.y1, v.y2);
    else if (v.type === 'ellipse') h = Math.max(h, v.y + v.r2);
    else for (const p of v.points) h = Math.max(h, p.y);
  }
  return h;
}

/**
 * A canvas with labels over it. The canvas comes first so that the labels are painted on top; it gives the
 * block its height (exactly `height` when given: the room below the drawing that labels use is added as a
 * margin), and the labels, placed from the block's top, are moved up by that height since they follow it.
 */
export function drawing(labels: TextNode[], canvas: CanvasElement[], height?: number): StackNode {
  const extent = canvasExtent(canvas);
  const node: CanvasNode = { canvas };
  const room = height === undefined ? 0 : r2(height - extent);
  if (room > 0) node.margin = [0, 0, 0, room];
  const total = extent + Math.max(room, 0);
  return {
    stack: [
      node,
      ...labels.map((l) => ({ ...l, relativePosition: { x: l.relativePosition!.x, y: r2(l.relativePosition!.y - total) } })),
    ],
  };
}

export interface GridColumn {
  /** Points, or `*` for the rest of the width (at most one column). */
  width: number | '*';
  align?: Align;
}

export interface GridCell {
  text: string | Array<string | TextNode>;
  bold?: boolean;
  color?: string;
  /** A filled chip behind the text (a status), inset from the cell's edges. */
  chip?: string;
  fontSize?: number;
  /** Drawing in the cell, in coordinates from the cell's top left (moved into place here). */
  canvas?: CanvasElement[];
}

/** A copy of a canvas element moved by (dx, dy). */
export function shifted(v: CanvasElement, dx: number, dy: number): CanvasElement {
  switch (v.type) {
    case 'rect':
    case 'ellipse':
      return { ...v, x: r2(v.x + dx), y: r2(v.y + dy) };
    case 'line':
      return { ...v, x1: r2(v.x1 + dx), y1: r2(v.y1 + dy), x2: r2(v.x2 + dx), y2: r2(v.y2 + dy) };
    case 'polyline':
      return { ...v, points: v.points.map((p) => ({ x: r2(p.x + dx), y: r2(p.y + dy) })) };
  }
}

export interface GridSpec {
  width: number;
  columns: GridColumn[];
  /** Column heads, one or two lines each. */
  head: Array<[string] | [string, string]>;
  rows: Array<Array<GridCell | null>>;
  /** The last `totals` rows are totals: a rule above them and no zebra. */
  totals?: number;
  rowHeight: number;
  fontSize: number;
  headFontSize: number;
  padding: number;
  colors: { text: string; head: string; headRule: string; rule: string; zebra: string | null };
}

/** Column left edges and widths across `width`, the `*` column taking what the fixed ones leave. */
export function gridColumns(columns: readonly GridColumn[], width: number): Array<{ x: number; w: number }> {
  const fixed = columns.reduce((sum, c) => sum + (c.width === '*' ? 0 : c.width), 0);
  const stars = columns.filter((c) => c.width === '*').length;
  if (stars > 1) throw new Error('a grid takes at most one * column');
  const rest = Math.max(0, width - fixed);
  let x = 0;
  return columns.map((c) => {
    const w = c.width === '*' ? rest : c.width;
    const column = { x: r2(x), w: r2(w) };
    x += w;
    return column;
  });
}

/** A table as one canvas and a text per cell; its height is exact, so it can be kept on one page. */
export function grid(spec: GridSpec): StackNode {
  const cols = gridColumns(spec.columns, spec.width);
  const { padding: pad, rowHeight, fontSize, headFontSize, colors } = spec;
  const headLines = Math.max(...spec.head.map((h) => h.length));
  const headLine = headFontSize * LINE_EM;
  const headHeight = r2(headLines * headLine + 4);
  const labels: TextNode[] = [];
  const canvas: CanvasElement[] = [];
  const anchor = (i: number, align: Align) => {
    const c = cols[i]!;
    return align === 'left' ? c.x + pad : align === 'right' ? c.x + c.w - pad : c.x + c.w / 2;
  };

  spec.head.forEach((lines, i) => {
    const align = spec.columns[i]!.align ?? 'left';
    // Heads sit on the rule: a one-line head in a two-line band takes the lower line.
    const first = headLines - lines.length;
    lines.forEach((line, j) => {
      if (line !== '') labels.push(label(line, anchor(i, align), r2(1 + (first + j) * headLine), spec.width, { align, fontSize: headFontSize, color: colors.head, bold: true }));
    });
  });
  canvas.push({ type: 'line', x1: 0, y1: headHeight, x2: spec.width, y2: headHeight, lineWidth: 0.8, lineColor: colors.headRule });

  const totals = spec.totals ?? 0;
  const bodyTop = headHeight + 0.8;
  spec.rows.forEach((row, r) => {
    const top = r2(bodyTop + r * rowHeight);
    const isTotal = r >= spec.rows.length - totals;
    if (colors.zebra !== null && !isTotal && r % 2 === 1) {
      canvas.push({ type: 'rect', x: 0, y: top, w: spec.width, h: rowHeight, color: colors.zebra });
    }
    if (isTotal && r === spec.rows.length - totals) {
      canvas.push({ type: 'line', x1: 0, y1: top, x2: spec.width, y2: top, lineWidth: 0.8, lineColor: colors.rule });
    }
    const middle = top + rowHeight / 2;
    row.forEach((cell, i) => {
      if (cell === null) return;
      const align = spec.columns[i]!.align ?? 'left';
      const c = cols[i]!;
      if (cell.chip !== undefined) {
        canvas.push({ type: 'rect', x: r2(c.x + 1), y: r2(top + 1), w: r2(c.w - 2), h: r2(rowHeight - 2), color: cell.chip });
      }
      if (cell.canvas !== undefined) for (const v of cell.canvas) canvas.push(shifted(v, c.x + pad, top));
      const style: { align: Align; color?: string; bold?: boolean; fontSize?: number } = { align };
      if (cell.color !== undefined) style.color = cell.color;
      if (cell.bold) style.bold = true;
      if (cell.fontSize !== undefined) style.fontSize = cell.fontSize;
      if (cell.text !== '') labels.push(label(cell.text, anchor(i, align), r2(centredTop(middle, cell.fontSize ?? fontSize)), spec.width, style));
    });
  });
  return { ...drawing(labels, canvas, r2(bodyTop + spec.rows.length * rowHeight)), fontSize, color: colors.text };
}
