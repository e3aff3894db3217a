/**
 * The sub-regions as the ranked bars and the sub-region table list them, and the footnote markers their
 * names carry: a number per month a denominator was carried from, `a` for aggregated figures, `b` for
 * carried-forward ones. The completeness box explains the markers the rows used.
 */
import { displayName } from '../../domain/regions.ts';
import type { Level, Period, RegionFigures } from '../../domain/types.ts';
import type { BulletinInput } from '../input.ts';
import type { TextNode } from '../pdfmake-types.ts';
import { sup } from './common.ts';

/** The footnote markers handed out so far, and what they stand for. */
export interface Marks {
  eligibleFrom: Map<Period, string>;
  /** Sub-regions whose denominator was carried, with the month. */
  carriedDenominators: Array<{ name: string; from: Period }>;
  aggregated: boolean;
  carried: boolean;
}

export function noMarks(): Marks {
  return { eligibleFrom: new Map(), carriedDenominators: [], aggregated: false, carried: false };
}

/** A sub-region's row; `figures` is null for one with no figures this month. */
export interface Row {
  figures: RegionFigures | null;
  code: string;
  name: string;
  markers: string[];
}

/** The markers of a region's name, handing out a new number for a month not seen yet. */
export function markersFor(region: RegionFigures, name: string, marks: Marks): string[] {
  const markers: string[] = [];
  if (region.eligibleFrom !== null) {
    let marker = marks.eligibleFrom.get(region.eligibleFrom);
    if (marker === undefined) {
      marker = String(marks.eligibleFrom.size + 1);
      marks.eligibleFrom.set(region.eligibleFrom, marker);
    }
    markers.push(marker);
    marks.carriedDenominators.push({ name, from: region.eligibleFrom });
  }
  if (region.source === 'aggregated') {
    marks.aggregated = true;
    markers.push('a');
  }
  if (region.source === 'missing') {
    marks.carried = true;
    markers.push('b');
  }
  return markers;
}

export function withMarkers(name: string, markers: string[]): string | Array<string | TextNode> {
  return markers.length === 0 ? name : [name, sup(` ${markers.join(',')}`)];
}

/** The level below a region's, with its plural as the text says it. */
export function subLevelOf(level: Level): { level: Level; plural: string } {
  return level === 'nasional' || level === 'kelompok'
    ? { level: 'provinsi', plural: 'provinsi' }
    : { level: 'kabkota', plural: 'kabupaten/kota' };
}

function byCode(a: { code: string }, b: { code: string }): number {
  return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
}

function byRank(a: RegionFigures, b: RegionFigures): number {
  if (a.rank !== b.rank) {
    if (a.rank === null) return 1;
    if (b.rank === null) return -1;
    return a.rank - b.rank;
  }
  return byCode(a, b);
}

/**
 * The rows, by rank, then the sub-regions with no figures at all by code; and the names of every
 * sub-region without this month's figures (carried forward or absent), for the completeness box.
 */
export function subRegionRows(input: BulletinInput, subLevel: Level, marks: Marks): { rows: Row[]; missingNames: string[] } {
  const known = new Set(input.subRegions.map((r) => r.code));
  const rows: Row[] = [...input.subRegions].sort(byRank).map((f) => {
    const rowName = displayName(f);
    return { figures: f, code: f.code, name: rowName, markers: markersFor(f, rowName, marks) };
  });
  const absent = input.missing
    .filter((m) => !known.has(m.code))
    .map((m) => ({ figures: null, code: m.code, name: displayName({ name: m.name, level: subLevel }), markers: [] }))
    .sort(byCode);
  rows.push(...absent);
  const missingNames = [
    ...input.subRegions.filter((r) => r.source === 'missing').sort(byRank).map((r) => displayName(r)),
    ...absent.map((r) => r.name),
  ];
  return { rows, missingNames };
}
