/** The month's largest movers among the sub-regions: the three largest gains and falls in coverage, side by side. */
import { displayName } from '../../domain/regions.ts';
import type { RegionFigures } from '../../domain/types.ts';
import type { GridCell } from '../blocks.ts';
import { r2 } from '../charts.ts';
import { formatPp } from '../format.ts';
import { topMovers } from '../insights.ts';
import type { StackNode } from '../pdfmake-types.ts';
import { COLORS, CONTENT_WIDTH, sectionGrid, sectionTitle, shortName, type BulletinContext } from './common.ts';

/** Null when no sub-region has a change to compare. */
export function moversSection({ input, sub }: BulletinContext): StackNode | null {
  const movers = topMovers(input.subRegions, 3);
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
      sectionTitle(`Pergerakan terbesar bulan ini (${sub.plural})`),
      sectionGrid({
        columns: [{ width: half }, { width: 52, align: 'right' }, { width: 20 }, { width: half }, { width: 52, align: 'right' }],
        head: [['Kenaikan cakupan terbesar'], ['pp'], [''], ['Penurunan cakupan terbesar'], ['pp']],
        rows,
        rowHeight: 10.5,
        padding: 3,
      }),
    ],
    margin: [0, 0, 0, 8],
  };
}
