/**
 * SQS on loopback for the local stack, and the Lambda event source mapping that consumes it. The deployed
 * code talks to it with its real SQSClient (AWS JSON 1.0, `X-Amz-Target: AmazonSQS.<Operation>`, errors
 * with SQS's awsQuery-compatible codes), so what the SDK raises here is what it raises on AWS. Local
 * tooling only, never deployed.
 *
 * SQS's rules enforced, as SQS answers them (API reference and the SDK's model, @aws-sdk/client-sqs):
 * - Batches (SendMessageBatch, DeleteMessageBatch, ChangeMessageVisibilityBatch): no empty batch
 *   (EmptyBatchRequest), at most 10 entries (TooManyEntriesInBatchRequest), distinct entry ids
 *   (BatchEntryIdsNotDistinct), ids of at most 80 letters, digits, hyphens and underscores
 *   (InvalidBatchEntryId).
 * - Sizes: a message's size is its body plus each attribute's name, type and value, in bytes. One
 *   SendMessage over the queue's MaximumMessageSize fails InvalidParameterValue "Message must be shorter
 *   than N bytes."; a SendMessageBatch whose entries add up to more fails BatchRequestTooLong. (Since
 *   2025 SQS's default and ceiling are 1 MiB; this queue's limit is what its configuration says, 256 KiB
 *   unless told otherwise, as the app's queue sets it.) Bodies are limited to XML's characters
 *   (InvalidMessageContents); at most 10 attributes.
 * - ReceiveMessage: MaxNumberOfMessages 1–10, WaitTimeSeconds 0–20 (a long poll answers as soon as a
 *   message is visible), VisibilityTimeout 0–43200; system attributes only when asked for.
 * - Receipt handles: a malformed one, or one from another queue, fails ReceiptHandleIsInvalid. Each
 *   receive issues a new handle; deleting with an older one succeeds but deletes nothing (AWS: "the
 *   request will succeed, but the message might not be deleted"); changing visibility with it fails
 *   InvalidParameterValue, and for a message whose visibility already ran out, MessageNotInflight.
 * - Redrive: a message received maxReceiveCount times moves to the dead-letter queue on its next receive,
 *   keeping its id and SentTimestamp, with DeadLetterQueueSourceArn set.
 * - Unknown queue: QueueDoesNotExist. PurgeQueue: once per 60 seconds per queue (PurgeQueueInProgress).
 *   Messages older than the retention period (4 days unless configured) are dropped.
 *
 * Messages persist under `dir`, one file per message written atomically (write, then rename), with their
 * receive counts, so a stack that is killed keeps its queue. Visibility timers live in memory: after a
 * restart in-flight messages are visible again, as a crashed consumer's are on AWS once the timeout ends.
 *
 * Left out: FIFO queues, CreateQueue/DeleteQueue/SetQueueAttributes (the queues are this emulator's
 * configuration), message system attributes on send, ReceiveRequestAttemptId, and short polling's
 * sampling (AWS may return fewer messages than are visible; this returns all it may, up to the maximum).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Server } from 'node:http';
import * as z from 'zod';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { LOCAL_CREDENTIALS } from '../../lib/aws/clients.ts';
import { AwsServiceError, closeServer, createAwsJsonServer, listenOnLoopback, parseInput, type AwsRequestContext, type InputProblem } from './aws-json.ts';

const ACCOUNT = '000000000000';
const MAX_BATCH_ENTRIES = 10;
const DEFAULT_MAXIMUM_MESSAGE_SIZE = 262_144;
const DEFAULT_RETENTION_SECONDS = 345_600;
const MAX_VISIBILITY_TIMEOUT = 43_200;
const MAX_WAIT_SECONDS = 20;
const MAX_DELAY_SECONDS = 900;
const MAX_MESSAGE_ATTRIBUTES = 10;
const PURGE_INTERVAL_MS = 60_000;

export interface SqsQueueConfig {
  name: string;
  visibilityTimeoutSeconds: number;
  /** Bytes; SQS's own default is 1 MiB since 2025, this emulator's is 262,144 (the app's setting). */
  maximumMessageSize?: number;
  /** Seconds; 4 days unless set. */
  messageRetentionSeconds?: number;
  redrive?: { deadLetterQueue: string; maxReceiveCount: number };
}

export interface SqsEmulatorOptions {
  dir: string;
  region: string;
  queues: readonly SqsQueueConfig[];
}

