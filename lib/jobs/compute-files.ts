/**
 * `ucj compute`: a month's figures from files alone, offline. The files may hold earlier months, which
 * serve as history exactly as snapshots do in the monthly run: every month up to the one asked for is
 * computed in order, and each month's figures become the history of the next.
 */
import { computeMonth, pastFiguresOf, type ComputedMonth, type PastFigures, type ReportedFigures, type TargetFigures } from '../domain/compute.ts';
import { parsePeriod } from '../domain/period.ts';
import type { RegionIndex } from '../domain/regions.ts';
import type { Period } from '../domain/types.ts';
import { reportedFiguresOf, validateFigures } from '../inputs/figures.ts';
import { validateGroups } from '../inputs/groups.ts';
import type { FileValidation } from '../inputs/input-file.ts';
import type { ValidationIssue } from '../inputs/issues.ts';
import { targetTableForYear, validateTargets, type Target } from '../inputs/targets.ts';

export interface InputFile {
  name: string;
  bytes: Uint8Array;
}

export interface ComputeFilesOptions {
  period: Period;
  files: readonly InputFile[];
  targets?: InputFile;
  groups?: InputFile;
  regions: RegionIndex;
}

export type ComputeFilesResult =
  | { ok: true; month: ComputedMonth; notes: string[] }
  | { ok: false; fileErrors: Array<{ file: string; errors: ValidationIssue[] }> };

/** A bug in the code that read a file is thrown, with its stack, for the operator: never listed as the file's error. */
function unlessFault<R extends FileValidation>(result: R): R {
  if (result.fault) throw result.fault;
  return result;
}

export async function computeFromFiles(options: ComputeFilesOptions): Promise<ComputeFilesResult> {
  const { regions, period } = options;
  const fileErrors: Array<{ file: string; errors: ValidationIssue[] }> = [];
  const notes: string[] = [];

  // Rows by month, then region. A region given twice for a month: the file named later wins, as the
  // later upload does in the bucket.
  const byMonth = new Map<Period, Map<string, ReportedFigures>>();
  for (const file of options.files) {
    const result = unlessFault(await validateFigures(file.bytes, { fileName: file.name, regions }));
    if (!result.ok) {
      fileErrors.push({ file: file.name, errors: result.errors });
      continue;
    }
    for (const row of result.rows) {
      const month = byMonth.get(row.period) ?? new Map<string, ReportedFigures>();
      if (month.has(row.code)) notes.push(`${row.code} ${row.period}: angka dari ${file.name} menggantikan yang sebelumnya`);
      month.set(row.code, reportedFiguresOf(row));
      byMonth.set(row.period, month);
    }
  }

  let targets: Target[] = [];
  if (options.targets) {
    const result = unlessFault(await validateTargets(options.targets.bytes, options.targets.name, regions));
    if (result.ok) targets = result.targets;
    else fileErrors.push({ file: options.targets.name, errors: result.errors });
  }
  let groups = new Map<string, string[]>();
  if (options.groups) {
    const result = unlessFault(await validateGroups(options.groups.bytes, options.groups.name, regions));
    if (result.ok) groups = result.groups;
    else fileErrors.push({ file: options.groups.name, errors: result.errors });
  }
  if (fileErrors.length > 0) return { ok: false, fileErrors };

  const targetsOfYear = new Map<number, ReadonlyMap<string, TargetFigures>>();
  const targetsFor = (month: Period) => {
    const { year } = parsePeriod(month);
    if (!targetsOfYear.has(year)) targetsOfYear.set(year, targetTableForYear(targets, year));
    return targetsOfYear.get(year)!;
  };

  const history = new Map<Period, Map<string, PastFigures>>();
  const months = [...byMonth.keys()].filter((month) => month < period).sort();
  for (const month of months) {
    const computed = computeMonth({ period: month, regions, reported: byMonth.get(month)!, targets: targetsFor(month), history, groups });
    history.set(month, pastFiguresOf([computed.national, ...computed.provinces, ...computed.regencies, ...computed.groups]));
  }
  const month = computeMonth({ period, regions, reported: byMonth.get(period) ?? new Map(), targets: targetsFor(period), history, groups });
  if (!byMonth.has(period)) notes.push(`tidak ada baris untuk ${period} di berkas mana pun`);
  return { ok: true, month, notes };
}
