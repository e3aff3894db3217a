/** EventBridge Scheduler, monthly (Asia/Jakarta) → the month's job. Payload `{ "period"?: "YYYY-MM" }`. */
import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { createRuntime, renderCheckedBulletin } from '../lib/runtime.ts';
import { runMonth } from '../lib/jobs/monthly-run.ts';
import { previousPeriodInJakarta, PERIOD_PATTERN } from '../lib/domain/period.ts';

const logger = new Logger({ serviceName: 'monthly-run' });
const runtime = createRuntime();

export const monthlyRunEventSchema = z.object({
  period: z.string().regex(PERIOD_PATTERN, 'period must be YYYY-MM').optional(),
  /** Backfill: keep snapshots only, render and send nothing. */
  snapshotsOnly: z.boolean().optional(),
});

export const handler = async (event: unknown) => {
  const input = monthlyRunEventSchema.parse(event ?? {});
  const period = input.period ?? previousPeriodInJakarta(runtime.now());
  const summary = await runMonth(
    { store: runtime.store, history: runtime.history, queue: runtime.queue(), renderBulletin: renderCheckedBulletin, now: runtime.now },
    { period, snapshotsOnly: input.snapshotsOnly },
  );
  logger.info('month run finished', { ...summary, bulletins: summary.bulletins.length });
  return summary;
};
