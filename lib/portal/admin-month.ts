/**
 * An admin's month: which regions of their scope have uploaded, each upload of theirs with its verdict,
 * and the month's last run. Read from the validation reports, as remind-uploads decides, never by
 * parsing an upload.
 *
 * A rejected upload is no longer under `uploads/` (validate-upload moved it to quarantine); its report
 * stays under `validation/`, so the month is the listing of both.
 */
import { levelOfCode, NATIONAL_CODE, provinceOfCode, type RegionIndex } from '../domain/regions.ts';
import type { Level, Period } from '../domain/types.ts';
import type { RunLog } from '../history/store.ts';
import type { ValidationIssue } from '../inputs/issues.ts';
import { tooLargeMessage, UPLOAD_LIMITS } from '../inputs/limits.ts';
import { judgeMonthUploads, type JudgedUpload } from '../jobs/month-uploads.ts';
import { parseUploadKey, validationPrefix } from '../storage/keys.ts';
import type { ObjectStore, ObjectSummary } from '../storage/object-store.ts';
import { readValidationReport, reportJudges, type ValidationReport } from '../storage/validation-report.ts';
import { inParallel } from '../util/concurrency.ts';
import { regionsOfScope, scopeCovers, uploadFolderScope } from '../domain/scope.ts';

/**
 * `aggregated`: a province with no row of its own but accepted rows for some of its regencies, which the
 * monthly run sums into the province's figures (lib/domain/compute.ts), so it is not missing.
 */
export type RegionUploadState = 'accepted' | 'aggregated' | 'rejected' | 'missing';

export interface AdminIssue {
  row: number | null;
  column: string | null;
  message: string;
}

export interface AdminUpload {
  /** `uploads/<period>/<fileName>`, where the file was uploaded (a rejected one has since moved to quarantine). */
  key: string;
  fileName: string;
  /** When the object was written; for a rejected upload no longer in place, when it was judged (seconds later). */
  uploadedAt: string;
  size: number;
  state: 'accepted' | 'rejected' | 'pending' | 'too-large';
  /** Data rows, from the report; null until there is one. */
  rowCount: number | null;
  errors: AdminIssue[];
  warnings: AdminIssue[];
}

export interface AdminMonth {
  period: Period;
  scope: string;
  regions: Array<{ code: string; name: string; level: Level; state: RegionUploadState }>;
  uploads: AdminUpload[];
  lastRun: { startedAt: string; finishedAt: string | null; outcome: string } | null;
}

/** One upload with what its report (if any) says, before the scope decides who sees it. */
interface MonthUpload {
  upload: AdminUpload;
  /** The report that judged it (accepted or rejected), for the region states. */
  judged: ValidationReport | undefined;
}

const issues = (list: readonly ValidationIssue[]): AdminIssue[] => list.map(({ row, column, message }) => ({ row, column, message }));

/** An upload in place, as its report (if it judges this very object) says. */
function inPlace(object: ObjectSummary, fileName: string, report: ValidationReport | undefined): MonthUpload {
  const base = { key: object.key, fileName, uploadedAt: object.lastModified.toISOString(), size: object.size };
  if (object.size > UPLOAD_LIMITS.maxBytes) {
    // Judged by its size alone, as validate-upload and monthly-run do: it will be rejected, and why is known now.
    const errors = [{ row: null, column: null, message: tooLargeMessage(object.size) }];
    return { upload: { ...base, state: 'too-large', rowCount: null, errors, warnings: [] }, judged: undefined };
  }
  if (report && supersededBy(report, object)) return quarantined(report);
  if (!report || !reportJudges(report, object)) {
    // A report the system failed to write a verdict in says so (not the file's fault; it is retried):
    // shown, while the upload stays pending.
    const errors = report?.systemFault && report.etag === object.etag ? issues(report.errors) : [];
    return { upload: { ...base, state: 'pending', rowCount: null, errors, warnings: [] }, judged: undefined };
  }
  return { upload: { ...base, ...verdictOf(report) }, judged: report };
}

function verdictOf(report: ValidationReport): Pick<AdminUpload, 'state' | 'rowCount' | 'errors' | 'warnings'> {
  return { state: report.ok ? 'accepted' : 'rejected', rowCount: report.rowCount, errors: issues(report.errors), warnings: issues(report.warnings) };
}

/**
 * Whether the object in place is an earlier version the report's rejected upload hid: removing the
 * rejected version from the versioned bucket makes the one before it current again. The report, written
 * after that object, speaks of the name's latest upload; the object's own report was overwritten. (The
 * portal gives each upload its own name, so this is a file name re-used by hand.)
 */
const supersededBy = (report: ValidationReport, object: ObjectSummary) =>
  !report.ok && !report.systemFault && report.quarantinedTo !== null && report.etag !== object.etag && Date.parse(report.validatedAt) >= object.lastModified.getTime();

/** A rejected upload validate-upload has moved to quarantine: only its report is left under the month. */
function quarantined(report: ValidationReport): MonthUpload {
  return {
    upload: { key: report.key, fileName: report.fileName, uploadedAt: report.validatedAt, size: report.size, ...verdictOf(report) },
    judged: report,
  };
}

