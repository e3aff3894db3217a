/** EventBridge Scheduler, monthly (Asia/Jakarta) → the month's job. Payload `{ "period"?: "YYYY-MM" }`. */
import { Logger } from '@aws-lambda-powertools/logger';
import { deliveryQueueFor, historyFor, objectStoreFor, readRuntimeEnv, rendererFor, systemClock } from '../lib/runtime.ts';
import { monthlyRunEventSchema, periodOfEvent, runMonth } from '../lib/jobs/monthly-run.ts';

const logger = new Logger({ serviceName: 'monthly-run' });
const env = readRuntimeEnv();
const deps = {
  store: objectStoreFor(env),
  history: historyFor(env),
  queue: deliveryQueueFor(env),
  renderAndStore: rendererFor(env),
  now: systemClock,
  leaseTtlMs: env.LEASE_TTL_MS,
};

export const handler = async (event: unknown) => {
  const input = monthlyRunEventSchema.parse(event ?? {});
  const period = periodOfEvent(input, systemClock());
  const summary = await runMonth(deps, { period, snapshotsOnly: input.snapshotsOnly });
  logger.info('month run finished', { ...summary, bulletins: summary.bulletins.length });
  return summary;
};
