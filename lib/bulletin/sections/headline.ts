/**
 * The headline figures: four cards (coverage with its status, participants, the year's target, the gap to
 * it) and a strip of changes under them (month on month, year on year, the December projection, and the
 * rank or, nationally, the regions reporting), drawn into the head of the first page (header.ts). A
 * regency's bulletin, which has no sub-regions to show, also says them in a plain-language summary.
 */
import { periodNameId } from '../../domain/period.ts';
import { label } from '../blocks.ts';
import { r2 } from '../charts.ts';
import { formatCount, formatPct, formatPoints, formatPp, formatSignedCount, NONE, STATUS_STYLES } from '../format.ts';
import type { CanvasElement, StackNode } from '../pdfmake-types.ts';
import { textWidth, type Run } from '../textfit.ts';
import {
  COLORS,
  column,
  CONTENT_WIDTH,
  line,
  noteLines,
  paragraph,
  signedColor,
  type BulletinContext,
  type ColumnItem,
  type Placed,
} from './common.ts';

const CARD = { gutter: 6, padX: 9, padY: 8 } as const;

/**
 * Draws the cards from `cardTop` and the strip under them into `placed`; returns where the strip ends.
 * `reported` of `expected` sub-regions have figures (the national bulletin shows it in place of a rank).
 */
export function headlineFigures(placed: Placed, { input, year, sub }: BulletinContext, cardTop: number, reported: number, expected: number): number {
  const r = input.region;
  const cardWidth = (CONTENT_WIDTH - 3 * CARD.gutter) / 4;
  const inner = cardWidth - 2 * CARD.padX;
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
  // The cards' fills go under everything drawn from here on (the badge on the first card among it).
  const fillsAt = placed.canvas.length;
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
      placed.labels.push(label(status.label, CARD.padX + 5, r2(badgeTop + 1.5), CONTENT_WIDTH, { fontSize: 8, color: COLORS.white, bold: true }));
      end = badgeTop + line(8) + 2.5;
    }
    cardBottom = Math.max(cardBottom, end);
  });
  const cardHeight = r2(cardBottom + CARD.padY - cardTop);
  placed.canvas.splice(
    fillsAt,
    0,
    ...[0, 1, 2, 3].map((i): CanvasElement => ({ type: 'rect', x: r2(i * (cardWidth + CARD.gutter)), y: r2(cardTop), w: r2(cardWidth), h: cardHeight, color: COLORS.card })),
  );

  const stripTop = cardTop + cardHeight + 6;
  const value = (text: string, color: string = COLORS.ink): ColumnItem => ({ text, fontSize: 10.5, color, bold: true, gap: 1 });
  const small = (text: string | null): ColumnItem[] => (text === null ? [] : [{ text, fontSize: 7, color: COLORS.muted }]);
  const last: ColumnItem[] =
    r.level === 'nasional'
      ? [cardLabel('Wilayah melapor'), value(`${reported} dari ${expected}`), ...small(sub.plural)]
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
  return stripBottom;
}

/** The headline figures in sentences, for a regency's bulletin (it has room: no sub-regions below it). */
export function headlineSummary({ input, name, month, year }: BulletinContext): StackNode {
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
