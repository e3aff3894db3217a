/**
 * validate-upload: an object version arrived under `uploads/`. Validate that version, write its report,
 * and move a rejected file to quarantine byte for byte (copy the version, check the copy, then remove
 * the version), telling the region's admins.
 *
 * An upload under a scope's folder, `uploads/<period>/<scope>/<file>` (where the portal puts an admin's
 * files), may hold rows only for the regions that scope covers (lib/domain/scope.ts): any other row is an
 * error (`DI_LUAR_CAKUPAN`), and a rejection is told to that scope's admins.
 *
 * S3 delivers events at least once and in any order, so everything here is safe to repeat: an event for
 * a version already judged only finishes what is left undone (the move, the emails); an event older than
 * the one already judged for the key (by S3's `sequencer`) is ignored.
 *
 * A bug in the code that reads the file (a fault, lib/inputs/input-file.ts) is not the file's: it is logged
 * as an error, the report says only that the system failed (`systemFault`), the upload stays where it
 * is, nobody is emailed, and the invocation fails, so that Lambda retries it, the operators' alarm goes
 * off and the event waits in the failed-events queue to be sent again once the bug is fixed.
 */
import { loadRegionIndex, NATIONAL_CODE, provinceOfCode, type RegionIndex } from '../domain/regions.ts';
import { validateFigures, type FiguresValidation } from '../inputs/figures.ts';
import { ReaderFault, type ErrorLogger } from '../inputs/input-file.ts';
import { tooLargeMessage, UPLOAD_LIMITS } from '../inputs/limits.ts';
import { readRecipientsFile, type Recipient } from '../inputs/recipients.ts';
import { parseUploadKey, quarantineKey, RECIPIENTS_KEY } from '../storage/keys.ts';
import type { ObjectStore, ObjectSummary } from '../storage/object-store.ts';
import {
  compareSequencers,
  readValidationReport,
  writeValidationReport,
  type ValidationReport,
} from '../storage/validation-report.ts';
import type { Mailer } from '../delivery/mailer.ts';
import { composeValidationEmail } from '../delivery/validation-email.ts';
import { classifySendError, describeSendError } from '../delivery/ses-errors.ts';
import { uploadFolderScope } from '../domain/scope.ts';

export interface ValidateUploadDeps {
  store: ObjectStore;
  mailer: Mailer;
  sender: string;
  replyTo?: string;
  now: () => Date;
  regions?: () => Promise<RegionIndex>;
  /** Where a fault is logged: the function's logger. */
  logger: ErrorLogger;
}

/** What the S3 event says was created. */
export interface UploadedObject {
  key: string;
  /** Absent only where the bucket keeps no versions. */
  versionId?: string;
  sequencer?: string;
}

export type { ValidationReport };
export { ReaderFault };

export type ValidateOutcome =
  | { status: 'validated'; report: ValidationReport }
  | { status: 'ignored'; reason: string };

export async function validateUpload(deps: ValidateUploadDeps, uploaded: UploadedObject): Promise<ValidateOutcome> {
  const { key, versionId, sequencer } = uploaded;
  const location = parseUploadKey(key);
  if (!location) return { status: 'ignored', reason: `not an upload key: ${key}` };

  const previous = await readValidationReport(deps.store, location.period, location.fileName);
  // A version the system failed to judge is judged again.
  if (previous && sameVersion(previous, uploaded) && !previous.systemFault) {
    // The same event again, or a retry after a crash or a failed email: finish what is left undone.
    await finishRejection(deps, previous);
    return { status: 'ignored', reason: `already validated: ${key} (version ${versionId ?? previous.etag})` };
  }
  if (previous?.sequencer && sequencer && compareSequencers(sequencer, previous.sequencer) < 0) {
    return { status: 'ignored', reason: `a later upload of ${key} was validated already (sequencer ${previous.sequencer} after ${sequencer})` };
  }

  // The version the event names, not whatever the key holds by now.
  const head = await deps.store.head(key, versionId);
  if (!head) return { status: 'ignored', reason: `object is gone (already quarantined or deleted): ${key}` };

  const regions = await (deps.regions ?? loadRegionIndex)();
  // The scope its folder names (the portal's uploads/<period>/<scope>/): its rows are held to it, and a
  // rejection is that scope's admins' to hear of, even when none of its rows is theirs.
  const scope = uploadFolderScope(location.fileName, regions);
  const result = await validateVersion(deps.store, head, location, regions, scope);
  if (result.fault) {
    deps.logger.error('a bug in the code failed the validation of an upload: not the file\'s fault; the upload is left in place', {
      key,
      versionId: head.versionId,
      error: result.fault,
    });
    // What the admin may read: the system failed, not their file. Nothing is moved, nobody emailed.
    await writeValidationReport(deps.store, { ...reportOf(deps, uploaded, head, location, result, null, []), systemFault: true });
    throw new ReaderFault(key, result.fault);
  }
  const quarantinedTo = result.ok ? null : quarantineKey(location.period, location.fileName);
  const owners = scope === undefined ? result.regionsNamed : [...new Set([scope, ...result.regionsNamed])];
  const notify = result.ok ? [] : await adminsFor(deps, regions, owners);
  const report = reportOf(deps, uploaded, head, location, result, quarantinedTo, notify);
  // The report first: whatever happens next, the admin can read why, and a retry knows what was decided.
  await writeValidationReport(deps.store, report);
  await finishRejection(deps, report, result);
  return { status: 'validated', report };
}

