/** EventBridge Scheduler, some days before the run → remind admins whose regions have not uploaded (lib/jobs/remind-uploads.ts). */
import type { Context } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { withInvocationContext } from '../observability/telemetry.ts';
import * as z from 'zod';
import type { RemindUploadsSettings } from '../config.ts';
import { ledgerFor, mailerFor, objectStoreFor, systemClock, type HandlerOptions } from '../runtime.ts';
import { dynamoClient, s3Client, sesClient } from '../aws/clients.ts';
import { remindUploads, type RemindResult } from '../jobs/remind-uploads.ts';
import { dateInJakarta, previousPeriodInJakarta, PERIOD_PATTERN } from '../domain/period.ts';

const eventSchema = z.object({
  period: z.string().regex(PERIOD_PATTERN).optional(),
  /** The schedule's occurrence (`<aws.scheduler.scheduled-time>`): the same for every retry of it. */
  scheduledTime: z.iso.datetime({ offset: true }).optional(),
});

export function createRemindUploadsHandler(settings: RemindUploadsSettings, { faults }: HandlerOptions = {}): (event: unknown, context?: Context) => Promise<RemindResult> {
  const logger = new Logger({ serviceName: 'remind-uploads' });
  const deps = {
    store: objectStoreFor(settings, s3Client(settings, faults)),
    mailer: mailerFor(settings, sesClient(settings, faults)),
    ledger: ledgerFor(settings, 'reminder', dynamoClient(settings, faults)),
    sender: settings.SENDER_ADDRESS,
    now: systemClock,
  };
  return (event, context) =>
    withInvocationContext(logger, context, async () => {
      const input = eventSchema.parse(event ?? {});
      const due = input.scheduledTime ? new Date(input.scheduledTime) : systemClock();
      // The run early next month reports on the month before it, so that month's uploads are the ones due.
      const period = input.period ?? previousPeriodInJakarta(due);
      const result = await remindUploads(deps, { period, occurrence: dateInJakarta(due) });
      logger.info('reminders sent', { period, ...result });
      return result;
    });
}
