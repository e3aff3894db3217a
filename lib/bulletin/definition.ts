/**
 * A region's monthly bulletin as a pdfmake document definition: plain data from computed figures, pure.
 * Rendering to bytes happens in render.ts.
 *
 * Every name and key that came from reference data or an upload reaches pdfmake only as a plain `text`
 * string: never in SVG, markup or an image/URL field.
 */
import { parsePeriod, periodNameId } from '../domain/period.ts';
import { displayName } from '../domain/regions.ts';
import type { Level, Period, RegionFigures } from '../domain/types.ts';
import {
  formatCount,
  formatPct,
  formatPoints,
  formatPp,
  formatSignedCount,
  formatWib,
  NONE,
  parseInstant,
  STATUS_STYLES,
} from './format.ts';
import type {
  CanvasElement,
  Content,
  DocDefinition,
  Node,
  StackNode,
  TableCell,
  TableLayout,
  TableNode,
  TextNode,
} from './pdfmake-types.ts';

export interface BulletinInput {
  period: Period;
  /** The bulletin's own region (level nasional, provinsi or kabkota). */
  region: RegionFigures;
  /** Provinces for the national bulletin, the province's regencies for a province, [] for a regency. */
  subRegions: RegionFigures[];
  /** Sub-regions with no figures this month. */
  missing: Array<{ code: string; name: string }>;
  /** True when the month's figures were corrected after a first run. */
  revision: boolean;
  /** Upload files behind the figures (ISO times). */
  sources: Array<{ key: string; uploadedAt: string }>;
  /** ISO time taken from the data (never the clock), shown in WIB. */
  generatedAt: string;
  /**
   * The region's last 24 months, oldest first and this month last, for the trend chart: coverage and the
   * target in force that month (null where history has no figures).
   */
  trend: Array<{ period: Period; coveragePct: number | null; targetPct: number | null }>;
}

export const BULLETIN_TITLE = 'Buletin Cakupan Semesta Jaminan Sosial Ketenagakerjaan (UCJ)';

const COLORS = {
  navy: '#0B3D6E',
  navySoft: '#C9DAEC',
  ink: '#1F2933',
  muted: '#5F6B7A',
  card: '#F1F4F8',
  zebra: '#F7F9FB',
  rule: '#D5DCE4',
  grid: '#E3E8EE',
  missing: '#E9ECEF',
  positive: '#1E7B3A',
  negative: '#B83227',
} as const;

const PAGE_MARGINS: [number, number, number, number] = [36, 36, 36, 44];
/** A4 width (595.28 pt) less the side margins. */
const CONTENT_WIDTH = 595.28 - PAGE_MARGINS[0] - PAGE_MARGINS[2];

/**
 * Table layouts are referenced by name so that the content stays plain, cloneable data; render.ts
 * registers these once per process.
 */
export const BULLETIN_TABLE_LAYOUTS: Readonly<Record<string, TableLayout>> = {
  ucjBand: {
    hLineWidth: () => 0,
    vLineWidth: () => 0,
    paddingLeft: () => 14,
    paddingRight: () => 14,
    paddingTop: () => 9,
    paddingBottom: () => 9,
  },
  ucjCards: {
    hLineWidth: () => 0,
    // White gutters between the cards.
    vLineWidth: (i, node) => (i === 0 || i === node.table.widths.length ? 0 : 6),
    vLineColor: () => '#FFFFFF',
    paddingLeft: () => 9,
    paddingRight: () => 9,
    paddingTop: () => 8,
    paddingBottom: () => 8,
  },
  ucjStrip: {
    hLineWidth: (i, node) => (i === node.table.body.length ? 0.8 : 0),
    vLineWidth: () => 0,
    hLineColor: () => COLORS.rule,
    paddingLeft: () => 9,
    paddingRight: () => 9,
    paddingTop: () => 0,
    paddingBottom: () => 6,
  },
  ucjBadge: {
    hLineWidth: () => 0,
    vLineWidth: () => 0,
    paddingLeft: () => 5,
    paddingRight: () => 5,
    paddingTop: () => 1.5,
    paddingBottom: () => 1,
  },
  // Bars touch from row to row so that grid and reference lines run unbroken down the chart.
  ucjChart: {
    hLineWidth: () => 0,
    vLineWidth: () => 0,
    paddingLeft: (i) => (i === 2 ? 4 : 0),
    paddingRight: (i) => (i === 0 ? 6 : 0),
    paddingTop: () => 0,
    paddingBottom: () => 0,
  },
  ucjTable: {
    // Row 0 is the section title, row 1 the column heads; the last row is the region's own total.
    // Thin white lines between body rows keep adjacent status cells apart.
    hLineWidth: (i, node) => (i === 2 || i === node.table.body.length - 1 ? 0.8 : i > 2 && i < node.table.body.length ? 0.6 : 0),
    vLineWidth: () => 0,
    hLineColor: (i, node) => (i === 2 ? COLORS.navy : i === node.table.body.length - 1 ? COLORS.rule : '#FFFFFF'),
    paddingLeft: () => 3,
    paddingRight: () => 3,
    paddingTop: () => 2,
    paddingBottom: () => 1.5,
    fillColor: (rowIndex) => (rowIndex > 2 && rowIndex % 2 === 1 ? COLORS.zebra : null),
  },
  ucjNotes: {
    hLineWidth: (i) => (i === 0 ? 0.8 : 0),
    vLineWidth: () => 0,
    hLineColor: () => COLORS.rule,
    paddingLeft: () => 0,
    paddingRight: () => 0,
    paddingTop: () => 6,
    paddingBottom: () => 0,
  },
};