/** The report of a validation just made. */
function reportOf(
  deps: ValidateUploadDeps,
  { key, sequencer }: UploadedObject,
  head: ObjectSummary,
  location: { period: string; fileName: string },
  result: FiguresValidation,
  quarantinedTo: string | null,
  notify: string[],
): ValidationReport {
  const { ok, rowCount, errors, warnings, regionsNamed, rows } = result;
  return {
    key,
    ...(head.versionId ? { versionId: head.versionId } : {}),
    ...(sequencer ? { sequencer } : {}),
    etag: head.etag,
    size: head.size,
    period: location.period,
    fileName: location.fileName,
    validatedAt: deps.now().toISOString(),
    ok,
    rowCount,
    errors,
    warnings,
    regionsNamed,
    regionsReported: [...new Set(rows.map((row) => row.code))],
    quarantinedTo,
    notify,
    notified: [],
    notifyFailed: [],
  };
}

const sameVersion = (report: ValidationReport, uploaded: UploadedObject) =>
  uploaded.versionId !== undefined ? report.versionId === uploaded.versionId : report.versionId === undefined && report.sequencer === uploaded.sequencer;

async function validateVersion(
  store: ObjectStore,
  head: ObjectSummary,
  location: { period: string; fileName: string },
  regions: RegionIndex,
  scope: string | undefined,
): Promise<FiguresValidation> {
  // An oversized file is judged by its size alone and never read into memory.
  const body = head.size > UPLOAD_LIMITS.maxBytes ? undefined : (await store.get(head.key, { versionId: head.versionId, maxBytes: UPLOAD_LIMITS.maxBytes }))?.body;
  if (body) return validateFigures(body, { fileName: location.fileName, period: location.period, regions, scope });
  return {
    ok: false,
    rowCount: 0,
    rows: [],
    warnings: [],
    regionsNamed: [],
    errors: [{ row: null, column: null, code: 'BERKAS_TERLALU_BESAR', message: tooLargeMessage(head.size) }],
  };
}

/**
 * A rejected upload: moved to quarantine, and its admins told, each once. Both steps record their
 * progress, so a retry (after a crash, or an email SES could not take yet) does only what is left.
 * `result` is the validation just made; a retry rebuilds the email from the report.
 */
async function finishRejection(deps: ValidateUploadDeps, report: ValidationReport, result?: FiguresValidation): Promise<void> {
  if (!report.quarantinedTo) return;
  await moveToQuarantine(deps.store, report, report.quarantinedTo);
  const pending = report.notify.filter((email) => !report.notified.includes(email) && !report.notifyFailed.some((f) => f.email === email));
  let current = report;
  for (const email of pending) {
    const raw = await composeValidationEmail({
      to: email,
      from: deps.sender,
      replyTo: deps.replyTo,
      period: report.period,
      fileName: report.fileName,
      result: result ?? { errors: report.errors, warnings: report.warnings },
    });
    try {
      await deps.mailer.sendRaw(raw, email);
      current = { ...current, notified: [...current.notified, email] };
    } catch (error) {
      // The sender or the account (sandbox, identity being verified) is the cause: nothing about this
      // admin, so the invocation fails and Lambda retries it; the report says who is still to be told.
      if (classifySendError(error) !== 'recipient') throw error;
      current = { ...current, notifyFailed: [...current.notifyFailed, { email, reason: describeSendError(error) }] };
    }
    await writeValidationReport(deps.store, current);
  }
}

/**
 * Copy the judged version, check the copy, then remove exactly that version: a rejected upload is never
 * lost, not even by a crash midway, and a newer upload of the same file name is never touched.
 *
 * The copy is checked by the version it was made from and by its size, not by ETag: S3 gives a copy its
 * own ETag (the MD5 of its bytes), which differs from a multipart original's (`<md5 of parts>-<n>`), the
 * way `aws s3 cp` sends any file over 8 MB.
 */
async function moveToQuarantine(store: ObjectStore, report: ValidationReport, target: string): Promise<void> {
  if (!(await store.head(report.key, report.versionId))) return; // moved already
  const copy = await store.copy(report.key, target, report.versionId);
  const copied = await store.head(target, copy.versionId);
  const sameSource = report.versionId === undefined || copy.sourceVersionId === report.versionId;
  if (!copied || copied.size !== report.size || !sameSource) {
    throw new Error(
      `quarantine copy of ${report.key} (version ${report.versionId ?? 'none'}, ${report.size} bytes) does not match: copied version ${copy.sourceVersionId ?? 'none'}, ${copied?.size ?? 'no'} bytes; the original is left in place`,
    );
  }
  await store.delete(report.key, report.versionId);
}

/**
 * Admins whose `cakupan` covers a region named in the file; national admins when none can be told. A bug
 * reading the recipients fails the invocation before anything is decided: retried, the upload untouched.
 */
async function adminsFor(deps: ValidateUploadDeps, regions: RegionIndex, codes: readonly string[]): Promise<string[]> {
  const parsed = await readRecipientsFile(deps.store, regions);
  if (!parsed) return [];
  if (parsed.fault) {
    deps.logger.error('a bug in the code failed reading the recipients: the upload is left unjudged', { error: parsed.fault });
    throw new ReaderFault(RECIPIENTS_KEY, parsed.fault);
  }
  const admins = parsed.recipients.filter((r) => r.role === 'admin');
  const covers = (admin: Recipient) => codes.some((code) => admin.scope === code || admin.scope === provinceOfCode(code));
  let chosen = admins.filter(covers);
  if (chosen.length === 0) chosen = admins.filter((a) => a.scope === NATIONAL_CODE);
  return [...new Set(chosen.map((a) => a.email))];
}
