import { Duration, Stack, TimeZone } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleGroup, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge, nagArn } from '../nag.ts';
import { restingQueue } from './queue.ts';

export interface MonthlySchedulesProps {
  monthlyRun: IFunction;
  remindUploads: IFunction;
  /** Day of the month (1-28) and hour, Asia/Jakarta time, of the monthly run. */
  dayOfMonth: number;
  hour: number;
  /** How many days before the run the upload reminder goes out (same month, same hour). */
  reminderDaysBefore: number;
}

/**
 * EventBridge Scheduler, in Jakarta time: the month's run and, some days earlier, the upload reminder.
 * The run's payload is `{ "scheduledTime": "<the occurrence's time>" }`: the same for every retry of one
 * occurrence, so the function can derive the month from it (not from the clock) and use it as an
 * idempotency key; no `period`, so it defaults to the month before. Scheduler invokes Lambda
 * asynchronously, so its retries cover delivering the event to Lambda; what Scheduler could not
 * deliver lands in the dead-letter queue.
 */
export class MonthlySchedules extends Construct {
  readonly group: ScheduleGroup;
  readonly role: Role;
  readonly deadLetterQueue: Queue;
  readonly monthlyRun: Schedule;
  readonly reminder: Schedule;

  constructor(scope: Construct, id: string, props: MonthlySchedulesProps) {
    super(scope, id);
    const reminderDay = props.dayOfMonth - props.reminderDaysBefore;
    if (reminderDay < 1) {
      throw new Error(`MonthlySchedules: the reminder (day ${props.dayOfMonth} - ${props.reminderDaysBefore}) falls before the 1st`);
    }

    this.group = new ScheduleGroup(this, 'Group', {});
    const stack = Stack.of(this);
    this.role = new Role(this, 'Role', {
      description: 'EventBridge Scheduler invoking the ucj-bulletin functions',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account, 'aws:SourceArn': this.group.scheduleGroupArn },
        },
      }),
    });
    this.deadLetterQueue = restingQueue(this, 'DeadLetters', 'the Scheduler targets\' dead letters');

    const target = (fn: IFunction, input: Record<string, string>): LambdaInvoke =>
      new LambdaInvoke(fn, {
        role: this.role,
        input: ScheduleTargetInput.fromObject(input),
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 5,
        maxEventAge: Duration.hours(6),
      });
    const monthlyCron = (day: number): ScheduleExpression =>
      ScheduleExpression.cron({
        minute: '0',
        hour: String(props.hour),
        day: String(day),
        timeZone: TimeZone.ASIA_JAKARTA,
      });

    this.monthlyRun = new Schedule(this, 'MonthlyRun', {
      description: 'The month\'s ucj-bulletin run (bulletins for the month before)',
      scheduleGroup: this.group,
      schedule: monthlyCron(props.dayOfMonth),
      target: target(props.monthlyRun, { scheduledTime: ContextAttribute.scheduledTime }),
    });
    this.reminder = new Schedule(this, 'UploadReminder', {
      description: `Reminds data admins of missing uploads ${props.reminderDaysBefore} days before the run`,
      scheduleGroup: this.group,
      schedule: monthlyCron(reminderDay),
      // The occurrence's time: every retry of one reminder carries the same, so it is sent once.
      target: target(props.remindUploads, { scheduledTime: ContextAttribute.scheduledTime }),
    });
    for (const fn of [props.monthlyRun, props.remindUploads]) {
      acknowledge(
        this.role,
        `AwsSolutions-IAM5[Resource::${nagArn(fn)}:*]`,
        'lambda:InvokeFunction on the function and its versions/aliases (ARN:*), as the Scheduler target grant writes it; one function only.',
      );
    }
  }
}
