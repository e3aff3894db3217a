/**
 * Drives a local stack the way AWS's own callers do, for `npm start`, the tests and the benchmarks:
 * files go into the bucket through the S3 API (multipart above 8 MiB, as `aws s3 cp` sends them) and
 * the bucket's notification invokes validate-upload; runs and reminders are Lambda invocations with the
 * payload EventBridge Scheduler sends; deliveries are taken off the SQS queue by the event source.
 */
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { LocalStack } from './stack.ts';
import { createRuntime, type Runtime } from '../../lib/runtime.ts';
import type { ValidateOutcome } from '../../lib/jobs/validate-upload.ts';
import type { MonthlyRunSummary } from '../../lib/jobs/monthly-run.ts';
import { remindOn, runMonthOn, uploadFiles } from '../cli/operations.ts';
import { readValidationReport } from '../../lib/storage/validation-report.ts';

export interface LocalInvoker {
  /** Every adapter, on the stack's endpoints. */
  runtime: Runtime;
  /** Puts files through the S3 API and, for uploads, waits for validate-upload's report of each version. */
  upload(files: ReadonlyArray<{ key: string; body: Uint8Array | string }>): Promise<ValidateOutcome[]>;
  /** The Scheduler's invocation of monthly-run: its payload is the event. */
  runMonth(payload: { period: string; snapshotsOnly?: boolean }): Promise<MonthlyRunSummary>;
  /** The Scheduler's invocation of remind-uploads. */
  remindUploads(payload: { period?: string; scheduledTime?: string }): ReturnType<typeof remindOn>;
  /**
   * Waits until every queued delivery has been handled (sent, refused, or moved to the dead-letter queue
   * after five receives); returns how many messages rest in the dead-letter queue.
   */
  drainDeliveries(): Promise<{ deadLettered: number }>;
}

export async function createLocalInvoker(stack: LocalStack): Promise<LocalInvoker> {
  const runtime = createRuntime({ ...process.env, ...stack.env });
  const { deployment } = stack;
  return {
    runtime,
    async upload(files) {
      const results = await uploadFiles(
        deployment,
        files.map((file) => ({ key: file.key, body: typeof file.body === 'string' ? Buffer.from(file.body) : file.body })),
      );
      // Everything the uploads set off is done: a rejected file moved, its admins told (or retrying).
      if (stack.owned) await stack.idle();
      const outcomes: ValidateOutcome[] = [];
      for (const { report } of results) {
        if (!report) continue;
        const settled = await readValidationReport(runtime.store, report.period, report.fileName);
        outcomes.push({ status: 'validated', report: settled && settled.versionId === report.versionId ? settled : report });
      }
      return outcomes;
    },
    runMonth: (payload) => runMonthOn(deployment, payload),
    remindUploads: (payload) => remindOn(deployment, payload),
    async drainDeliveries() {
      if (!stack.owned) throw new Error('drainDeliveries needs the process that owns the local stack');
      await stack.idle();
      const out = await runtime.clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: stack.outputs.DeliveryDeadLetterQueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
      );
      return { deadLettered: Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) };
    },
  };
}
