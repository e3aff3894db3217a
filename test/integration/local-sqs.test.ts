/**
 * The local SQS (tools/local/sqs-emulator.ts) against the real SQSClient: the limits and errors SQS
 * enforces arrive as the SDK's exception classes, messages survive a killed stack, and the event source
 * mapping deletes, retries and dead-letters as Lambda's does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusal } from '../support/refusal.ts';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  BatchEntryIdsNotDistinct,
  BatchRequestTooLong,
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  EmptyBatchRequest,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  InvalidAttributeName,
  InvalidBatchEntryId,
  MessageNotInflight,
  PurgeQueueCommand,
  PurgeQueueInProgress,
  QueueDoesNotExist,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  SQSServiceException,
  TooManyEntriesInBatchRequest,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import { LOCAL_CREDENTIALS } from '../../lib/aws/clients.ts';
import { startSqsEmulator, startSqsEventSource, type SqsEmulator, type SqsQueueConfig } from '../../tools/local/sqs-emulator.ts';

const REGION = 'ap-southeast-3';
const APP_MESSAGE_SIZE = 262_144;
const QUEUES: SqsQueueConfig[] = [
  { name: 'limits', visibilityTimeoutSeconds: 30, maximumMessageSize: APP_MESSAGE_SIZE },
  { name: 'poll', visibilityTimeoutSeconds: 30 },
  { name: 'attributes', visibilityTimeoutSeconds: 30 },
  { name: 'redrive', visibilityTimeoutSeconds: 30, redrive: { deadLetterQueue: 'redrive-dlq', maxReceiveCount: 2 } },
  { name: 'redrive-dlq', visibilityTimeoutSeconds: 30 },
  { name: 'purge', visibilityTimeoutSeconds: 30 },
  { name: 'events', visibilityTimeoutSeconds: 30, redrive: { deadLetterQueue: 'events-dlq', maxReceiveCount: 3 } },
  { name: 'events-dlq', visibilityTimeoutSeconds: 30 },
  { name: 'strict', visibilityTimeoutSeconds: 30 },
];

let dir: string;
let emulator: SqsEmulator;
let sqs: SQSClient;


async function counts(queueUrl: string) {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return { visible: Number(Attributes.ApproximateNumberOfMessages), inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible) };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucj-local-sqs-'));
  emulator = await startSqsEmulator({ dir: join(dir, 'main'), region: REGION, queues: QUEUES });
  sqs = new SQSClient({ endpoint: emulator.endpoint, region: REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
});

afterAll(async () => {
  sqs?.destroy();
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('SQS limits', () => {
  it('refuses batches the way SQS does: more than ten entries, none, repeated or malformed ids, more bytes than the queue takes', async () => {
    const QueueUrl = emulator.queueUrl('limits');
    const entries = (count: number, bytes = 10) => Array.from({ length: count }, (_, index) => ({ Id: `m${index}`, MessageBody: 'x'.repeat(bytes) }));

    const tooMany = await refusal(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries(11) })), 'SQS');
    expect(tooMany).toBeInstanceOf(TooManyEntriesInBatchRequest);
    expect(tooMany.message).toBe('Maximum number of entries per request are 10. You have sent 11.');
    expect(await refusal(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [] })), 'SQS')).toBeInstanceOf(EmptyBatchRequest);
    const repeated = await refusal(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [...entries(2), { Id: 'm0', MessageBody: 'again' }] })), 'SQS');
    expect(repeated).toBeInstanceOf(BatchEntryIdsNotDistinct);
    expect(await refusal(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'not an id', MessageBody: 'x' }] })), 'SQS')).toBeInstanceOf(InvalidBatchEntryId);

    // Ten messages of 30 kB each are fine one by one, and SQS's 1 MiB would take them together, but
    // this queue, like the app's, takes 256 KiB per request.
    const tooLong = await refusal(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries(10, 30_000) })), 'SQS');
    expect(tooLong).toBeInstanceOf(BatchRequestTooLong);
    expect(tooLong.message).toBe('Batch requests cannot be longer than 262144 bytes. You have sent 300000 bytes.');
    expect(await counts(QueueUrl)).toEqual({ visible: 0, inFlight: 0 }); // a refused batch enqueues nothing

    const eight = await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries(8, 30_000) })); // 240,000 bytes fit
    expect(eight.Successful).toHaveLength(8);
  });

  it("refuses one message over the queue's maximum size with SQS's InvalidParameterValue, counting its attributes", async () => {
    const QueueUrl = emulator.queueUrl('limits');
    const attribute = { k: { DataType: 'String', StringValue: 'abcd' } }; // 1 + 6 + 4 bytes
    const overBy1 = await refusal(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x'.repeat(APP_MESSAGE_SIZE - 10), MessageAttributes: attribute })), 'SQS');
    expect(overBy1).toBeInstanceOf(SQSServiceException);
    expect(overBy1.name).toBe('InvalidParameterValue');
    expect(overBy1.message).toBe('One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.');

    const exactly = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x'.repeat(APP_MESSAGE_SIZE - 11), MessageAttributes: attribute }));
    expect(exactly.MessageId).toBeDefined();
    // Multi-byte characters count as their UTF-8 bytes, not as characters.
    const wide = await refusal(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'é'.repeat(APP_MESSAGE_SIZE / 2 + 1) })), 'SQS');
    expect(wide.name).toBe('InvalidParameterValue');
    const control = await refusal(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'bell \u0007' })), 'SQS');
    expect(control.name).toBe('InvalidMessageContents');
  });

  it('raises QueueDoesNotExist for an unknown queue and ReceiptHandleIsInvalid for a handle SQS never issued', async () => {
    expect(await refusal(sqs.send(new GetQueueUrlCommand({ QueueName: 'no-such-queue' })), 'SQS')).toBeInstanceOf(QueueDoesNotExist);
    const unknownUrl = emulator.queueUrl('poll').replace(/poll$/, 'no-such-queue');
    const unknown = await refusal(sqs.send(new SendMessageCommand({ QueueUrl: unknownUrl, MessageBody: 'x' })), 'SQS');
    expect(unknown).toBeInstanceOf(QueueDoesNotExist);
    expect(unknown.message).toBe('The specified queue does not exist.');
    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: 'poll' }))).QueueUrl).toBe(emulator.queueUrl('poll'));

    const invented = await refusal(sqs.send(new DeleteMessageCommand({ QueueUrl: emulator.queueUrl('poll'), ReceiptHandle: 'not-a-receipt-handle' })), 'SQS');
    expect(invented).toBeInstanceOf(ReceiptHandleIsInvalid);
    expect(invented.message).toBe('The input receipt handle "not-a-receipt-handle" is not a valid receipt handle.');

    // A real handle, but for another queue.
    await sqs.send(new SendMessageCommand({ QueueUrl: emulator.queueUrl('attributes'), MessageBody: 'elsewhere' }));
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: emulator.queueUrl('attributes') }));
    const elsewhere = Messages[0]!.ReceiptHandle!;
    expect(await refusal(sqs.send(new DeleteMessageCommand({ QueueUrl: emulator.queueUrl('poll'), ReceiptHandle: elsewhere })), 'SQS')).toBeInstanceOf(ReceiptHandleIsInvalid);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: emulator.queueUrl('attributes'), ReceiptHandle: elsewhere }));
  });

  it('refuses a client signed for another region, as AWS does', async () => {
    const elsewhere = new SQSClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    const refused = await refusal(elsewhere.send(new GetQueueUrlCommand({ QueueName: 'poll' })), 'SQS');
    expect(refused.name).toBe('InvalidSignatureException');
    elsewhere.destroy();
  });
});

describe('receiving', () => {
  it('answers a long poll as soon as a message arrives, and hides a received message until its visibility changes', async () => {
    const QueueUrl = emulator.queueUrl('poll');
    const started = Date.now();
    const waiting = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20, MessageSystemAttributeNames: ['All'] }));
    // A one-second long poll on the empty queue waits it out and comes back empty; by then the
    // twenty-second one above is waiting too, and only a message sent now can answer it early.
    const shortStarted = Date.now();
    const short = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
    expect(short.Messages ?? []).toEqual([]);
    expect(Date.now() - shortStarted).toBeGreaterThanOrEqual(900);
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'wake up' }));
    const first = (await waiting).Messages?.[0];
    expect(first?.MessageId).toBe(sent.MessageId);
    // Answered by the message, not at its deadline: the emulator stamps the receive when it answers, and a
    // poll that only looked again at its deadline (20 s after it was sent, so after `started` + 20 s)
    // would stamp it then, however fast or slow this machine is.
    expect(Number(first?.Attributes?.ApproximateFirstReceiveTimestamp)).toBeLessThan(started + 20_000);
    expect(first?.Attributes?.ApproximateReceiveCount).toBe('1');
    expect(Number(first?.Attributes?.SentTimestamp)).toBeGreaterThanOrEqual(started);

    // In flight: hidden from the next receive, counted as not visible.
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages ?? []).toEqual([]);
    expect(await counts(QueueUrl)).toEqual({ visible: 0, inFlight: 1 });

    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: first!.ReceiptHandle!, VisibilityTimeout: 0 }));
    const second = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp'] }))).Messages?.[0];
    expect(second?.MessageId).toBe(first?.MessageId);
    expect(second?.ReceiptHandle).not.toBe(first?.ReceiptHandle);
    expect(second?.Attributes).toEqual({ ApproximateReceiveCount: '2', ApproximateFirstReceiveTimestamp: first?.Attributes?.ApproximateFirstReceiveTimestamp });

    // The first receive's handle is stale now: it cannot change visibility, and deleting with it
    // succeeds without deleting.
    const stale = await refusal(sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: first!.ReceiptHandle!, VisibilityTimeout: 10 })), 'SQS');
    expect(stale.name).toBe('InvalidParameterValue');
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first!.ReceiptHandle! }));
    expect(await counts(QueueUrl)).toEqual({ visible: 0, inFlight: 1 });

    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: second!.ReceiptHandle!, VisibilityTimeout: 0 }));
    expect(await refusal(sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: second!.ReceiptHandle!, VisibilityTimeout: 30 })), 'SQS')).toBeInstanceOf(
      MessageNotInflight,
    );
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: second!.ReceiptHandle! }));
    expect(await counts(QueueUrl)).toEqual({ visible: 0, inFlight: 0 });

    const tooMany = await refusal(sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 11 })), 'SQS');
    expect(tooMany.message).toBe('Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.');
    expect((await refusal(sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 21 })), 'SQS')).name).toBe('InvalidParameterValue');
  });

  it("gives the checksums SQS gives, and message attributes only when they are asked for", async () => {
    const QueueUrl = emulator.queueUrl('attributes');
    // The vector moto checks against SQS.
    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl, MessageBody: 'derp', MessageAttributes: { 'SOME_Valid.attribute-Name': { StringValue: '1493147359900', DataType: 'Number' } } }),
    );
    expect(sent.MD5OfMessageBody).toBe('58fd9edd83341c29f1aebba81c31e257');
    expect(sent.MD5OfMessageAttributes).toBe('36655e7e9d7c0e8479fa3f3f42247ae7');

    const plain = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 0 }))).Messages?.[0];
    expect(plain?.MessageAttributes).toBeUndefined();
    expect(plain?.Attributes).toBeUndefined();
    const full = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['SOME_.*'] }))).Messages?.[0];
    expect(full?.MessageAttributes).toEqual({ 'SOME_Valid.attribute-Name': { StringValue: '1493147359900', DataType: 'Number' } });
    expect(full?.MD5OfMessageAttributes).toBe('36655e7e9d7c0e8479fa3f3f42247ae7');
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: full!.ReceiptHandle! }));
  });

  it('moves a message received maxReceiveCount times to the dead-letter queue on its next receive', async () => {
    const QueueUrl = emulator.queueUrl('redrive');
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'poison' }));
    for (const expected of ['1', '2']) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 0, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
      expect(Messages.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual([expected]);
    }
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages ?? []).toEqual([]);
    expect(await counts(QueueUrl)).toEqual({ visible: 0, inFlight: 0 });

    const dead = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: emulator.queueUrl('redrive-dlq'), MessageSystemAttributeNames: ['All'] }))).Messages?.[0];
    expect(dead?.MessageId).toBe(sent.MessageId);
    expect(dead?.Body).toBe('poison');
    expect(dead?.Attributes?.DeadLetterQueueSourceArn).toBe(`arn:aws:sqs:${REGION}:000000000000:redrive`);
  });

  it('reports the queue attributes the app reads, and allows one PurgeQueue a minute', async () => {
    const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: emulator.queueUrl('redrive'), AttributeNames: ['All'] }));
    expect(Attributes.QueueArn).toBe(`arn:aws:sqs:${REGION}:000000000000:redrive`);
    expect(JSON.parse(Attributes.RedrivePolicy ?? '{}')).toEqual({ deadLetterTargetArn: `arn:aws:sqs:${REGION}:000000000000:redrive-dlq`, maxReceiveCount: 2 });
    expect(Attributes.VisibilityTimeout).toBe('30');
    expect(Attributes.MaximumMessageSize).toBe('262144');
    // @ts-expect-error: an attribute SQS does not have, which the SDK's types rule out too
    const colour = new GetQueueAttributesCommand({ QueueUrl: emulator.queueUrl('redrive'), AttributeNames: ['Colour'] });
    expect(await refusal(sqs.send(colour), 'SQS')).toBeInstanceOf(InvalidAttributeName);

    const QueueUrl = emulator.queueUrl('purge');
    await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'a', MessageBody: 'a' }, { Id: 'b', MessageBody: 'b' }] }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
    expect(await counts(QueueUrl)).toEqual({ visible: 1, inFlight: 1 });
    await sqs.send(new PurgeQueueCommand({ QueueUrl }));
    expect(await counts(QueueUrl)).toEqual({ visible: 0, inFlight: 0 });
    expect(await refusal(sqs.send(new PurgeQueueCommand({ QueueUrl })), 'SQS')).toBeInstanceOf(PurgeQueueInProgress);
  });
});

describe('persistence', () => {
  it('keeps every queued and in-flight message, with its receive count, when the stack is killed and started again', async () => {
    const stackDir = join(dir, 'killed');
    const queues: SqsQueueConfig[] = [
      { name: 'crash', visibilityTimeoutSeconds: 300, redrive: { deadLetterQueue: 'crash-dlq', maxReceiveCount: 2 } },
      { name: 'crash-dlq', visibilityTimeoutSeconds: 30 },
    ];
    const script = `
      const { startSqsEmulator } = await import(${JSON.stringify(join(import.meta.dirname, '..', '..', 'tools', 'local', 'sqs-emulator.ts'))});
      const emulator = await startSqsEmulator(${JSON.stringify({ dir: stackDir, region: REGION, queues })});
      console.log(JSON.stringify({ endpoint: emulator.endpoint, queueUrl: emulator.queueUrl('crash') }));
      setInterval(() => undefined, 60_000);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    // A child that dies before it starts (a bad import) fails the test at once rather than at its timeout.
    const [line] = await Promise.race([
      once(createInterface({ input: child.stdout }), 'line'),
      once(child, 'exit').then(([code]) => Promise.reject(new Error(`the emulator's process exited (${String(code)}) before it started`))),
    ]);
    const started = z.object({ endpoint: z.string(), queueUrl: z.string() }).parse(JSON.parse(String(line)));
    const doomed = new SQSClient({ endpoint: started.endpoint, region: REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    await doomed.send(new SendMessageBatchCommand({ QueueUrl: started.queueUrl, Entries: ['first', 'second', 'third'].map((body) => ({ Id: body, MessageBody: body })) }));
    const inFlight = (await doomed.send(new ReceiveMessageCommand({ QueueUrl: started.queueUrl }))).Messages?.[0];
    expect(inFlight?.Body).toBe('first');
    doomed.destroy();
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;

    const restarted = await startSqsEmulator({ dir: stackDir, region: REGION, queues });
    try {
      const client = new SQSClient({ endpoint: restarted.endpoint, region: REGION, credentials: LOCAL_CREDENTIALS });
      const QueueUrl = restarted.queueUrl('crash');
      // The visibility timer died with the process: the consumer's message is visible again at once.
      const { Messages = [] } = await client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
      expect(Messages.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([
        ['first', '2'],
        ['second', '1'],
        ['third', '1'],
      ]);
      expect(Messages[0]?.MessageId).toBe(inFlight?.MessageId);
      client.destroy();
    } finally {
      await restarted.close();
    }
  });
});

describe('the event source mapping', () => {
  const md5 = (text: string) => createHash('md5').update(text).digest('hex');

  it('deletes what succeeded, retries what failed or threw, and dead-letters what keeps failing', async () => {
    const QueueUrl = emulator.queueUrl('events');
    const bodies = ['ok-1', 'ok-2', 'ok-3', 'ok-4', 'ok-5', 'ok-6', 'ok-7', 'ok-8', 'fail-once-1', 'fail-once-2', 'fail-always', 'throw-once'];
    await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: bodies.slice(0, 6).map((body) => ({ Id: body, MessageBody: body, MessageAttributes: { kind: { DataType: 'String', StringValue: 'test' } } })) }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: bodies.slice(6).map((body) => ({ Id: body, MessageBody: body })) }));

    const receives = new Map<string, string[]>();
    const records: SQSRecord[] = [];
    const batchSizes: number[] = [];
    let running = 0;
    let mostConcurrent = 0;
    const source = await startSqsEventSource({
      emulator,
      queue: 'events',
      batchSize: 10,
      maxConcurrency: 2,
      retryDelayMs: 20,
      handler: async (event) => {
        running += 1;
        mostConcurrent = Math.max(mostConcurrent, running);
        try {
          await new Promise((resolve) => setImmediate(resolve)); // lets a second poller's batch overlap
          batchSizes.push(event.Records.length);
          records.push(...event.Records);
          for (const record of event.Records) receives.set(record.body, [...(receives.get(record.body) ?? []), record.attributes.ApproximateReceiveCount]);
          const firstTime = (record: SQSRecord) => record.attributes.ApproximateReceiveCount === '1';
          if (event.Records.some((record) => record.body === 'throw-once' && firstTime(record))) throw new Error('a transient failure');
          const failing = event.Records.filter((record) => record.body === 'fail-always' || (record.body.startsWith('fail-once') && firstTime(record)));
          return { batchItemFailures: failing.map((record) => ({ itemIdentifier: record.messageId })) };
        } finally {
          running -= 1;
        }
      },
    });
    await source.idle();
    await source.stop();

    expect(mostConcurrent).toBeLessThanOrEqual(2);
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(10);
    expect(await counts(QueueUrl)).toEqual({ visible: 0, inFlight: 0 });
    expect(receives.get('fail-always')).toEqual(['1', '2', '3']);
    expect(receives.get('fail-once-1')).toEqual(['1', '2']);
    expect(receives.get('fail-once-2')).toEqual(['1', '2']);
    expect(receives.get('throw-once')).toEqual(['1', '2']);
    for (const body of bodies.filter((b) => b.startsWith('ok-'))) {
      // Once, or twice when it shared a batch with the message that threw.
      expect([['1'], ['1', '2']]).toContainEqual(receives.get(body));
    }
    const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: emulator.queueUrl('events-dlq'), MaxNumberOfMessages: 10 }));
    expect((dead.Messages ?? []).map((m) => m.Body)).toEqual(['fail-always']);

    const record = records.find((r) => r.body === 'ok-1')!;
    expect(record).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:${REGION}:000000000000:events`,
      awsRegion: REGION,
      md5OfBody: md5('ok-1'),
      messageAttributes: { kind: { dataType: 'String', stringValue: 'test', stringListValues: [], binaryListValues: [] } },
    });
    expect(Object.keys(record.attributes).sort()).toEqual(['ApproximateFirstReceiveTimestamp', 'ApproximateReceiveCount', 'SenderId', 'SentTimestamp']);
    expect(record.md5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
  });

  it('fails the whole batch when the function reports an item that is not in it, as Lambda does', async () => {
    const QueueUrl = emulator.queueUrl('strict');
    await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'a', MessageBody: 'a' }, { Id: 'b', MessageBody: 'b' }] }));
    const receives: string[] = [];
    const invalid: unknown[] = [];
    let answeredBadly = false;
    const source = await startSqsEventSource({
      endpoint: emulator.endpoint, // found by name, as for a stack another process runs
      region: REGION,
      queue: 'strict',
      batchSize: 10,
      maxConcurrency: 2,
      retryDelayMs: 20,
      onInvocationError: (error) => invalid.push(error),
      handler: async (event) => {
        receives.push(...event.Records.map((record) => `${record.body}:${record.attributes.ApproximateReceiveCount}`));
        if (answeredBadly) return;
        answeredBadly = true;
        return { batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] };
      },
    });
    await source.idle();
    await source.stop();
    expect(receives.sort()).toEqual(['a:1', 'a:2', 'b:1', 'b:2']);
    expect(invalid).toHaveLength(1);
    expect(await counts(QueueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });
});
