/**
 * The operator's work on a deployment (deployment.ts), through AWS APIs only: upload files and wait for
 * their verdicts, run a month and watch it, wait for its emails, resend what an operator has checked,
 * remind admins, bring the portal's users in line with config/recipients.csv. The same code serves `ucj … --stack <name>` against AWS and the local stack.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import type { Period } from '../../lib/domain/types.ts';
import { parseUploadKey } from '../../lib/storage/keys.ts';
import { uploadFile } from '../../lib/storage/object-store.ts';
import { readValidationReport, type ValidationReport } from '../../lib/storage/validation-report.ts';
import { monthlyRunSummarySchema, type MonthlyRunSummary } from '../../lib/jobs/monthly-run.ts';
import { lambdaErrorMessage } from '../../lib/jobs/render-fan-out.ts';
import { deliveredInMonth, type RunProgress } from '../../lib/history/store.ts';
import type { Deployment } from './deployment.ts';
import { loadRegionIndex } from '../../lib/domain/regions.ts';
import { RECIPIENTS_KEY } from '../../lib/storage/keys.ts';
import { readRecipientsFile, type Recipient, type RecipientsValidation } from '../../lib/inputs/recipients.ts';
import { syncUsers, type SyncOptions, type UserSyncPlan } from '../../lib/portal/user-sync.ts';

/** How often the commands look again while they wait: cheap requests, a person watching. */
const POLL_MS = 250;

/** Calls `check` until it returns a value, or gives up after `timeoutMs` with `timeoutMessage`. */
async function poll<T>(check: () => Promise<T | undefined>, timeoutMs: number, timeoutMessage: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(timeoutMessage);
    await sleep(POLL_MS);
  }
}

export interface UploadResult {
  key: string;
  versionId?: string;
  /** The validation report of this very version (uploads/ keys only). */
  report?: ValidationReport;
}

/**
 * Puts each file as the AWS CLI would (multipart above 8 MiB), then, for an upload, waits for
 * validate-upload's report on that version: the admin's verdict.
 */
export async function uploadFiles(
  deployment: Deployment,
  files: ReadonlyArray<{ key: string; body: Uint8Array }>,
  options: { verdictTimeoutMs?: number; onUploaded?: (done: number) => void } = {},
): Promise<UploadResult[]> {
  const put = [];
  for (const file of files) {
    const { versionId, etag } = await uploadFile(deployment.s3, deployment.outputs.BucketName, file.key, file.body);
    put.push({ key: file.key, etag, ...(versionId ? { versionId } : {}) });
    options.onUploaded?.(put.length);
  }
  const timeoutMs = options.verdictTimeoutMs ?? 120_000;
  return Promise.all(
    put.map(async (uploaded) => {
      const location = parseUploadKey(uploaded.key);
      if (!location) return uploaded;
      const read = async () => {
        const found = await readValidationReport(deployment.store, location.period, location.fileName);
        const judgesThis = uploaded.versionId ? found?.versionId === uploaded.versionId : found?.etag === uploaded.etag;
        return judgesThis ? found : undefined;
      };
      const report = await poll(read, timeoutMs, `no validation report for ${uploaded.key} after ${timeoutMs / 1000} s: see validate-upload's log and the failed-events queue`);
      // The report is written first; a rejected file is then moved and its admins told, which the report
      // records. Wait a little for that, but an email SES cannot send yet must not hold the verdict back.
      const settled = await poll(async () => {
        const latest = (await read()) ?? report;
        return isSettled(latest) ? latest : undefined;
      }, SETTLE_MS, '').catch(() => undefined);
      return { ...uploaded, report: settled ?? (await read()) ?? report };
    }),
  );
}

/** How long to wait, after the verdict, for a rejected file's move and emails. */
const SETTLE_MS = 15_000;

/** Accepted, or rejected with every admin told (or refused by SES for good). */
export const isSettled = (report: ValidationReport) =>
  report.ok || report.notify.every((email) => report.notified.includes(email) || report.notifyFailed.some((f) => f.email === email));

/** Invokes a function and waits for its answer; a function error becomes an exception with its message. */
async function invoke(deployment: Deployment, functionName: string, payload: unknown): Promise<unknown> {
  const out = await deployment.lambda.send(
    new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(payload)) }),
  );
  const body = out.Payload ? Buffer.from(out.Payload).toString('utf8') : 'null';
  if (out.FunctionError) throw new Error(`${functionName} failed: ${lambdaErrorMessage(body)}`);
  return JSON.parse(body);
}

