/** EventBridge Scheduler, some days before the run → remind admins whose regions have not uploaded. */
import { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod';
import { createRuntime } from '../lib/runtime.ts';
import { remindUploads } from '../lib/jobs/remind-uploads.ts';
import { previousPeriodInJakarta, PERIOD_PATTERN } from '../lib/domain/period.ts';

const logger = new Logger({ serviceName: 'remind-uploads' });
const runtime = createRuntime();

const eventSchema = z.object({ period: z.string().regex(PERIOD_PATTERN).optional() });

export const handler = async (event: unknown) => {
  const input = eventSchema.parse(event ?? {});
  // The run early next month reports on the month before it, so that month's uploads are the ones due.
  const period = input.period ?? previousPeriodInJakarta(runtime.now());
  const result = await remindUploads({ store: runtime.store, mailer: runtime.mailer, sender: runtime.env.SENDER_ADDRESS }, period);
  logger.info('reminders sent', { period, ...result });
  return result;
};
