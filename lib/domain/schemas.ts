/**
 * The figures of one region as zod schemas, for the boundaries they cross as data: snapshots read back
 * from DynamoDB and bulletin jobs sent to render-bulletins. Checked against the types in types.ts.
 */
import * as z from 'zod';
import type { RegionDetails, RegionFigures } from './types.ts';

const count = z.number().nullable();

export const regionDetailsSchema = z.object({
  pu: count,
  bpu: count,
  jakon: count,
  pmi: count,
  workersFormal: count,
  workersInformal: count,
  vulnerableProtected: count,
  villages100: count,
  villages: count,
}) satisfies z.ZodType<RegionDetails>;

export const regionFiguresSchema = z.object({
  code: z.string(),
  name: z.string(),
  level: z.enum(['nasional', 'provinsi', 'kabkota', 'kelompok']),
  active: count,
  eligible: count,
  coveragePct: count,
  targetPct: count,
  targetActive: count,
  gapPp: count,
  gapWorkers: count,
  monthsLeft: z.number(),
  requiredMonthlyAdditions: count,
  momDeltaPp: count,
  momDeltaActive: count,
  yoyDeltaPp: count,
  projectedPct: count,
  status: z.enum(['achieved', 'on_track', 'at_risk', 'off_track', 'no_target']).nullable(),
  rank: count,
  source: z.enum(['reported', 'aggregated', 'missing']),
  eligibleFrom: z.string().nullable(),
  details: regionDetailsSchema.nullable(),
}) satisfies z.ZodType<RegionFigures>;
