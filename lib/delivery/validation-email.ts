/** The email that tells admins their upload was rejected, and exactly where to fix it. */
import { buildMime } from './mime.ts';
import { periodNameId } from '../domain/period.ts';
import type { FiguresValidation } from '../inputs/figures.ts';

export interface ValidationEmailInput {
  to: string;
  from: string;
  replyTo?: string;
  period: string;
  fileName: string;
  /** What the email lists: the report's errors and warnings. */
  result: Pick<FiguresValidation, 'errors' | 'warnings'>;
}

export function describeIssue(issue: { row: number | null; column: string | null; message: string }): string {
  const where = [issue.row !== null ? `baris ${issue.row}` : null, issue.column ? `kolom ${issue.column}` : null].filter(Boolean).join(', ');
  return where ? `${where}: ${issue.message}` : issue.message;
}

export function composeValidationEmail(input: ValidationEmailInput): Promise<Buffer> {
  const { result } = input;
  const text = [
    'Yth. Admin Data,',
    '',
    `Berkas "${input.fileName}" untuk ${periodNameId(input.period)} DITOLAK: ditemukan ${result.errors.length} kesalahan.`,
    'Berkas disimpan di karantina dan tidak dipakai dalam buletin. Perbaiki lalu unggah ulang sebelum batas waktu.',
    '',
    'Kesalahan:',
    ...result.errors.map((e) => `- ${describeIssue(e)}`),
    ...(result.warnings.length > 0 ? ['', 'Peringatan:', ...result.warnings.map((w) => `- ${describeIssue(w)}`)] : []),
    '',
  ].join('\n');
  return buildMime({
    from: input.from,
    to: input.to,
    replyTo: input.replyTo,
    subject: `Unggahan UCJ ditolak: ${input.fileName} (${periodNameId(input.period)})`,
    text,
    period: input.period,
  });
}
