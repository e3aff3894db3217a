/**
 * The validation report of an upload, `validation/YYYY-MM/<file>.json`: what validate-upload decided
 * about one version of the file, and the one place the other jobs learn it. monthly-run reads only
 * uploads whose report accepts the very object listed; remind-uploads decides from reports alone and
 * never parses an upload.
 */
import * as z from 'zod';
import type { Period } from '../domain/types.ts';
import { validationReportKey } from './keys.ts';
import { SMALL_OBJECT_BYTES, type ObjectStore } from './object-store.ts';
import { parseJsonOrUndefined } from '../util/json.ts';

const issueSchema = z.object({ row: z.number().int().nullable(), column: z.string().nullable(), code: z.string(), message: z.string() });

export const validationReportSchema = z.object({
  key: z.string(),
  /** The object version judged; absent where the bucket gave none (an object from before versioning). */
  versionId: z.string().optional(),
  /** The S3 event's sequencer: a later event for the key carries a greater one (compareSequencers). */
  sequencer: z.string().optional(),
  /** The version's ETag, which the bucket's listing shows for the same object (a copy has another). */
  etag: z.string(),
  size: z.number().int().nonnegative().default(0),
  period: z.string(),
  fileName: z.string(),
  validatedAt: z.string(),
  ok: z.boolean(),
  rowCount: z.number().int().nonnegative(),
  errors: z.array(issueSchema),
  warnings: z.array(issueSchema),
  /** Codes the file names, read leniently even when it is rejected: whose admins to tell. */
  regionsNamed: z.array(z.string()),
  /** Codes with figures in an accepted file (a template row left blank is not one): who has uploaded. */
  regionsReported: z.array(z.string()).default([]),
  quarantinedTo: z.string().nullable(),
  /** Admins to tell of a rejection, and those already told (a retry tells only the rest). */
  notify: z.array(z.string()).default([]),
  notified: z.array(z.string()),
  /** Addresses SES refused for good, with the reason: not retried. */
  notifyFailed: z.array(z.object({ email: z.string(), reason: z.string() })).default([]),
  /**
   * The code, not the file, failed (lib/inputs/input-file.ts, `fault`): `errors` says so to the admin, the
   * upload was left in place and nobody was emailed. It judges nothing: the next event for the version,
   * or monthly-run, validates it again.
   */
  systemFault: z.literal(true).optional(),
});

export type ValidationReport = z.infer<typeof validationReportSchema>;

/** The report of `uploads/<period>/<fileName>`, or undefined when there is none (or it is unreadable, which is said). */
export async function readValidationReport(store: ObjectStore, period: Period, fileName: string): Promise<ValidationReport | undefined> {
  const key = validationReportKey(period, fileName);
  const object = await store.get(key, { maxBytes: SMALL_OBJECT_BYTES });
  if (!object) return undefined;
  const parsed = validationReportSchema.safeParse(parseJsonOrUndefined(object.body));
  if (!parsed.success) throw new Error(`${key} is not a validation report: ${parsed.error.message}`);
  return parsed.data;
}

export async function writeValidationReport(store: ObjectStore, report: ValidationReport): Promise<void> {
  await store.put(validationReportKey(report.period, report.fileName), JSON.stringify(report, null, 2), 'application/json');
}

/**
 * Whether a report judged the object a listing shows: the same ETag (otherwise it speaks of another
 * version), and not a report that the system failed to judge it.
 */
export const reportJudges = (report: ValidationReport, object: { etag: string }) => report.etag === object.etag && !report.systemFault;

/**
 * S3's rule for ordering two events of one key: pad the shorter sequencer with leading zeros, then
 * compare as strings. Negative when `a` came first.
 */
export function compareSequencers(a: string, b: string): number {
  const width = Math.max(a.length, b.length);
  const left = a.toUpperCase().padStart(width, '0');
  const right = b.toUpperCase().padStart(width, '0');
  return left < right ? -1 : left > right ? 1 : 0;
}
