import { Duration, SecretValue, Stack } from 'aws-cdk-lib';
import { CfnAccessKey, User } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { EventType, type IBucket } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeBucketGrant } from '../nag.ts';
import { type EmailSender, UcjFunction } from './function.ts';

/** Only uploads trigger validation: the validator's own writes (validation/, quarantine/) never can. */
export const UPLOAD_PREFIX = 'uploads/';

/**
 * Timeouts and memory, from measurements (npm run bench, on a laptop; Lambda ARM at 1,769 MB is one vCPU):
 * - validate-upload: 61,680 CSV rows validate in 0.8 s using ~230 MB, but exceljs peaks at ~630 MB reading
 *   a 65,000-row xlsx, so 1,024 MB; a minute leaves room for a slow S3 read of a large file.
 * - monthly-run: the numbers of 553 regions take ~10 ms and the history reads a second or two; rendering
 *   is not here any more, so 1,024 MB. It waits for the render fan-out (a few seconds); the 15 minutes are
 *   headroom for a slow month, and a re-run converges.
 * - render-bulletins: one batch of 40 bulletins, ~10–50 ms each on one vCPU: a second or two. 1,769 MB is
 *   one full vCPU (pdfmake is CPU-bound); 2 minutes leave room for a cold start and a slow S3 write.
 * - deliver-bulletin: ~15 ms per email locally, a batch of 10 well under a second plus SES latency;
 *   512 MB holds the largest PDF attachment and its MIME copy. 2 minutes, because a record is only
 *   claimed with 35 s left (SEND_WINDOW_MS: an SES call's worst retries), which leaves 85 s for a batch.
 * - remind-uploads: a listing of uploads/ and a few dozen emails.
 */
export const SIZING = {
  validateUpload: { timeout: Duration.minutes(1), memorySize: 1024 },
  monthlyRun: { timeout: Duration.minutes(15), memorySize: 1024 },
  renderBulletins: { timeout: Duration.minutes(2), memorySize: 1769 },
  deliverBulletin: { timeout: Duration.minutes(2), memorySize: 512 },
  remindUploads: { timeout: Duration.minutes(1), memorySize: 512 },
} as const;

export interface UcjFunctionsProps {
  bucket: IBucket;
  table: ITable;
  deliveryQueue: IQueue;
  sender: EmailSender;
  logRetention: RetentionDays;
  /** The link signer's access key serial: a new value replaces the key (rotation, see docs/deploy.md). */
  linkSignerKeySerial: number;
}

/**
 * The Lambdas (DESIGN.md, "Functions", plus render-bulletins, which monthly-run fans rendering out to),
 * each with only the access its job needs.
 */
export class UcjFunctions extends Construct {
  readonly validateUpload: UcjFunction;
  readonly monthlyRun: UcjFunction;
  readonly renderBulletins: UcjFunction;
  readonly deliverBulletin: UcjFunction;
  readonly remindUploads: UcjFunction;

  constructor(scope: Construct, id: string, props: UcjFunctionsProps) {
    super(scope, id);
    const { bucket, table, deliveryQueue, sender, logRetention } = props;

    this.validateUpload = new UcjFunction(this, 'ValidateUpload', {
      entry: 'functions/validate-upload.ts',
      description: 'Validates an upload, writes its report, quarantines a bad file, tells the admins',
      logRetention,
      ...SIZING.validateUpload,
    })
      .bindBucket(bucket, 'readwrite')
      .allowSendEmail(sender);
    bucket.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(this.validateUpload), {
      prefix: UPLOAD_PREFIX,
    });
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
      description: 'Renders, checks and stores one batch of a month\'s bulletins (invoked by monthly-run)',
      logRetention,
      rendersPdf: true,
      ...SIZING.renderBulletins,
    }).bindBucketWriter(bucket, 'bulletins/*');

    this.monthlyRun = new UcjFunction(this, 'MonthlyRun', {
      entry: 'functions/monthly-run.ts',
      description: 'Computes the month, writes snapshots, fans out rendering, queues deliveries',
      logRetention,
      ...SIZING.monthlyRun,
    })
      .bindBucket(bucket, 'readwrite')
      .bindTable(table, 'readwrite')
      .bindDeliveryQueue(deliveryQueue)
      .bindRenderer(this.renderBulletins);

    this.deliverBulletin = new UcjFunction(this, 'DeliverBulletin', {
      entry: 'functions/deliver-bulletin.ts',
      description: 'Emails one recipient their bulletin, exactly once',
      logRetention,
      ...SIZING.deliverBulletin,
    })
      .bindBucket(bucket, 'read')
      .bindTable(table, 'readwrite')
      .allowSendEmail(sender);
    this.bindLinkSigner(bucket, props.linkSignerKeySerial);
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
      .bindBucket(bucket, 'read')
      .allowSendEmail(sender);

    // lib/runtime.ts validates BUCKET_NAME, TABLE_NAME and SENDER_ADDRESS at every cold start, so every
    // function gets all three. An env var grants nothing: access stays as bound above.
    for (const fn of [this.validateUpload, this.monthlyRun, this.renderBulletins, this.deliverBulletin, this.remindUploads]) {
      fn.addEnvironment('TABLE_NAME', table.tableName);
      fn.setSender(sender);
    }
  }

  /**
   * Bulletins too large to attach go as presigned links valid 7 days. A link signed with the function's
   * role dies with the role's session (hours), so links are signed with the long-term keys of an IAM
   * user that may only read bulletins/, kept in Secrets Manager and read by deliver-bulletin alone.
   */
  private bindLinkSigner(bucket: IBucket, keySerial: number): void {
    const signer = new User(this, 'BulletinLinkSigner');
    bucket.grantRead(signer, 'bulletins/*');
    acknowledgeBucketGrant(
      signer,
      bucket,
      'read',
      'The link signer may read bulletins/ only (any month, any version: a link may point at a revision); the wildcards are the grant helper\'s read actions.',
      'bulletins/*',
    );
    const key = new CfnAccessKey(this, 'BulletinLinkSignerKey', { userName: signer.userName, serial: keySerial });
    const secret = new Secret(this, 'BulletinLinkSignerSecret', {
      description: 'Access key of the IAM user that signs 7-day bulletin download links (read-only on bulletins/)',
      secretObjectValue: {
        accessKeyId: SecretValue.unsafePlainText(key.ref),
        secretAccessKey: SecretValue.resourceAttribute(key.attrSecretAccessKey),
      },
    });
    secret.grantRead(this.deliverBulletin);
    acknowledge(
      secret,
      'AwsSolutions-SMG4',
      'Automatic rotation is future work: it needs a rotation function that keeps the previous key valid until the 7-day links signed with it expire. Until then an operator rotates by deploying with -c linkSignerKeySerial=<n+1> (docs/deploy.md).',
    );
    this.deliverBulletin.addEnvironment('LINK_SIGNER_SECRET_ARN', secret.secretArn);
  }
}
