/** `config/recipients.csv`: `email,nama,jabatan,cakupan,peran`. */
import * as z from 'zod';
import { RECIPIENTS_KEY } from '../contract/bucket.ts';
import { NATIONAL_CODE, type RegionIndex } from '../domain/regions.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { validateInputFile, type FileValidation, type InputFile } from './input-file.ts';
import { quoteCell, type ValidationIssue } from './issues.ts';
import { UPLOAD_LIMITS } from './limits.ts';

export const recipientSchema = z.object({
  email: z.email(),
  name: z.string().min(1),
  title: z.string(),
  /** `nasional`, a province code or a regency code. */
  scope: z.string().min(1),
  /** `operator`: runs and watches the system (the portal's operator pages); receives no bulletin or report. */
  role: z.enum(['pejabat', 'admin', 'operator']),
});
export type Recipient = z.infer<typeof recipientSchema>;

export interface RecipientsValidation extends FileValidation {
  recipients: Recipient[];
}

const COLUMNS = {
  email: { aliases: ['email', 'surel'], required: true },
  name: { aliases: ['nama'], required: true },
  title: { aliases: ['jabatan'] },
  scope: { aliases: ['cakupan'], required: true },
  role: { aliases: ['peran'], required: true },
} as const;
type Field = keyof typeof COLUMNS;

/**
 * The most `config/recipients.csv` may be, for every job that reads it. A real one is small (552 regions,
 * a few officials each: a few hundred KB, twice that as the UTF-16 text Excel saves), but it is checked
 * by the same reader as an upload, which `ucj` also runs before putting it in the bucket: a smaller cap
 * here would refuse in a job a file that check accepted.
 */
export const RECIPIENTS_MAX_BYTES = UPLOAD_LIMITS.maxBytes;

/**
 * `config/recipients.csv` as every job reads it (validate-upload, monthly-run, remind-uploads): at most
 * RECIPIENTS_MAX_BYTES, validated; undefined when there is none. Over the cap, the store throws.
 */
export async function readRecipientsFile(store: ObjectStore, regions: RegionIndex): Promise<RecipientsValidation | undefined> {
  const object = await store.get(RECIPIENTS_KEY, { maxBytes: RECIPIENTS_MAX_BYTES });
  return object ? validateRecipients(object.body, RECIPIENTS_KEY, regions) : undefined;
}

export function validateRecipients(bytes: Uint8Array, fileName: string, regions: RegionIndex): Promise<RecipientsValidation> {
  const rejected = (errors: ValidationIssue[], rowCount = 0): RecipientsValidation => ({ ok: false, rowCount, recipients: [], errors });
  return validateInputFile(bytes, fileName, { columns: COLUMNS, rejected }, (file) => {
    if (file.errors.count > 0) return rejected(file.errors.report(), file.table.records.length);
    return checkRecipients(file, regions);
  });
}

function checkRecipients(file: InputFile<Field>, regions: RegionIndex): RecipientsValidation {
  const { errors } = file;
  const columnOf = (field: Field) => file.columns[field] ?? COLUMNS[field].aliases[0];
  const recipients: Recipient[] = [];
  const seen = new Set<string>();
  for (const record of file.records()) {
    const { row } = record;
    const get = (field: Field) => file.cell(record, field).trim();
    const candidate = { email: get('email').toLowerCase(), name: get('name'), title: get('title'), scope: get('scope'), role: get('role').toLowerCase() };
    const parsed = recipientSchema.safeParse(candidate);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = fieldOf(issue.path[0]);
        const column = columnOf(field);
        errors.add({ row, column, code: 'NILAI_TIDAK_SAH', message: recipientMessage(field, candidate[field], column) });
      }
      continue;
    }
    if (parsed.data.scope !== NATIONAL_CODE && !regions.byCode.has(parsed.data.scope)) {
      errors.add({ row, column: columnOf('scope'), code: 'KODE_TIDAK_DIKENAL', message: `Cakupan "${quoteCell(parsed.data.scope)}" tidak dikenal: isi "nasional", kode provinsi, atau kode kabupaten/kota.` });
      continue;
    }
    // An operator runs the whole system: a narrower scope would promise a limit nothing enforces.
    if (parsed.data.role === 'operator' && parsed.data.scope !== NATIONAL_CODE) {
      errors.add({ row, column: columnOf('scope'), code: 'CAKUPAN_OPERATOR', message: `Peran operator hanya untuk cakupan "nasional", bukan "${quoteCell(parsed.data.scope)}".` });
      continue;
    }
    const key = `${parsed.data.email}|${parsed.data.scope}|${parsed.data.role}`;
    if (seen.has(key)) {
      errors.add({ row, column: columnOf('email'), code: 'PENERIMA_GANDA', message: `${parsed.data.email} dengan cakupan ${parsed.data.scope} sebagai ${parsed.data.role} tercantum dua kali.` });
      continue;
    }
    seen.add(key);
    recipients.push(parsed.data);
  }
  const ok = errors.count === 0;
  return { ok, rowCount: file.table.records.length, recipients: ok ? recipients : [], errors: errors.report() };
}

const isField = (key: unknown): key is Field => typeof key === 'string' && Object.hasOwn(COLUMNS, key);

/** The field a schema issue is about: its path's first key, one of the candidate's. */
function fieldOf(key: PropertyKey | undefined): Field {
  if (isField(key)) return key;
  throw new Error(`recipient schema issue about an unknown field: ${String(key)}`);
}

function recipientMessage(field: Field, value: string, column: string): string {
  switch (field) {
    case 'email':
      return `Alamat surel "${quoteCell(value)}" tidak sah.`;
    case 'role':
      return `Peran "${quoteCell(value)}" tidak sah: isi "pejabat" (menerima buletin), "admin" (menerima laporan validasi) atau "operator" (menjalankan sistem).`;
    case 'name':
      return 'Nama penerima wajib diisi.';
    default:
      return value === '' ? `Kolom ${column} wajib diisi.` : `Nilai "${quoteCell(value)}" di kolom ${column} tidak sah.`;
  }
}
