/** Annual targets: `targets/YYYY.csv` with `kode_wilayah,tahun,target_persen[,target_peserta]`. */
import { NATIONAL_CODE, type RegionIndex } from '../domain/regions.ts';
import { validateInputFile, type FileValidation, type InputFile } from './input-file.ts';
import { quoteCell, type ValidationIssue } from './issues.ts';
import { NUMBER_REASON_ID, parseCount, parseDecimal } from './numbers.ts';
import { REGION_CODE_ALIASES } from './table.ts';

export interface Target {
  code: string;
  year: number;
  targetPct: number;
  targetActive: number | null;
}

export interface TargetsValidation extends FileValidation {
  targets: Target[];
}

/** Targets of one year by region code. */
export type TargetTable = ReadonlyMap<string, Target>;

const COLUMNS = {
  code: { aliases: REGION_CODE_ALIASES, required: true },
  year: { aliases: ['tahun'], required: true },
  pct: { aliases: ['target_persen', 'target'], required: true },
  active: { aliases: ['target_peserta'] },
} as const;

export function validateTargets(bytes: Uint8Array, fileName: string, regions: RegionIndex): Promise<TargetsValidation> {
  const rejected = (errors: ValidationIssue[], rowCount = 0): TargetsValidation => ({ ok: false, rowCount, targets: [], errors });
  return validateInputFile(bytes, fileName, { columns: COLUMNS, rejected }, (file) => {
    if (file.errors.count > 0) return rejected(file.errors.report(), file.table.records.length);
    return checkTargets(file, regions);
  });
}

function checkTargets(file: InputFile<keyof typeof COLUMNS>, regions: RegionIndex): TargetsValidation {
  const { errors } = file;
  const columns = { code: file.columns.code!, year: file.columns.year!, pct: file.columns.pct!, active: file.columns.active };
  const targets: Target[] = [];
  const seen = new Set<string>();
  for (const record of file.records()) {
    const { row } = record;
    const before = errors.count;
    const code = file.cell(record, 'code').trim();
    if (code !== NATIONAL_CODE && !regions.byCode.has(code)) {
      errors.add({ row, column: columns.code, code: 'KODE_TIDAK_DIKENAL', message: `Kode wilayah "${quoteCell(code)}" tidak dikenal (gunakan "nasional" untuk target nasional).` });
    }
    const rawYear = file.cell(record, 'year').trim();
    const year = /^\d{4}$/.test(rawYear) ? Number(rawYear) : NaN;
    if (Number.isNaN(year)) errors.add({ row, column: columns.year, code: 'TAHUN_TIDAK_SAH', message: `Tahun "${quoteCell(rawYear)}" tidak sah: gunakan empat angka, mis. 2025.` });
    const rawPct = file.cell(record, 'pct');
    const pct = parseDecimal(rawPct);
    if (!pct.ok || pct.value > 100) {
      errors.add({
        row,
        column: columns.pct,
        code: 'TARGET_TIDAK_SAH',
        message: `Target "${quoteCell(rawPct)}" tidak sah${pct.ok ? ': lebih dari 100%' : `: ${NUMBER_REASON_ID[pct.reason]}`}. Isi persen di atas 0 sampai 100, mis. 38,39.`,
      });
    } else if (pct.value === 0) {
      // Every coverage is at least 0%: the region would read as having reached its target, whatever it did.
      errors.add({
        row,
        column: columns.pct,
        code: 'TARGET_NOL',
        message: `Target 0% tidak sah: setiap wilayah akan langsung dianggap mencapai target. Isi persen lebih dari 0, mis. 38,39, atau hapus baris ini bila belum ada target.`,
      });
    }
    let targetActive: number | null = null;
    const rawActive = file.cell(record, 'active');
    if (rawActive.trim() !== '') {
      const parsed = parseCount(rawActive);
      if (!parsed.ok) {
        errors.add({ row, column: columns.active!, code: 'BUKAN_BILANGAN_CACAH', message: `target_peserta "${quoteCell(rawActive)}" ${NUMBER_REASON_ID[parsed.reason]}: isi bilangan bulat, mis. 1.149.447.` });
      } else if (parsed.value === 0) {
        errors.add({
          row,
          column: columns.active!,
          code: 'TARGET_NOL',
          message: 'target_peserta 0 tidak sah: target jumlah peserta harus lebih dari 0. Kosongkan bila target peserta dihitung dari target_persen.',
        });
      } else {
        targetActive = parsed.value;
      }
    }
    const key = `${code}|${year}`;
    if (errors.count === before && seen.has(key)) {
      errors.add({ row, column: columns.code, code: 'WILAYAH_GANDA', message: `Target ${code} tahun ${year} muncul lebih dari sekali.` });
    }
    seen.add(key);
    if (errors.count === before && pct.ok) targets.push({ code, year, targetPct: pct.value, targetActive });
  }
  const ok = errors.count === 0;
  return { ok, rowCount: file.table.records.length, targets: ok ? targets : [], errors: errors.report() };
}

export function targetTableForYear(targets: readonly Target[], year: number): TargetTable {
  return new Map(targets.filter((t) => t.year === year).map((t) => [t.code, t]));
}
