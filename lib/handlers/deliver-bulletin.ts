/** SQS, one message per official → send their bulletins once; failed records are retried by SQS alone (lib/jobs/deliver-bulletin.ts). */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { withInvocationContext } from '../observability/telemetry.ts';
import type { Context, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import type { DeliverBulletinSettings } from '../config.ts';
import { dynamoClient, s3Client, secretsClient, sesClient } from '../aws/clients.ts';
import { historyFor, ledgerFor, linkSignerFor, mailerFor, objectStoreFor, systemClock, type HandlerOptions } from '../runtime.ts';
import { deliverBulletin, parseDeliveryMessage } from '../jobs/deliver-bulletin.ts';

/** An SQS event as Lambda's event source sends it; each record is checked before the batch processor sees it. */
const sqsRecordSchema = z.object({
  messageId: z.string(),
  receiptHandle: z.string(),
  body: z.string(),
  attributes: z.object({
    ApproximateReceiveCount: z.string(),
    SentTimestamp: z.string(),
    SenderId: z.string(),
    ApproximateFirstReceiveTimestamp: z.string(),
  }),
  messageAttributes: z.record(z.string(), z.object({ dataType: z.string() }).loose()),
  md5OfBody: z.string(),
  eventSource: z.string(),
  eventSourceARN: z.string(),
  awsRegion: z.string(),
});
const sqsEventSchema = z.object({ Records: z.array(sqsRecordSchema) });

export function createDeliverBulletinHandler(
  settings: DeliverBulletinSettings,
  { faults }: HandlerOptions = {},
): (event: unknown, context: Context) => Promise<SQSBatchResponse> {
  const logger = new Logger({ serviceName: 'deliver-bulletin' });
  const dynamo = dynamoClient(settings, faults);
  const deps = {
    store: objectStoreFor(settings, s3Client(settings, faults)),
    history: historyFor(settings, dynamo),
    ledger: ledgerFor(settings, 'delivery', dynamo),
    mailer: mailerFor(settings, sesClient(settings, faults)),
    links: linkSignerFor(settings, secretsClient(settings)),
    sender: settings.SENDER_ADDRESS,
    replyTo: settings.REPLY_TO_ADDRESS,
    now: systemClock,
    maxAttachmentBytes: settings.MAX_ATTACHMENT_BYTES,
  };

  // One record at a time: SES paces sends per second anyway, and a crash then leaves at most one delivery
  // in doubt. Parallelism comes from Lambda concurrency on the queue. The processor and the time left
  // belong to the invocation (the local stack runs several in one process; Lambda, one per container).
  return (event, context) =>
    withInvocationContext(logger, context, async () => {
      const remainingMs = () => context.getRemainingTimeInMillis();
      const recordHandler = async (record: SQSRecord) => {
        const message = parseDeliveryMessage(record.body);
        const outcome = await deliverBulletin({ ...deps, remainingMs }, message);
        if (outcome.status === 'failed') logger.warn('delivery refused by SES', { period: message.period, email: message.email, reason: outcome.reason });
        else if (outcome.status === 'in_doubt') logger.warn('delivery in doubt: claimed earlier, never confirmed; see ucj deliver', { period: message.period, email: message.email });
        else logger.info('delivery handled', { period: message.period, email: message.email, status: outcome.status });
        return outcome;
      };
      const records: SQSRecord[] = sqsEventSchema.parse(event).Records;
      return processPartialResponse({ Records: records }, recordHandler, new BatchProcessor(EventType.SQS), { context, processInParallel: false });
    });
}
