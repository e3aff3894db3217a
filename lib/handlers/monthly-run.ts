/** EventBridge Scheduler, monthly (Asia/Jakarta) → the month's job. Payload `{ "period"?: "YYYY-MM" }` (lib/jobs/monthly-run.ts). */
import { Logger } from '@aws-lambda-powertools/logger';
import type { MonthlyRunSettings } from '../config.ts';
import { deliveryQueueFor, historyFor, mailAccountFor, objectStoreFor, rendererFor, systemClock } from '../runtime.ts';
import { monthlyRunEventSchema, periodOfEvent, runMonth, type MonthlyRunSummary } from '../jobs/monthly-run.ts';
import { monthRunMetrics, withRunMetrics } from '../observability/run-metrics.ts';
import { crashPointsFrom, readFaults } from '../aws/faults.ts';

export function createMonthlyRunHandler(settings: MonthlyRunSettings): (event: unknown) => Promise<MonthlyRunSummary> {
  const logger = new Logger({ serviceName: 'monthly-run' });
  const metrics = monthRunMetrics();
  // Inert unless a crash test set UCJ_FAULTS.crashAt in this process's environment.
  const crashPoint = crashPointsFrom(readFaults());
  const deps = {
    store: objectStoreFor(settings),
    history: historyFor(settings),
    queue: deliveryQueueFor(settings),
    renderAndStore: rendererFor(settings, undefined, () => crashPoint('render-batch')),
    mailAccount: mailAccountFor(settings),
    sender: settings.SENDER_ADDRESS,
    now: systemClock,
    leaseTtlMs: settings.LEASE_TTL_MS,
    crashPoint,
  };
  return (event) =>
    withRunMetrics(metrics, async () => {
      const input = monthlyRunEventSchema.parse(event ?? {});
      const period = periodOfEvent(input, systemClock());
      const summary = await runMonth(deps, { period, snapshotsOnly: input.snapshotsOnly });
      logger.info('month run finished', { ...summary, bulletins: summary.bulletins.length });
      return summary;
    });
}