const LEVEL_LABEL: Record<Level, string> = {
  nasional: 'Tingkat nasional',
  provinsi: 'Tingkat provinsi',
  kabkota: 'Tingkat kabupaten/kota',
  kelompok: 'Kelompok provinsi',
};

function subLevelOf(level: Level): { level: Level; plural: string } {
  return level === 'nasional' || level === 'kelompok'
    ? { level: 'provinsi', plural: 'provinsi' }
    : { level: 'kabkota', plural: 'kabupaten/kota' };
}

/** Shorter label for the chart, where the full name would crowd the bars. */
function shortName(name: string): string {
  return name.replace(/^Kabupaten /, 'Kab. ');
}

function t(text: string | Array<string | TextNode>, style: Omit<TextNode, 'text'> = {}): TextNode {
  return { text, ...style };
}

function sup(marker: string): TextNode {
  return { text: marker, sup: true };
}

/** Footnote markers: one number per month a denominator was carried from, `a` for aggregated, `b` for carried figures. */
interface Marks {
  eligibleFrom: Map<Period, string>;
  aggregated: boolean;
  carried: boolean;
}

function markersFor(region: RegionFigures, marks: Marks): string[] {
  const markers: string[] = [];
  if (region.eligibleFrom !== null) {
    let marker = marks.eligibleFrom.get(region.eligibleFrom);
    if (marker === undefined) {
      marker = String(marks.eligibleFrom.size + 1);
      marks.eligibleFrom.set(region.eligibleFrom, marker);
    }
    markers.push(marker);
  }
  if (region.source === 'aggregated') {
    marks.aggregated = true;
    markers.push('a');
  }
  if (region.source === 'missing') {
    marks.carried = true;
    markers.push('b');
  }
  return markers;
}

function withMarkers(name: string, markers: string[]): Array<string | TextNode> {
  return markers.length === 0 ? [name] : [name, sup(` ${markers.join(',')}`)];
}

function byRank(a: RegionFigures, b: RegionFigures): number {
  if (a.rank !== b.rank) {
    if (a.rank === null) return 1;
    if (b.rank === null) return -1;
    return a.rank - b.rank;
  }
  return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
}

function signedColor(x: number | null): string {
  if (x === null || x === 0) return COLORS.ink;
  return x > 0 ? COLORS.positive : COLORS.negative;
}

// ---------------------------------------------------------------------------------------------------
// Sections

function titleBand(input: BulletinInput, name: string, month: string): TableNode {
  const edition = input.revision ? `${month} · Revisi` : month;
  const stack: Content[] = [
    t(BULLETIN_TITLE, { fontSize: 8.5, bold: true, color: COLORS.navySoft }),
    {
      columns: [
        t(name, { fontSize: 20, bold: true, color: '#FFFFFF', width: '*' }),
        t(edition, { fontSize: 13, bold: true, color: '#FFFFFF', alignment: 'right', width: 'auto', margin: [8, 6, 0, 0] }),
      ],
      margin: [0, 4, 0, 2],
    },
    // A revision replaces the subtitle with the notice, so that it costs no extra line.
    input.revision
      ? t(
          [
            `${LEVEL_LABEL[input.region.level]} · `,
            t('Revisi: angka bulan ini telah dikoreksi; buletin ini menggantikan edisi sebelumnya.', { bold: true, color: '#FFE9A8' }),
          ],
          { fontSize: 8, color: COLORS.navySoft },
        )
      : t(`${LEVEL_LABEL[input.region.level]} · Peserta aktif BPJS Ketenagakerjaan terhadap penduduk bekerja`, {
          fontSize: 8,
          color: COLORS.navySoft,
        }),
  ];
  return {
    table: { widths: ['*'], body: [[{ stack, fillColor: COLORS.navy }]] },
    layout: 'ucjBand',
    margin: [0, 0, 0, 10],
  };
}

