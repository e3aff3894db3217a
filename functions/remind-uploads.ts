/** EventBridge Scheduler, some days before the run → remind admins whose regions have not uploaded. */
import { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod';
import { mailerFor, objectStoreFor, readRuntimeEnv, systemClock } from '../lib/runtime.ts';
import { remindUploads } from '../lib/jobs/remind-uploads.ts';
import { previousPeriodInJakarta, PERIOD_PATTERN } from '../lib/domain/period.ts';

const logger = new Logger({ serviceName: 'remind-uploads' });
const env = readRuntimeEnv();
const deps = { store: objectStoreFor(env), mailer: mailerFor(env), sender: env.SENDER_ADDRESS };

const eventSchema = z.object({ period: z.string().regex(PERIOD_PATTERN).optional() });

export const handler = async (event: unknown) => {
  const input = eventSchema.parse(event ?? {});
  // The run early next month reports on the month before it, so that month's uploads are the ones due.
  const period = input.period ?? previousPeriodInJakarta(systemClock());
  const result = await remindUploads(deps, period);
  logger.info('reminders sent', { period, ...result });
  return result;
};
