/**
 * Validation of an admin's monthly figures (docs/architecture.md, "Upload format (v1)"). A file with any
 * error is rejected whole, so every error is collected, not only the first.
 */
import * as z from 'zod';
import type { ReportedFigures } from '../domain/compute.ts';
import { isPeriod } from '../domain/period.ts';
import { levelOfCode, type RegionIndex } from '../domain/regions.ts';
import type { Period } from '../domain/types.ts';
import { scopeCovers } from '../domain/scope.ts';
import { MAX_ISSUES, validateInputFile, type ColumnSpec, type FileValidation, type InputFile } from './input-file.ts';
import { IssueList, quoteCell, type ValidationIssue } from './issues.ts';
import { NUMBER_REASON_ID, parseCount } from './numbers.ts';
import { REGION_CODE_ALIASES, type TableRecord } from './table.ts';

/** One valid row: a region's figures for a month. */
export const figureRowSchema = z.object({
  row: z.number().int().positive(),
  code: z.string(),
  period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/),
  active: z.number().int().nonnegative(),
  eligible: z.number().int().positive().nullable(),
  segments: z
    .object({ pu: z.number().int(), bpu: z.number().int(), jakon: z.number().int(), pmi: z.number().int() })
    .nullable(),
  formal: z.number().int().nonnegative().nullable(),
  informal: z.number().int().nonnegative().nullable(),
  vulnerableProtected: z.number().int().nonnegative().nullable(),
  villages100: z.number().int().nonnegative().nullable(),
  villages: z.number().int().nonnegative().nullable(),
});
export type FigureRow = z.infer<typeof figureRowSchema>;

/** What the numbers need of a valid row. */
export function reportedFiguresOf(row: FigureRow): ReportedFigures {
  return {
    code: row.code,
    active: row.active,
    eligible: row.eligible,
    details: {
      pu: row.segments?.pu ?? null,
      bpu: row.segments?.bpu ?? null,
      jakon: row.segments?.jakon ?? null,
      pmi: row.segments?.pmi ?? null,
      workersFormal: row.formal,
      workersInformal: row.informal,
      vulnerableProtected: row.vulnerableProtected,
      villages100: row.villages100,
      villages: row.villages,
    },
  };
}

export interface FiguresValidation extends FileValidation {
  rows: FigureRow[];
  warnings: ValidationIssue[];
  /**
   * Region codes the file names in its code column, read leniently (valid or not): a rejected file
   * still says whose it is, so its admins can be told.
   */
  regionsNamed: string[];
}

const COLUMNS = {
  code: { aliases: REGION_CODE_ALIASES, required: true },
  period: { aliases: ['periode', 'bulan'] },
  eligible: { aliases: ['pekerja', 'jumlah_pekerja', 'penduduk_bekerja'] },
  active: { aliases: ['peserta_aktif', 'peserta'], required: true },
  pu: { aliases: ['peserta_pu'] },
  bpu: { aliases: ['peserta_bpu'] },
  jakon: { aliases: ['peserta_jakon'] },
  pmi: { aliases: ['peserta_pmi'] },
  formal: { aliases: ['pekerja_formal'] },
  informal: { aliases: ['pekerja_informal'] },
  vulnerableProtected: { aliases: ['pekerja_rentan_dilindungi'] },
  villages100: { aliases: ['desa_100'] },
  villages: { aliases: ['jumlah_desa'] },
} as const satisfies Record<string, ColumnSpec>;

/** Columns that are known to be informational and ignored without a warning. */
const IGNORED_QUIETLY = new Set(['nama_wilayah', 'nama', 'provinsi', 'nama_provinsi', 'keterangan', 'no']);

type ColumnKey = keyof typeof COLUMNS;
type Figures = InputFile<ColumnKey>;

export interface FiguresOptions {
  fileName: string;
  regions: RegionIndex;
  /** The month of the upload's key (`uploads/YYYY-MM/…`); rows for another month are an error. */
  period?: Period;
  /**
   * The scope whose folder the upload is in (`uploads/YYYY-MM/<scope>/…`, lib/domain/scope.ts
   * uploadFolderScope): a row for a region it does not cover is an error, so one admin's file cannot
   * overwrite another region's figures. Undefined: no scope folder, every known region may be reported.
   */
  scope?: string | undefined;
}

export function validateFigures(bytes: Uint8Array, options: FiguresOptions): Promise<FiguresValidation> {
  const rejected = (errors: ValidationIssue[]): FiguresValidation => ({ ok: false, rowCount: 0, rows: [], errors, warnings: [], regionsNamed: [] });
  return validateInputFile(bytes, options.fileName, { columns: COLUMNS, rejected }, (file) => checkFigures(file, options));
}

