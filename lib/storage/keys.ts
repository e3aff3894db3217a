/** Where things live in the bucket (docs/architecture.md, "Files in the bucket"). */
import { isPeriod } from '../domain/period.ts';
import { NATIONAL_CODE, slug } from '../domain/regions.ts';
import type { Level, Period, Region } from '../domain/types.ts';
import { BUCKET_PREFIXES, GROUPS_KEY, RECIPIENTS_KEY } from '../contract/bucket.ts';

export { GROUPS_KEY, RECIPIENTS_KEY };
export const UPLOADS_PREFIX = BUCKET_PREFIXES.uploads;

export const uploadsPrefix = (period: Period) => `${UPLOADS_PREFIX}${period}/`;
export const targetsKey = (year: number) => `${BUCKET_PREFIXES.targets}${year}.csv`;
export const bulletinsPrefix = (period: Period) => `${BUCKET_PREFIXES.bulletins}${period}/`;
export const validationPrefix = (period: Period) => `${BUCKET_PREFIXES.validation}${period}/`;

/** The file's name within its month, which may contain further folders: `uploads/2025-10/a/b.csv` → `a/b.csv`. */
export function parseUploadKey(key: string): { period: Period; fileName: string } | undefined {
  const match = /^uploads\/(\d{4}-\d{2})\/(.+)$/.exec(key);
  if (!match || !isPeriod(match[1]!) || match[2]!.endsWith('/')) return undefined;
  return { period: match[1]!, fileName: match[2]! };
}

export const validationReportKey = (period: Period, fileName: string) => `${validationPrefix(period)}${fileName}.json`;
export const quarantineKey = (period: Period, fileName: string) => `${BUCKET_PREFIXES.quarantine}${period}/${fileName}`;

export function bulletinKey(period: Period, region: Pick<Region, 'code' | 'name' | 'level'>): string {
  if (region.level === 'nasional') return `${bulletinsPrefix(period)}nasional.pdf`;
  return `${bulletinsPrefix(period)}${region.level}/${region.code}-${slug(region.name)}.pdf`;
}

/**
 * The month, level and code of a national, province or regency bulletin's key (the inverse of
 * bulletinKey but for the name's slug, which is there only for people); undefined for any other key. A
 * group's key is not read back: its code (`kelompok:<slug>`) runs into the name's slug with no mark between.
 */
export function parseBulletinKey(key: string): { period: Period; level: Level; code: string } | undefined {
  const match = /^bulletins\/(\d{4}-\d{2})\/(?:(nasional)\.pdf|provinsi\/(\d{2})-[a-z0-9-]*\.pdf|kabkota\/(\d{2}\.\d{2})-[a-z0-9-]*\.pdf)$/.exec(key);
  if (!match || !isPeriod(match[1]!)) return undefined;
  const period = match[1]!;
  if (match[2]) return { period, level: 'nasional', code: NATIONAL_CODE };
  if (match[3]) return { period, level: 'provinsi', code: match[3] };
  return { period, level: 'kabkota', code: match[4]! };
}

/** The file name a bulletin is attached or downloaded under: its key's last part, the national one with its month. */
export function bulletinFileName(key: string): string {
  const name = key.split('/').at(-1) ?? key;
  const period = /^bulletins\/(\d{4}-\d{2})\//.exec(key)?.[1];
  return name === 'nasional.pdf' && period ? `nasional-${period}.pdf` : name;
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
