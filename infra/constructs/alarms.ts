import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The namespace of the metrics this app derives from its own logs. */
export const METRIC_NAMESPACE = 'UcjBulletin';
/** What monthly-run logs when it ends (functions/monthly-run.ts, Powertools Logger, service `monthly-run`). */
export const RUN_FINISHED_MESSAGE = 'month run finished';
/** The run outcomes an operator must look at: `failed` (nothing sent) and `partial` (some bulletins failed). */
export const ALERTING_OUTCOMES = ['failed', 'partial'] as const;

export interface OperatorAlertsProps {
  operatorEmails: readonly string[];
}

/**
 * Everything that pages an operator: one encrypted, TLS-only SNS topic with an email subscription per
 * operator, and the alarms that publish to it. The topic's key lets CloudWatch alarms and SES event
 * publishing (see Mail) use it, which the AWS-managed SNS key would not.
 */
export class OperatorAlerts extends Construct {
  readonly key: Key;
  readonly topic: Topic;
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: OperatorAlertsProps) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: 'Encrypts the ucj-bulletin operator notification topics',
      enableKeyRotation: true,
    });
    for (const service of ['cloudwatch.amazonaws.com', 'ses.amazonaws.com']) {
      this.key.grant(new ServicePrincipal(service), 'kms:Decrypt', 'kms:GenerateDataKey*');
    }
    this.topic = this.newTopic('Topic', 'ucj-bulletin alarms');
    this.action = new SnsAction(this.topic);
    for (const email of props.operatorEmails) this.topic.addSubscription(new EmailSubscription(email));
  }

  /** A topic encrypted with the operators' key; `Mail` uses one for bounces and complaints. */
  newTopic(id: string, displayName: string, scope: Construct = this): Topic {
    return new Topic(scope, id, { displayName, masterKey: this.key, enforceSSL: true });
  }

  /** Alarms as soon as a message rests in the dead-letter queue: each one is a lost run, reminder or email. */
  watchDeadLetterQueue(id: string, queue: IQueue, what: string): Alarm {
    return this.alarm(id, queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }), {
      description: `${what}: a message is in the dead-letter queue. Inspect it, fix the cause, then redrive or delete it.`,
    });
  }

  /** Alarms on any invocation error (an error that Lambda, Scheduler or SQS will retry is still worth knowing). */
  watchFunction(id: string, fn: IFunction, what: string): Alarm {
    return this.alarm(id, fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }), {
      description: `${what} failed. See its log group for the error.`,
    });
  }

  /**
   * Turns monthly-run's "month run finished" log lines into one metric per alerting outcome, and alarms
   * on each: a run that throws shows as a function error, a run that ends `failed` or `partial` does not.
   */
  watchMonthRunOutcome(logGroup: ILogGroup): Alarm[] {
    return ALERTING_OUTCOMES.map((outcome) => {
      const name = outcome === 'failed' ? 'Failed' : 'Partial';
      const filter = new MetricFilter(this, `MonthRun${name}Filter`, {
        logGroup,
        filterPattern: FilterPattern.all(
          FilterPattern.stringValue('$.message', '=', RUN_FINISHED_MESSAGE),
          FilterPattern.stringValue('$.outcome', '=', outcome),
        ),
        metricNamespace: METRIC_NAMESPACE,
        metricName: `MonthRun${name}`,
        metricValue: '1',
      });
      return this.alarm(`MonthRun${name}`, filter.metric({ period: Duration.minutes(5), statistic: 'Sum' }), {
        description:
          outcome === 'failed'
            ? 'The month run ended "failed": no bulletin went out. Read its log, fix the cause, re-run the month (docs/deploy.md).'
            : 'The month run ended "partial": some bulletins failed to render. Read its log, then re-run the month (docs/deploy.md).',
      });
    });
  }

  private alarm(id: string, metric: IMetric | Metric, options: { description: string }): Alarm {
    const alarm = new Alarm(this, id, {
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No data means no error, no message, no run: nothing to report.
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    alarm.addAlarmAction(this.action);
    return alarm;
  }
}
