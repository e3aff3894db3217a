/**
 * What a scope covers. A scope is a recipient's `cakupan` (config/recipients.csv): `nasional`, a
 * province code (`31`) or a regency code (`31.71`). The portal shows each user what their scope covers,
 * and the upload rules (lib/inputs/template.ts, lib/inputs/figures.ts) hold an admin's file to it. Pure, in the domain:
 * the inputs and the portal both use it.
 */
import { levelOfCode, NATIONAL_CODE, provinceOfCode, type RegionIndex } from './regions.ts';
import type { Region } from './types.ts';

/** `nasional` covers every code; a province covers itself and its regencies; a regency only itself. */
export function scopeCovers(scope: string, code: string): boolean {
  if (scope === NATIONAL_CODE) return true;
  const level = levelOfCode(scope);
  if (level === 'provinsi') return code === scope || (levelOfCode(code) === 'kabkota' && provinceOfCode(code) === scope);
  if (level === 'kabkota') return code === scope;
  // Anything else is no scope at all: it covers nothing rather than guessing.
  return false;
}

/**
 * Codes in reading order: the nation first (its code, `nasional`, would otherwise sort after every
 * digit), then by code, so a province comes right before its regencies (`31` < `31.01`).
 */
export function compareCodes(a: string, b: string): number {
  if (a === b) return 0;
  if (a === NATIONAL_CODE) return -1;
  if (b === NATIONAL_CODE) return 1;
  return a < b ? -1 : 1;
}

/** The regions a scope covers, by code (the nation first); none for a scope the index does not know. */
export function regionsOfScope(regions: RegionIndex, scope: string): Region[] {
  let list: Region[];
  if (scope === NATIONAL_CODE) list = [regions.national, ...regions.provinces, ...regions.regencies];
  else {
    const region = regions.byCode.get(scope);
    if (!region) return [];
    list = region.level === 'provinsi' ? [region, ...regions.regenciesOf(region.code)] : [region];
  }
  return [...list].sort((a, b) => compareCodes(a.code, b.code));
}

/**
 * The scope an upload's folder names: `uploads/<period>/<scope>/<file>` (the portal uploads there, one
 * folder per admin's scope), given the file's name within its month. Undefined for a file at the month's
 * top level or in any other folder, which keeps today's meaning (an ordinary subfolder).
 */
export function uploadFolderScope(fileName: string, regions: RegionIndex): string | undefined {
  const slash = fileName.indexOf('/');
  if (slash <= 0) return undefined;
  const folder = fileName.slice(0, slash);
  // byCode holds exactly the nation, the provinces and the regencies: every scope there is, and no more.
  return regions.byCode.has(folder) ? folder : undefined;
}
