/**
 * A ready-to-fill upload file (docs/architecture.md, "Upload format (v1)"; `ucj template`): every province
 * or every regency/city with its Kemendagri code and official name, `periode` prefilled when given, figures
 * empty. CSV for any tool; XLSX for Excel, where codes stay text (`18.10`, never the number 18.1).
 */
import ExcelJS from 'exceljs';
import { isPeriod } from '../domain/period.ts';
import type { Region } from '../domain/types.ts';
import { NATIONAL_CODE, type RegionIndex } from '../domain/regions.ts';
import { scopeCovers } from '../domain/scope.ts';
import { csvLine, escapeCsvCell } from '../util/csv.ts';

/** The one CSV cell rule (lib/util/csv.ts), exported here too for the template's callers. */
export { escapeCsvCell };

declare module 'exceljs' {
  interface Worksheet {
    /**
     * Validations by address or range; in exceljs 4.4 at runtime but not in its typings. Used instead of
     * `cell.dataValidation`, whose writer merges cells into overlapping ranges (`D2:N515` and `D10:N515`).
     */
    dataValidations: { add(address: string, validation: DataValidation): DataValidation };
  }
}

export const TEMPLATE_COLUMNS = [
  'kode_wilayah',
  'nama_wilayah',
  'periode',
  'pekerja',
  'peserta_aktif',
  'peserta_pu',
  'peserta_bpu',
  'peserta_jakon',
  'peserta_pmi',
  'pekerja_formal',
  'pekerja_informal',
  'pekerja_rentan_dilindungi',
  'desa_100',
  'jumlah_desa',
] as const;

export type TemplateColumn = (typeof TEMPLATE_COLUMNS)[number];

const TEXT_COLUMNS: ReadonlySet<TemplateColumn> = new Set(['kode_wilayah', 'nama_wilayah', 'periode']);

/** What each column means, for the `petunjuk` sheet: [required, meaning]. */
const COLUMN_GUIDE: Record<TemplateColumn, readonly [string, string]> = {
  kode_wilayah: ['ya', 'Kode Kemendagri provinsi (mis. 18) atau kabupaten/kota (mis. 18.71). Sudah terisi: jangan diubah.'],
  nama_wilayah: ['tidak', 'Nama resmi wilayah, sebagai penanda saja; tidak dibaca sistem.'],
  periode: ['tidak', 'Bulan data, YYYY-MM (mis. 2025-10). Bila kosong, diambil dari folder unggahan; bulan lain ditolak.'],
  pekerja: [
    'tidak*',
    'Jumlah penduduk bekerja (penyebut cakupan). Boleh kosong bila belum ada angka baru: dipakai angka terakhir sebelumnya. *Wilayah yang belum pernah punya angka pekerja ditolak.',
  ],
  peserta_aktif: ['ya', 'Jumlah peserta aktif BPJS Ketenagakerjaan (pembilang cakupan).'],
  peserta_pu: ['tidak', 'Peserta segmen Penerima Upah (PU).'],
  peserta_bpu: ['tidak', 'Peserta segmen Bukan Penerima Upah (BPU).'],
  peserta_jakon: ['tidak', 'Peserta segmen Jasa Konstruksi (Jakon).'],
  peserta_pmi: ['tidak', 'Peserta segmen Pekerja Migran Indonesia (PMI). Bila keempat segmen diisi, jumlahnya harus sama dengan peserta_aktif.'],
  pekerja_formal: ['tidak', 'Jumlah pekerja formal (penyebut cakupan PU).'],
  pekerja_informal: ['tidak', 'Jumlah pekerja informal (penyebut cakupan BPU).'],
  pekerja_rentan_dilindungi: ['tidak', 'Pekerja rentan yang iurannya dibayar APBN/APBD atau CSR.'],
  desa_100: ['tidak', 'Jumlah desa/kelurahan dengan sedikitnya 100 pekerja terlindungi.'],
  jumlah_desa: ['tidak', 'Jumlah seluruh desa/kelurahan; desa_100 tidak boleh melebihinya.'],
};

export interface TemplateOptions {
  level: 'provinsi' | 'kabkota';
  format: 'csv' | 'xlsx';
  /** `YYYY-MM`, written into every row's `periode` when given. */
  period?: string;
  /**
   * The admin's `cakupan` (`nasional`, a province or a regency code): only the rows it covers, so the
   * template holds no row their scope folder would reject. A regency's is its own row at either level.
   * Every region of the level when absent.
   */
  scope?: string;
  regions: RegionIndex;
}

export async function uploadTemplate(options: TemplateOptions): Promise<Buffer> {
  if (options.period !== undefined && !isPeriod(options.period)) {
    throw new Error(`periode harus berformat YYYY-MM, mis. 2025-10 (bukan ${JSON.stringify(options.period)})`);
  }
  if (options.scope !== undefined && !options.regions.byCode.has(options.scope)) {
    throw new Error(`cakupan ${JSON.stringify(options.scope)} tidak dikenal: isi "nasional", kode provinsi, atau kode kabupaten/kota`);
  }
  const regions = templateRegions(options);
  return options.format === 'csv' ? csvTemplate(regions, options.period) : xlsxTemplate(regions, options);
}