/** Every upload of the month, in place or quarantined. */
async function monthUploads(store: ObjectStore, period: Period): Promise<MonthUpload[]> {
  const [present, reportKeys] = await Promise.all([judgeMonthUploads(store, period), store.list(validationPrefix(period))]);
  const uploads = present.map(({ object, fileName, verdict }: JudgedUpload) =>
    inPlace(object, fileName, verdict.state === 'accepted' || verdict.state === 'rejected' ? verdict.report : undefined),
  );
  // judgeMonthUploads reads no report for a pending upload; a system fault's report is worth showing.
  await inParallel([...uploads.keys()], 16, async (index) => {
    const { upload } = uploads[index]!;
    if (upload.state !== 'pending') return;
    const object = present[index]!.object;
    uploads[index] = inPlace(object, upload.fileName, await readValidationReport(store, period, upload.fileName));
  });

  const inPlaceNames = new Set(present.map((upload) => upload.fileName));
  const prefix = validationPrefix(period);
  const gone = reportKeys
    .map((object) => object.key.slice(prefix.length).replace(/\.json$/, ''))
    .filter((fileName) => fileName !== '' && !inPlaceNames.has(fileName));
  const reports: Array<ValidationReport | undefined> = new Array(gone.length);
  await inParallel([...gone.keys()], 16, async (index) => {
    reports[index] = await readValidationReport(store, period, gone[index]!);
  });
  for (const report of reports) {
    // An accepted upload no longer in place was deleted: it is no upload of the month any more.
    if (report && !report.ok && !report.systemFault && report.quarantinedTo) uploads.push(quarantined(report));
  }
  return uploads;
}

/**
 * The admin's view of a month. `regions`: the scope's regions but the nation (admins upload province
 * and regency rows), each accepted when an accepted upload of the month reports it, rejected when the
 * latest judged upload naming it was rejected and none was accepted, aggregated for a province summed
 * from its regencies' accepted rows, else missing. `uploads`: those in
 * a scope folder the scope covers or whose report names a region it covers (a national admin sees all
 * of the month's, as they are the ones told of a file that names no region), newest first.
 */
export async function adminMonth(deps: { store: ObjectStore; runs: RunLog; regions: RegionIndex }, period: Period, scope: string): Promise<AdminMonth> {
  const [all, runs] = await Promise.all([monthUploads(deps.store, period), deps.runs.listRuns(period)]);
  const newestFirst = [...all].sort((a, b) => compareNewestFirst(a.upload, b.upload));

  const reported = new Set<string>();
  const latestNaming = new Map<string, boolean>();
  for (const { judged } of newestFirst) {
    if (!judged) continue;
    if (judged.ok) for (const code of judged.regionsReported) reported.add(code);
    for (const code of judged.regionsNamed) if (!latestNaming.has(code)) latestNaming.set(code, judged.ok);
  }
  const summedProvinces = new Set([...reported].filter((code) => levelOfCode(code) === 'kabkota').map(provinceOfCode));
  const stateOf = (code: string): RegionUploadState =>
    reported.has(code) ? 'accepted' : summedProvinces.has(code) ? 'aggregated' : latestNaming.get(code) === false ? 'rejected' : 'missing';
  const regions = regionsOfScope(deps.regions, scope)
    .filter((region) => region.code !== NATIONAL_CODE)
    .map((region) => ({ code: region.code, name: region.name, level: region.level, state: stateOf(region.code) }));

  // A scope folder the scope covers (its own, or a regency's within a province), so an upload shows from
  // the moment it lands, before any report names its regions.
  const inFolder = (fileName: string) => {
    const folder = uploadFolderScope(fileName, deps.regions);
    return folder !== undefined && scopeCovers(scope, folder);
  };
  const uploads = newestFirst
    .filter(({ upload, judged }) => scope === NATIONAL_CODE || inFolder(upload.fileName) || (judged?.regionsNamed ?? []).some((code) => scopeCovers(scope, code)))
    .map(({ upload }) => upload);

  const last = runs.reduce<(typeof runs)[number] | undefined>((latest, run) => (!latest || run.startedAt > latest.startedAt ? run : latest), undefined);
  return {
    period,
    scope,
    regions,
    uploads,
    // A run record is written when the run ends, so finishedAt is always known; a live run is on the month's lease.
    lastRun: last ? { startedAt: last.startedAt, finishedAt: last.finishedAt, outcome: last.outcome } : null,
  };
}

function compareNewestFirst(a: AdminUpload, b: AdminUpload): number {
  if (a.uploadedAt !== b.uploadedAt) return a.uploadedAt < b.uploadedAt ? 1 : -1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * One upload by its key (`uploads/<period>/<fileName>`), for the page that polls for its verdict:
 * pending until a report judging this very object exists; rejected once validate-upload has judged it
 * and moved it to quarantine; undefined when there is no such upload (not an upload key, or nothing there).
 */
export async function uploadVerdict(store: ObjectStore, key: string): Promise<AdminUpload | undefined> {
  const location = parseUploadKey(key);
  if (!location) return undefined;
  const [object, report] = await Promise.all([store.head(key), readValidationReport(store, location.period, location.fileName)]);
  if (object) return inPlace(object, location.fileName, report).upload;
  if (report && report.key === key && !report.ok && !report.systemFault && report.quarantinedTo) return quarantined(report).upload;
  return undefined;
}
