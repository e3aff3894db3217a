import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface DeliveryQueueProps {
  /** deliver-bulletin's timeout: the visibility timeout is six times it, as Lambda advises. */
  consumerTimeout: Duration;
}

/** One message per recipient and month; messages that keep failing rest in the DLQ for an operator. */
export class DeliveryQueue extends Construct {
  static readonly MAX_RECEIVE_COUNT = 5;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: DeliveryQueueProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: DeliveryQueue.MAX_RECEIVE_COUNT },
    });
  }
}
