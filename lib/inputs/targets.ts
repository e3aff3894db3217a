/** Annual targets: `targets/YYYY.csv` with `kode_wilayah,tahun,target_persen[,target_peserta]`. */
import { NATIONAL_CODE, type RegionIndex } from '../domain/regions.ts';
import { IssueList, type ValidationIssue } from './issues.ts';
import { NUMBER_REASON_ID, parseCount, parseDecimal } from './numbers.ts';
import { extraCellsIssue, readTable, REGION_CODE_ALIASES, resolveColumn } from './table.ts';

export interface Target {
  code: string;
  year: number;
  targetPct: number;
  targetActive: number | null;
}

export interface TargetsValidation {
  ok: boolean;
  /** Data rows read (valid or not). */
  rowCount: number;
  targets: Target[];
  errors: ValidationIssue[];
}

/** Targets of one year by region code. */
export type TargetTable = ReadonlyMap<string, Target>;

export async function validateTargets(bytes: Uint8Array, fileName: string, regions: RegionIndex): Promise<TargetsValidation> {
  const errors = new IssueList(200);
  const result = await readTable(bytes, fileName);
  if (!result.ok) return { ok: false, rowCount: 0, targets: [], errors: [result.error] };
  const { columns, records } = result.table;
  const codeColumn = resolveColumn(columns, REGION_CODE_ALIASES);
  const yearColumn = resolveColumn(columns, ['tahun']);
  const pctColumn = resolveColumn(columns, ['target_persen', 'target']);
  const activeColumn = resolveColumn(columns, ['target_peserta']);
  for (const [column, label] of [[codeColumn, 'kode_wilayah'], [yearColumn, 'tahun'], [pctColumn, 'target_persen']] as const) {
    if (!column) errors.add({ row: 1, column: label, code: 'KOLOM_WAJIB_HILANG', message: `Kolom wajib "${label}" tidak ada di baris judul.` });
  }
  if (errors.count > 0) return { ok: false, rowCount: records.length, targets: [], errors: errors.report() };

  const targets: Target[] = [];
  const seen = new Set<string>();
  for (const record of records) {
    const { row, cells } = record;
    const code = (cells.get(codeColumn!) ?? '').trim();
    const before = errors.count;
    const overflow = extraCellsIssue(record);
    if (overflow) errors.add(overflow);
    if (code !== NATIONAL_CODE && !regions.byCode.has(code)) {
      errors.add({ row, column: codeColumn!, code: 'KODE_TIDAK_DIKENAL', message: `Kode wilayah "${code}" tidak dikenal (gunakan "nasional" untuk target nasional).` });
    }
    const rawYear = (cells.get(yearColumn!) ?? '').trim();
    const year = /^\d{4}$/.test(rawYear) ? Number(rawYear) : NaN;
    if (Number.isNaN(year)) errors.add({ row, column: yearColumn!, code: 'TAHUN_TIDAK_SAH', message: `Tahun "${rawYear}" tidak sah: gunakan empat angka, mis. 2025.` });
    const rawPct = cells.get(pctColumn!) ?? '';
    const pct = parseDecimal(rawPct);
    if (!pct.ok || pct.value > 100) {
      errors.add({
        row,
        column: pctColumn!,
        code: 'TARGET_TIDAK_SAH',
        message: `Target "${rawPct.trim()}" tidak sah${pct.ok ? ': lebih dari 100%' : `: ${NUMBER_REASON_ID[pct.reason]}`}. Isi persen 0–100, mis. 38,39.`,
      });
    }
    let targetActive: number | null = null;
    const rawActive = activeColumn ? (cells.get(activeColumn) ?? '') : '';
    if (rawActive.trim() !== '') {
      const parsed = parseCount(rawActive);
      if (parsed.ok) targetActive = parsed.value;
      else errors.add({ row, column: activeColumn!, code: 'BUKAN_BILANGAN_CACAH', message: `target_peserta "${rawActive.trim()}" ${NUMBER_REASON_ID[parsed.reason]}: isi bilangan bulat, mis. 1.149.447.` });
    }
    const key = `${code}|${year}`;
    if (errors.count === before && seen.has(key)) {
      errors.add({ row, column: codeColumn!, code: 'WILAYAH_GANDA', message: `Target ${code} tahun ${year} muncul lebih dari sekali.` });
    }
    seen.add(key);
    if (errors.count === before && pct.ok) targets.push({ code, year, targetPct: pct.value, targetActive });
  }
  const ok = errors.count === 0;
  return { ok, rowCount: records.length, targets: ok ? targets : [], errors: errors.report() };
}

export function targetTableForYear(targets: readonly Target[], year: number): TargetTable {
  return new Map(targets.filter((t) => t.year === year).map((t) => [t.code, t]));
}
