/** Shared domain types: the figures of one region in one month, as docs/architecture.md, "The numbers", defines them. */

/** `kelompok`: an optional group of provinces from `config/groups.csv`, such as a BPJS regional office. */
export type Level = 'nasional' | 'provinsi' | 'kabkota' | 'kelompok';

export type Status = 'achieved' | 'on_track' | 'at_risk' | 'off_track' | 'no_target';

/** `YYYY-MM`, a calendar month. */
export type Period = string;

export interface Region {
  code: string;
  name: string;
  level: Level;
  /** The province a regency belongs to; undefined for provinces and the nation. */
  provinceCode?: string;
}

/**
 * Breakdowns a region may report beside its totals (docs/architecture.md, "Upload format (v1)"):
 * participants by segment (wage earners, non-wage earners, construction, migrant workers), the formal
 * and informal working population, vulnerable workers whose contributions are paid for them, and
 * villages. Each is summed upwards only when every region in the sum reported it; otherwise it is null,
 * never a partial sum.
 */
export interface RegionDetails {
  pu: number | null;
  bpu: number | null;
  jakon: number | null;
  pmi: number | null;
  workersFormal: number | null;
  workersInformal: number | null;
  vulnerableProtected: number | null;
  villages100: number | null;
  villages: number | null;
}

/** One region's figures for one month (the `R` of `ucj compute --json`). Null where a figure does not apply. */
export interface RegionFigures {
  code: string;
  name: string;
  level: Level;
  active: number | null;
  eligible: number | null;
  coveragePct: number | null;
  targetPct: number | null;
  targetActive: number | null;
  gapPp: number | null;
  gapWorkers: number | null;
  monthsLeft: number;
  requiredMonthlyAdditions: number | null;
  momDeltaPp: number | null;
  momDeltaActive: number | null;
  yoyDeltaPp: number | null;
  projectedPct: number | null;
  /** Null for a region with no figures this month: there is nothing to judge (the bulletin says "belum melapor"). */
  status: Status | null;
  rank: number | null;
  /** Where the figures came from: the region's own row, or the sum of its sub-regions. */
  source: 'reported' | 'aggregated' | 'missing';
  /** The month the working-population denominator was taken from, when it was carried from an earlier month. */
  eligibleFrom: Period | null;
  /** Breakdowns, when the data has them. */
  details: RegionDetails | null;
}

/** The whole month, national down to regencies (the JSON of `ucj compute --json`). */
export interface MonthResult {
  period: Period;
  national: RegionFigures;
  provinces: RegionFigures[];
  regencies: RegionFigures[];
  /** Codes of regions with no figures for the month (docs/architecture.md, "Missing"). */
  missing: string[];
  /** Optional province groups (`config/groups.csv`), each the sum of its provinces. */
  groups: RegionFigures[];
}