function badge(region: Pick<RegionFigures, 'status'>): TableNode {
  // A bulletin is only made for a region with figures, so its status is never null; no_target is the
  // neutral fallback should that ever change.
  const style = STATUS_STYLES[region.status ?? 'no_target'];
  return {
    table: {
      widths: ['auto'],
      body: [[t(style.label, { fontSize: 8, bold: true, color: '#FFFFFF', fillColor: style.color })]],
    },
    layout: 'ucjBadge',
    margin: [0, 3, 0, 0],
  };
}

function cardLabel(text: string): TextNode {
  return t(text.toUpperCase(), { fontSize: 6.5, bold: true, color: COLORS.muted, characterSpacing: 0.4, margin: [0, 0, 0, 3] });
}

function headline(input: BulletinInput, year: number): TableNode {
  const r = input.region;
  const eligibleNote: Array<string | TextNode> = [`dari ${formatCount(r.eligible)} penduduk bekerja`];
  if (r.eligibleFrom !== null) eligibleNote.push(t(` (data pekerja ${periodNameId(r.eligibleFrom)})`, { italics: true }));

  const gapCard: Content[] = [cardLabel('Kesenjangan ke target')];
  if (r.targetPct === null || r.gapPp === null) {
    gapCard.push(t(NONE, { fontSize: 15, bold: true }), t('Belum ada target tahun ini', { fontSize: 7.5, color: COLORS.muted }));
  } else if (r.gapPp <= 0 || r.gapWorkers === 0) {
    gapCard.push(
      t('Tercapai', { fontSize: 15, bold: true, color: STATUS_STYLES.achieved.color }),
      t(`${formatPoints(-r.gapPp)} pp di atas target`, { fontSize: 7.5, color: COLORS.muted }),
    );
  } else {
    const perMonth =
      r.monthsLeft > 0
        ? `${formatCount(r.requiredMonthlyAdditions)} per bulan (${r.monthsLeft} bulan tersisa)`
        : `${formatCount(r.requiredMonthlyAdditions)} di bulan terakhir`;
    gapCard.push(
      t(`${formatPoints(r.gapPp)} pp`, { fontSize: 15, bold: true, color: COLORS.ink }),
      t(`${formatCount(r.gapWorkers)} peserta lagi`, { fontSize: 7.5, color: COLORS.muted }),
      t(`Perlu tambahan ${perMonth}`, { fontSize: 7.5, color: COLORS.muted }),
    );
  }

  return {
    table: {
      widths: ['*', '*', '*', '*'],
      body: [
        [
          {
            stack: [cardLabel('Cakupan'), t(formatPct(r.coveragePct), { fontSize: 20, bold: true, color: COLORS.navy }), badge(r)],
            fillColor: COLORS.card,
          },
          {
            stack: [
              cardLabel('Peserta aktif'),
              t(formatCount(r.active), { fontSize: 15, bold: true }),
              t(eligibleNote, { fontSize: 7.5, color: COLORS.muted }),
            ],
            fillColor: COLORS.card,
          },
          {
            stack: [
              cardLabel(`Target ${year}`),
              t(formatPct(r.targetPct), { fontSize: 15, bold: true }),
              t(r.targetActive === null ? NONE : `${formatCount(r.targetActive)} peserta`, { fontSize: 7.5, color: COLORS.muted }),
            ],
            fillColor: COLORS.card,
          },
          { stack: gapCard, fillColor: COLORS.card },
        ],
      ],
    },
    layout: 'ucjCards',
    margin: [0, 0, 0, 6],
  };
}

function stripCell(label: string, value: TextNode, note: string | null): TableCell {
  const stack: Content[] = [cardLabel(label), value];
  if (note !== null) stack.push(t(note, { fontSize: 7, color: COLORS.muted }));
  return { stack };
}

