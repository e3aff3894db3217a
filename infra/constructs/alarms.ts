import { Arn, ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, MONTH_RUN_METRICS, MONTH_RUN_SERVICE } from '../../lib/contract/metrics.ts';

export interface OperatorAlertsProps {
  operatorEmails: readonly string[];
}

/**
 * Everything that pages an operator: one encrypted, TLS-only SNS topic with an email subscription per
 * operator, and the alarms that publish to it.
 *
 * A topic policy replaces SNS's default one, and the TLS-only statement CDK writes is such a policy: so
 * CloudWatch must be allowed to publish explicitly, or every alarm's notification is refused ("not
 * authorized to perform SNS:Publish" in its history). It is allowed for this account's alarms of this
 * stack only (alarm names start with the stack's name), the confused-deputy conditions AWS recommends;
 * the key that encrypts the topics grants CloudWatch and SES the same way.
 */
export class OperatorAlerts extends Construct {
  readonly key: Key;
  readonly topic: Topic;
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: OperatorAlertsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.key = new Key(this, 'Key', {
      description: 'Encrypts the ucj-bulletin operator notification topics',
      enableKeyRotation: true,
    });
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisStack',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnLike: { 'aws:SourceArn': this.alarmArnPattern() } },
      }),
    );
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'SesEventPublishingOfThisAccount',
        principals: [new ServicePrincipal('ses.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': Arn.format({ service: 'ses', resource: 'configuration-set', resourceName: '*' }, stack) },
        },
      }),
    );
    this.topic = this.newTopic('Topic', 'ucj-bulletin alarms');
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisStack',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnLike: { 'aws:SourceArn': this.alarmArnPattern() } },
      }),
    );
    this.action = new SnsAction(this.topic);
    for (const email of props.operatorEmails) this.topic.addSubscription(new EmailSubscription(email));
  }

  /** Every alarm here is named `<stack>-<id>`, so one pattern names them all and nothing else. */
  alarmName(id: string): string {
    return `${Stack.of(this).stackName}-${id}`;
  }

  private alarmArnPattern(): string {
    return Arn.format({ service: 'cloudwatch', resource: 'alarm', resourceName: `${Stack.of(this).stackName}-*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }, Stack.of(this));
  }

  /** A topic encrypted with the operators' key; `Mail` uses one for bounces and complaints. */
  newTopic(id: string, displayName: string, scope: Construct = this): Topic {
    return new Topic(scope, id, { displayName, masterKey: this.key, enforceSSL: true });
  }

  /** Alarms as soon as a message rests in the queue: each one is a lost run, reminder, email or event. */
  watchDeadLetterQueue(id: string, queue: IQueue, what: string): Alarm {
    return this.alarm(id, queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }), {
      description: `${what}: a message is in the dead-letter queue. Inspect it, fix the cause, then redrive or delete it (docs/deploy.md).`,
    });
  }

  /** Alarms on any invocation error, timeouts included (an error that Lambda, Scheduler or SQS will retry is still worth knowing). */
  watchFunction(id: string, fn: IFunction, what: string): Alarm {
    return this.alarm(id, fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }), {
      description: `${what} failed. See its log group for the error.`,
    });
  }

  /**
   * Alarms on monthly-run's outcome metrics, which it emits on every exit path, a thrown run included
   * (lib/observability/run-metrics.ts): failed, partial, and deliveries held back by SES.
   */
  watchMonthRuns(): Alarm[] {
    const metric = (metricName: string) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: MONTH_RUN_SERVICE },
        period: Duration.minutes(5),
        statistic: 'Maximum',
      });
    return [
      this.alarm('MonthRunFailed', metric(MONTH_RUN_METRICS.failed), {
        description: 'The month run failed: nothing was sent. Read monthly-run\'s log, fix the cause, re-run the month (docs/deploy.md).',
      }),
      this.alarm('MonthRunPartial', metric(MONTH_RUN_METRICS.partial), {
        description: 'The month run ended "partial": some bulletins failed their check and were not sent. Read its log, then re-run the month (docs/deploy.md).',
      }),
      this.alarm('DeliveriesHeld', metric(MONTH_RUN_METRICS.deliveriesHeld), {
        description:
          'The month run held deliveries back because SES cannot send them yet (the sandbox, or the sender identity not verified). Fix it (docs/deploy.md, "SES"), then re-run the month: the held bulletins go out in full.',
      }),
    ];
  }

  private alarm(id: string, metric: IMetric, options: { description: string }): Alarm {
    const alarm = new Alarm(this, id, {
      alarmName: this.alarmName(id),
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
