/** EventBridge Scheduler, monthly (Asia/Jakarta) → the month's job. Payload `{ "period"?: "YYYY-MM" }`. */
import { Logger } from '@aws-lambda-powertools/logger';
import { createRuntime } from '../lib/runtime.ts';
import { monthlyRunEventSchema, periodOfEvent, runMonth } from '../lib/jobs/monthly-run.ts';

const logger = new Logger({ serviceName: 'monthly-run' });
const runtime = createRuntime();

export const handler = async (event: unknown) => {
  const input = monthlyRunEventSchema.parse(event ?? {});
  const period = periodOfEvent(input, runtime.now());
  const summary = await runMonth(
    { store: runtime.store, history: runtime.history, queue: runtime.queue(), renderAndStore: runtime.renderer(), now: runtime.now, leaseTtlMs: runtime.env.LEASE_TTL_MS },
    { period, snapshotsOnly: input.snapshotsOnly },
  );
  logger.info('month run finished', { ...summary, bulletins: summary.bulletins.length });
  return summary;
};
