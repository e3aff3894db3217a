/**
 * The head of the first page, drawn as one canvas with its texts placed over it (every height is known:
 * names are broken here): the title band, then the headline cards and strip (headline.ts), closed by a rule.
 */
import type { Level } from '../../domain/types.ts';
import { drawing, label } from '../blocks.ts';
import { r2 } from '../charts.ts';
import type { StackNode, TextNode } from '../pdfmake-types.ts';
import { breakRuns, textWidth } from '../textfit.ts';
import { BULLETIN_TITLE, COLORS, column, CONTENT_WIDTH, t, type BulletinContext, type Placed } from './common.ts';
import { headlineFigures } from './headline.ts';

const LEVEL_LABEL: Record<Level, string> = {
  nasional: 'Tingkat nasional',
  provinsi: 'Tingkat provinsi',
  kabkota: 'Tingkat kabupaten/kota',
  kelompok: 'Kelompok provinsi',
};

const BAND = { padX: 14, padY: 9 } as const;

/** Draws the title band from the top of `placed`; returns its height. */
function titleBand(placed: Placed, { input, name, month }: BulletinContext): number {
  const r = input.region;
  // A long regency name wraps; nothing else in the band does.
  const edition = input.revision ? `${month} · Revisi` : month;
  const editionWidth = textWidth(edition, 13, true);
  const nameLines = breakRuns([{ text: name, bold: true }], CONTENT_WIDTH - 2 * BAND.padX - editionWidth - 12, 20).map((l) => l[0]!.text);
  let y: number = BAND.padY;
  y = column(placed, BAND.padX, y, [{ text: BULLETIN_TITLE, fontSize: 8.5, color: COLORS.navySoft, bold: true, gap: 4 }]);
  const nameTop = y;
  y = column(placed, BAND.padX, y, nameLines.map((text) => ({ text, fontSize: 20, color: COLORS.white, bold: true })));
  placed.labels.push(label(edition, CONTENT_WIDTH - BAND.padX, r2(nameTop + 5), CONTENT_WIDTH, { align: 'right', fontSize: 13, color: COLORS.white, bold: true }));
  // A revision replaces the subtitle with the notice, so that it costs no extra line.
  const subtitle: string | Array<string | TextNode> = input.revision
    ? [`${LEVEL_LABEL[r.level]} · `, t('Revisi: angka bulan ini telah dikoreksi; buletin ini menggantikan edisi sebelumnya.', { bold: true, color: '#FFE9A8' })]
    : `${LEVEL_LABEL[r.level]} · Peserta aktif BPJS Ketenagakerjaan terhadap penduduk bekerja`;
  y = column(placed, BAND.padX, y + 3, [{ text: subtitle, fontSize: 8, color: COLORS.navySoft }]);
  const bandHeight = r2(y + BAND.padY);
  placed.canvas.push({ type: 'rect', x: 0, y: 0, w: CONTENT_WIDTH, h: bandHeight, color: COLORS.navy });
  return bandHeight;
}

/** `reported` and `expected` count the sub-regions, for the national bulletin's "regions reporting". */
export function header(context: BulletinContext, reported: number, expected: number): StackNode {
  const placed: Placed = { labels: [], canvas: [] };
  const bandHeight = titleBand(placed, context);
  const stripBottom = headlineFigures(placed, context, bandHeight + 10, reported, expected);
  const ruleY = r2(stripBottom + 6);
  placed.canvas.push({ type: 'line', x1: 0, y1: ruleY, x2: CONTENT_WIDTH, y2: ruleY, lineWidth: 0.8, lineColor: COLORS.rule });
  return { ...drawing(placed.labels, placed.canvas, r2(ruleY + 0.4)), margin: [0, 0, 0, 8] };
}
