/**
 * The sub-regions' coverage as ranked bars, coloured by status, with each one's target as a tick and the
 * bulletin region's own coverage as a dashed reference line: one canvas, names and values as labels.
 */
import { centredTop, drawing, label } from '../blocks.ts';
import { bars, linearScale, r2, valueAxis } from '../charts.ts';
import { formatAxisPct, formatPct, STATUS_STYLES } from '../format.ts';
import type { CanvasElement, StackNode, TextNode } from '../pdfmake-types.ts';
import { chartLabel, COLORS, CONTENT_WIDTH, legend, sectionTitle, shortName, type BulletinContext, type LegendItem } from './common.ts';
import { withMarkers, type Row } from './rows.ts';

const BARS = { nameWidth: 138, valueWidth: 52 } as const;

const STATUS_ORDER = ['achieved', 'on_track', 'at_risk', 'off_track', 'no_target'] as const;

export function rankedBarsSection({ input, name, sub }: BulletinContext, rows: Row[]): StackNode {
  const parent = input.region;
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

  const legendItems: LegendItem[] = STATUS_ORDER.map((s) => ['■', STATUS_STYLES[s].color, STATUS_STYLES[s].label]);
  if (rows.some((r) => r.figures?.targetPct != null)) legendItems.push(['|', COLORS.ink, 'target']);
  if (parent.coveragePct !== null) legendItems.push(['¦', COLORS.muted, `cakupan ${name}`]);
  return {
    // Kept on one page: a chart split across pages loses its axis and legend.
    unbreakable: true,
    stack: [sectionTitle(`Cakupan per ${sub.plural}`), legend(legendItems), drawing(labels, canvas, r2(height + 12))],
    margin: [0, 0, 0, 8],
  };
}
