import { Duration, SecretValue } from 'aws-cdk-lib';
import { CfnAccessKey, User } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { EventType, type IBucket } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type EmailSender, UcjFunction } from './function.ts';

/** Only uploads trigger validation: the validator's own writes (validation/, quarantine/) never can. */
export const UPLOAD_PREFIX = 'uploads/';

// First guesses, to be set from measurements (npm run bench and CloudWatch's Max Memory Used).
export const SIZING = {
  validateUpload: { timeout: Duration.minutes(1), memorySize: 1024 },
  monthlyRun: { timeout: Duration.minutes(15), memorySize: 2048 },
  deliverBulletin: { timeout: Duration.minutes(1), memorySize: 512 },
  remindUploads: { timeout: Duration.minutes(1), memorySize: 512 },
} as const;

export interface UcjFunctionsProps {
  bucket: IBucket;
  table: ITable;
  deliveryQueue: IQueue;
  sender: EmailSender;
  logRetention: RetentionDays;
}

/** The four Lambdas (DESIGN.md, "Functions"), each with only the access its job needs. */
export class UcjFunctions extends Construct {
  readonly validateUpload: UcjFunction;
  readonly monthlyRun: UcjFunction;
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

    this.monthlyRun = new UcjFunction(this, 'MonthlyRun', {
      entry: 'functions/monthly-run.ts',
      description: 'Computes the month, writes snapshots, renders bulletins, queues deliveries',
      logRetention,
      rendersPdf: true,
      ...SIZING.monthlyRun,
    })
      .bindBucket(bucket, 'readwrite')
      .bindTable(table, 'readwrite')
      .bindDeliveryQueue(deliveryQueue);

    this.deliverBulletin = new UcjFunction(this, 'DeliverBulletin', {
      entry: 'functions/deliver-bulletin.ts',
      description: 'Emails one recipient their bulletin, exactly once',
      logRetention,
      ...SIZING.deliverBulletin,
    })
      .bindBucket(bucket, 'read')
      .bindTable(table, 'readwrite')
      .allowSendEmail(sender);
    this.bindLinkSigner(bucket);
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
    for (const fn of [this.validateUpload, this.monthlyRun, this.deliverBulletin, this.remindUploads]) {
      fn.addEnvironment('TABLE_NAME', table.tableName);
      fn.setSender(sender);
    }
  }

  /**
   * Bulletins too large to attach go as presigned links valid 7 days. A link signed with the function's
   * role dies with the role's session (hours), so links are signed with the long-term keys of an IAM
   * user that may only read bulletins/, kept in Secrets Manager and read by deliver-bulletin alone.
   */
  private bindLinkSigner(bucket: IBucket): void {
    const signer = new User(this, 'BulletinLinkSigner');
    bucket.grantRead(signer, 'bulletins/*');
    const key = new CfnAccessKey(this, 'BulletinLinkSignerKey', { userName: signer.userName });
    const secret = new Secret(this, 'BulletinLinkSignerSecret', {
      description: 'Access key of the IAM user that signs 7-day bulletin download links (read-only on bulletins/)',
      secretObjectValue: {
        accessKeyId: SecretValue.unsafePlainText(key.ref),
        secretAccessKey: SecretValue.resourceAttribute(key.attrSecretAccessKey),
      },
    });
    secret.grantRead(this.deliverBulletin);
    this.deliverBulletin.addEnvironment('LINK_SIGNER_SECRET_ARN', secret.secretArn);
  }
}
