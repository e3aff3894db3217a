/** `config/recipients.csv`: `email,nama,jabatan,cakupan,peran`. */
import * as z from 'zod';
import { NATIONAL_CODE, type RegionIndex } from '../domain/regions.ts';
import { IssueList, type ValidationIssue } from './issues.ts';
import { extraCellsIssue, readTable, resolveColumn } from './table.ts';

export const recipientSchema = z.object({
  email: z.email(),
  name: z.string().min(1),
  title: z.string(),
  /** `nasional`, a province code or a regency code. */
  scope: z.string().min(1),
  role: z.enum(['pejabat', 'admin']),
});
export type Recipient = z.infer<typeof recipientSchema>;

export interface RecipientsValidation {
  ok: boolean;
  /** Data rows read (valid or not). */
  rowCount: number;
  recipients: Recipient[];
  errors: ValidationIssue[];
}

const COLUMNS = { email: ['email', 'surel'], name: ['nama'], title: ['jabatan'], scope: ['cakupan'], role: ['peran'] } as const;

export async function validateRecipients(bytes: Uint8Array, fileName: string, regions: RegionIndex): Promise<RecipientsValidation> {
  const errors = new IssueList(200);
  const result = await readTable(bytes, fileName);
  if (!result.ok) return { ok: false, rowCount: 0, recipients: [], errors: [result.error] };
  const { columns, records } = result.table;
  const resolved = Object.fromEntries(
    Object.entries(COLUMNS).map(([key, aliases]) => [key, resolveColumn(columns, aliases)]),
  ) as Record<keyof typeof COLUMNS, string | undefined>;
  for (const key of ['email', 'name', 'scope', 'role'] as const) {
    if (!resolved[key]) errors.add({ row: 1, column: COLUMNS[key][0], code: 'KOLOM_WAJIB_HILANG', message: `Kolom wajib "${COLUMNS[key][0]}" tidak ada di baris judul.` });
  }
  if (errors.count > 0) return { ok: false, rowCount: records.length, recipients: [], errors: errors.report() };

  const recipients: Recipient[] = [];
  const seen = new Set<string>();
  for (const record of records) {
    const { row, cells } = record;
    const overflow = extraCellsIssue(record);
    if (overflow) {
      errors.add(overflow);
      continue;
    }
    const get = (key: keyof typeof COLUMNS) => (resolved[key] ? (cells.get(resolved[key]!) ?? '').trim() : '');
    const candidate = { email: get('email').toLowerCase(), name: get('name'), title: get('title'), scope: get('scope'), role: get('role').toLowerCase() };
    const parsed = recipientSchema.safeParse(candidate);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0]) as keyof typeof COLUMNS;
        errors.add({ row, column: resolved[field] ?? COLUMNS[field][0], code: 'NILAI_TIDAK_SAH', message: recipientMessage(field, candidate[field]) });
      }
      continue;
    }
    if (parsed.data.scope !== NATIONAL_CODE && !regions.byCode.has(parsed.data.scope)) {
      errors.add({ row, column: resolved.scope!, code: 'KODE_TIDAK_DIKENAL', message: `Cakupan "${parsed.data.scope}" tidak dikenal: isi "nasional", kode provinsi, atau kode kabupaten/kota.` });
      continue;
    }
    const key = `${parsed.data.email}|${parsed.data.scope}|${parsed.data.role}`;
    if (seen.has(key)) {
      errors.add({ row, column: resolved.email!, code: 'PENERIMA_GANDA', message: `${parsed.data.email} dengan cakupan ${parsed.data.scope} sebagai ${parsed.data.role} tercantum dua kali.` });
      continue;
    }
    seen.add(key);
    recipients.push(parsed.data);
  }
  const ok = errors.count === 0;
  return { ok, rowCount: records.length, recipients: ok ? recipients : [], errors: errors.report() };
}

function recipientMessage(field: keyof typeof COLUMNS, value: string): string {
  switch (field) {
    case 'email':
      return `Alamat surel "${value}" tidak sah.`;
    case 'role':
      return `Peran "${value}" tidak sah: isi "pejabat" (menerima buletin) atau "admin" (menerima laporan validasi).`;
    case 'name':
      return 'Nama penerima wajib diisi.';
    default:
      return `Nilai "${value}" di kolom ${field} tidak sah.`;
  }
}
