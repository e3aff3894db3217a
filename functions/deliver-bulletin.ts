/** SQS, one message per official → send their bulletins once; failed records are retried by SQS alone. */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { historyFor, mailerFor, objectStoreFor, readRuntimeEnv, systemClock } from '../lib/runtime.ts';
import { deliverBulletin, parseDeliveryMessage } from '../lib/jobs/deliver-bulletin.ts';

const logger = new Logger({ serviceName: 'deliver-bulletin' });
const env = readRuntimeEnv();
const deps = {
  store: objectStoreFor(env),
  history: historyFor(env),
  mailer: mailerFor(env),
  sender: env.SENDER_ADDRESS,
  replyTo: env.REPLY_TO_ADDRESS,
  now: systemClock,
  maxAttachmentBytes: env.MAX_ATTACHMENT_BYTES,
  // The invocation being handled (records are handled one at a time, one invocation at a time).
  remainingMs: () => invocation?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY,
};
let invocation: Context | undefined;
const processor = new BatchProcessor(EventType.SQS);

async function recordHandler(record: SQSRecord) {
  const message = parseDeliveryMessage(record.body);
  const outcome = await deliverBulletin(deps, message);
  if (outcome.status === 'failed') logger.warn('delivery refused by SES', { period: message.period, email: message.email, reason: outcome.reason });
  else if (outcome.status === 'in_doubt') logger.warn('delivery in doubt: claimed earlier, never confirmed; see ucj deliver', { period: message.period, email: message.email });
  else logger.info('delivery handled', { period: message.period, email: message.email, status: outcome.status });
  return outcome;
}

// One record at a time: SES paces sends per second anyway, and a crash then leaves at most one delivery
// in doubt. Parallelism comes from Lambda concurrency on the queue.
export const handler = async (event: SQSEvent, context: Context) => {
  invocation = context;
  return processPartialResponse(event, recordHandler, processor, { context, processInParallel: false });
};