/** Month-on-month, year-on-year, projection and rank (or, nationally, how many provinces reported). */
function trendStrip(input: BulletinInput, plural: string, reported: number, expected: number): TableNode {
  const r = input.region;
  const value = (text: string, color: string = COLORS.ink) => t(text, { fontSize: 10.5, bold: true, color });
  const last =
    r.level === 'nasional'
      ? stripCell('Wilayah melapor', value(`${reported} dari ${expected}`), plural)
      : stripCell(
          r.level === 'provinsi' ? 'Peringkat nasional' : 'Peringkat di provinsi',
          value(r.rank === null ? NONE : `ke-${r.rank}`),
          r.rank === null ? null : 'menurut cakupan',
        );
  return {
    table: {
      widths: ['*', '*', '*', '*'],
      body: [
        [
          stripCell(
            'Dibanding bulan lalu',
            value(formatPp(r.momDeltaPp), signedColor(r.momDeltaPp)),
            r.momDeltaActive === null ? null : `${formatSignedCount(r.momDeltaActive)} peserta`,
          ),
          stripCell('Dibanding tahun lalu', value(formatPp(r.yoyDeltaPp), signedColor(r.yoyDeltaPp)), null),
          stripCell('Proyeksi Desember', value(formatPct(r.projectedPct)), 'laju 3 bulan terakhir'),
          last,
        ],
      ],
    },
    layout: 'ucjStrip',
    margin: [0, 0, 0, 8],
  };
}

function summary(input: BulletinInput, name: string, month: string, year: number): TextNode {
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
  return t(sentences.join(' '), { fontSize: 9, lineHeight: 1.25, margin: [0, 0, 0, 10] });
}

function sectionTitle(text: string): TextNode {
  return t(text, { fontSize: 10.5, bold: true, color: COLORS.navy, margin: [0, 2, 0, 4] });
}

// ---------------------------------------------------------------------------------------------------
// Chart: horizontal bars of coverage, coloured by status, with each region's target as a tick and the
// bulletin region's own coverage as a dashed reference line.

const CHART_NAME_WIDTH = 132;
const CHART_VALUE_WIDTH = 52;
const CHART_BAR_WIDTH = CONTENT_WIDTH - CHART_NAME_WIDTH - CHART_VALUE_WIDTH - 10;

interface Row {
  figures: RegionFigures | null;
  code: string;
  name: string;
  markers: string[];
}

function chartScale(rows: Row[], parent: RegionFigures): { max: number; step: number } {
  let top = parent.coveragePct ?? 0;
  for (const row of rows) {
    top = Math.max(top, row.figures?.coveragePct ?? 0, row.figures?.targetPct ?? 0);
  }
  const max = Math.max(10, Math.ceil(top / 10) * 10);
  return { max, step: 10 * Math.ceil(max / 100) };
}

