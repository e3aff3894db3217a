/**
 * The data-completeness box: what is missing, carried, aggregated or revised this month, one paragraph
 * each, and what the footnote markers of the rows mean. Amber when the reader should take note of
 * something; drawn at the top of the bulletin's closing drawing (notes.ts).
 */
import { periodNameId } from '../../domain/period.ts';
import { r2 } from '../charts.ts';
import { trendCoverage, TREND_MIN_POINTS } from '../insights.ts';
import { breakRuns, type Run } from '../textfit.ts';
import { COLORS, column, CONTENT_WIDTH, runText, type BulletinContext, type Placed } from './common.ts';
import type { Marks } from './rows.ts';

const BOX = { rule: 2.5, padX: 9, padY: 7 } as const;
/** The room inside the completeness box: the width less its left rule and paddings. */
const BOX_WIDTH = r2(CONTENT_WIDTH - BOX.rule - 2 * BOX.padX);

function completenessLines({ input, name, sub }: BulletinContext, marks: Marks, missingNames: string[]): Run[][] {
  const lines: Run[][] = [];
  const text = (value: string): Run => ({ text: value });
  const mark = (m: string): Run => ({ text: m, sup: true });
  const own = input.region;
  if (own.level !== 'kabkota') {
    const expected = input.subRegions.filter((r) => r.source !== 'missing').length + missingNames.length;
    lines.push([
      text(
        missingNames.length === 0
          ? `Semua ${expected} ${sub.plural} memiliki angka bulan ini.`
          : `${missingNames.length} ${sub.plural} belum memiliki angka bulan ini: ${missingNames.join(', ')}.`,
      ),
    ]);
    if (marks.carried) {
      lines.push([mark('b'), text(' Angka terakhir yang diketahui dipakai untuk total, tidak untuk peringkat (batang pucat di grafik).')]);
    }
  }
  if (own.source === 'aggregated') {
    const parts = sub.level === 'provinsi' ? 'provinsi' : 'kabupaten/kota di wilayahnya';
    lines.push([mark('a'), text(` Angka ${name} adalah jumlah angka ${parts}, tidak dilaporkan sendiri.`)]);
  } else if (marks.aggregated) {
    lines.push([mark('a'), text(' Jumlah angka wilayah di bawahnya, tidak dilaporkan sendiri.')]);
  }
  if (own.source === 'reported' && own.level === 'kabkota') lines.push([text(`Angka ${name} dilaporkan langsung oleh wilayah.`)]);
  if (own.eligibleFrom !== null) {
    lines.push([text(`Data pekerja ${name} dari ${periodNameId(own.eligibleFrom)}, angka terbaru yang tersedia.`)]);
  }
  for (const [month, marker] of marks.eligibleFrom) {
    const names = marks.carriedDenominators.filter((c) => c.from === month && c.name !== name).map((c) => c.name);
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

/**
 * Draws the box from the top of `placed`; returns its height. `missingNames` are the sub-regions without
 * this month's figures, `marks` the footnote markers the rows were given.
 */
export function completenessBox(placed: Placed, context: BulletinContext, marks: Marks, missingNames: string[]): number {
  const { input } = context;
  const complete = missingNames.length === 0 && marks.eligibleFrom.size === 0 && input.region.eligibleFrom === null && !input.revision;
  const boxX = BOX.rule + BOX.padX;
  let y = column(placed, boxX, BOX.padY, [{ text: 'Kelengkapan data', fontSize: 8.5, color: COLORS.navy, bold: true, gap: 2 }]);
  for (const paragraphRuns of completenessLines(context, marks, missingNames)) {
    const lines = breakRuns(paragraphRuns, BOX_WIDTH - 1, 7.5);
    y = column(placed, boxX, y, lines.map((l, i) => ({ text: l.map(runText), fontSize: 7.5, color: COLORS.ink, gap: i === lines.length - 1 ? 2.5 : 1.5 })));
  }
  const boxHeight = r2(y - 2.5 + BOX.padY);
  placed.canvas.push(
    { type: 'rect', x: 0, y: 0, w: CONTENT_WIDTH, h: boxHeight, color: complete ? COLORS.card : COLORS.notice },
    { type: 'rect', x: 0, y: 0, w: BOX.rule, h: boxHeight, color: complete ? COLORS.navySoft : COLORS.noticeRule },
  );
  return boxHeight;
}