/** `templat-unggah-kabkota-2025-10.xlsx` (`…-kabkota-18-2025-10.xlsx` for a scope), a default name for `ucj template --out`. */
export function templateFileName(options: Pick<TemplateOptions, 'level' | 'format' | 'period' | 'scope'>): string {
  const scope = options.scope !== undefined && options.scope !== NATIONAL_CODE ? `-${options.scope}` : '';
  return `templat-unggah-${options.level}${scope}${options.period ? `-${options.period}` : ''}.${options.format}`;
}

function templateRegions(options: TemplateOptions): Region[] {
  const { scope, regions } = options;
  // A regency admin reports one row, whichever level they asked for: a template without it would be empty.
  const own = scope === undefined ? undefined : regions.byCode.get(scope);
  const list = own?.level === 'kabkota' ? [own] : options.level === 'provinsi' ? regions.provinces : regions.regencies;
  return list
    .filter((region) => scope === undefined || scopeCovers(scope, region.code))
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

function csvTemplate(regions: Region[], period: string | undefined): Buffer {
  const lines = [csvLine(TEMPLATE_COLUMNS)];
  const empty = Array<string>(TEMPLATE_COLUMNS.length - 3).fill('');
  for (const region of regions) lines.push(csvLine([region.code, region.name, period ?? '', ...empty]));
  return Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
}

const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD9E1F2' } };

async function xlsxTemplate(regions: Region[], options: TemplateOptions): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'ucj-bulletin';

  const sheet = workbook.addWorksheet('data', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = TEMPLATE_COLUMNS.map((key) => ({
    header: key,
    key,
    width: key === 'nama_wilayah' ? 40 : Math.max(12, key.length + 4),
    // '@' is Excel's Text format: codes such as 18.10 and periods such as 2025-10 stay as typed.
    style: { numFmt: TEXT_COLUMNS.has(key) ? '@' : '#,##0' },
  }));
  const header = sheet.getRow(1);
  header.eachCell((cell) => {
    cell.font = { bold: true };
    cell.fill = HEADER_FILL;
    cell.alignment = { vertical: 'middle' };
    cell.border = { bottom: { style: 'thin' } };
  });

  const countValidation: ExcelJS.DataValidation = {
    type: 'whole',
    operator: 'greaterThanOrEqual',
    formulae: [0],
    allowBlank: true,
    showErrorMessage: true,
    errorStyle: 'stop',
    errorTitle: 'Bukan bilangan cacah',
    error: 'Isi dengan bilangan bulat tidak negatif, tanpa desimal (mis. 1149447).',
  };
  for (const region of regions) sheet.addRow([region.code, region.name, options.period ?? null]);
  const firstCount = sheet.getColumn(TEMPLATE_COLUMNS.indexOf('pekerja') + 1).letter;
  const lastCount = sheet.getColumn(TEMPLATE_COLUMNS.length).letter;
  if (regions.length > 0) sheet.dataValidations.add(`${firstCount}2:${lastCount}${regions.length + 1}`, countValidation);

  addGuideSheet(workbook, options, regions);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

function addGuideSheet(workbook: ExcelJS.Workbook, options: TemplateOptions, regions: Region[]): void {
  const regionCount = regions.length;
  const guide = workbook.addWorksheet('petunjuk');
  guide.columns = [{ width: 28 }, { width: 10 }, { width: 100 }];
  // A regency's template is one kabupaten/kota whichever level was asked for.
  const levelName = options.level === 'kabkota' || regions.some((region) => region.level === 'kabkota') ? 'kabupaten/kota' : 'provinsi';
  // A scope's rows belong in its folder, where the upload is held to them (lib/jobs/validate-upload.ts).
  const folder = options.scope !== undefined && options.scope !== NATIONAL_CODE ? `uploads/YYYY-MM/${options.scope}/` : 'uploads/YYYY-MM/';
  const example = folder.replace('YYYY-MM', options.period ?? '2025-10');
  const title = guide.addRow(['Petunjuk pengisian templat unggahan UCJ']);
  title.font = { bold: true, size: 14 };
  guide.addRow([]);
  const lines = [
    `Lembar "data" berisi ${regionCount} ${levelName} dengan kode dan nama resminya: satu baris per wilayah. Jangan ubah baris judul, kode_wilayah, maupun urutan kolom.`,
    'Hapus baris wilayah yang tidak Anda laporkan; setiap baris yang tersisa wajib berisi peserta_aktif.',
    'Semua angka adalah bilangan bulat tidak negatif, tanpa desimal (mis. 1149447). Pemisah ribuan boleh dipakai.',
    'periode ditulis YYYY-MM (mis. 2025-10): bulan data, bukan bulan pengunggahan.',
    `Simpan sebagai .xlsx (atau CSV UTF-8), lalu unggah ke folder ${folder} sesuai bulan data, mis. ${example}.`,
    'Berkas dengan satu kesalahan pun ditolak seluruhnya; laporan menyebutkan baris, kolom, dan penyebabnya.',
  ];
  for (const line of lines) guide.addRow([`• ${line}`]);
  guide.addRow([]);
  const tableHeader = guide.addRow(['kolom', 'wajib', 'arti']);
  tableHeader.eachCell((cell) => {
    cell.font = { bold: true };
    cell.fill = HEADER_FILL;
  });
  for (const column of TEMPLATE_COLUMNS) {
    const [required, meaning] = COLUMN_GUIDE[column];
    const row = guide.addRow([column, required, meaning]);
    row.getCell(3).alignment = { wrapText: true, vertical: 'top' };
    row.getCell(1).alignment = { vertical: 'top' };
    row.getCell(2).alignment = { vertical: 'top' };
  }
}
