/** Where things live in the bucket (DESIGN.md "Files in the bucket"). */
import { isPeriod } from '../domain/period.ts';
import { slug } from '../domain/regions.ts';
import type { Period, Region } from '../domain/types.ts';

export const UPLOADS_PREFIX = 'uploads/';
export const RECIPIENTS_KEY = 'config/recipients.csv';
export const GROUPS_KEY = 'config/groups.csv';

export const uploadsPrefix = (period: Period) => `${UPLOADS_PREFIX}${period}/`;
export const targetsKey = (year: number) => `targets/${year}.csv`;
export const bulletinsPrefix = (period: Period) => `bulletins/${period}/`;

/** The file's name within its month, which may contain further folders: `uploads/2025-10/a/b.csv` → `a/b.csv`. */
export function parseUploadKey(key: string): { period: Period; fileName: string } | undefined {
  const match = /^uploads\/(\d{4}-\d{2})\/(.+)$/.exec(key);
  if (!match || !isPeriod(match[1]!) || match[2]!.endsWith('/')) return undefined;
  return { period: match[1]!, fileName: match[2]! };
}

export const validationReportKey = (period: Period, fileName: string) => `validation/${period}/${fileName}.json`;
export const quarantineKey = (period: Period, fileName: string) => `quarantine/${period}/${fileName}`;

export function bulletinKey(period: Period, region: Pick<Region, 'code' | 'name' | 'level'>): string {
  if (region.level === 'nasional') return `${bulletinsPrefix(period)}nasional.pdf`;
  return `${bulletinsPrefix(period)}${region.level}/${region.code}-${slug(region.name)}.pdf`;
}

/** S3 event notifications carry the key URL-encoded, with `+` for a space. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/** As S3 writes keys into events: form-encoded, so even `!'()*` are escaped and a space is `+`. */
export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/');
}
