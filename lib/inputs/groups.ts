/** `config/groups.csv`: `kelompok,kode_wilayah`, optional groups of provinces such as a BPJS regional office. */
import type { RegionIndex } from '../domain/regions.ts';
import { validateInputFile, type FileValidation, type InputFile } from './input-file.ts';
import { quoteCell, type ValidationIssue } from './issues.ts';
import { REGION_CODE_ALIASES } from './table.ts';

export interface GroupsValidation extends FileValidation {
  /** Group name → its province codes, in file order. */
  groups: Map<string, string[]>;
}

const COLUMNS = {
  group: { aliases: ['kelompok', 'grup'], required: true },
  code: { aliases: REGION_CODE_ALIASES, required: true },
} as const;

export function validateGroups(bytes: Uint8Array, fileName: string, regions: RegionIndex): Promise<GroupsValidation> {
  const rejected = (errors: ValidationIssue[], rowCount = 0): GroupsValidation => ({ ok: false, rowCount, groups: new Map(), errors });
  return validateInputFile(bytes, fileName, { columns: COLUMNS, rejected }, (file) => {
    if (file.errors.count > 0) return rejected(file.errors.report(), file.table.records.length);
    return checkGroups(file, regions);
  });
}

function checkGroups(file: InputFile<keyof typeof COLUMNS>, regions: RegionIndex): GroupsValidation {
  const { errors } = file;
  const groupColumn = file.columns.group!;
  const codeColumn = file.columns.code!;
  const groups = new Map<string, string[]>();
  for (const record of file.records()) {
    const name = file.cell(record, 'group').trim();
    const code = file.cell(record, 'code').trim();
    if (name === '') {
      errors.add({ row: record.row, column: groupColumn, code: 'NILAI_KOSONG', message: 'Nama kelompok wajib diisi.' });
      continue;
    }
    if (regions.byCode.get(code)?.level !== 'provinsi') {
      errors.add({
        row: record.row,
        column: codeColumn,
        code: 'KODE_TIDAK_DIKENAL',
        message: `Kode "${quoteCell(code)}" bukan kode provinsi: kelompok disusun dari provinsi (mis. 61 untuk Kalimantan Barat).`,
      });
      continue;
    }
    const members = groups.get(name) ?? [];
    if (members.includes(code)) {
      errors.add({ row: record.row, column: codeColumn, code: 'WILAYAH_GANDA', message: `Provinsi ${code} tercantum dua kali dalam kelompok "${quoteCell(name)}".` });
      continue;
    }
    members.push(code);
    groups.set(name, members);
  }
  const ok = errors.count === 0;
  return { ok, rowCount: file.table.records.length, groups: ok ? groups : new Map(), errors: errors.report() };
}
