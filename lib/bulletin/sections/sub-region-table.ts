/**
 * The table of sub-regions by rank, with the bulletin's own region as a total row. A long table is split
 * into blocks, each kept on one page with its heads.
 */
import type { RegionFigures } from '../../domain/types.ts';
import type { GridCell } from '../blocks.ts';
import { formatCount, formatPct, formatPoints, formatPp, NONE, STATUS_STYLES } from '../format.ts';
import type { Content, StackNode } from '../pdfmake-types.ts';
import { COLORS, sectionGrid, sectionTitle, signedColor, type BulletinContext } from './common.ts';
import { withMarkers, type Row } from './rows.ts';

function statusCell(f: RegionFigures | null): GridCell {
  if (f === null || f.status === null) return { text: 'Belum melapor', bold: true, color: COLORS.muted, chip: COLORS.missing, fontSize: 6.5 };
  const style = STATUS_STYLES[f.status];
  return { text: style.label, bold: true, color: COLORS.white, chip: style.color, fontSize: 6.5 };
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

/** `parentMarkers` are the footnote markers of the region's own name, on the total row. */
export function subRegionTableSection({ input, name, sub }: BulletinContext, rows: Row[], parentMarkers: string[]): StackNode {
  const { plural } = sub;
  const dash: GridCell = { text: NONE, color: COLORS.muted };
  const body: GridCell[][] = rows.map((row) => {
    const f = row.figures;
    const rowName: GridCell = { text: withMarkers(row.name, row.markers) };
    return f === null
      ? [dash, rowName, dash, dash, dash, dash, dash, dash, statusCell(null)]
      : [{ text: f.rank === null ? NONE : String(f.rank), color: COLORS.muted }, rowName, ...figureCells(f, false), statusCell(f)];
  });
  const total: GridCell[] = [{ text: '' }, { text: withMarkers(name, parentMarkers), bold: true }, ...figureCells(input.region, true), statusCell(input.region)];
  const blocks: Content[] = [];
  for (let start = 0; start < body.length || start === 0; start += TABLE_BLOCK_ROWS) {
    const chunk = body.slice(start, start + TABLE_BLOCK_ROWS);
    const last = start + TABLE_BLOCK_ROWS >= body.length;
    blocks.push({
      unbreakable: true,
      stack: [
        sectionTitle(start === 0 ? `Rincian per ${plural}` : `Rincian per ${plural} (lanjutan)`),
        sectionGrid({
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
          padding: 3,
        }),
      ],
      margin: [0, 0, 0, 10],
    });
  }
  return { stack: blocks };
}
