/**
 * Where monthly-run puts one delivery message per recipient: an SQS queue, on AWS and on the local stack
 * (tools/local/sqs-emulator.ts serves the same API there). Batches keep to SQS's limits, which the local
 * queue enforces as SQS does: ten entries, and 256 KiB in all (the queue's maximum message size).
 */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeliveryMessage } from './message.ts';
import { SQS_LIMITS } from '../contract/queue.ts';

export interface DeliveryQueue {
  send(messages: readonly DeliveryMessage[]): Promise<void>;
}

export { SQS_LIMITS };

/** Consecutive batches within both limits; a message over the size limit is an error naming its recipient. */
export function sqsBatches(bodies: ReadonlyArray<{ id: string; body: string }>): Array<Array<{ id: string; body: string }>> {
  const batches: Array<Array<{ id: string; body: string }>> = [];
  let current: Array<{ id: string; body: string }> = [];
  let bytes = 0;
  for (const entry of bodies) {
    const size = Buffer.byteLength(entry.body);
    if (size > SQS_LIMITS.maxMessageBytes) throw new Error(`delivery message ${entry.id} is ${size} bytes, over SQS's ${SQS_LIMITS.maxMessageBytes}`);
    if (current.length === SQS_LIMITS.entriesPerBatch || bytes + size > SQS_LIMITS.maxBatchBytes) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export function sqsDeliveryQueue(sqs: SQSClient, queueUrl: string): DeliveryQueue {
  return {
    async send(messages) {
      const entries = messages.map((message) => ({ id: message.email, body: JSON.stringify(message) }));
      for (const batch of sqsBatches(entries)) {
        const out = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((entry, index) => ({ Id: String(index), MessageBody: entry.body })),
          }),
        );
        if (out.Failed && out.Failed.length > 0) {
          throw new Error(`SQS refused ${out.Failed.length} delivery messages: ${out.Failed.map((f) => f.Message).join('; ')}`);
        }
      }
    },
  };
}