export interface SqsEmulator {
  endpoint: string;
  region: string;
  queueUrl(name: string): string;
  queueArn(name: string): string;
  server: Server;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// Errors, as SQS reports them (code, message, awsQuery code, status from the SDK's error model)

const sqsError = (code: string, message: string, queryErrorCode = code, statusCode = 400) => new AwsServiceError(code, message, { statusCode, queryErrorCode });

const errors = {
  queueDoesNotExist: () => sqsError('QueueDoesNotExist', 'The specified queue does not exist.', 'AWS.SimpleQueueService.NonExistentQueue'),
  invalidAddress: (address: string) => sqsError('InvalidAddress', `The address ${address} is not valid for this endpoint.`, 'InvalidAddress', 404),
  invalidParameterValue: (message: string) => sqsError('InvalidParameterValue', message),
  invalidValue: (parameter: string, value: unknown, reason: string) => errors.invalidParameterValue(`Value ${String(value)} for parameter ${parameter} is invalid. Reason: ${reason}`),
  missingParameter: (parameter: string) => sqsError('MissingParameter', `The request must contain the parameter ${parameter}.`),
  emptyBatch: (entryType: string) => sqsError('EmptyBatchRequest', `There should be at least one ${entryType} in the request.`, 'AWS.SimpleQueueService.EmptyBatchRequest'),
  tooManyEntries: (count: number) =>
    sqsError('TooManyEntriesInBatchRequest', `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${count}.`, 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest'),
  idsNotDistinct: (id: string) => sqsError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`, 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct'),
  invalidBatchEntryId: () =>
    sqsError(
      'InvalidBatchEntryId',
      'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      'AWS.SimpleQueueService.InvalidBatchEntryId',
    ),
  batchTooLong: (limit: number, sent: number) =>
    sqsError('BatchRequestTooLong', `Batch requests cannot be longer than ${limit} bytes. You have sent ${sent} bytes.`, 'AWS.SimpleQueueService.BatchRequestTooLong'),
  messageTooLong: (limit: number) => errors.invalidParameterValue(`One or more parameters are invalid. Reason: Message must be shorter than ${limit} bytes.`),
  invalidContents: () =>
    sqsError('InvalidMessageContents', 'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF'),
  receiptHandleIsInvalid: (handle: string) => sqsError('ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not a valid receipt handle.`, 'ReceiptHandleIsInvalid', 404),
  notAvailableForVisibilityChange: (handle: string) => errors.invalidValue('ReceiptHandle', handle, 'Message does not exist or is not available for visibility timeout change.'),
  messageNotInflight: () => sqsError('MessageNotInflight', "The specified message isn't in flight.", 'AWS.SimpleQueueService.MessageNotInflight'),
  invalidAttributeName: (name: string) => sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`),
  purgeInProgress: (queue: string) =>
    sqsError('PurgeQueueInProgress', `Only one PurgeQueue operation on ${queue} is allowed every 60 seconds.`, 'AWS.SimpleQueueService.PurgeQueueInProgress', 403),
};

const invalidInput = ({ member, missing }: InputProblem) =>
  missing ? errors.missingParameter(member) : errors.invalidParameterValue(`Value for parameter ${member} is invalid.`);

// ---------------------------------------------------------------------------------------------------
// Wire shapes (what the SDK sends) and the stored message

const messageAttributeSchema = z.object({
  DataType: z.string(),
  StringValue: z.string().optional(),
  /** Base64, as blobs travel in JSON. */
  BinaryValue: z.string().optional(),
  StringListValues: z.array(z.string()).optional(),
  BinaryListValues: z.array(z.string()).optional(),
});
type WireMessageAttribute = z.infer<typeof messageAttributeSchema>;
const messageAttributesSchema = z.record(z.string(), messageAttributeSchema);

const queueUrlInput = { QueueUrl: z.string() };
const sendFields = {
  MessageBody: z.string().optional(),
  DelaySeconds: z.number().int().optional(),
  MessageAttributes: messageAttributesSchema.optional(),
};
const sendMessageInput = z.object({ ...queueUrlInput, ...sendFields });
const sendMessageBatchInput = z.object({ ...queueUrlInput, Entries: z.array(z.object({ Id: z.string(), ...sendFields })).optional() });
const receiveMessageInput = z.object({
  ...queueUrlInput,
  AttributeNames: z.array(z.string()).optional(),
  MessageSystemAttributeNames: z.array(z.string()).optional(),
  MessageAttributeNames: z.array(z.string()).optional(),
  MaxNumberOfMessages: z.number().int().optional(),
  VisibilityTimeout: z.number().int().optional(),
  WaitTimeSeconds: z.number().int().optional(),
});
const deleteMessageInput = z.object({ ...queueUrlInput, ReceiptHandle: z.string() });
const deleteMessageBatchInput = z.object({ ...queueUrlInput, Entries: z.array(z.object({ Id: z.string(), ReceiptHandle: z.string() })).optional() });
const changeVisibilityInput = z.object({ ...queueUrlInput, ReceiptHandle: z.string(), VisibilityTimeout: z.number().int() });
const changeVisibilityBatchInput = z.object({
  ...queueUrlInput,
  Entries: z.array(z.object({ Id: z.string(), ReceiptHandle: z.string(), VisibilityTimeout: z.number().int() })).optional(),
});
const getQueueUrlInput = z.object({ QueueName: z.string(), QueueOwnerAWSAccountId: z.string().optional() });
const getQueueAttributesInput = z.object({ ...queueUrlInput, AttributeNames: z.array(z.string()).optional() });
const purgeQueueInput = z.object(queueUrlInput);

const storedMessageSchema = z.object({
  messageId: z.string(),
  body: z.string(),
  md5OfBody: z.string(),
  messageAttributes: messageAttributesSchema,
  senderId: z.string(),
  /** Epoch milliseconds of the first enqueue (kept through a move to the dead-letter queue). */
  sentTimestamp: z.number(),
  /** Orders the queue: oldest first. */
  sequence: z.number(),
  /** Epoch milliseconds before which a delayed message is not visible. */
  delayUntil: z.number(),
  receiveCount: z.number().int(),
  firstReceiveTimestamp: z.number().optional(),
  deadLetterQueueSourceArn: z.string().optional(),
});
type StoredMessage = z.infer<typeof storedMessageSchema>;

interface QueuedMessage extends StoredMessage {
  /** In memory only: a restarted emulator makes in-flight messages visible again. */
  invisibleUntil: number;
  lastReceivedAt: number;
  /** The token of the latest receive: only its receipt handle may change the visibility. */
  receiptToken?: string;
}

interface SendResult {
  MessageId: string;
  MD5OfMessageBody: string;
  MD5OfMessageAttributes?: string;
}

/** What one receive hands out, copied when taken (a concurrent receive may take the message again). */
interface ReceivedCopy {
  message: StoredMessage;
  receiptHandle: string;
}

// ---------------------------------------------------------------------------------------------------
// Sizes, checksums, receipt handles

const md5 = (bytes: Buffer | string) => createHash('md5').update(bytes).digest('hex');
const utf8Length = (text: string) => Buffer.byteLength(text, 'utf8');

function attributeValueBytes(attribute: WireMessageAttribute): Buffer {
  return attribute.BinaryValue !== undefined ? Buffer.from(attribute.BinaryValue, 'base64') : Buffer.from(attribute.StringValue ?? '', 'utf8');
}

/** SQS counts the body and every part of every attribute (name, type, value). */
function messageSize(body: string, attributes: Record<string, WireMessageAttribute>): number {
  let size = utf8Length(body);
  for (const [name, attribute] of Object.entries(attributes)) size += utf8Length(name) + utf8Length(attribute.DataType) + attributeValueBytes(attribute).length;
  return size;
}

/**
 * SQS's MD5OfMessageAttributes: for each attribute in name order, the length-prefixed (4 bytes, big
 * endian) name and data type, a transport byte (1 string, 2 binary) and the length-prefixed value.
 */
function md5OfMessageAttributes(attributes: Record<string, WireMessageAttribute>): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const parts: Buffer[] = [];
  const lengthPrefixed = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  };
  for (const name of names) {
    const attribute = attributes[name]!;
    lengthPrefixed(Buffer.from(name, 'utf8'));
    lengthPrefixed(Buffer.from(attribute.DataType, 'utf8'));
    parts.push(Buffer.from([attribute.BinaryValue !== undefined ? 2 : 1]));
    lengthPrefixed(attributeValueBytes(attribute));
  }
  return md5(Buffer.concat(parts));
}

const XML_CHARACTERS = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const RECEIPT_SEPARATOR = '\u0000';
const RECEIPT_TOKEN = /^[0-9a-f]{32}$/;

function encodeReceiptHandle(queue: string, messageId: string, token: string): string {
  return Buffer.from([queue, messageId, token].join(RECEIPT_SEPARATOR), 'utf8').toString('base64');
}

/** The parts of a handle this emulator issued, or undefined for anything else. */
function decodeReceiptHandle(handle: string): { queue: string; messageId: string; token: string } | undefined {
  const bytes = Buffer.from(handle, 'base64');
  // Node decodes base64 leniently: a handle is ours only if it re-encodes to itself.
  if (handle.length === 0 || bytes.toString('base64') !== handle) return undefined;
  const parts = bytes.toString('utf8').split(RECEIPT_SEPARATOR);
  if (parts.length !== 3 || !RECEIPT_TOKEN.test(parts[2]!)) return undefined;
  return { queue: parts[0]!, messageId: parts[1]!, token: parts[2]! };
}

// ---------------------------------------------------------------------------------------------------
// Persistence: one file per message, each message's writes and removal applied in order

class MessageFiles {
  private readonly pending = new Map<string, Promise<void>>();

  constructor(private readonly dir: string) {}

  private queueDir(queue: string) {
    return join(this.dir, queue);
  }

  /** Runs `operation` after the previous one for the same message, so a late write cannot undo a delete. */
  private inOrder(queue: string, messageId: string, operation: () => Promise<void>): Promise<void> {
    const key = `${queue}/${messageId}`;
    const previous = this.pending.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(operation);
    this.pending.set(key, next);
    void next
      .finally(() => {
        if (this.pending.get(key) === next) this.pending.delete(key);
      })
      .catch(() => undefined);
    return next;
  }

  write(queue: string, message: StoredMessage): Promise<void> {
    const stored: StoredMessage = storedMessageSchema.parse(message); // drops the in-memory fields
    return this.inOrder(queue, message.messageId, async () => {
      const target = join(this.queueDir(queue), `${message.messageId}.json`);
      const temporary = join(this.queueDir(queue), `.${message.messageId}.${randomBytes(4).toString('hex')}.tmp`);
      await writeFile(temporary, JSON.stringify(stored));
      await rename(temporary, target);
    });
  }

  remove(queue: string, messageId: string): Promise<void> {
    return this.inOrder(queue, messageId, () => rm(join(this.queueDir(queue), `${messageId}.json`), { force: true }));
  }

  async load(queue: string): Promise<StoredMessage[]> {
    const dir = this.queueDir(queue);
    await mkdir(dir, { recursive: true });
    const names = await readdir(dir);
    const messages: StoredMessage[] = [];
    for (const name of names) {
      const path = join(dir, name);
      if (name.startsWith('.')) {
        await rm(path, { force: true }); // a write the previous process did not finish
        continue;
      }
      if (!name.endsWith('.json')) continue;
      messages.push(storedMessageSchema.parse(JSON.parse(await readFile(path, 'utf8'))));
    }
    return messages.sort((a, b) => a.sequence - b.sequence);
  }

  async settled(): Promise<void> {
    await Promise.allSettled([...this.pending.values()]);
  }
}

// ---------------------------------------------------------------------------------------------------
// Queues

interface ResolvedQueueConfig {
  name: string;
  visibilityTimeoutSeconds: number;
  maximumMessageSize: number;
  messageRetentionSeconds: number;
  redrive?: { deadLetterQueue: string; maxReceiveCount: number };
}

class QueueState {
  readonly messages = new Map<string, QueuedMessage>();
  lastPurgeAt = Number.NEGATIVE_INFINITY;
  private readonly wakers = new Set<() => void>();

  constructor(
    readonly config: ResolvedQueueConfig,
    readonly arn: string,
  ) {}

  get name() {
    return this.config.name;
  }

  /** Wakes the long polls waiting on this queue. */
  wake(): void {
    const wakers = [...this.wakers];
    this.wakers.clear();
    for (const waker of wakers) waker();
  }

  /** Resolves on a wake, when the next delay or visibility timeout runs out, at `deadline` or on abort. */
  waitForChange(deadline: number, signal: AbortSignal): Promise<void> {
    const now = Date.now();
    let next = deadline;
    for (const message of this.messages.values()) {
      if (message.delayUntil > now) next = Math.min(next, message.delayUntil);
      if (message.invisibleUntil > now) next = Math.min(next, message.invisibleUntil);
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, next - now));
      this.wakers.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  counts(now: number): { visible: number; inFlight: number; delayed: number } {
    const counts = { visible: 0, inFlight: 0, delayed: 0 };
    for (const message of this.messages.values()) {
      if (message.delayUntil > now) counts.delayed += 1;
      else if (message.invisibleUntil > now) counts.inFlight += 1;
      else counts.visible += 1;
    }
    return counts;
  }
}

const isVisible = (message: QueuedMessage, now: number) => message.delayUntil <= now && message.invisibleUntil <= now;

const SYSTEM_ATTRIBUTE_NAMES = new Set([
  'All',
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'SequenceNumber',
  'MessageDeduplicationId',
  'MessageGroupId',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
]);

const QUEUE_ATTRIBUTE_NAMES = new Set([
  'All',
  'Policy',
  'VisibilityTimeout',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
  'ApproximateNumberOfMessagesDelayed',
  'DelaySeconds',
  'ReceiveMessageWaitTimeSeconds',
  'RedrivePolicy',
  'FifoQueue',
  'ContentBasedDeduplication',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'DeduplicationScope',
  'FifoThroughputLimit',
  'RedriveAllowPolicy',
  'SqsManagedSseEnabled',
]);

function checkBatch(entries: ReadonlyArray<{ Id: string }> | undefined, entryType: string): asserts entries is ReadonlyArray<{ Id: string }> {
  if (!entries || entries.length === 0) throw errors.emptyBatch(entryType);
  if (entries.length > MAX_BATCH_ENTRIES) throw errors.tooManyEntries(entries.length);
  const seen = new Set<string>();
  for (const { Id } of entries) {
    if (seen.has(Id)) throw errors.idsNotDistinct(Id);
    seen.add(Id);
  }
  if (entries.some(({ Id }) => !BATCH_ENTRY_ID.test(Id))) throw errors.invalidBatchEntryId();
}

/** A batch entry's failure as SQS lists it. */
const failedEntry = (id: string, error: unknown) =>
  error instanceof AwsServiceError
    ? { Id: id, SenderFault: error.senderFault, Code: error.code, Message: error.message }
    : { Id: id, SenderFault: false, Code: 'InternalError', Message: error instanceof Error ? error.message : String(error) };

function resolveConfigs(options: SqsEmulatorOptions): ResolvedQueueConfig[] {
  const names = new Set(options.queues.map((queue) => queue.name));
  return options.queues.map((queue) => {
    if (!QUEUE_NAME.test(queue.name)) throw new Error(`SQS queue name ${queue.name}: letters, digits, hyphens and underscores, at most 80`);
    if (queue.visibilityTimeoutSeconds < 0 || queue.visibilityTimeoutSeconds > MAX_VISIBILITY_TIMEOUT) {
      throw new Error(`queue ${queue.name}: the visibility timeout is 0 to ${MAX_VISIBILITY_TIMEOUT} seconds`);
    }
    const maximumMessageSize = queue.maximumMessageSize ?? DEFAULT_MAXIMUM_MESSAGE_SIZE;
    if (maximumMessageSize < 1024 || maximumMessageSize > 1_048_576) throw new Error(`queue ${queue.name}: MaximumMessageSize is 1,024 to 1,048,576 bytes`);
    if (queue.redrive) {
      if (!names.has(queue.redrive.deadLetterQueue) || queue.redrive.deadLetterQueue === queue.name) {
        throw new Error(`queue ${queue.name}: its dead-letter queue ${queue.redrive.deadLetterQueue} must be another configured queue`);
      }
      if (queue.redrive.maxReceiveCount < 1 || queue.redrive.maxReceiveCount > 1000) throw new Error(`queue ${queue.name}: maxReceiveCount is 1 to 1000`);
    }
    return {
      name: queue.name,
      visibilityTimeoutSeconds: queue.visibilityTimeoutSeconds,
      maximumMessageSize,
      messageRetentionSeconds: queue.messageRetentionSeconds ?? DEFAULT_RETENTION_SECONDS,
      ...(queue.redrive ? { redrive: queue.redrive } : {}),
    };
  });
}

// ---------------------------------------------------------------------------------------------------
// The service

class SqsService {
  private readonly queues = new Map<string, QueueState>();
  private readonly files: MessageFiles;
  private readonly createdAt = Math.floor(Date.now() / 1000);
  private sequenceCounter = 0;
  private closed = false;
  endpoint = '';

  constructor(
    private readonly options: SqsEmulatorOptions,
    configs: readonly ResolvedQueueConfig[],
  ) {
    this.files = new MessageFiles(options.dir);
    for (const config of configs) this.queues.set(config.name, new QueueState(config, this.arnOf(config.name)));
  }

  arnOf(name: string) {
    return `arn:aws:sqs:${this.options.region}:${ACCOUNT}:${name}`;
  }

  urlOf(name: string) {
    return `${this.endpoint}/${ACCOUNT}/${name}`;
  }

  async load(): Promise<void> {
    for (const queue of this.queues.values()) {
      for (const stored of await this.files.load(queue.name)) {
        queue.messages.set(stored.messageId, { ...stored, invisibleUntil: 0, lastReceivedAt: 0 });
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const queue of this.queues.values()) queue.wake();
    await this.files.settled();
  }

  private nextSequence() {
    this.sequenceCounter = (this.sequenceCounter + 1) % 1000;
    return Date.now() * 1000 + this.sequenceCounter;
  }

  /** The queue a QueueUrl names: `<endpoint>/<account>/<name>` (SQS resolves by path, not host). */
  private queueOf(queueUrl: string): QueueState {
    let path: string;
    try {
      path = new URL(queueUrl).pathname;
    } catch {
      throw errors.invalidAddress(queueUrl);
    }
    const [account, name, ...rest] = path.split('/').filter(Boolean);
    const queue = account === ACCOUNT && rest.length === 0 && name !== undefined ? this.queues.get(name) : undefined;
    if (!queue) throw errors.queueDoesNotExist();
    return queue;
  }

  private expired(queue: QueueState, message: QueuedMessage, now: number) {
    return now - message.sentTimestamp > queue.config.messageRetentionSeconds * 1000;
  }

  private discard(queue: QueueState, message: QueuedMessage): Promise<void> {
    queue.messages.delete(message.messageId);
    return this.files.remove(queue.name, message.messageId);
  }

  /** Validates one message and returns what to store; throws SQS's error for this message. */
  private prepare(
    queue: QueueState,
    entry: { MessageBody?: string | undefined; DelaySeconds?: number | undefined; MessageAttributes?: Record<string, WireMessageAttribute> | undefined },
    senderId: string,
  ): { message: QueuedMessage; size: number } {
    if (entry.MessageBody === undefined || entry.MessageBody.length === 0) throw errors.missingParameter('MessageBody');
    const delay = entry.DelaySeconds ?? 0;
    if (delay < 0 || delay > MAX_DELAY_SECONDS) throw errors.invalidValue('DelaySeconds', delay, `DelaySeconds must be >= 0 and <= ${MAX_DELAY_SECONDS}.`);
    const attributes = entry.MessageAttributes ?? {};
    const names = Object.keys(attributes);
    if (names.length > MAX_MESSAGE_ATTRIBUTES) {
      throw errors.invalidParameterValue(`Number of message attributes [${names.length}] exceeds the allowed maximum [${MAX_MESSAGE_ATTRIBUTES}].`);
    }
    for (const [name, attribute] of Object.entries(attributes)) {
      const binary = attribute.DataType.startsWith('Binary');
      if (!binary && !attribute.DataType.startsWith('String') && !attribute.DataType.startsWith('Number')) {
        throw errors.invalidParameterValue(`The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`);
      }
      const value = binary ? attribute.BinaryValue : attribute.StringValue;
      if (value === undefined || value.length === 0) {
        throw errors.invalidParameterValue(`Message (user) attribute '${name}' must contain a non-empty value of type '${binary ? 'Binary' : 'String'}'.`);
      }
    }
    if (!XML_CHARACTERS.test(entry.MessageBody)) throw errors.invalidContents();
    const size = messageSize(entry.MessageBody, attributes);
    if (size > queue.config.maximumMessageSize) throw errors.messageTooLong(queue.config.maximumMessageSize);
    const now = Date.now();
    return {
      size,
      message: {
        messageId: randomUUID(),
        body: entry.MessageBody,
        md5OfBody: md5(entry.MessageBody),
        messageAttributes: attributes,
        senderId,
        sentTimestamp: now,
        sequence: this.nextSequence(),
        delayUntil: now + delay * 1000,
        receiveCount: 0,
        invisibleUntil: 0,
        lastReceivedAt: 0,
      },
    };
  }

  private async enqueue(queue: QueueState, message: QueuedMessage): Promise<void> {
    // Durable before it is acknowledged: a killed stack still has every message it accepted.
    await this.files.write(queue.name, message);
    queue.messages.set(message.messageId, message);
    queue.wake();
  }

  private sendResult(message: QueuedMessage): SendResult {
    const md5OfAttributes = md5OfMessageAttributes(message.messageAttributes);
    return { MessageId: message.messageId, MD5OfMessageBody: message.md5OfBody, ...(md5OfAttributes ? { MD5OfMessageAttributes: md5OfAttributes } : {}) };
  }

  async sendMessage(raw: unknown, context: AwsRequestContext) {
    const input = parseInput(sendMessageInput, raw, invalidInput);
    const queue = this.queueOf(input.QueueUrl);
    const { message } = this.prepare(queue, input, context.accessKeyId);
    await this.enqueue(queue, message);
    return this.sendResult(message);
  }

  async sendMessageBatch(raw: unknown, context: AwsRequestContext) {
    const input = parseInput(sendMessageBatchInput, raw, invalidInput);
    const queue = this.queueOf(input.QueueUrl);
    checkBatch(input.Entries, 'SendMessageBatchRequestEntry');
    const entries = input.Entries ?? [];
    const total = entries.reduce((sum, entry) => sum + messageSize(entry.MessageBody ?? '', entry.MessageAttributes ?? {}), 0);
    if (total > queue.config.maximumMessageSize) throw errors.batchTooLong(queue.config.maximumMessageSize, total);
    const Successful: Array<SendResult & { Id: string }> = [];
    const Failed: Array<ReturnType<typeof failedEntry>> = [];
    for (const entry of entries) {
      try {
        const { message } = this.prepare(queue, entry, context.accessKeyId);
        await this.enqueue(queue, message);
        Successful.push({ Id: entry.Id, ...this.sendResult(message) });
      } catch (error) {
        Failed.push(failedEntry(entry.Id, error));
      }
    }
    return { Successful, Failed };
  }

  /** Moves a message that has used up its receives, keeping its id and first enqueue time. */
  private async deadLetter(source: QueueState, message: QueuedMessage): Promise<void> {
    const target = this.queues.get(source.config.redrive!.deadLetterQueue)!;
    source.messages.delete(message.messageId);
    const moved: QueuedMessage = {
      ...storedMessageSchema.parse(message),
      sequence: this.nextSequence(),
      delayUntil: 0,
      receiveCount: 0,
      firstReceiveTimestamp: undefined,
      deadLetterQueueSourceArn: source.arn,
      invisibleUntil: 0,
      lastReceivedAt: 0,
    };
    target.messages.set(moved.messageId, moved);
    target.wake();
    // Written to the dead-letter queue before it leaves the source: a crash in between duplicates it
    // (SQS is at-least-once) rather than losing it.
    await this.files.write(target.name, moved);
    await this.files.remove(source.name, message.messageId);
  }

  /** Takes up to `max` visible messages, making them invisible for `visibilitySeconds`. */
  private async take(queue: QueueState, max: number, visibilitySeconds: number): Promise<ReceivedCopy[]> {
    const now = Date.now();
    const taken: ReceivedCopy[] = [];
    const writes: Promise<void>[] = [];
    const redrive = queue.config.redrive;
    for (const message of queue.messages.values()) {
      if (taken.length >= max) break;
      if (!isVisible(message, now)) continue;
      if (this.expired(queue, message, now)) {
        writes.push(this.discard(queue, message));
        continue;
      }
      if (redrive && message.receiveCount >= redrive.maxReceiveCount) {
        writes.push(this.deadLetter(queue, message));
        continue;
      }
      message.receiveCount += 1;
      message.firstReceiveTimestamp ??= now;
      message.lastReceivedAt = now;
      message.invisibleUntil = now + visibilitySeconds * 1000;
      message.receiptToken = randomBytes(16).toString('hex');
      taken.push({ message: storedMessageSchema.parse(message), receiptHandle: encodeReceiptHandle(queue.name, message.messageId, message.receiptToken) });
      writes.push(this.files.write(queue.name, message));
    }
    // The receive counts are on disk before anyone sees the messages: redrive counts survive a crash.
    await Promise.all(writes);
    return taken;
  }

  async receiveMessage(raw: unknown, context: AwsRequestContext) {
    const input = parseInput(receiveMessageInput, raw, invalidInput);
    const queue = this.queueOf(input.QueueUrl);
    const max = input.MaxNumberOfMessages ?? 1;
    if (max < 1 || max > MAX_BATCH_ENTRIES) throw errors.invalidValue('MaxNumberOfMessages', max, 'Must be between 1 and 10, if provided.');
    const wait = input.WaitTimeSeconds ?? 0;
    if (wait < 0 || wait > MAX_WAIT_SECONDS) throw errors.invalidValue('WaitTimeSeconds', wait, 'Must be >= 0 and <= 20, if provided.');
    const visibility = input.VisibilityTimeout ?? queue.config.visibilityTimeoutSeconds;
    if (visibility < 0 || visibility > MAX_VISIBILITY_TIMEOUT) {
      throw errors.invalidValue('VisibilityTimeout', visibility, `Must be >= 0 and <= ${MAX_VISIBILITY_TIMEOUT}, if provided.`);
    }
    const unknown = (input.MessageSystemAttributeNames ?? []).find((name) => !SYSTEM_ATTRIBUTE_NAMES.has(name));
    if (unknown !== undefined) throw errors.invalidAttributeName(unknown);
    // The deprecated AttributeNames is typed as queue attribute names; only the message ones matter here.
    const systemNames = [...(input.MessageSystemAttributeNames ?? []), ...(input.AttributeNames ?? []).filter((name) => SYSTEM_ATTRIBUTE_NAMES.has(name))];

    const deadline = Date.now() + wait * 1000;
    for (;;) {
      if (context.signal.aborted || this.closed) return {};
      const taken = await this.take(queue, max, visibility);
      if (taken.length > 0) return { Messages: taken.map((copy) => this.receivedMessage(copy, systemNames, input.MessageAttributeNames ?? [])) };
      if (Date.now() >= deadline) return {};
      await queue.waitForChange(deadline, context.signal);
    }
  }

  private receivedMessage({ message, receiptHandle }: ReceivedCopy, systemNames: readonly string[], attributeNames: readonly string[]) {
    const all = systemNames.includes('All');
    const wanted = (name: string) => all || systemNames.includes(name);
    const Attributes: Record<string, string> = {};
    if (wanted('SenderId')) Attributes.SenderId = message.senderId;
    if (wanted('SentTimestamp')) Attributes.SentTimestamp = String(message.sentTimestamp);
    if (wanted('ApproximateReceiveCount')) Attributes.ApproximateReceiveCount = String(message.receiveCount);
    if (wanted('ApproximateFirstReceiveTimestamp') && message.firstReceiveTimestamp !== undefined) {
      Attributes.ApproximateFirstReceiveTimestamp = String(message.firstReceiveTimestamp);
    }
    if (wanted('DeadLetterQueueSourceArn') && message.deadLetterQueueSourceArn) Attributes.DeadLetterQueueSourceArn = message.deadLetterQueueSourceArn;

    const everyAttribute = attributeNames.includes('All') || attributeNames.includes('.*');
    const attributeWanted = (name: string) =>
      everyAttribute || attributeNames.some((pattern) => (pattern.endsWith('.*') ? name.startsWith(pattern.slice(0, -2)) : name === pattern));
    const MessageAttributes = Object.fromEntries(Object.entries(message.messageAttributes).filter(([name]) => attributeWanted(name)));
    const md5OfAttributes = md5OfMessageAttributes(MessageAttributes);
    return {
      MessageId: message.messageId,
      ReceiptHandle: receiptHandle,
      MD5OfBody: message.md5OfBody,
      Body: message.body,
      ...(Object.keys(Attributes).length > 0 ? { Attributes } : {}),
      ...(md5OfAttributes ? { MD5OfMessageAttributes: md5OfAttributes, MessageAttributes } : {}),
    };
  }

  /** The message a receipt handle names, or undefined when the handle is valid but no longer current. */
  private receiptOf(queue: QueueState, handle: string): QueuedMessage | undefined {
    const decoded = decodeReceiptHandle(handle);
    if (!decoded || decoded.queue !== queue.name) throw errors.receiptHandleIsInvalid(handle);
    const message = queue.messages.get(decoded.messageId);
    return message && message.receiptToken === decoded.token ? message : undefined;
  }

  private async deleteByReceipt(queue: QueueState, handle: string): Promise<void> {
    const message = this.receiptOf(queue, handle);
    if (message) await this.discard(queue, message);
  }

  async deleteMessage(raw: unknown) {
    const input = parseInput(deleteMessageInput, raw, invalidInput);
    await this.deleteByReceipt(this.queueOf(input.QueueUrl), input.ReceiptHandle);
    return {};
  }

  async deleteMessageBatch(raw: unknown) {
    const input = parseInput(deleteMessageBatchInput, raw, invalidInput);
    const queue = this.queueOf(input.QueueUrl);
    checkBatch(input.Entries, 'DeleteMessageBatchRequestEntry');
    const Successful: Array<{ Id: string }> = [];
    const Failed: Array<ReturnType<typeof failedEntry>> = [];
    for (const entry of input.Entries ?? []) {
      try {
        await this.deleteByReceipt(queue, entry.ReceiptHandle);
        Successful.push({ Id: entry.Id });
      } catch (error) {
        Failed.push(failedEntry(entry.Id, error));
      }
    }
    return { Successful, Failed };
  }

  private changeVisibility(queue: QueueState, handle: string, seconds: number): void {
    const message = this.receiptOf(queue, handle);
    if (!message) throw errors.notAvailableForVisibilityChange(handle);
    const now = Date.now();
    if (message.invisibleUntil <= now) throw errors.messageNotInflight();
    if (seconds < 0 || seconds > MAX_VISIBILITY_TIMEOUT) throw errors.invalidValue('VisibilityTimeout', seconds, `Must be >= 0 and <= ${MAX_VISIBILITY_TIMEOUT}, if provided.`);
    // The 12 hours count from the receive, not from this change.
    if (now + seconds * 1000 - message.lastReceivedAt > MAX_VISIBILITY_TIMEOUT * 1000) {
      throw errors.invalidValue('VisibilityTimeout', seconds, `Total VisibilityTimeout for the message is beyond the limit [${MAX_VISIBILITY_TIMEOUT} seconds].`);
    }
    message.invisibleUntil = now + seconds * 1000;
    if (seconds === 0) queue.wake();
  }

  async changeMessageVisibility(raw: unknown) {
    const input = parseInput(changeVisibilityInput, raw, invalidInput);
    this.changeVisibility(this.queueOf(input.QueueUrl), input.ReceiptHandle, input.VisibilityTimeout);
    return {};
  }

  async changeMessageVisibilityBatch(raw: unknown) {
    const input = parseInput(changeVisibilityBatchInput, raw, invalidInput);
    const queue = this.queueOf(input.QueueUrl);
    checkBatch(input.Entries, 'ChangeMessageVisibilityBatchRequestEntry');
    const Successful: Array<{ Id: string }> = [];
    const Failed: Array<ReturnType<typeof failedEntry>> = [];
    for (const entry of input.Entries ?? []) {
      try {
        this.changeVisibility(queue, entry.ReceiptHandle, entry.VisibilityTimeout);
        Successful.push({ Id: entry.Id });
      } catch (error) {
        Failed.push(failedEntry(entry.Id, error));
      }
    }
    return { Successful, Failed };
  }

  async getQueueUrl(raw: unknown) {
    const input = parseInput(getQueueUrlInput, raw, invalidInput);
    if ((input.QueueOwnerAWSAccountId ?? ACCOUNT) !== ACCOUNT || !this.queues.has(input.QueueName)) throw errors.queueDoesNotExist();
    return { QueueUrl: this.urlOf(input.QueueName) };
  }

  async getQueueAttributes(raw: unknown) {
    const input = parseInput(getQueueAttributesInput, raw, invalidInput);
    const queue = this.queueOf(input.QueueUrl);
    const requested = input.AttributeNames ?? [];
    const unknown = requested.find((name) => !QUEUE_ATTRIBUTE_NAMES.has(name));
    if (unknown !== undefined) throw errors.invalidAttributeName(unknown);
    const counts = queue.counts(Date.now());
    const { config } = queue;
    const available: Record<string, string> = {
      QueueArn: queue.arn,
      ApproximateNumberOfMessages: String(counts.visible),
      ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
      ApproximateNumberOfMessagesDelayed: String(counts.delayed),
      VisibilityTimeout: String(config.visibilityTimeoutSeconds),
      MaximumMessageSize: String(config.maximumMessageSize),
      MessageRetentionPeriod: String(config.messageRetentionSeconds),
      DelaySeconds: '0',
      ReceiveMessageWaitTimeSeconds: '0',
      CreatedTimestamp: String(this.createdAt),
      LastModifiedTimestamp: String(this.createdAt),
      ...(config.redrive
        ? { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: this.arnOf(config.redrive.deadLetterQueue), maxReceiveCount: config.redrive.maxReceiveCount }) }
        : {}),
    };
    const Attributes = requested.includes('All') ? available : Object.fromEntries(Object.entries(available).filter(([name]) => requested.includes(name)));
    return Object.keys(Attributes).length > 0 ? { Attributes } : {};
  }

  async purgeQueue(raw: unknown) {
    const input = parseInput(purgeQueueInput, raw, invalidInput);
    const queue = this.queueOf(input.QueueUrl);
    const now = Date.now();
    if (now - queue.lastPurgeAt < PURGE_INTERVAL_MS) throw errors.purgeInProgress(queue.name);
    queue.lastPurgeAt = now;
    await Promise.all([...queue.messages.values()].map((message) => this.discard(queue, message)));
    return {};
  }
}

/** Starts SQS on 127.0.0.1 with the configured queues and the messages persisted under `dir`. */
export async function startSqsEmulator(options: SqsEmulatorOptions): Promise<SqsEmulator> {
  const service = new SqsService(options, resolveConfigs(options));
  await service.load();
  const server = createAwsJsonServer({
    targetPrefix: 'AmazonSQS',
    jsonVersion: '1.0',
    signingName: 'sqs',
    region: options.region,
    errorNamespace: 'com.amazonaws.sqs',
    queryCompatible: true,
    operations: {
      SendMessage: (input, context) => service.sendMessage(input, context),
      SendMessageBatch: (input, context) => service.sendMessageBatch(input, context),
      ReceiveMessage: (input, context) => service.receiveMessage(input, context),
      DeleteMessage: (input) => service.deleteMessage(input),
      DeleteMessageBatch: (input) => service.deleteMessageBatch(input),
      ChangeMessageVisibility: (input) => service.changeMessageVisibility(input),
      ChangeMessageVisibilityBatch: (input) => service.changeMessageVisibilityBatch(input),
      GetQueueUrl: (input) => service.getQueueUrl(input),
      GetQueueAttributes: (input) => service.getQueueAttributes(input),
      PurgeQueue: (input) => service.purgeQueue(input),
    },
  });
  service.endpoint = await listenOnLoopback(server);
  const known = (name: string) => {
    if (!options.queues.some((queue) => queue.name === name)) throw new Error(`the SQS emulator has no queue ${name}`);
    return name;
  };
  return {
    endpoint: service.endpoint,
    region: options.region,
    queueUrl: (name) => service.urlOf(known(name)),
    queueArn: (name) => service.arnOf(known(name)),
    server,
    async close() {
      await service.close(); // answers the pending long polls, then lets the files settle
      await closeServer(server);
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// The event source mapping: Lambda's poller for an SQS queue, with ReportBatchItemFailures

export type SqsBatchHandler = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

export type SqsEventSourceOptions = ({ emulator: SqsEmulator } | { endpoint: string; region: string }) & {
  queue: string;
  /** Records per invocation: 1 to 10 (the batching window that allows more is not emulated). */
  batchSize: number;
  /** Concurrent invocations, as the mapping's ScalingConfig.MaximumConcurrency: 2 to 1000. */
  maxConcurrency: number;
  handler: SqsBatchHandler;
  /**
   * How long failed records stay invisible before they are retried. Lambda leaves them in flight until
   * the queue's visibility timeout runs out (minutes for the app's queue); locally that wait only slows
   * the loop down, so the records are made visible again after this short delay instead.
   */
  retryDelayMs: number;
  /** Told of each invocation that threw or answered in a shape Lambda rejects (Lambda logs these). */
  onInvocationError?: (error: unknown, event: SQSEvent) => void;
};

export interface SqsEventSource {
  /** Resolves once the queue has no visible, delayed or in-flight message and no invocation runs. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

const IDLE_CHECK_MS = 25;
const POLL_ERROR_BACKOFF_MS = 200;
const LONG_POLL_SECONDS = 20;

const batchResponseSchema = z
  .object({ batchItemFailures: z.array(z.object({ itemIdentifier: z.unknown() })).nullish() })
  .nullish();

class InvalidBatchResponse extends Error {
  override name = 'InvalidBatchResponse';
}

/**
 * The records to retry, by Lambda's rules for ReportBatchItemFailures: none when the function returns
 * nothing or no failures; those it lists; all when it lists an id that is empty or not in the batch, or
 * answers in another shape.
 */
function failedRecordIds(result: unknown, records: readonly SQSRecord[]): Set<string> {
  const parsed = batchResponseSchema.safeParse(result);
  if (!parsed.success) throw new InvalidBatchResponse('the function returned an invalid batch response');
  const ids = new Set(records.map((record) => record.messageId));
  const failed = new Set<string>();
  for (const { itemIdentifier } of parsed.data?.batchItemFailures ?? []) {
    if (typeof itemIdentifier !== 'string' || !ids.has(itemIdentifier)) {
      throw new InvalidBatchResponse(`the function reported a failure for ${JSON.stringify(itemIdentifier)}, which is not a message of this batch`);
    }
    failed.add(itemIdentifier);
  }
  return failed;
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`SQS returned a message without ${what}`);
  return value;
}

/** Lambda's shape of message attributes (camel-cased, binary as base64, list values reserved). */
function lambdaMessageAttributes(attributes: Record<string, MessageAttributeValue> | undefined): SQSMessageAttributes {
  return Object.fromEntries(
    Object.entries(attributes ?? {}).map(([name, value]) => [
      name,
      {
        ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
        ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
        stringListValues: [],
        binaryListValues: [],
        dataType: need(value.DataType, 'an attribute data type'),
      },
    ]),
  );
}

function lambdaRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: need(message.MessageId, 'a MessageId'),
    receiptHandle: need(message.ReceiptHandle, 'a ReceiptHandle'),
    body: need(message.Body, 'a Body'),
    attributes: {
      ApproximateReceiveCount: need(attributes.ApproximateReceiveCount, 'ApproximateReceiveCount'),
      SentTimestamp: need(attributes.SentTimestamp, 'SentTimestamp'),
      SenderId: need(attributes.SenderId, 'SenderId'),
      ApproximateFirstReceiveTimestamp: need(attributes.ApproximateFirstReceiveTimestamp, 'ApproximateFirstReceiveTimestamp'),
      ...(attributes.AWSTraceHeader !== undefined ? { AWSTraceHeader: attributes.AWSTraceHeader } : {}),
      ...(attributes.DeadLetterQueueSourceArn !== undefined ? { DeadLetterQueueSourceArn: attributes.DeadLetterQueueSourceArn } : {}),
    },
    messageAttributes: lambdaMessageAttributes(message.MessageAttributes),
    md5OfBody: need(message.MD5OfBody, 'an MD5OfBody'),
    ...(message.MD5OfMessageAttributes !== undefined ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

const pause = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** Polls `queue` as Lambda's event source mapping does and hands the batches to `handler`. */
export async function startSqsEventSource(options: SqsEventSourceOptions): Promise<SqsEventSource> {
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1 || options.batchSize > MAX_BATCH_ENTRIES) {
    throw new Error('batchSize is 1 to 10 without a batching window');
  }
  if (!Number.isInteger(options.maxConcurrency) || options.maxConcurrency < 2 || options.maxConcurrency > 1000) {
    throw new Error('maxConcurrency is 2 to 1000, as Lambda allows');
  }
  const [endpoint, region] = 'emulator' in options ? [options.emulator.endpoint, options.emulator.region] : [options.endpoint, options.region];
  const sqs = new SQSClient({ endpoint, region, credentials: LOCAL_CREDENTIALS });
  const queueUrl =
    'emulator' in options ? options.emulator.queueUrl(options.queue) : need((await sqs.send(new GetQueueUrlCommand({ QueueName: options.queue }))).QueueUrl, 'a QueueUrl');
  const queueArn = need(
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn,
    'the QueueArn',
  );

  const stopping = new AbortController();
  let invocations = 0;
  const retries = new Set<Promise<void>>();

  const retryLater = (failed: readonly SQSRecord[]) => {
    const retry = (async () => {
      await pause(options.retryDelayMs);
      // Entries whose message was received again meanwhile fail on their own; nothing to do for them.
      await sqs
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: failed.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle, VisibilityTimeout: 0 })),
          }),
        )
        .catch(() => undefined);
    })();
    retries.add(retry);
    void retry.finally(() => retries.delete(retry));
  };

  const invoke = async (messages: readonly Message[]) => {
    const records = messages.map((message) => lambdaRecord(message, queueArn, region));
    const event: SQSEvent = { Records: records };
    let failedIds: Set<string>;
    try {
      failedIds = failedRecordIds(await options.handler(event), records);
    } catch (error) {
      options.onInvocationError?.(error, event);
      failedIds = new Set(records.map((record) => record.messageId));
    }
    const succeeded = records.filter((record) => !failedIds.has(record.messageId));
    const failed = records.filter((record) => failedIds.has(record.messageId));
    if (succeeded.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: succeeded.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })) }),
      );
    }
    if (failed.length > 0) retryLater(failed);
  };

  const poll = async () => {
    while (!stopping.signal.aborted) {
      let messages: Message[];
      try {
        const received = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: options.batchSize,
            WaitTimeSeconds: LONG_POLL_SECONDS,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: stopping.signal },
        );
        messages = received.Messages ?? [];
      } catch {
        if (!stopping.signal.aborted) await pause(POLL_ERROR_BACKOFF_MS, stopping.signal);
        continue;
      }
      if (messages.length === 0) continue;
      invocations += 1;
      try {
        await invoke(messages);
      } catch (error) {
        options.onInvocationError?.(error, { Records: [] });
      } finally {
        invocations -= 1;
      }
    }
  };
  const pollers = Array.from({ length: options.maxConcurrency }, () => poll());

  const quiet = () => invocations === 0 && retries.size === 0;
  return {
    async idle() {
      for (;;) {
        if (quiet()) {
          const { Attributes = {} } = await sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: queueUrl,
              AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
            }),
          );
          const queued = Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible) + Number(Attributes.ApproximateNumberOfMessagesDelayed);
          if (queued === 0 && quiet()) return;
        }
        await pause(IDLE_CHECK_MS);
      }
    },
    async stop() {
      stopping.abort();
      await Promise.all(pollers);
      await Promise.all([...retries]);
      sqs.destroy();
    },
  };
}
