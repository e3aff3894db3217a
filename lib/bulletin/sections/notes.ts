/**
 * The close of the bulletin, as one drawing kept on one page: the data-completeness box (completeness.ts),
 * then the definitions and the sources in small print under a rule.
 */
import { drawing } from '../blocks.ts';
import { r2 } from '../charts.ts';
import { formatWib } from '../format.ts';
import type { BulletinInput } from '../input.ts';
import type { StackNode } from '../pdfmake-types.ts';
import { breakRuns, type Run } from '../textfit.ts';
import { COLORS, column, CONTENT_WIDTH, runText, type BulletinContext, type ColumnItem, type Placed } from './common.ts';
import { completenessBox } from './completeness.ts';
import type { Marks } from './rows.ts';

const NOTE_SIZE = 6.5;
const MAX_SOURCES_SHOWN = 12;

const lead = (text: string): Run => ({ text, bold: true, color: COLORS.ink });

/** Definitions are the same in every bulletin: broken into lines once per process. */
let definitionLines: Run[][] | undefined;

function definitionsText(): Run[][] {
  definitionLines ??= breakRuns(
    [
      lead('Definisi. '),
      { text: 'Cakupan = peserta aktif BPJS Ketenagakerjaan ÷ penduduk bekerja × 100. ' },
      { text: 'Kesenjangan = target − cakupan, dalam poin persentase (pp); negatif berarti di atas target. ' },
      { text: 'Perlu tambahan per bulan = selisih peserta terhadap target ÷ sisa bulan hingga Desember. ' },
      { text: 'Proyeksi Desember = cakupan bila pertambahan rata-rata tiga bulan terakhir berlanjut hingga Desember. ' },
      {
        text: 'Status: Tercapai (cakupan ≥ target); Sesuai jalur (proyeksi ≥ target); Berisiko (proyeksi kurang dari 2 pp di bawah target); Tertinggal (selebihnya); Tanpa target. ',
      },
      {
        text: 'Segmen: PU = penerima upah, BPU = bukan penerima upah, Jakon = jasa konstruksi, PMI = pekerja migran Indonesia; cakupan formal = PU ÷ pekerja formal, informal = BPU ÷ pekerja informal. ',
      },
      { text: 'Persentase tidak pernah dirata-ratakan: angka wilayah adalah jumlah peserta dan pekerja wilayah di bawahnya.' },
    ],
    CONTENT_WIDTH - 1,
    NOTE_SIZE,
  );
  return definitionLines;
}

function sourcesText(input: BulletinInput): Run[][] {
  const parts: Run[] = [lead('Sumber. ')];
  if (input.sources.length === 0) {
    parts.push({ text: 'Tidak ada berkas unggahan tercatat. ' });
  } else {
    const sorted = [...input.sources].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    // With one file per regency the nation has hundreds: the footnote names the first few and counts the rest
    // (every snapshot keeps its full list; `ucj history --region` shows it).
    const shown = sorted.slice(0, MAX_SOURCES_SHOWN);
    parts.push({ text: `Berkas unggahan (${sorted.length}): ` });
    shown.forEach((s, i) => parts.push({ text: `${s.key} (diunggah ${formatWib(s.uploadedAt)})${i === shown.length - 1 ? '' : '; '}` }));
    parts.push({ text: sorted.length > shown.length ? `; dan ${sorted.length - shown.length} berkas lainnya. ` : '. ' });
  }
  parts.push({ text: `Target tahunan dari berkas target. Buletin dibuat ${formatWib(input.generatedAt)}.` });
  return breakRuns(parts, CONTENT_WIDTH - 1, NOTE_SIZE);
}

/** `marks` are the footnote markers the rows were given, `missingNames` the sub-regions without this month's figures. */
export function notesSection(context: BulletinContext, marks: Marks, missingNames: string[]): StackNode {
  const placed: Placed = { labels: [], canvas: [] };
  const boxHeight = completenessBox(placed, context, marks, missingNames);
  const ruleY = r2(boxHeight + 10);
  placed.canvas.push({ type: 'line', x1: 0, y1: ruleY, x2: CONTENT_WIDTH, y2: ruleY, lineWidth: 0.8, lineColor: COLORS.rule });
  const small = (lines: Run[][], after: number): ColumnItem[] =>
    lines.map((l, i) => ({ text: l.map(runText), fontSize: NOTE_SIZE, color: COLORS.muted, gap: i === lines.length - 1 ? after : 1.3 }));
  const y = column(placed, 0, ruleY + 6, [...small(definitionsText(), 3), ...small(sourcesText(context.input), 0)]);
  return { ...drawing(placed.labels, placed.canvas, r2(y)), unbreakable: true };
}
