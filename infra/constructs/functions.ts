import { Duration, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { FunctionUrlAuthType, type FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { EventType, type IBucket } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BUCKET_PREFIXES, GROUPS_KEY, RECIPIENTS_KEY } from '../../lib/contract/bucket.ts';
import { FUNCTION_SIZING, type FunctionSizing } from '../../lib/contract/functions.ts';
import { PARTITION_PREFIXES } from '../../lib/contract/table.ts';
import { acknowledge } from '../nag.ts';
import { type EmailSender, UcjFunction } from './function.ts';

/** Only uploads trigger validation: the validator's own writes (validation/, quarantine/) never can. */
export const UPLOAD_PREFIX = BUCKET_PREFIXES.uploads;

/**
 * Timeouts and memory (lib/contract/functions.ts, where the local stack reads them too), from
 * measurements (npm run bench, on a laptop; Lambda ARM at 1,769 MB is one vCPU):
 * - validate-upload: 61,680 CSV rows validate in 0.8 s using ~230 MB, but exceljs peaks at ~630 MB reading
 *   a 65,000-row xlsx, so 1,024 MB; a minute leaves room for a slow S3 read of a large file.
 * - monthly-run: the numbers of 553 regions take ~10 ms and the history reads a second or two; rendering
 *   is not here, so 1,024 MB. It waits for the render fan-out (a few seconds); the 15 minutes are
 *   headroom for a slow month, and a re-run converges.
 * - render-bulletins: one batch of 40 bulletins, ~10–50 ms each on one vCPU: a second or two. 1,769 MB is
 *   one full vCPU (pdfmake is CPU-bound); 2 minutes leave room for a cold start and a slow S3 write.
 * - deliver-bulletin: ~15 ms per email locally, a batch of 10 well under a second plus SES latency;
 *   512 MB holds the largest PDF attachment and its MIME copy. 2 minutes, because a record is only
 *   claimed with 35 s left (SEND_WINDOW_MS: an SES call's worst retries), which leaves 85 s for a batch.
 * - remind-uploads: a listing of uploads/, one small report per upload and a few dozen emails.
 * - download-bulletin: a token check, a HEAD and a signature: milliseconds.
 */
const sized = (sizing: FunctionSizing) => ({ timeout: Duration.seconds(sizing.timeoutSeconds), memorySize: sizing.memoryMb });
export const SIZING = {
  validateUpload: sized(FUNCTION_SIZING.validateUpload),
  monthlyRun: sized(FUNCTION_SIZING.monthlyRun),
  renderBulletins: sized(FUNCTION_SIZING.renderBulletins),
  deliverBulletin: sized(FUNCTION_SIZING.deliverBulletin),
  remindUploads: sized(FUNCTION_SIZING.remindUploads),
  downloadBulletin: sized(FUNCTION_SIZING.downloadBulletin),
  rotateLinkKey: sized(FUNCTION_SIZING.rotateLinkKey),
} as const;

/** How long Lambda keeps retrying an asynchronous event (S3, Scheduler) before it goes to the failure queue. */
const ASYNC_EVENT_MAX_AGE = Duration.hours(6);
/** Rotating the link key monthly; a link lives 7 days and is checked against the version that signed it. */
const LINK_KEY_ROTATION = Duration.days(30);

export interface UcjFunctionsProps {
  bucket: IBucket;
  table: ITable;
  deliveryQueue: IQueue;
  /** Where an asynchronous event that kept failing goes (validate-upload, monthly-run, remind-uploads). */
  failedEvents: IQueue;
  sender: EmailSender;
  logRetention: RetentionDays;
  /** render-bulletins' reserved concurrency, and so monthly-run's render fan-out; undefined: unreserved. */
  renderConcurrency: { batches: number; reserved: boolean };
}

/**
 * The Lambdas (docs/architecture.md, "Functions"), each with only the access its job needs: object
 * actions on the key prefixes it reads or writes, table items whose partition key it owns, and the one
 * queue, function, secret or SES identity it uses (test/infra evaluates every grant).
 */
export class UcjFunctions extends Construct {
  readonly validateUpload: UcjFunction;
  readonly monthlyRun: UcjFunction;
  readonly renderBulletins: UcjFunction;
  readonly deliverBulletin: UcjFunction;
  readonly remindUploads: UcjFunction;
  readonly downloadBulletin: UcjFunction;
  readonly rotateLinkKey: UcjFunction;
  readonly downloadUrl: FunctionUrl;
  readonly linkKey: Secret;

  constructor(scope: Construct, id: string, props: UcjFunctionsProps) {
    super(scope, id);
    const { bucket, table, deliveryQueue, sender, logRetention } = props;
    const { uploads, validation, quarantine, bulletins, targets, config } = BUCKET_PREFIXES;
    const onFailure = new SqsDestination(props.failedEvents);

    this.validateUpload = new UcjFunction(this, 'ValidateUpload', {
      entry: 'functions/validate-upload.ts',
      description: 'Validates an upload, writes its report, quarantines a bad file, tells the admins',
      logRetention,
      ...SIZING.validateUpload,
    })
      .bindObjects(
        bucket,
        [
          // The version the event names (HEAD and GET), and its tags, which a copy carries over.
          { actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectVersionTagging'], keys: [`${uploads}*`] },
          // A rejected version is removed once its quarantine copy is checked; a delete marker never.
          { actions: ['s3:DeleteObjectVersion'], keys: [`${uploads}*`] },
          { actions: ['s3:GetObject', 's3:PutObject'], keys: [`${validation}*`] },
          { actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:PutObjectTagging'], keys: [`${quarantine}*`] },
          { actions: ['s3:GetObject'], keys: [RECIPIENTS_KEY] },
        ],
        [`${uploads}*`, `${validation}*`, `${quarantine}*`, RECIPIENTS_KEY],
      )
      .allowSendEmail(sender);
    this.validateUpload.configureAsyncInvoke({ onFailure, retryAttempts: 2, maxEventAge: ASYNC_EVENT_MAX_AGE });
    bucket.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(this.validateUpload), { prefix: UPLOAD_PREFIX });
    // CDK's own singleton that applies the bucket notification configuration at deploy time.
    for (const child of Stack.of(this).node.children) {
      if (!child.node.id.startsWith('BucketNotificationsHandler')) continue;
      acknowledge(
        child,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        "CDK's bucket-notification custom resource handler (not ours to configure); the managed policy only lets it write its logs.",
      );
    }

    this.renderBulletins = new UcjFunction(this, 'RenderBulletins', {
      entry: 'functions/render-bulletins.ts',
      description: "Renders, checks and stores one batch of a month's bulletins (invoked by monthly-run)",
      logRetention,
      rendersPdf: true,
      ...SIZING.renderBulletins,
      // A new account's concurrency quota can be as low as 10 for every function together: reserved,
      // rendering can neither starve the others nor be starved by them (docs/deploy.md).
      ...(props.renderConcurrency.reserved ? { reservedConcurrentExecutions: props.renderConcurrency.batches } : {}),
      // It reads back only what it writes: a bulletin already stored from the same figures is not rendered again.
    }).bindObjects(bucket, [{ actions: ['s3:GetObject', 's3:PutObject'], keys: [`${bulletins}*`] }], [`${bulletins}*`]);

    this.monthlyRun = new UcjFunction(this, 'MonthlyRun', {
      entry: 'functions/monthly-run.ts',
      description: 'Computes the month, writes snapshots, fans out rendering, queues deliveries',
      logRetention,
      ...SIZING.monthlyRun,
      // At most as many render batches in flight as render-bulletins may run at once.
      environment: { RENDER_CONCURRENCY: String(props.renderConcurrency.batches) },
    })
      .bindObjects(
        bucket,
        [
          { actions: ['s3:GetObject', 's3:GetObjectVersion'], keys: [`${uploads}*`] },
          { actions: ['s3:GetObject'], keys: [`${validation}*`, `${targets}*`, RECIPIENTS_KEY, GROUPS_KEY] },
        ],
        [`${uploads}*`, `${validation}*`, `${targets}*`, `${config}*`],
      )
      .bindTable(table, [
        {
          actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
          leadingKeys: [PARTITION_PREFIXES.region, PARTITION_PREFIXES.period],
        },
      ])
      .bindDeliveryQueue(deliveryQueue)
      .bindRenderer(this.renderBulletins)
      .allowCheckMailAccount(sender);
    this.monthlyRun.configureAsyncInvoke({ onFailure, retryAttempts: 2, maxEventAge: ASYNC_EVENT_MAX_AGE });

    this.linkKey = new Secret(this, 'LinkKey', {
      description: 'The key that signs 7-day bulletin download links (read by deliver-bulletin and download-bulletin)',
      generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'linkKey', passwordLength: 64, excludePunctuation: true },
    });
    this.downloadBulletin = new UcjFunction(this, 'DownloadBulletin', {
      entry: 'functions/download-bulletin.ts',
      description: 'Checks a download link from an email and redirects to the bulletin for a few minutes',
      logRetention,
      ...SIZING.downloadBulletin,
    })
      .bindObjects(bucket, [{ actions: ['s3:GetObject'], keys: [`${bulletins}*`] }], [`${bulletins}*`])
      // Any version: a link is checked with the key version that signed it, so rotation breaks none.
      .bindSecret('LINK_KEY_SECRET_ARN', this.linkKey, 'any');
    this.downloadUrl = this.downloadBulletin.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });

    this.rotateLinkKey = new UcjFunction(this, 'RotateLinkKey', {
      entry: 'functions/rotate-link-key.ts',
      description: 'Rotates the link-signing key (Secrets Manager rotation)',
      logRetention,
      ...SIZING.rotateLinkKey,
    });
    this.linkKey.addRotationSchedule('Rotation', { rotationLambda: this.rotateLinkKey, automaticallyAfter: LINK_KEY_ROTATION });

    this.deliverBulletin = new UcjFunction(this, 'DeliverBulletin', {
      entry: 'functions/deliver-bulletin.ts',
      description: 'Emails one recipient their bulletin, exactly once',
      logRetention,
      ...SIZING.deliverBulletin,
      environment: { DOWNLOAD_URL: this.downloadUrl.url },
    })
      .bindObjects(bucket, [{ actions: ['s3:GetObject'], keys: [`${bulletins}*`] }])
      .bindTable(table, [
        { actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], leadingKeys: [PARTITION_PREFIXES.delivery] },
        // Counting itself into the run that queued it, and nothing else of that item.
        { actions: ['dynamodb:UpdateItem'], leadingKeys: [PARTITION_PREFIXES.period], attributes: ['pk', 'sk', 'sentCount', 'failedCount'] },
      ])
      .bindSecret('LINK_KEY_SECRET_ARN', this.linkKey, 'current')
      .allowSendEmail(sender);
    this.deliverBulletin.addEventSource(
      new SqsEventSource(deliveryQueue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        // Keeps the sending rate well inside the account's SES quota.
        maxConcurrency: 2,
      }),
    );

    this.remindUploads = new UcjFunction(this, 'RemindUploads', {
      entry: 'functions/remind-uploads.ts',
      description: 'Reminds data admins of regions with no valid upload yet',
      logRetention,
      ...SIZING.remindUploads,
    })
      .bindObjects(bucket, [{ actions: ['s3:GetObject'], keys: [`${validation}*`, RECIPIENTS_KEY] }], [`${uploads}*`, `${validation}*`, RECIPIENTS_KEY])
      .bindTable(table, [
        { actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], leadingKeys: [PARTITION_PREFIXES.reminder] },
      ])
      .allowSendEmail(sender);
    this.remindUploads.configureAsyncInvoke({ onFailure, retryAttempts: 2, maxEventAge: ASYNC_EVENT_MAX_AGE });
  }

  /** Every function, for alarms and tests. */
  all(): Array<[string, UcjFunction]> {
    return [
      ['validate-upload', this.validateUpload],
      ['monthly-run', this.monthlyRun],
      ['render-bulletins', this.renderBulletins],
      ['deliver-bulletin', this.deliverBulletin],
      ['remind-uploads', this.remindUploads],
      ['download-bulletin', this.downloadBulletin],
      ['rotate-link-key', this.rotateLinkKey],
    ];
  }
}
