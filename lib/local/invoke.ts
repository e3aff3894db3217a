/**
 * Drives the real handlers on the local stack with events shaped as AWS sends them, because the emulators
 * send none: s3rver emits no S3 notifications, there is no Scheduler, and SQS is a spool folder here.
 */
import { randomUUID } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Context, S3Event, SQSEvent, SQSBatchResponse } from 'aws-lambda';
import type { LocalStack } from './stack.ts';
import { spoolDeliveryQueue, type SpooledMessage } from '../delivery/queue.ts';
import { inParallel } from '../util/concurrency.ts';
import { encodeS3EventKey } from '../storage/keys.ts';
import type { ValidateOutcome } from '../jobs/validate-upload.ts';
import type { MonthlyRunSummary } from '../jobs/monthly-run.ts';
import type { Runtime } from '../runtime.ts';

type Handlers = {
  validateUpload: (event: S3Event) => Promise<ValidateOutcome[]>;
  remindUploads: (event: unknown) => Promise<{ missing: string[]; reminded: string[] }>;
  monthlyRun: (event: unknown) => Promise<MonthlyRunSummary>;
  deliverBulletin: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
};

export interface LocalInvoker {
  runtime: Runtime;
  /** Puts files through the S3 API, then hands validate-upload the ObjectCreated event AWS would send. */
  upload(files: ReadonlyArray<{ key: string; body: Uint8Array | string }>): Promise<ValidateOutcome[]>;
  /** The Scheduler's invocation of monthly-run: its payload is the event. */
  runMonth(payload: { period?: string; snapshotsOnly?: boolean }): Promise<MonthlyRunSummary>;
  /** The Scheduler's invocation of remind-uploads. */
  remindUploads(payload: { period?: string }): Promise<{ missing: string[]; reminded: string[] }>;
  /** Hands every spooled delivery to deliver-bulletin in SQS batches of ten, retrying failed records a few times. */
  drainDeliveries(): Promise<{ delivered: number; failed: number; attempts: number }>;
}

const MAX_RECEIVES = 3;
/**
 * Batches delivered at once: the deployed SQS event source's maximum concurrency
 * (infra/constructs/functions.ts), unless UCJ_DELIVERY_CONCURRENCY says otherwise.
 */
const deliveryConcurrency = () => Number(process.env.UCJ_DELIVERY_CONCURRENCY ?? 2);


export function s3ObjectCreatedEvent(bucket: string, key: string, size: number, etag: string, sequencer: string): S3Event {
  const now = new Date().toISOString();
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'ap-southeast-3',
        eventTime: now,
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'local' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': randomUUID(), 'x-amz-id-2': randomUUID() },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'uploads',
          bucket: { name: bucket, ownerIdentity: { principalId: 'local' }, arn: `arn:aws:s3:::${bucket}` },
          object: { key: encodeS3EventKey(key), size, eTag: etag, sequencer },
        },
      },
    ],
  };
}

function lambdaContext(functionName: string): Context {
  const deadline = Date.now() + 15 * 60_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:ap-southeast-3:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Points the process's environment at the stack and loads the real handler modules, which build their
 * clients from that environment at load, exactly as on Lambda. One stack per process.
 */
export async function createLocalInvoker(stack: LocalStack): Promise<LocalInvoker> {
  Object.assign(process.env, stack.env);
  const [validate, monthly, deliver, remind, runtimeModule] = await Promise.all([
    import('../../functions/validate-upload.ts'),
    import('../../functions/monthly-run.ts'),
    import('../../functions/deliver-bulletin.ts'),
    import('../../functions/remind-uploads.ts'),
    import('../runtime.ts'),
  ]);
  const handlers: Handlers = {
    validateUpload: validate.handler as Handlers['validateUpload'],
    remindUploads: remind.handler,
    monthlyRun: monthly.handler,
    deliverBulletin: deliver.handler,
  };
  const runtime = runtimeModule.createRuntime(stack.env);
  const spool = spoolDeliveryQueue(stack.queueDir);
  let sequence = 0;

  return {
    runtime,
    async upload(files) {
      const outcomes: ValidateOutcome[] = [];
      for (const file of files) {
        const body = typeof file.body === 'string' ? Buffer.from(file.body) : file.body;
        const put = await runtime.clients.s3.send(new PutObjectCommand({ Bucket: runtime.env.BUCKET_NAME, Key: file.key, Body: body }));
        if (!file.key.startsWith('uploads/')) continue; // the notification is configured on uploads/ only
        sequence += 1;
        const sequencer = `${Date.now().toString(16).toUpperCase()}${String(sequence).padStart(6, '0')}`;
        const event = s3ObjectCreatedEvent(runtime.env.BUCKET_NAME, file.key, body.length, (put.ETag ?? '').replace(/"/g, ''), sequencer);
        outcomes.push(...(await handlers.validateUpload(event)));
      }
      return outcomes;
    },
    runMonth: (payload) => handlers.monthlyRun(payload),
    remindUploads: (payload) => handlers.remindUploads(payload),
    async drainDeliveries() {
      const receives = new Map<string, number>();
      let delivered = 0;
      let failed = 0;
      let attempts = 0;
      for (;;) {
        const pending = (await spool.pending()).filter((m) => (receives.get(m.id) ?? 0) < MAX_RECEIVES);
        if (pending.length === 0) break;
        const batches: SpooledMessage[][] = [];
        for (let start = 0; start < pending.length; start += 10) batches.push(pending.slice(start, start + 10));
        // As many batches at once as the deployed event source allows concurrent Lambdas.
        await inParallel(batches, deliveryConcurrency(), async (batch) => {
          const event: SQSEvent = {
            Records: batch.map((message) => {
              const count = (receives.get(message.id) ?? 0) + 1;
              receives.set(message.id, count);
              return {
                messageId: message.id,
                receiptHandle: message.id,
                body: message.body,
                attributes: {
                  ApproximateReceiveCount: String(count),
                  SentTimestamp: String(Date.now()),
                  SenderId: 'local',
                  ApproximateFirstReceiveTimestamp: String(Date.now()),
                },
                messageAttributes: {},
                md5OfBody: '',
                eventSource: 'aws:sqs',
                eventSourceARN: 'arn:aws:sqs:ap-southeast-3:000000000000:ucj-delivery',
                awsRegion: 'ap-southeast-3',
              };
            }),
          };
          attempts += 1;
          const response = await handlers.deliverBulletin(event, lambdaContext('deliver-bulletin'));
          const failedIds = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
          for (const message of batch) {
            if (failedIds.has(message.id)) continue;
            await spool.acknowledge(message);
            delivered += 1;
          }
        });
      }
      failed = (await spool.pending()).length;
      return { delivered, failed, attempts };
    },
  };
}
