import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { UcjConfig } from './config.ts';
import type { StackOutput } from '../lib/contract/stack-outputs.ts';
import { OperatorAlerts } from './constructs/alarms.ts';
import { UcjFunctions, SIZING } from './constructs/functions.ts';
import { History } from './constructs/history.ts';
import { Mail } from './constructs/mail.ts';
import { Portal } from './constructs/portal.ts';
import { PortalAuth } from './constructs/portal-auth.ts';
import { DeliveryQueue, restingQueue } from './constructs/queue.ts';
import { MonthlySchedules } from './constructs/schedule.ts';
import { Storage } from './constructs/storage.ts';

export interface UcjBulletinStackProps extends StackProps {
  config: UcjConfig;
}

/**
 * The whole app: one bucket (and its access-log bucket), one table, the delivery queue, SES identity and
 * configuration set, seven functions (a function URL for download links among them), two schedules, the
 * queues where failures rest, the alarms that notify the operators, and the web portal (a Cognito user
 * pool, an eighth function and the CloudFront distribution in front of it).
 */
export class UcjBulletinStack extends Stack {
  readonly storage: Storage;
  readonly history: History;
  readonly delivery: DeliveryQueue;
  readonly functions: UcjFunctions;
  readonly schedules: MonthlySchedules;
  readonly alerts: OperatorAlerts;
  readonly mail: Mail;
  readonly failedEvents: Queue;
  readonly portalAuth: PortalAuth;
  readonly portal: Portal;

  constructor(scope: Construct, id: string, props: UcjBulletinStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.alerts = new OperatorAlerts(this, 'Alerts', { operatorEmails: config.operatorEmails });
    this.mail = new Mail(this, 'Mail', {
      senderAddress: config.senderAddress,
      replyToAddress: config.replyToAddress,
      identityType: config.sesIdentityType,
      configurationSetName: config.sesConfigurationSet,
      alerts: this.alerts,
      operatorEmails: config.operatorEmails,
    });
    this.storage = new Storage(this, 'Storage');
    this.history = new History(this, 'History');
    this.delivery = new DeliveryQueue(this, 'Delivery', { consumerTimeout: SIZING.deliverBulletin.timeout });
    // Asynchronous events (S3 → validate-upload, Scheduler → monthly-run and remind-uploads) that still
    // fail after Lambda's two retries: kept here, with the event, instead of vanishing.
    this.failedEvents = restingQueue(this, 'FailedEvents', 'asynchronous invocations that failed after their retries');
    this.functions = new UcjFunctions(this, 'Functions', {
      bucket: this.storage.bucket,
      table: this.history.table,
      deliveryQueue: this.delivery.queue,
      failedEvents: this.failedEvents,
      sender: this.mail.sender,
      logRetention: config.logRetentionDays,
      renderConcurrency: { batches: config.renderConcurrency, reserved: config.reserveRenderConcurrency },
    });
    this.schedules = new MonthlySchedules(this, 'Schedules', {
      monthlyRun: this.functions.monthlyRun,
      remindUploads: this.functions.remindUploads,
      dayOfMonth: config.scheduleDayOfMonth,
      hour: config.scheduleHour,
      reminderDaysBefore: config.reminderDaysBefore,
    });

    this.portalAuth = new PortalAuth(this, 'PortalAuth', { domainPrefix: config.portalDomainPrefix });
    this.portal = new Portal(this, 'Portal', {
      auth: this.portalAuth,
      bucket: this.storage.bucket,
      table: this.history.table,
      deliveryQueue: this.delivery.queue,
      logRetention: config.logRetentionDays,
    });
    // After the distribution exists: the client's callback URLs need its domain (the cycle is explained there).
    this.portalAuth.setPortalUrl(this.portal.url);

    this.alerts.watchDeadLetterQueue('DeliveryDeadLetters', this.delivery.deadLetterQueue, 'Bulletin delivery');
    this.alerts.watchDeadLetterQueue('ScheduleDeadLetters', this.schedules.deadLetterQueue, 'A scheduled run or reminder');
    this.alerts.watchDeadLetterQueue('FailedEvents', this.failedEvents, 'An upload\'s validation, a month run or a reminder kept failing');
    const fns = this.functions;
    for (const [name, fn] of fns.all()) this.alerts.watchFunction(`${fn.node.id}Errors`, fn, name);
    this.alerts.watchFunction('PortalErrors', this.portal.fn, 'The portal');
    this.alerts.watchMonthRuns();

    // What the operator commands (`ucj … --stack`) and docs/deploy.md read from the stack: one output each.
    const outputs: Record<StackOutput, { value: string; description: string }> = {
      BucketName: { value: this.storage.bucket.bucketName, description: 'The app bucket: uploads/YYYY-MM/, targets/, config/' },
      TableName: { value: this.history.table.tableName, description: 'History: snapshots, run records, leases, ledgers' },
      MonthlyRunFunctionName: { value: fns.monthlyRun.functionName, description: 'Invoke with {"period":"YYYY-MM"} to re-run a month' },
      RemindUploadsFunctionName: { value: fns.remindUploads.functionName, description: 'Invoke with {"period":"YYYY-MM"} to remind admins' },
      DeliveryQueueUrl: { value: this.delivery.queue.queueUrl, description: 'Where deliveries are queued (ucj deliver --resend-*)' },
      DeliveryDeadLetterQueueUrl: { value: this.delivery.deadLetterQueue.queueUrl, description: 'Deliveries that failed 5 times' },
      DeliveryDeadLetterQueueArn: { value: this.delivery.deadLetterQueue.queueArn, description: 'For aws sqs start-message-move-task --source-arn' },
      FailedEventsQueueUrl: { value: this.failedEvents.queueUrl, description: 'Validations, runs and reminders that failed after their retries' },
      FailedEventsQueueArn: { value: this.failedEvents.queueArn, description: 'The failed asynchronous events queue' },
      ScheduleDeadLetterQueueArn: { value: this.schedules.deadLetterQueue.queueArn, description: 'Scheduler invocations that could not be made' },
      DownloadUrl: { value: fns.downloadUrl.url, description: 'download-bulletin: where emailed links lead' },
      AlarmTopicArn: { value: this.alerts.topic.topicArn, description: 'Operators\' alarms (docs/deploy.md, smoke test)' },
      SesConfigurationSetName: { value: this.mail.configurationSet.configurationSetName, description: 'Every email goes through it' },
      UserPoolId: { value: this.portalAuth.userPool.userPoolId, description: 'The portal\'s users (ucj users --stack creates them from recipients.csv)' },
      PortalUrl: { value: this.portal.url, description: 'The web portal: send it to the users ucj users invited' },
    };
    for (const [key, output] of Object.entries(outputs)) new CfnOutput(this, key, output);
  }
}
