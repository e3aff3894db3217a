/**
 * A month's uploads as the jobs see them: every file still under `uploads/<month>/`, judged by its
 * validation report. No file is read before its size and its report say it may be: a 1 GB object left
 * in the bucket, or a file already rejected, costs a listing entry, never memory.
 */
import type { ReportedFigures } from '../domain/compute.ts';
import { provinceOfCode, type RegionIndex } from '../domain/regions.ts';
import { uploadFolderScope } from '../domain/scope.ts';
import type { Period } from '../domain/types.ts';
import { reportedFiguresOf, validateFigures } from '../inputs/figures.ts';
import type { ErrorLogger } from '../inputs/input-file.ts';
import { UPLOAD_LIMITS } from '../inputs/limits.ts';
import { inParallel } from '../util/concurrency.ts';
import type { SourceFile } from '../history/store.ts';
import { uploadsPrefix } from '../storage/keys.ts';
import type { ObjectStore, ObjectSummary } from '../storage/object-store.ts';
import { readValidationReport, reportJudges, type ValidationReport } from '../storage/validation-report.ts';

/** What the report of a listed upload says about it. */
export type UploadVerdict =
  | { state: 'accepted'; report: ValidationReport }
  | { state: 'rejected'; report: ValidationReport }
  /** No report for this very object yet (validation pending, or it failed before writing one). */
  | { state: 'unjudged' }
  | { state: 'too-large' };

export interface JudgedUpload {
  object: ObjectSummary;
  fileName: string;
  verdict: UploadVerdict;
}

/** The month's uploads, oldest first (a region uploaded twice takes the later file's figures), each with its verdict. */
export async function judgeMonthUploads(store: ObjectStore, period: Period): Promise<JudgedUpload[]> {
  const prefix = uploadsPrefix(period);
  const listed = await store.list(prefix);
  listed.sort((a, b) => a.lastModified.getTime() - b.lastModified.getTime() || a.key.localeCompare(b.key));
  // The reports are independent reads: sixteen at a time, each judged into its listing's place.
  const judged: JudgedUpload[] = new Array(listed.length);
  await inParallel([...listed.keys()], 16, async (index) => {
    const object = listed[index]!;
    const fileName = object.key.slice(prefix.length);
    if (object.size > UPLOAD_LIMITS.maxBytes) {
      judged[index] = { object, fileName, verdict: { state: 'too-large' } };
      return;
    }
    const report = await readValidationReport(store, period, fileName);
    const verdict: UploadVerdict =
      !report || !reportJudges(report, object) ? { state: 'unjudged' } : report.ok ? { state: 'accepted', report } : { state: 'rejected', report };
    judged[index] = { object, fileName, verdict };
  });
  return judged;
}

/** Provinces with an accepted upload for the month (their own row or any regency's), from the reports alone. */
export function provincesUploaded(judged: readonly JudgedUpload[]): Set<string> {
  return new Set(judged.flatMap((upload) => (upload.verdict.state === 'accepted' ? upload.verdict.report.regionsReported.map(provinceOfCode) : [])));
}

export interface MonthUploads {
  /** Figures by region; a region uploaded twice takes the later file's. */
  reported: Map<string, ReportedFigures>;
  /** The valid files behind them. */
  sources: SourceFile[];
  /** The file each region's figures came from. */
  sourceOf: Map<string, SourceFile>;
  /** What the run should say about the files (not used, or validated late), in Bahasa Indonesia. */
  problems: string[];
}

/**
 * The figures of the month's accepted uploads. Each is read at the version its report accepted. An
 * upload with no report for it yet (its validation is late, or failed before writing one) is validated
 * here, within the same size limit, so a run right after an upload still uses it; the run says so.
 * A bug in the code that reads an upload (a fault) is logged, said in the problems, and costs that
 * upload only: the run goes on without it, and the upload stays as it is.
 */
export async function readMonthUploads(store: ObjectStore, regions: RegionIndex, period: Period, logger: ErrorLogger): Promise<MonthUploads> {
  const uploads: MonthUploads = { reported: new Map(), sources: [], sourceOf: new Map(), problems: [] };
  for (const { object, fileName, verdict } of await judgeMonthUploads(store, period)) {
    if (verdict.state === 'too-large') {
      uploads.problems.push(`unggahan ${object.key} terlalu besar (${object.size} bita) dan tidak dibaca`);
      continue;
    }
    if (verdict.state === 'rejected') {
      uploads.problems.push(`unggahan ${object.key} ditolak validasi (${verdict.report.errors.length} kesalahan) dan tidak dipakai`);
      continue;
    }
    const read = await store.get(object.key, {
      ...(verdict.state === 'accepted' && verdict.report.versionId ? { versionId: verdict.report.versionId } : {}),
      maxBytes: UPLOAD_LIMITS.maxBytes,
    });
    if (!read) continue; // removed since the listing (quarantined): nothing to use
    // Held to its folder's scope, as validate-upload holds it, when the run is the first to judge it.
    const result = await validateFigures(read.body, { fileName, period, regions, scope: uploadFolderScope(fileName, regions) });
    if (result.fault) {
      logger.error('a bug in the code failed the validation of an upload: not the file\'s fault', {
        key: object.key,
        error: result.fault,
      });
      uploads.problems.push(`unggahan ${object.key} tidak dapat divalidasi karena kesalahan sistem (bukan kesalahan berkas; lihat log) dan tidak dipakai`);
      continue;
    }
    if (verdict.state === 'unjudged') uploads.problems.push(`unggahan ${object.key} belum punya laporan validasi: divalidasi oleh run ini${result.ok ? '' : ' dan tidak sah'}`);
    if (!result.ok) {
      if (verdict.state === 'accepted') uploads.problems.push(`unggahan ${object.key} tidak sah lagi menurut aturan validasi saat ini (${result.errors.length} kesalahan) dan tidak dipakai`);
      continue;
    }
    const source: SourceFile = { key: object.key, etag: read.etag, uploadedAt: read.lastModified.toISOString() };
    uploads.sources.push(source);
    for (const row of result.rows) {
      uploads.reported.set(row.code, reportedFiguresOf(row));
      uploads.sourceOf.set(row.code, source);
    }
  }
  return uploads;
}
