import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { UcjConfig } from './config.ts';
import { OperatorAlerts } from './constructs/alarms.ts';
import { UcjFunctions, SIZING } from './constructs/functions.ts';
import { History } from './constructs/history.ts';
import { Mail } from './constructs/mail.ts';
import { DeliveryQueue } from './constructs/queue.ts';
import { MonthlySchedules } from './constructs/schedule.ts';
import { Storage } from './constructs/storage.ts';

export interface UcjBulletinStackProps extends StackProps {
  config: UcjConfig;
}

/**
 * The whole app: one bucket (and its access-log bucket), one table, the delivery queue, SES identity and
 * configuration set, five functions, two schedules, and the alarms that notify the operators.
 */
export class UcjBulletinStack extends Stack {
  readonly storage: Storage;
  readonly history: History;
  readonly delivery: DeliveryQueue;
  readonly functions: UcjFunctions;
  readonly schedules: MonthlySchedules;
  readonly alerts: OperatorAlerts;
  readonly mail: Mail;

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
    this.functions = new UcjFunctions(this, 'Functions', {
      bucket: this.storage.bucket,
      table: this.history.table,
      deliveryQueue: this.delivery.queue,
      sender: this.mail.sender,
      logRetention: config.logRetentionDays,
      linkSignerKeySerial: config.linkSignerKeySerial,
    });
    this.schedules = new MonthlySchedules(this, 'Schedules', {
      monthlyRun: this.functions.monthlyRun,
      remindUploads: this.functions.remindUploads,
      dayOfMonth: config.scheduleDayOfMonth,
      hour: config.scheduleHour,
      reminderDaysBefore: config.reminderDaysBefore,
    });

    this.alerts.watchDeadLetterQueue('DeliveryDeadLetters', this.delivery.deadLetterQueue, 'Bulletin delivery');
    this.alerts.watchDeadLetterQueue('ScheduleDeadLetters', this.schedules.deadLetterQueue, 'A scheduled run or reminder');
    const fns = this.functions;
    this.alerts.watchFunction('ValidateUploadErrors', fns.validateUpload, 'validate-upload');
    this.alerts.watchFunction('MonthlyRunErrors', fns.monthlyRun, 'monthly-run');
    this.alerts.watchFunction('RenderBulletinsErrors', fns.renderBulletins, 'render-bulletins');
    this.alerts.watchFunction('DeliverBulletinErrors', fns.deliverBulletin, 'deliver-bulletin');
    this.alerts.watchFunction('RemindUploadsErrors', fns.remindUploads, 'remind-uploads');
    this.alerts.watchMonthRunOutcome(fns.monthlyRun.logGroup);

    // What docs/deploy.md's commands need: `aws cloudformation describe-stacks --stack-name UcjBulletin`.
    new CfnOutput(this, 'BucketName', { value: this.storage.bucket.bucketName, description: 'Upload to uploads/YYYY-MM/' });
    new CfnOutput(this, 'MonthlyRunFunctionName', { value: fns.monthlyRun.functionName, description: 'Invoke with {"period":"YYYY-MM"} to re-run a month' });
    new CfnOutput(this, 'TableName', { value: this.history.table.tableName });
    new CfnOutput(this, 'DeliveryDeadLetterQueueUrl', { value: this.delivery.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alerts.topic.topicArn });
    new CfnOutput(this, 'SesConfigurationSetName', { value: this.mail.configurationSet.configurationSetName });
  }
}
