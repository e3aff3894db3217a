/**
 * A region's figures as an Excel workbook, for officials and admins who work on in a spreadsheet:
 * "Wilayah", the month's figures of the region's sub-regions and the region itself, as the bulletin's
 * sub-region table lists them (by rank, the ones without figures last, the region as the total row), and
 * "Riwayat", the region's own figures month by month. Numbers stay numbers (formatted, not text), so
 * they can be summed and charted.
 */
import ExcelJS from 'exceljs';
import { statusLabel } from '../bulletin/format.ts';
import { displayName, type RegionIndex } from '../domain/regions.ts';
import type { Period, Region, RegionFigures } from '../domain/types.ts';
import type { Snapshot, SnapshotStore } from '../history/store.ts';
import { compareCodes } from '../domain/scope.ts';

const COUNT = '#,##0';
const POINTS = '0.00';
const SIGNED_POINTS = '+0.00;-0.00;0.00';
const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD9E1F2' } };

/** The bulletin's word for a region with no figures this month. */
const NOT_REPORTED = 'Belum melapor';

/** Where the figures came from, in the words of the bulletin's completeness box. */
const SOURCE_LABELS: Record<RegionFigures['source'], string> = {
  reported: 'Dilaporkan',
  aggregated: 'Jumlah wilayah di bawahnya',
  missing: 'Angka terakhir yang diketahui',
};

/** A column: its Indonesian header, width, number format, and the cell of a region's figures. */
interface Column {
  header: string;
  width: number;
  numFmt?: string;
  value: (f: RegionFigures) => string | number | null;
  /** What a region with no figures this month shows here (blank unless given). */
  absent?: string;
}

/** The figures the bulletin's table shows, with the two things its footnote markers say as columns. */
const FIGURE_COLUMNS: Column[] = [
  { header: 'Peserta aktif', width: 16, numFmt: COUNT, value: (f) => f.active },
  { header: 'Penduduk bekerja', width: 18, numFmt: COUNT, value: (f) => f.eligible },
  { header: 'Cakupan (%)', width: 13, numFmt: POINTS, value: (f) => f.coveragePct },
  { header: 'Target (%)', width: 12, numFmt: POINTS, value: (f) => f.targetPct },
  { header: 'Kesenjangan (pp)', width: 17, numFmt: POINTS, value: (f) => f.gapPp },
  { header: 'Perubahan bulanan (pp)', width: 22, numFmt: SIGNED_POINTS, value: (f) => f.momDeltaPp },
  { header: 'Status', width: 15, value: (f) => (f.status === null ? NOT_REPORTED : statusLabel(f.status)), absent: NOT_REPORTED },
  { header: 'Sumber angka', width: 28, value: (f) => SOURCE_LABELS[f.source] },
  { header: 'Penduduk bekerja dari bulan', width: 26, value: (f) => f.eligibleFrom },
];

export async function regionFiguresWorkbook(
  deps: { snapshots: SnapshotStore; regions: RegionIndex },
  code: string,
  period: Period,
): Promise<Buffer | undefined> {
  const own = await deps.snapshots.latestSnapshot(code, period);
  if (!own) return undefined;
  const region = deps.regions.byCode.get(code) ?? { code, name: own.figures.name, level: own.figures.level };
  const subRegions = subRegionsOf(deps.regions, region);
  // The month's index holds every region's latest version: one query for all the sub-regions.
  const month = subRegions.length > 0 ? await deps.snapshots.monthSnapshots(period) : new Map<string, Snapshot>();

  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'ucj-bulletin';
  addRegionSheet(workbook, own.figures, subRegions, month);
  addHistorySheet(workbook, (await deps.snapshots.regionSnapshots(code)).filter((snapshot) => snapshot.period <= period));
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** The regions a bulletin of this one lists in its table: the provinces for the nation, the regencies for a province. */
function subRegionsOf(regions: RegionIndex, region: Pick<Region, 'code' | 'level'>): Region[] {
  if (region.level === 'nasional') return regions.provinces;
  if (region.level === 'provinsi') return regions.regenciesOf(region.code);
  return [];
}

function byRank(a: RegionFigures, b: RegionFigures): number {
  if (a.rank !== b.rank) {
    if (a.rank === null) return 1;
    if (b.rank === null) return -1;
    return a.rank - b.rank;
  }
  return compareCodes(a.code, b.code);
}

/** The figures' columns, the same on both sheets (fresh objects for each: exceljs keeps the styles it is given). */
const figureSheetColumns = (): Array<Partial<ExcelJS.Column>> => FIGURE_COLUMNS.map((column, index) => ({
  header: column.header,
  key: `f${index}`,
  width: column.width,
  ...(column.numFmt ? { style: { numFmt: column.numFmt } } : {}),
}));

function addRegionSheet(workbook: ExcelJS.Workbook, own: RegionFigures, subRegions: Region[], month: ReadonlyMap<string, Snapshot>): void {
  const sheet = workbook.addWorksheet('Wilayah', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = [
    { header: 'Kode', key: 'code', width: 10, style: { numFmt: '@' } },
    { header: 'Nama wilayah', key: 'name', width: 36 },
    { header: 'Peringkat', key: 'rank', width: 10 },
    ...figureSheetColumns(),
  ];
  styleHeader(sheet.getRow(1));

  const withFigures = subRegions.flatMap((region) => {
    const figures = month.get(region.code)?.figures;
    return figures ? [figures] : [];
  });
  for (const f of withFigures.sort(byRank)) sheet.addRow([f.code, displayName(f), f.rank, ...FIGURE_COLUMNS.map((column) => column.value(f))]);
  // A sub-region with no snapshot this month: listed as the bulletin lists it, not left out.
  for (const region of subRegions.filter((r) => !month.has(r.code))) {
    sheet.addRow([region.code, displayName(region), null, ...FIGURE_COLUMNS.map((column) => column.absent ?? null)]);
  }
  const total = sheet.addRow([own.code, displayName(own), own.rank, ...FIGURE_COLUMNS.map((column) => column.value(own))]);
  total.font = { bold: true };
  if (subRegions.length > 0) total.getCell(1).border = { top: { style: 'thin' } };
}

function addHistorySheet(workbook: ExcelJS.Workbook, snapshots: readonly Snapshot[]): void {
  const sheet = workbook.addWorksheet('Riwayat', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = [
    { header: 'Periode', key: 'period', width: 10, style: { numFmt: '@' } },
    { header: 'Versi', key: 'version', width: 7 },
    { header: 'Peringkat', key: 'rank', width: 10 },
    ...figureSheetColumns(),
    { header: 'Dihitung pada', key: 'createdAt', width: 24 },
  ];
  styleHeader(sheet.getRow(1));
  // A month re-run with changed figures keeps each version; the latest is the month's figures.
  const latest = new Map<Period, Snapshot>();
  for (const snapshot of snapshots) {
    const current = latest.get(snapshot.period);
    if (!current || snapshot.version > current.version) latest.set(snapshot.period, snapshot);
  }
  for (const s of [...latest.values()].sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : 0))) {
    sheet.addRow([s.period, s.version, s.figures.rank, ...FIGURE_COLUMNS.map((column) => column.value(s.figures)), s.createdAt]);
  }
}

function styleHeader(row: ExcelJS.Row): void {
  row.eachCell((cell) => {
    cell.font = { bold: true };
    cell.fill = HEADER_FILL;
    cell.border = { bottom: { style: 'thin' } };
  });
}