function chartSection(rows: Row[], parent: RegionFigures, parentName: string, plural: string): StackNode {
  const { max, step } = chartScale(rows, parent);
  const rowHeight = rows.length > 12 ? 10.5 : 13;
  const barHeight = Math.round((rowHeight - 4) * 10) / 10;
  const x = (pct: number) => Math.round((Math.min(Math.max(pct, 0), max) / max) * CHART_BAR_WIDTH * 100) / 100;
  const ticks: number[] = [];
  for (let v = 0; v <= max; v += step) ticks.push(v);

  const body: TableCell[][] = rows.map((row) => {
    const f = row.figures;
    const canvas: CanvasElement[] = ticks.map((v) => ({
      type: 'line',
      x1: x(v),
      y1: 0,
      x2: x(v),
      y2: rowHeight,
      lineWidth: 0.5,
      lineColor: COLORS.grid,
    }));
    if (f !== null && f.coveragePct !== null) {
      canvas.push({
        type: 'rect',
        x: 0,
        y: 2,
        w: Math.max(x(f.coveragePct), 0.5),
        h: barHeight,
        color: f.status === null ? COLORS.missing : STATUS_STYLES[f.status].color,
        // Carried-forward figures are drawn faint: they are not this month's.
        ...(f.source === 'missing' ? { fillOpacity: 0.35 } : {}),
      });
    }
    if (parent.coveragePct !== null) {
      canvas.push({
        type: 'line',
        x1: x(parent.coveragePct),
        y1: 0,
        x2: x(parent.coveragePct),
        y2: rowHeight,
        lineWidth: 0.8,
        lineColor: COLORS.muted,
        dash: { length: 2, space: 1.5 },
      });
    }
    if (f !== null && f.targetPct !== null) {
      canvas.push({ type: 'line', x1: x(f.targetPct), y1: 0.5, x2: x(f.targetPct), y2: rowHeight - 0.5, lineWidth: 1.6, lineColor: COLORS.ink });
    }
    return [
      t(withMarkers(shortName(row.name), row.markers), {
        fontSize: 7,
        alignment: 'right',
        noWrap: true,
        verticalAlignment: 'middle',
      }),
      { canvas },
      t(f === null || f.coveragePct === null ? 'belum melapor' : formatPct(f.coveragePct), {
        fontSize: 7,
        bold: f !== null,
        color: f === null ? COLORS.muted : COLORS.ink,
        italics: f === null,
        verticalAlignment: 'middle',
      }),
    ];
  });

  // Axis labels tile the bar width exactly: half a step, whole steps centred on the inner ticks, half a step.
  const half = (step / max) * CHART_BAR_WIDTH / 2;
  const axis: Node[] = ticks.map((v, i) => {
    const first = i === 0;
    const last = i === ticks.length - 1;
    return t(`${v}%`, {
      width: first || last ? half : half * 2,
      alignment: first ? 'left' : last ? 'right' : 'center',
      fontSize: 6.5,
      color: COLORS.muted,
    });
  });
  body.push([t(''), { columns: axis, columnGap: 0, margin: [0, 2, 0, 0] }, t('')]);

  const legendSwatch = (color: string, label: string): Node[] => [
    { canvas: [{ type: 'rect', x: 0, y: 1.5, w: 8, h: 6, color }], width: 11 },
    t(label, { width: 'auto', margin: [0, 0, 10, 0] }),
  ];
  const legend: Node[] = [
    ...(['achieved', 'on_track', 'at_risk', 'off_track', 'no_target'] as const).flatMap((s) =>
      legendSwatch(STATUS_STYLES[s].color, STATUS_STYLES[s].label),
    ),
    { canvas: [{ type: 'line', x1: 3, y1: 0, x2: 3, y2: 9, lineWidth: 1.6, lineColor: COLORS.ink }], width: 8 },
    t('target', { width: 'auto', margin: [0, 0, 10, 0] }),
    {
      canvas: [{ type: 'line', x1: 3, y1: 0, x2: 3, y2: 9, lineWidth: 0.8, lineColor: COLORS.muted, dash: { length: 2, space: 1.5 } }],
      width: 8,
    },
    t(`cakupan ${parentName}`, { width: 'auto' }),
  ];

  return {
    // Kept on one page: a chart split across pages loses its axis and legend.
    unbreakable: true,
    stack: [
      sectionTitle(`Cakupan per ${plural}`),
      { columns: legend, columnGap: 0, fontSize: 7, color: COLORS.muted, margin: [0, 0, 0, 5] },
      {
        table: { widths: [CHART_NAME_WIDTH, CHART_BAR_WIDTH, CHART_VALUE_WIDTH], body, heights: rowHeight },
        layout: 'ucjChart',
      },
    ],
    margin: [0, 0, 0, 8],
  };
}

// ---------------------------------------------------------------------------------------------------
// Table of sub-regions by rank, with the bulletin's own region as a total row.

function num(text: string, style: Omit<TextNode, 'text'> = {}): TextNode {
  return t(text, { alignment: 'right', ...style });
}

function statusCell(f: RegionFigures | null): TableCell {
  if (f === null || f.status === null) {
    return t('Belum melapor', { alignment: 'center', fontSize: 6.5, bold: true, color: COLORS.muted, fillColor: COLORS.missing });
  }
  const style = STATUS_STYLES[f.status];
  return t(style.label, { alignment: 'center', fontSize: 6.5, bold: true, color: '#FFFFFF', fillColor: style.color });
}

function figureCells(f: RegionFigures): TableCell[] {
  return [
    num(formatCount(f.active)),
    num(formatCount(f.eligible)),
    num(formatPct(f.coveragePct), { bold: true }),
    num(formatPct(f.targetPct)),
    num(formatPoints(f.gapPp)),
    num(formatPp(f.momDeltaPp), { color: signedColor(f.momDeltaPp) }),
  ];
}