/** Runs the month on the deployment's monthly-run, reporting the run's progress (read from its lease) meanwhile. */
export async function runMonthOn(
  deployment: Deployment,
  payload: { period: Period; snapshotsOnly?: boolean },
  onProgress?: (progress: RunProgress) => void,
): Promise<MonthlyRunSummary> {
  let finished = false;
  const watching = (async () => {
    if (!onProgress) return;
    while (!finished) {
      const lease = await deployment.history.readLease(payload.period).catch(() => undefined);
      if (lease?.progress && !finished) onProgress(lease.progress);
      await sleep(POLL_MS * 2);
    }
  })();
  try {
    return monthlyRunSummarySchema.parse(await invoke(deployment, deployment.outputs.MonthlyRunFunctionName, payload));
  } finally {
    finished = true;
    await watching;
  }
}

export const remindResultSchema = z.object({
  missing: z.array(z.string()),
  reminded: z.array(z.string()),
  alreadyReminded: z.array(z.string()),
  refused: z.array(z.object({ email: z.string(), reason: z.string() })),
});

export async function remindOn(deployment: Deployment, payload: { period?: Period; scheduledTime?: string }): Promise<z.infer<typeof remindResultSchema>> {
  return remindResultSchema.parse(await invoke(deployment, deployment.outputs.RemindUploadsFunctionName, payload));
}

export interface DeliveryCounts {
  /** Emails sent for the month, over every run (the run records' counts). */
  sent: number;
  /** Refused by SES for good (recorded in the ledger). */
  refused: number;
  /** Claimed but never confirmed: a crash around an SES call. */
  inDoubt: string[];
}

async function queueDepth(deployment: Deployment): Promise<number> {
  const out = await deployment.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: deployment.outputs.DeliveryQueueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return Object.values(out.Attributes ?? {}).reduce((sum, value) => sum + Number(value), 0);
}

export async function deliveryCounts(deployment: Deployment, period: Period): Promise<DeliveryCounts> {
  const { sent, failed } = deliveredInMonth(await deployment.history.listRuns(period));
  return {
    sent,
    refused: failed,
    inDoubt: (await deployment.deliveries.entries(period, 'claimed')).map((entry) => entry.recipientKey),
  };
}

/**
 * Waits until the delivery queue is empty (deliver-bulletin has handled every message, or SQS has moved
 * it to the dead-letter queue), reporting the month's counts meanwhile. SQS's counts are approximate, so
 * the queue must read empty for the deployment's settle time (a minute on AWS).
 */
export async function awaitDeliveries(
  deployment: Deployment,
  period: Period,
  options: { timeoutMs?: number; onProgress?: (counts: DeliveryCounts) => void } = {},
): Promise<DeliveryCounts> {
  let emptySince: number | undefined;
  await poll(
    async () => {
      const empty = (await queueDepth(deployment)) === 0;
      emptySince = empty ? (emptySince ?? Date.now()) : undefined;
      if (options.onProgress) options.onProgress(await deliveryCounts(deployment, period));
      return emptySince !== undefined && Date.now() - emptySince >= deployment.queueSettleMs ? true : undefined;
    },
    options.timeoutMs ?? 30 * 60_000,
    `the delivery queue of ${deployment.name} is still not empty`,
  );
  return deliveryCounts(deployment, period);
}

// Moved to lib/delivery/resend.ts so the portal shares it; a Deployment carries the ledger and queue it needs.
export { resendDeliveries } from '../../lib/delivery/resend.ts';

export type UsersSyncResult =
  /** `recipients`: the file's rows the pool was brought in line with. */
  | { outcome: 'synced'; userPoolId: string; plan: UserSyncPlan; recipients: Recipient[] }
  /** recipients.csv is wrong: nothing was changed, and its errors say where. */
  | { outcome: 'invalid'; fileName: string; validation: RecipientsValidation }
  /** Nothing to sync against, or nothing safe to sync from: nothing was changed. */
  | { outcome: 'refused'; reason: string };

/**
 * Brings the deployment's user pool in line with its `config/recipients.csv`, read and checked as every
 * job reads it. An invalid file, a missing one or one that lists nobody changes nothing: followed, each
 * would disable every user, which is never what an operator running this meant.
 */
export async function syncUsersOn(deployment: Deployment, options: SyncOptions = {}): Promise<UsersSyncResult> {
  const userPoolId = deployment.outputs.UserPoolId;
  if (!userPoolId) {
    return { outcome: 'refused', reason: `stack ${deployment.name} has no UserPoolId output, so no portal user pool: deploy a version of the app with the portal first` };
  }
  const validation = await readRecipientsFile(deployment.store, await loadRegionIndex());
  if (!validation) return { outcome: 'refused', reason: `${RECIPIENTS_KEY} is not in ${deployment.name}'s bucket: upload it first (ucj upload FILE --key ${RECIPIENTS_KEY})` };
  if (!validation.ok) return { outcome: 'invalid', fileName: RECIPIENTS_KEY, validation };
  if (validation.recipients.length === 0) return { outcome: 'refused', reason: `${RECIPIENTS_KEY} lists nobody: refusing to disable every portal user` };
  const plan = await syncUsers(deployment.cognito, userPoolId, validation.recipients, options);
  return { outcome: 'synced', userPoolId, plan, recipients: validation.recipients };
}
