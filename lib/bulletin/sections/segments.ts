/**
 * The region's own breakdown: participants by segment, formal and informal coverage, vulnerable workers
 * protected and villages with protected workers. Only the rows the data has.
 */
import type { GridCell } from '../blocks.ts';
import { r2, stackedParts } from '../charts.ts';
import { formatCount, formatPct, NONE } from '../format.ts';
import { SEGMENT_LABELS, type SegmentKey, type SegmentView } from '../insights.ts';
import type { CanvasElement, StackNode } from '../pdfmake-types.ts';
import { COLORS, sectionGrid, sectionTitle, t } from './common.ts';

const SEGMENT_COLORS: Readonly<Record<SegmentKey, string>> = {
  pu: '#0B3D6E',
  bpu: '#3C84C6',
  jakon: '#C27C0E',
  pmi: '#7D5BA6',
};

const METER_WIDTH = 120;

/** A 0–100% meter. */
function meter(pct: number | null, color: string, rowHeight: number): CanvasElement[] {
  const y = r2((rowHeight - 6) / 2);
  const canvas: CanvasElement[] = [{ type: 'rect', x: 0, y, w: METER_WIDTH, h: 6, color: COLORS.grid }];
  if (pct !== null) canvas.push({ type: 'rect', x: 0, y, w: Math.max(r2((Math.min(Math.max(pct, 0), 100) / 100) * METER_WIDTH), 0.5), h: 6, color });
  return canvas;
}

export function segmentSection(view: SegmentView): StackNode {
  const rowHeight = 10.5;
  const rows: GridCell[][] = [];
  const stacked = view.complete ? stackedParts(view.segments.map((s) => ({ key: s.key, value: s.count })), METER_WIDTH) : [];
  const y = r2((rowHeight - 6) / 2);
  for (const s of view.segments) {
    const names = SEGMENT_LABELS[s.key];
    // All four present: each row shows the whole stacked bar with its own part in full colour.
    const canvas: CanvasElement[] =
      stacked.length > 0
        ? stacked.map((part): CanvasElement => ({
            type: 'rect',
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
      sectionGrid({
        columns: [{ width: '*' }, { width: 110, align: 'right' }, { width: 56, align: 'right' }, { width: METER_WIDTH + 12 }],
        head: [['Indikator'], ['Jumlah'], ['Persentase'], ['']],
        rows,
        rowHeight,
        padding: 6,
      }),
    ],
    margin: [0, 0, 0, 10],
  };
}
