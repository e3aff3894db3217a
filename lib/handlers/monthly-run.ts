/** EventBridge Scheduler, monthly (Asia/Jakarta) → the month's job. Payload `{ "period"?: "YYYY-MM" }` (lib/jobs/monthly-run.ts). */
import type { Context } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { withInvocationContext } from '../observability/telemetry.ts';
import type { MonthlyRunSettings } from '../config.ts';
import { deliveryQueueFor, historyFor, mailAccountFor, objectStoreFor, rendererFor, systemClock, type HandlerOptions } from '../runtime.ts';
import { monthlyRunEventSchema, periodOfEvent, runMonth, type MonthlyRunSummary } from '../jobs/monthly-run.ts';
import { monthRunMetrics, withRunMetrics } from '../observability/run-metrics.ts';
import { crashPointsFrom } from '../aws/faults.ts';
import { dynamoClient, lambdaClient, s3Client, sesClient, sqsClient } from '../aws/clients.ts';

export function createMonthlyRunHandler(settings: MonthlyRunSettings, { faults }: HandlerOptions = {}): (event: unknown, context?: Context) => Promise<MonthlyRunSummary> {
  const logger = new Logger({ serviceName: 'monthly-run' });
  const metrics = monthRunMetrics();
  // Inert unless a crash test asked for one (faults.crashAt).
  const crashPoint = crashPointsFrom(faults);
  const deps = {
    store: objectStoreFor(settings, s3Client(settings, faults)),
    history: historyFor(settings, dynamoClient(settings, faults)),
    queue: deliveryQueueFor(settings, sqsClient(settings, faults)),
    renderAndStore: rendererFor(settings, lambdaClient(settings), () => crashPoint('render-batch')),
    mailAccount: mailAccountFor(settings, sesClient(settings, faults)),
    sender: settings.SENDER_ADDRESS,
    now: systemClock,
    leaseTtlMs: settings.LEASE_TTL_MS,
    crashPoint,
    logger,
  };
  return (event, context) =>
    withInvocationContext(logger, context, () =>
      withRunMetrics(metrics, async () => {
        const input = monthlyRunEventSchema.parse(event ?? {});
        const period = periodOfEvent(input, systemClock());
        const summary = await runMonth(deps, { period, snapshotsOnly: input.snapshotsOnly });
        logger.info('month run finished', { ...summary, bulletins: summary.bulletins.length });
        return summary;
      }),
    );
}
