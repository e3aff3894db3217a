/** An official's archive: the stored bulletins of the regions their scope covers, every month the bucket holds. */
import type { RegionIndex } from '../domain/regions.ts';
import type { Level, Period } from '../domain/types.ts';
import { BUCKET_PREFIXES } from '../contract/bucket.ts';
import { bulletinKey, parseBulletinKey } from '../storage/keys.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { compareCodes, scopeCovers } from '../domain/scope.ts';

export interface ArchivedBulletin {
  period: Period;
  code: string;
  /** The region's official name (Region.name); displayName() gives the one pages show. */
  name: string;
  level: Level;
  key: string;
  size: number;
}

/**
 * Every stored bulletin of a region the scope covers, newest month first, then by code (the nation
 * first). Only keys that are exactly where bulletinKey puts the region's bulletin count: a stray object
 * under `bulletins/`, a region no longer in the index, or a group's bulletin (groups are no one's scope)
 * is left out rather than shown under a guessed name.
 */
export async function officialArchive(store: ObjectStore, regions: RegionIndex, scope: string): Promise<ArchivedBulletin[]> {
  const archive: ArchivedBulletin[] = [];
  for (const object of await store.list(BUCKET_PREFIXES.bulletins)) {
    const parsed = parseBulletinKey(object.key);
    if (!parsed || !scopeCovers(scope, parsed.code)) continue;
    const region = regions.byCode.get(parsed.code);
    if (!region || region.level !== parsed.level || bulletinKey(parsed.period, region) !== object.key) continue;
    archive.push({ period: parsed.period, code: region.code, name: region.name, level: region.level, key: object.key, size: object.size });
  }
  return archive.sort((a, b) => (a.period !== b.period ? (a.period < b.period ? 1 : -1) : compareCodes(a.code, b.code)));
}
