import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { UcjConfig } from './config.ts';
import { UcjFunctions, SIZING } from './constructs/functions.ts';
import { History } from './constructs/history.ts';
import { DeliveryQueue } from './constructs/queue.ts';
import { MonthlySchedules } from './constructs/schedule.ts';
import { Storage } from './constructs/storage.ts';

export interface UcjBulletinStackProps extends StackProps {
  config: UcjConfig;
}

/** The whole app: one bucket, one table, the delivery queue, four functions and two schedules. */
export class UcjBulletinStack extends Stack {
  readonly storage: Storage;
  readonly history: History;
  readonly delivery: DeliveryQueue;
  readonly functions: UcjFunctions;
  readonly schedules: MonthlySchedules;

  constructor(scope: Construct, id: string, props: UcjBulletinStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.storage = new Storage(this, 'Storage');
    this.history = new History(this, 'History');
    this.delivery = new DeliveryQueue(this, 'Delivery', { consumerTimeout: SIZING.deliverBulletin.timeout });
    this.functions = new UcjFunctions(this, 'Functions', {
      bucket: this.storage.bucket,
      table: this.history.table,
      deliveryQueue: this.delivery.queue,
      sender: {
        senderAddress: config.senderAddress,
        replyToAddress: config.replyToAddress,
        sesConfigurationSet: config.sesConfigurationSet,
      },
      logRetention: config.logRetentionDays,
    });
    this.schedules = new MonthlySchedules(this, 'Schedules', {
      monthlyRun: this.functions.monthlyRun,
      remindUploads: this.functions.remindUploads,
      dayOfMonth: config.scheduleDayOfMonth,
      hour: config.scheduleHour,
      reminderDaysBefore: config.reminderDaysBefore,
    });
  }
}
