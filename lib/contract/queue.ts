/**
 * SQS's limits on one SendMessageBatch, and the delivery queue's maximum message size, which infra/ sets
 * explicitly (SQS's default rose to 1 MiB in 2025) so the limit monthly-run batches to is the queue's own.
 */
export const SQS_LIMITS = { entriesPerBatch: 10, maxBatchBytes: 262_144, maxMessageBytes: 262_144 } as const;
