/**
 * What a bulletin is made from: one region's computed figures for a month, with its sub-regions, its
 * history and the uploads behind it. Its own module so that the sections and the renderer can name it
 * without importing the assembler that imports them.
 */
import type { Period, RegionFigures } from '../domain/types.ts';

export interface BulletinInput {
  period: Period;
  /** The bulletin's own region (level nasional, provinsi or kabkota). */
  region: RegionFigures;
  /** Provinces for the national bulletin, the province's regencies for a province, [] for a regency. */
  subRegions: RegionFigures[];
  /** Sub-regions with no figures this month. */
  missing: Array<{ code: string; name: string }>;
  /** True when the month's figures were corrected after a first run. */
  revision: boolean;
  /** Upload files behind the figures (ISO times). */
  sources: Array<{ key: string; uploadedAt: string }>;
  /** ISO time taken from the data (never the clock), shown in WIB. */
  generatedAt: string;
  /**
   * The region's last 24 months, oldest first and this month last, for the trend chart: coverage and the
   * target in force that month (null where history has no figures).
   */
  trend: Array<{ period: Period; coveragePct: number | null; targetPct: number | null }>;
}
