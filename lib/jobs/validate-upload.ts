/**
 * validate-upload: an object arrived under `uploads/`. Validate it, write its report, and move a rejected
 * file to quarantine byte for byte (copy, verify, then delete), telling the region's admins.
 */
import { loadRegionIndex, NATIONAL_CODE, provinceOfCode, type RegionIndex } from '../domain/regions.ts';
import { validateFigures, type FiguresValidation } from '../inputs/figures.ts';
import { tooLargeMessage, UPLOAD_LIMITS } from '../inputs/limits.ts';
import { validateRecipients, type Recipient } from '../inputs/recipients.ts';
import { parseUploadKey, quarantineKey, RECIPIENTS_KEY, validationReportKey } from '../storage/keys.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import type { Mailer } from '../delivery/mailer.ts';
import { composeValidationEmail } from '../delivery/validation-email.ts';

export interface ValidateUploadDeps {
  store: ObjectStore;
  mailer: Mailer;
  sender: string;
  replyTo?: string;
  now: () => Date;
  regions?: () => Promise<RegionIndex>;
}

export interface ValidationReport extends Omit<FiguresValidation, 'rows'> {
  key: string;
  etag: string;
  period: string;
  fileName: string;
  validatedAt: string;
  quarantinedTo: string | null;
  /** Admins told of a rejection. */
  notified: string[];
}

export type ValidateOutcome =
  | { status: 'validated'; report: ValidationReport }
  | { status: 'ignored'; reason: string };

export async function validateUpload(deps: ValidateUploadDeps, key: string): Promise<ValidateOutcome> {
  const location = parseUploadKey(key);
  if (!location) return { status: 'ignored', reason: `not an upload key: ${key}` };
  const head = await deps.store.head(key);
  if (!head) return { status: 'ignored', reason: `object is gone (already quarantined or deleted): ${key}` };

  const reportKey = validationReportKey(location.period, location.fileName);
  const previous = await deps.store.get(reportKey);
  const previousReport = previous ? (JSON.parse(previous.body.toString('utf8')) as ValidationReport) : undefined;
  if (previousReport?.etag === head.etag) {
    // The same event delivered twice, or a retry. One report is enough; but a retry after a crash
    // between writing the report and moving the file still has to finish the move.
    if (previousReport.quarantinedTo) await moveToQuarantine(deps.store, key, previousReport.quarantinedTo, head.etag, head.size);
    return { status: 'ignored', reason: `already validated: ${key} (${head.etag})` };
  }

  const regions = await (deps.regions ?? loadRegionIndex)();
  // An oversized file is judged by its size alone and never read into memory.
  const body = head.size > UPLOAD_LIMITS.maxBytes ? undefined : (await deps.store.get(key))?.body;
  const result: FiguresValidation = body
    ? await validateFigures(body, { fileName: location.fileName, period: location.period, regions })
    : {
        ok: false,
        rowCount: 0,
        rows: [],
        warnings: [],
        regionsNamed: [],
        errors: [{ row: null, column: null, code: 'BERKAS_TERLALU_BESAR', message: tooLargeMessage(head.size) }],
      };
  const quarantinedTo = result.ok ? null : quarantineKey(location.period, location.fileName);
  const admins = result.ok ? [] : await adminsFor(deps.store, regions, result.regionsNamed);
  const { rows: _rows, ...summary } = result;
  const report: ValidationReport = {
    key,
    etag: head.etag,
    period: location.period,
    fileName: location.fileName,
    validatedAt: deps.now().toISOString(),
    ...summary,
    quarantinedTo,
    notified: admins,
  };
  // The report first: whatever happens next, the admin can read why, and a retry knows what was decided.
  await deps.store.put(reportKey, JSON.stringify(report, null, 2), 'application/json');
  if (quarantinedTo) {
    await moveToQuarantine(deps.store, key, quarantinedTo, head.etag, head.size);
    for (const email of admins) {
      const raw = await composeValidationEmail({ to: email, from: deps.sender, replyTo: deps.replyTo, ...location, result });
      await deps.mailer.sendRaw(raw, email);
    }
  }
  return { status: 'validated', report };
}

/** Copy, verify the copy, then delete: a rejected upload is never lost, not even by a crash midway. */
async function moveToQuarantine(store: ObjectStore, key: string, target: string, etag: string, size: number): Promise<void> {
  if (!(await store.head(key))) return;
  await store.copy(key, target);
  const copy = await store.head(target);
  if (!copy || copy.size !== size || copy.etag !== etag) {
    throw new Error(`quarantine copy of ${key} does not match the original; the original is left in place`);
  }
  await store.delete(key);
}

/** Admins whose `cakupan` covers a region named in the file; national admins when none can be told. */
async function adminsFor(store: ObjectStore, regions: RegionIndex, codes: readonly string[]): Promise<string[]> {
  const recipientsObject = await store.get(RECIPIENTS_KEY);
  if (!recipientsObject) return [];
  const parsed = await validateRecipients(recipientsObject.body, RECIPIENTS_KEY, regions);
  const admins = parsed.recipients.filter((r) => r.role === 'admin');
  const covers = (admin: Recipient) =>
    codes.some((code) => admin.scope === code || admin.scope === provinceOfCode(code));
  let chosen = admins.filter(covers);
  if (chosen.length === 0) chosen = admins.filter((a) => a.scope === NATIONAL_CODE);
  return [...new Set(chosen.map((a) => a.email))];
}
