/**
 * The trend: the region's last 24 months of coverage against the target in force, one canvas with its
 * labels placed over it. Left out when history has too few months with figures to draw a line.
 */
import { centredTop, drawing } from '../blocks.ts';
import { labelledSlots, linearScale, r2, seriesRuns, slotPositions, stepSegments, valueAxis } from '../charts.ts';
import { formatAxisPct, formatMonthShort, formatPct } from '../format.ts';
import type { BulletinInput } from '../input.ts';
import { trendCoverage, TREND_MIN_POINTS } from '../insights.ts';
import type { CanvasElement, StackNode, TextNode } from '../pdfmake-types.ts';
import { chartLabel, COLORS, CONTENT_WIDTH, legend, sectionTitle, type LegendItem } from './common.ts';

const TREND = { height: 92, top: 6, left: 30, rightPad: 44, axisGap: 3 } as const;

export function trendSection(input: BulletinInput): StackNode | null {
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
  const targetItems: LegendItem[] = steps.length > 0 ? [['- -', COLORS.ink, 'target tahunan']] : [];
  return {
    unbreakable: true,
    stack: [
      sectionTitle(`Tren cakupan ${trend.length} bulan terakhir`),
      legend([['—', COLORS.navy, 'cakupan'], ...targetItems], gapNote),
      drawing(labels, canvas, r2(bottom + 12)),
    ],
    margin: [0, 0, 0, 6],
  };
}