function tableSection(rows: Row[], parent: RegionFigures, parentName: string, parentMarkers: string[], plural: string): TableNode {
  const header = ['#', plural.charAt(0).toUpperCase() + plural.slice(1), 'Peserta aktif', 'Penduduk bekerja', 'Cakupan', 'Target', 'Kesenjangan (pp)', 'Perubahan bulanan', 'Status'];
  const body: TableCell[][] = [
    // The section title is a header row so that it repeats on each page and never ends a page alone.
    [{ ...sectionTitle(`Rincian per ${plural}`), colSpan: header.length }, ...header.slice(1).map(() => t(''))],
    header.map((h, i) => t(h, { style: 'th', alignment: i <= 1 ? 'left' : i === 8 ? 'center' : 'right' })),
  ];
  for (const row of rows) {
    const f = row.figures;
    const name = t(withMarkers(row.name, row.markers));
    if (f === null) {
      body.push([
        num(NONE, { color: COLORS.muted }),
        name,
        ...Array.from({ length: 6 }, () => num(NONE, { color: COLORS.muted })),
        statusCell(null),
      ]);
    } else {
      body.push([num(f.rank === null ? NONE : String(f.rank), { color: COLORS.muted }), name, ...figureCells(f), statusCell(f)]);
    }
  }
  body.push([
    t(''),
    t(withMarkers(parentName, parentMarkers), { bold: true }),
    ...figureCells(parent).map((cell) => ({ ...cell, bold: true })),
    statusCell(parent),
  ]);
  return {
    table: {
      widths: [14, '*', 50, 54, 36, 34, 44, 44, 50],
      headerRows: 2,
      keepWithHeaderRows: 1,
      dontBreakRows: true,
      body,
    },
    layout: 'ucjTable',
    fontSize: 7.5,
    lineHeight: 1,
    margin: [0, 0, 0, 8],
  };
}

// ---------------------------------------------------------------------------------------------------
// Notes: completeness, definitions, sources.

function notesSection(
  input: BulletinInput,
  parentName: string,
  plural: string,
  subLevel: Level,
  marks: Marks,
  missingNames: string[],
): TableNode {
  const small = { fontSize: 6.5, color: COLORS.muted, lineHeight: 1.2, margin: [0, 0, 0, 3] as [number, number, number, number] };
  const lead = (text: string) => t(text, { bold: true, color: COLORS.ink });
  const completeness: Array<string | TextNode> = [lead('Kelengkapan data. ')];

  if (input.region.level !== 'kabkota') {
    const reported = input.subRegions.filter((r) => r.source !== 'missing').length;
    completeness.push(
      missingNames.length === 0
        ? `Semua ${reported} ${plural} memiliki angka bulan ini. `
        : `${missingNames.length} ${plural} belum memiliki angka bulan ini: ${missingNames.join(', ')}. `,
    );
  }
  const own = input.region;
  if (own.source === 'aggregated') {
    const parts = subLevel === 'provinsi' ? 'provinsi' : 'kabupaten/kota di wilayahnya';
    completeness.push(`Angka ${parentName} adalah jumlah angka ${parts}. `);
  }
  if (own.eligibleFrom !== null) {
    completeness.push(`Data pekerja ${parentName} dari ${periodNameId(own.eligibleFrom)}, angka terbaru yang tersedia. `);
  }
  if (completeness.length === 1) completeness.push('Semua angka bulan ini dilaporkan langsung. ');
  for (const [month, marker] of marks.eligibleFrom) {
    completeness.push(sup(marker), ` Data pekerja dari ${periodNameId(month)}, angka terbaru yang tersedia. `);
  }
  if (marks.aggregated) {
    completeness.push(sup('a'), ' Jumlah angka wilayah di bawahnya, tidak dilaporkan sendiri. ');
  }
  if (marks.carried) {
    completeness.push(sup('b'), ' Belum melapor bulan ini: angka terakhir yang diketahui dipakai untuk total (batang pucat di grafik).');
  }

  const definitions = t(
    [
      lead('Definisi. '),
      'Cakupan = peserta aktif BPJS Ketenagakerjaan ÷ penduduk bekerja × 100. ',
      'Kesenjangan = target − cakupan, dalam poin persentase (pp); negatif berarti di atas target. ',
      'Perlu tambahan per bulan = selisih peserta terhadap target ÷ sisa bulan hingga Desember. ',
      'Proyeksi Desember = cakupan bila pertambahan rata-rata tiga bulan terakhir berlanjut hingga Desember. ',
      'Status: Tercapai (cakupan ≥ target); Sesuai jalur (proyeksi ≥ target); Berisiko (proyeksi kurang dari 2 pp di bawah target); Tertinggal (selebihnya); Tanpa target. ',
      'Persentase tidak pernah dirata-ratakan: angka wilayah adalah jumlah peserta dan pekerja wilayah di bawahnya.',
    ],
    small,
  );

  const sourceParts: Array<string | TextNode> = [lead('Sumber. ')];
  if (input.sources.length === 0) {
    sourceParts.push('Tidak ada berkas unggahan tercatat. ');
  } else {
    const sorted = [...input.sources].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    sourceParts.push(`Berkas unggahan (${sorted.length}): `);
    sorted.forEach((s, i) => {
      sourceParts.push(`${s.key} (${formatWib(s.uploadedAt)})${i === sorted.length - 1 ? '. ' : '; '}`);
    });
  }
  sourceParts.push(`Buletin dibuat ${formatWib(input.generatedAt)}.`);
  const sources = t(sourceParts, { ...small, margin: [0, 0, 0, 0] });

  return {
    table: { widths: ['*'], body: [[{ stack: [t(completeness, small), definitions, sources] }]] },
    layout: 'ucjNotes',
    unbreakable: true,
  };
}

