/**
 * Kemendagri region codes and names, from the `idn-area-data` package (38 provinces, 514 regencies and
 * cities), never from a hand-typed list.
 */
import { getProvinces, getRegencies } from 'idn-area-data';
import type { Level, Region } from './types.ts';

export const NATIONAL_CODE = 'nasional';
export const NATIONAL_REGION: Region = { code: NATIONAL_CODE, name: 'INDONESIA', level: 'nasional' };

export interface RegionIndex {
  national: Region;
  provinces: Region[];
  regencies: Region[];
  byCode: ReadonlyMap<string, Region>;
  regenciesOf(provinceCode: string): Region[];
}

export function buildRegionIndex(
  provinces: ReadonlyArray<{ code: string; name: string }>,
  regencies: ReadonlyArray<{ code: string; province_code: string; name: string }>,
): RegionIndex {
  const provinceRegions: Region[] = provinces.map((p) => ({ code: p.code, name: p.name, level: 'provinsi' }));
  const regencyRegions: Region[] = regencies.map((r) => ({
    code: r.code,
    name: r.name,
    level: 'kabkota',
    provinceCode: r.province_code,
  }));
  const byCode = new Map<string, Region>([[NATIONAL_CODE, NATIONAL_REGION]]);
  for (const region of [...provinceRegions, ...regencyRegions]) byCode.set(region.code, region);
  const byProvince = new Map<string, Region[]>();
  for (const regency of regencyRegions) {
    const list = byProvince.get(regency.provinceCode!) ?? [];
    list.push(regency);
    byProvince.set(regency.provinceCode!, list);
  }
  return {
    national: NATIONAL_REGION,
    provinces: provinceRegions,
    regencies: regencyRegions,
    byCode,
    regenciesOf: (provinceCode) => byProvince.get(provinceCode) ?? [],
  };
}

let cached: Promise<RegionIndex> | undefined;

/** The reference index, read once per process. */
export function loadRegionIndex(): Promise<RegionIndex> {
  cached ??= Promise.all([getProvinces(), getRegencies()]).then(([provinces, regencies]) =>
    buildRegionIndex(provinces, regencies),
  );
  return cached;
}

export function levelOfCode(code: string): Level | undefined {
  if (code === NATIONAL_CODE) return 'nasional';
  if (/^\d{2}$/.test(code)) return 'provinsi';
  if (/^\d{2}\.\d{2}$/.test(code)) return 'kabkota';
  return undefined;
}

/** The province a code belongs to (itself for a province). */
export function provinceOfCode(code: string): string {
  return code.slice(0, 2);
}

const KEEP_UPPER = new Set(['DKI', 'DI', 'II', 'III']);
/** Conjunctions stay lower case inside a name: `Pangkajene dan Kepulauan`. */
const KEEP_LOWER = new Set(['DAN']);

/** `KABUPATEN ACEH SELATAN` → `Kabupaten Aceh Selatan`; `DKI JAKARTA` keeps its acronym. */
export function displayName(region: Pick<Region, 'name' | 'level'>): string {
  if (region.level === 'nasional') return 'Indonesia';
  return region.name
    .split(/(\s+|-)/)
    .map((word, index) => {
      if (KEEP_UPPER.has(word)) return word;
      if (index > 0 && KEEP_LOWER.has(word)) return word.toLowerCase();
      return word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();
    })
    .join('');
}

/** `KOTA BANDAR LAMPUNG` → `kota-bandar-lampung`, for file names. */
export function slug(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