function checkFigures(file: Figures, options: FiguresOptions): FiguresValidation {
  const { table, columns, errors } = file;
  const warnings = new IssueList(MAX_ISSUES);
  // In a scope folder the file is that scope's: a code outside it is an error in the file, not a claim
  // on that region (its admins are not emailed, its uploads page does not list the file).
  const regionsNamed = columns.code
    ? [...new Set(table.records.map((r) => file.cell(r, 'code').trim()).filter((c) => /^\d{2}(\.\d{2})?$/.test(c)))].filter(
        (c) => options.scope === undefined || scopeCovers(options.scope, c),
      )
    : [];
  const finish = (rows: FigureRow[]): FiguresValidation => {
    const ok = errors.count === 0;
    return { ok, rowCount: table.records.length, rows: ok ? rows : [], errors: errors.report(), warnings: warnings.report(), regionsNamed };
  };

  const known = new Set<string>(Object.values(COLUMNS).flatMap((spec) => spec.aliases));
  for (const column of table.columns) {
    if (column !== '' && !known.has(column) && !IGNORED_QUIETLY.has(column)) {
      warnings.add({ row: 1, column, code: 'KOLOM_DIABAIKAN', message: `Kolom "${quoteCell(column)}" tidak dikenal dan diabaikan.` });
    }
  }
  if (table.records.length === 0) {
    errors.add({ row: null, column: null, code: 'TIDAK_ADA_DATA', message: 'Berkas hanya berisi baris judul, tanpa data.' });
  }
  if (errors.count > 0) return finish([]);

  const rows: FigureRow[] = [];
  const seen = new Map<string, number>();
  let unfilled = 0;
  for (const record of file.records()) {
    if (isUnfilledTemplateRow(file, record, options.regions)) {
      unfilled += 1;
      continue;
    }
    const row = readRow(file, record, options, warnings);
    if (!row) continue;
    const key = `${row.code}|${row.period}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      errors.add({
        row: row.row,
        column: columns.code ?? 'kode_wilayah',
        code: 'WILAYAH_GANDA',
        message: `Wilayah ${row.code} untuk periode ${row.period} muncul dua kali (juga di baris ${earlier}).`,
      });
      continue;
    }
    seen.set(key, row.row);
    rows.push(row);
  }
  if (unfilled > 0) {
    if (unfilled === table.records.length) {
      errors.add({ row: null, column: null, code: 'TIDAK_ADA_DATA', message: 'Semua baris tanpa angka: templat belum diisi.' });
    } else {
      warnings.add({
        row: null,
        column: null,
        code: 'BARIS_TANPA_ANGKA',
        message: `${unfilled} baris berisi kode wilayah tanpa angka apa pun (baris templat yang tidak diisi) dan diabaikan; wilayahnya dianggap belum melapor.`,
      });
    }
  }
  return finish(rows);
}

const NUMERIC_COLUMNS = [
  'eligible', 'active', 'pu', 'bpu', 'jakon', 'pmi', 'formal', 'informal', 'vulnerableProtected', 'villages100', 'villages',
] as const satisfies readonly ColumnKey[];

/**
 * A known region's row with every figure left blank: a template row for a region this admin does not
 * report (a province admin filling their regencies in the national template). Not an error: the region
 * simply has not reported.
 */
function isUnfilledTemplateRow(file: Figures, record: TableRecord, regions: RegionIndex): boolean {
  if (!regions.byCode.has(file.cell(record, 'code').trim())) return false;
  return NUMERIC_COLUMNS.every((key) => file.cell(record, key).trim() === '');
}

function readRow(file: Figures, record: TableRecord, options: FiguresOptions, warnings: IssueList): FigureRow | undefined {
  const { columns, errors } = file;
  const before = errors.count;
  const cell = (key: ColumnKey): string => file.cell(record, key);

  const code = cell('code').trim();
  const codeColumn = columns.code!;
  if (code === '') {
    errors.add({ row: record.row, column: codeColumn, code: 'KODE_KOSONG', message: 'Kode wilayah kosong.' });
  } else if (!levelOfCode(code) || levelOfCode(code) === 'nasional' || !options.regions.byCode.has(code)) {
    errors.add({
      row: record.row,
      column: codeColumn,
      code: 'KODE_TIDAK_DIKENAL',
      message: `Kode wilayah "${quoteCell(code)}" tidak dikenal: gunakan kode Kemendagri provinsi (mis. 18) atau kabupaten/kota (mis. 18.71).`,
    });
  } else if (options.scope !== undefined && !scopeCovers(options.scope, code)) {
    const scopeRegion = options.regions.byCode.get(options.scope);
    errors.add({
      row: record.row,
      column: codeColumn,
      code: 'DI_LUAR_CAKUPAN',
      message: `Wilayah ${code} di luar cakupan folder unggahan ${options.scope}${scopeRegion ? ` (${scopeRegion.name})` : ''}: unggah lewat folder cakupan wilayah tersebut.`,
    });
  }

  let period = options.period ?? '';
  const rawPeriod = cell('period').trim();
  if (rawPeriod !== '') {
    if (!isPeriod(rawPeriod)) {
      errors.add({
        row: record.row,
        column: columns.period!,
        code: 'PERIODE_TIDAK_SAH',
        message: `Periode "${quoteCell(rawPeriod)}" tidak sah: gunakan format TTTT-BB, mis. 2025-10.`,
      });
    } else if (options.period && rawPeriod !== options.period) {
      errors.add({
        row: record.row,
        column: columns.period!,
        code: 'PERIODE_BERBEDA',
        message: `Periode ${rawPeriod} berbeda dengan bulan folder unggahan (${options.period}). Unggah ke folder bulan yang benar.`,
      });
    } else {
      period = rawPeriod;
    }
  } else if (!options.period) {
    errors.add({
      row: record.row,
      column: columns.period ?? 'periode',
      code: 'PERIODE_KOSONG',
      message: 'Periode kosong, dan bulannya tidak dapat diambil dari lokasi berkas.',
    });
  }

  const count = (key: ColumnKey, label: string, required: boolean): number | null => {
    if (!columns[key]) return null;
    const raw = cell(key);
    const parsed = parseCount(raw);
    if (parsed.ok) return parsed.value;
    if (parsed.reason === 'kosong' && !required) return null;
    errors.add({
      row: record.row,
      column: columns[key]!,
      code: parsed.reason === 'kosong' ? 'NILAI_KOSONG' : 'BUKAN_BILANGAN_CACAH',
      message:
        parsed.reason === 'kosong'
          ? `Kolom ${label} wajib diisi.`
          : `Nilai "${quoteCell(raw)}" di kolom ${label} ${NUMBER_REASON_ID[parsed.reason]}: isi dengan bilangan bulat tidak negatif, mis. 1.149.447.`,
    });
    return null;
  };

  const active = count('active', 'peserta_aktif', true);
  const eligible = count('eligible', 'pekerja', false);
  if (eligible === 0) {
    errors.add({
      row: record.row,
      column: columns.eligible!,
      code: 'PEKERJA_NOL',
      message: 'Jumlah pekerja tidak boleh 0: cakupan tidak dapat dihitung. Kosongkan jika belum ada angka baru.',
    });
  }
  const pu = count('pu', 'peserta_pu', false);
  const bpu = count('bpu', 'peserta_bpu', false);
  const jakon = count('jakon', 'peserta_jakon', false);
  const pmi = count('pmi', 'peserta_pmi', false);
  const formal = count('formal', 'pekerja_formal', false);
  const informal = count('informal', 'pekerja_informal', false);
  const vulnerableProtected = count('vulnerableProtected', 'pekerja_rentan_dilindungi', false);
  const villages100 = count('villages100', 'desa_100', false);
  const villages = count('villages', 'jumlah_desa', false);

  let segments: FigureRow['segments'] = null;
  if (pu !== null && bpu !== null && jakon !== null && pmi !== null) {
    segments = { pu, bpu, jakon, pmi };
    const sum = pu + bpu + jakon + pmi;
    if (active !== null && sum !== active) {
      errors.add({
        row: record.row,
        column: columns.active!,
        code: 'SEGMEN_TIDAK_SESUAI',
        message: `Jumlah peserta per segmen (PU + BPU + Jakon + PMI = ${sum}) tidak sama dengan peserta_aktif (${active}).`,
      });
    }
  }
  if (villages100 !== null && villages !== null && villages100 > villages) {
    errors.add({
      row: record.row,
      column: columns.villages100!,
      code: 'DESA_MELEBIHI',
      message: `Jumlah desa dengan sedikitnya 100 pekerja terlindungi (desa_100 = ${villages100}) melebihi jumlah seluruh desa (jumlah_desa = ${villages}).`,
    });
  }

  if (errors.count > before || active === null) return undefined;
  if (eligible !== null && active > eligible) {
    warnings.add({
      row: record.row,
      column: columns.active!,
      code: 'CAKUPAN_DI_ATAS_100',
      message: `Cakupan ${code} melebihi 100% (peserta ${active} > pekerja ${eligible}). Periksa kembali; bisa terjadi bila pekerja terdaftar di kantor pusat perusahaan.`,
    });
  }
  return figureRowSchema.parse({
    row: record.row,
    code,
    period,
    active,
    eligible,
    segments,
    formal,
    informal,
    vulnerableProtected,
    villages100,
    villages,
  });
}