// ---------------------------------------------------------------------------------------------------

export function bulletinDefinition(input: BulletinInput): DocDefinition {
  const { region } = input;
  const { year } = parsePeriod(input.period);
  const month = periodNameId(input.period);
  const name = displayName(region);
  const sub = subLevelOf(region.level);
  const created = parseInstant(input.generatedAt);

  const marks: Marks = { eligibleFrom: new Map(), aggregated: false, carried: false };
  const parentMarkers = markersFor(region, marks);

  const known = new Set(input.subRegions.map((r) => r.code));
  const rows: Row[] = [...input.subRegions].sort(byRank).map((f) => ({
    figures: f,
    code: f.code,
    name: displayName(f),
    markers: markersFor(f, marks),
  }));
  const absent = input.missing
    .filter((m) => !known.has(m.code))
    .map((m) => ({ figures: null, code: m.code, name: displayName({ name: m.name, level: sub.level }), markers: [] }))
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  rows.push(...absent);
  const missingNames = [
    ...input.subRegions.filter((r) => r.source === 'missing').sort(byRank).map((r) => displayName(r)),
    ...absent.map((r) => r.name),
  ];

  const reported = input.subRegions.filter((r) => r.source !== 'missing').length;
  const content: Content[] = [titleBand(input, name, month), headline(input, year), trendStrip(input, sub.plural, reported, rows.length)];
  if (rows.length > 0) {
    content.push(chartSection(rows, region, name, sub.plural), tableSection(rows, region, name, parentMarkers, sub.plural));
  } else {
    // A regency has no rows below it: a plain-language summary uses the room.
    content.push(summary(input, name, month, year));
  }
  content.push(notesSection(input, name, sub.plural, sub.level, marks, missingNames));

  const edition = input.revision ? `${month} (Revisi)` : month;
  const footerText = `Buletin UCJ · ${name} · ${edition}`;

  return {
    pageSize: 'A4',
    pageOrientation: 'portrait',
    pageMargins: PAGE_MARGINS,
    language: 'id-ID',
    info: {
      title: `${BULLETIN_TITLE}: ${name}, ${edition}`,
      subject: `Cakupan peserta aktif BPJS Ketenagakerjaan ${name}, ${month}`,
      creator: 'ucj-bulletin',
      producer: 'ucj-bulletin (pdfmake)',
      creationDate: created,
      modDate: created,
    },
    content,
    styles: {
      th: { fontSize: 6.5, bold: true, color: COLORS.navy },
    },
    defaultStyle: { font: 'Roboto', fontSize: 9, color: COLORS.ink, lineHeight: 1.1 },
    footer: (currentPage, pageCount) => ({
      columns: [
        t(footerText, { width: '*' }),
        t(`Halaman ${currentPage} dari ${pageCount}`, { width: 'auto', alignment: 'right' }),
      ],
      fontSize: 7,
      color: COLORS.muted,
      margin: [PAGE_MARGINS[0], 16, PAGE_MARGINS[2], 0],
    }),
  };
}
