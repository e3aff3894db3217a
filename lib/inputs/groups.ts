/** `config/groups.csv`: `kelompok,kode_wilayah`, optional groups of provinces such as a BPJS regional office. */
import type { RegionIndex } from '../domain/regions.ts';
import { IssueList, type ValidationIssue } from './issues.ts';
import { extraCellsIssue, readTable, REGION_CODE_ALIASES, resolveColumn } from './table.ts';

export interface GroupsValidation {
  ok: boolean;
  rowCount: number;
  /** Group name → its province codes, in file order. */
  groups: Map<string, string[]>;
  errors: ValidationIssue[];
}

export async function validateGroups(bytes: Uint8Array, fileName: string, regions: RegionIndex): Promise<GroupsValidation> {
  const errors = new IssueList(200);
  const result = await readTable(bytes, fileName);
  if (!result.ok) return { ok: false, rowCount: 0, groups: new Map(), errors: [result.error] };
  const { columns, records } = result.table;
  const groupColumn = resolveColumn(columns, ['kelompok', 'grup']);
  const codeColumn = resolveColumn(columns, REGION_CODE_ALIASES);
  for (const [column, label] of [[groupColumn, 'kelompok'], [codeColumn, 'kode_wilayah']] as const) {
    if (!column) errors.add({ row: 1, column: label, code: 'KOLOM_WAJIB_HILANG', message: `Kolom wajib "${label}" tidak ada di baris judul.` });
  }
  if (errors.count > 0) return { ok: false, rowCount: records.length, groups: new Map(), errors: errors.report() };

  const groups = new Map<string, string[]>();
  for (const record of records) {
    const overflow = extraCellsIssue(record);
    if (overflow) {
      errors.add(overflow);
      continue;
    }
    const name = (record.cells.get(groupColumn!) ?? '').trim();
    const code = (record.cells.get(codeColumn!) ?? '').trim();
    if (name === '') {
      errors.add({ row: record.row, column: groupColumn!, code: 'NILAI_KOSONG', message: 'Nama kelompok wajib diisi.' });
      continue;
    }
    if (regions.byCode.get(code)?.level !== 'provinsi') {
      errors.add({
        row: record.row,
        column: codeColumn!,
        code: 'KODE_TIDAK_DIKENAL',
        message: `Kode "${code}" bukan kode provinsi: kelompok disusun dari provinsi (mis. 61 untuk Kalimantan Barat).`,
      });
      continue;
    }
    const members = groups.get(name) ?? [];
    if (members.includes(code)) {
      errors.add({ row: record.row, column: codeColumn!, code: 'WILAYAH_GANDA', message: `Provinsi ${code} tercantum dua kali dalam kelompok "${name}".` });
      continue;
    }
    members.push(code);
    groups.set(name, members);
  }
  const ok = errors.count === 0;
  return { ok, rowCount: records.length, groups: ok ? groups : new Map(), errors: errors.report() };
}
