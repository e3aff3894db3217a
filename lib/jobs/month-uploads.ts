/** A month's uploads as the jobs read them: every file still under `uploads/<month>/`, validated. */
import type { ReportedFigures } from '../domain/compute.ts';
import type { RegionIndex } from '../domain/regions.ts';
import type { Period } from '../domain/types.ts';
import { reportedFiguresOf, validateFigures } from '../inputs/figures.ts';
import type { SourceFile } from '../history/store.ts';
import { uploadsPrefix } from '../storage/keys.ts';
import type { ObjectStore } from '../storage/object-store.ts';

export interface MonthUploads {
  /** Figures by region; a region uploaded twice takes the later file's. */
  reported: Map<string, ReportedFigures>;
  /** The valid files behind them. */
  sources: SourceFile[];
  /** The file each region's figures came from. */
  sourceOf: Map<string, SourceFile>;
  /** Files still present that do not validate (normally validate-upload has moved them away already). */
  invalid: Array<{ key: string; errors: number }>;
}

/** The month's uploads, oldest first, so a region uploaded twice takes the later figures. */
export async function readMonthUploads(store: ObjectStore, regions: RegionIndex, period: Period): Promise<MonthUploads> {
  const listed = await store.list(uploadsPrefix(period));
  listed.sort((a, b) => a.lastModified.getTime() - b.lastModified.getTime() || a.key.localeCompare(b.key));
  const uploads: MonthUploads = { reported: new Map(), sources: [], sourceOf: new Map(), invalid: [] };
  for (const summary of listed) {
    const object = await store.get(summary.key);
    if (!object) continue;
    const fileName = summary.key.slice(uploadsPrefix(period).length);
    const result = await validateFigures(object.body, { fileName, period, regions });
    if (!result.ok) {
      uploads.invalid.push({ key: summary.key, errors: result.errors.length });
      continue;
    }
    const source: SourceFile = { key: summary.key, etag: object.etag, uploadedAt: object.lastModified.toISOString() };
    uploads.sources.push(source);
    for (const row of result.rows) {
      uploads.reported.set(row.code, reportedFiguresOf(row));
      uploads.sourceOf.set(row.code, source);
    }
  }
  return uploads;
}
