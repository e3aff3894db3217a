import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SQS_LIMITS } from '../../lib/contract/queue.ts';
import { acknowledge } from '../nag.ts';

/** A queue where what failed for good rests for an operator, encrypted and TLS-only, kept 14 days. */
export function restingQueue(scope: Construct, id: string, role: string): Queue {
  const queue = new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  acknowledge(
    queue,
    'AwsSolutions-SQS3',
    `This queue is itself where failures rest (${role}); a dead-letter queue of it would only move the problem. An alarm watches its depth.`,
  );
  return queue;
}

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
    this.deadLetterQueue = restingQueue(this, 'DeadLetters', 'the delivery queue\'s dead letters');
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      // Set, not left to SQS's default (1 MiB since 2025), so the limit monthly-run batches to is this queue's.
      maxMessageSizeBytes: SQS_LIMITS.maxMessageBytes,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: DeliveryQueue.MAX_RECEIVE_COUNT },
    });
  }
}
