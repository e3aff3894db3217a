/**
 * The Lambda Invoke API on loopback, as strict as AWS Lambda wherever a laxer endpoint would let code pass
 * here and fail there. The caller's code is the deployed code (a real LambdaClient, signed requests); only
 * the endpoint differs, and the handlers run in this process. The rules it enforces, from Lambda's developer
 * guide (API_Invoke, gettingstarted-limits, invocation-async-error-handling, invocation-async-retain-records,
 * troubleshooting-invocation) and, where the guide gives no wording, from answers AWS is on record giving:
 *
 * - Invoke (`POST /2015-03-31/functions/{name|ARN}/invocations`): RequestResponse answers 200, Event 202
 *   at once and runs later, DryRun 204 without running; an unknown function (or a qualifier other than
 *   $LATEST) is 404 ResourceNotFoundException; a body that is not JSON is 400 InvalidRequestContentException.
 *   A thrown error is 200 with `X-Amz-Function-Error: Unhandled` and the Node.js runtime's
 *   `{errorType, errorMessage, trace}`.
 * - Payload quotas ("MB" is 1,024 KB in Lambda's docs): a RequestResponse body over 6,291,456 bytes or an
 *   Event body over 1,048,576 bytes (the 1 MB async quota; it was 256 KB) is 413
 *   RequestEntityTooLargeException before anything runs. A response over 6,291,556 bytes, the figure in
 *   Lambda's own message, becomes the function error Function.ResponseSizeTooLarge.
 * - Concurrency: a function with reserved concurrency never runs more invocations at once than that; the
 *   others share the account's concurrency minus all reservations. One more synchronous invocation is 429
 *   TooManyRequestsException (`Reason` says which pool). A throttled Event waits in the queue for a slot
 *   and is not a failure.
 * - Timeout: at the function's timeout the caller gets Sandbox.Timedout ("Task timed out after N.NN
 *   seconds") and the slot is free again. In-process code cannot be stopped: it runs on, and whatever it
 *   returns later is dropped.
 * - Event retries: a function error (a timeout included) is retried twice, then Lambda's invocation
 *   record goes to the on-failure destination. AWS waits one and two minutes; the delays here are short.
 * - Context: awsRequestId (the response's x-amzn-RequestId, and the same across an event's retries),
 *   invokedFunctionArn, memoryLimitInMB, getRemainingTimeInMillis counting down from the timeout.
 *
 * Not reproduced: logs (X-Amz-Log-Type: Tail returns none), X-Amz-Client-Context, versions and aliases,
 * Init's own 10-second limit (loading a module under tsx on a busy laptop is slower than a cold start, and
 * cannot be interrupted either), an async event's maximum age, and the 100 unreserved executions AWS keeps
 * out of reach of reservations.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';

export type LocalHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface LocalFunction {
  /** Loaded on the first invocation (a cold start) and kept; a failed load is tried again next time, as Lambda re-runs a failed Init. */
  load(): Promise<LocalHandler>;
  /** The function's timeout. */
  timeoutMs: number;
  /** Lambda's default is 128. */
  memoryMb?: number;
  /** Undefined: the function shares the account's unreserved concurrency. 0 throttles every invocation. */
  reservedConcurrency?: number;
  /** The on-failure destination of Event invocations; without one, Lambda discards the event. */
  onAsyncFailure?(record: AsyncFailureRecord): Promise<void>;
}

/** What Lambda sends an on-failure destination (invocation-async-retain-records in Lambda's guide). */
export interface AsyncFailureRecord {
  version: '1.0';
  timestamp: string;
  requestContext: {
    requestId: string;
    /** Qualified, as Lambda writes it: `…:function:<name>:$LATEST`. */
    functionArn: string;
    condition: 'RetriesExhausted' | 'EventAgeExceeded';
    approximateInvokeCount: number;
  };
  requestPayload: unknown;
  /** Absent when the function never ran (reserved concurrency 0). */
  responseContext?: { statusCode: 200; executedVersion: '$LATEST'; functionError: 'Unhandled' };
  responsePayload?: unknown;
}

export interface LambdaOptions {
  /** The account's concurrent executions (Lambda's default quota is 1,000). */
  accountConcurrency?: number;
  /** The wait before each retry of a failed Event invocation; its length is the number of retries (AWS: 0 to 2). */
  asyncRetryDelaysMs?: number[];
  /** The region in ARNs (the project's region unless told otherwise). */
  region?: string;
}

/** Per function name, what CloudWatch would count. */
export interface LambdaStats {
  /** Every run of the handler, retries included. */
  invocations: Record<string, number>;
  throttles: Record<string, number>;
  timeouts: Record<string, number>;
  /** On-failure records the destination refused (Lambda's DestinationDeliveryFailures metric). */
  destinationDeliveryFailures: Record<string, number>;
}

export const LOCAL_ACCOUNT_ID = '000000000000';

/** Lambda's quotas in bytes: a request body by invocation type, and a synchronous response. */
export const PAYLOAD_LIMITS = {
  RequestResponse: 6 * 1024 * 1024,
  Event: 1024 * 1024,
  response: 6 * 1024 * 1024 + 100,
} as const;

const DEFAULT_REGION = 'ap-southeast-3';
const DEFAULT_MEMORY_MB = 128;
const DEFAULT_ACCOUNT_CONCURRENCY = 1000;
const DEFAULT_ASYNC_RETRY_DELAYS_MS = [100, 200];
const MAX_TIMEOUT_MS = 15 * 60_000;
const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
/** A name, a full ARN or a partial one, with an optional qualifier (the Invoke API's FunctionName pattern). */
const FUNCTION_REFERENCE =
  /^(?:arn:aws[a-zA-Z-]*:lambda:(?<region>[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d):)?(?:(?<account>\d{12}):)?(?:function:)?(?<name>[a-zA-Z0-9_-]{1,64})(?::(?<qualifier>\$LATEST|[a-zA-Z0-9_-]+))?$/;
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/** An answer from the Lambda service itself, given instead of running the function. */
export interface ServiceError {
  status: number;
  type: string;
  message: string;
  /** TooManyRequestsException's `Reason`. */
  reason?: ThrottleReason;
}

type ThrottleReason = 'ReservedFunctionConcurrentInvocationLimitExceeded' | 'ConcurrentInvocationLimitExceeded';

/** One run of the handler as the runtime reports it: the response payload (JSON text), flagged when it is an error. */
export interface Execution {
  payload: string;
  functionError?: 'Unhandled';
}

export type SyncOutcome = { kind: 'refused'; error: ServiceError } | { kind: 'completed'; execution: Execution };

interface RuntimeError {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

const unhandled = (error: RuntimeError): Execution => ({ payload: JSON.stringify(error), functionError: 'Unhandled' });

/** The Node.js runtime's rendering of whatever a handler threw. */
function runtimeError(error: unknown): RuntimeError {
  if (error instanceof Error) return { errorType: error.name, errorMessage: error.message, trace: (error.stack ?? '').split('\n') };
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

/** The 413 Lambda answers for a request body over the quota of its invocation type (its messages differ by type). */
export function requestTooLarge(type: 'RequestResponse' | 'Event', bytes: number): ServiceError {
  const message =
    type === 'Event'
      ? `${bytes} byte payload is too large for the Event invocation type (limit ${PAYLOAD_LIMITS.Event} bytes)`
      : `Request must be smaller than ${PAYLOAD_LIMITS.RequestResponse} bytes for the InvokeFunction operation`;
  return { status: 413, type: 'RequestEntityTooLargeException', message };
}

const oversizeRequest = (type: 'RequestResponse' | 'Event', bytes: number): ServiceError | undefined =>
  bytes > PAYLOAD_LIMITS[type] ? requestTooLarge(type, bytes) : undefined;

/** The event a payload carries: Lambda hands an empty payload over as `{}`. */
function parsePayload(payload: Buffer): { event: unknown } | { error: ServiceError } {
  if (payload.length === 0) return { event: {} };
  try {
    const event: unknown = JSON.parse(payload.toString('utf8'));
    return { event };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { error: { status: 400, type: 'InvalidRequestContentException', message: `Could not parse request body into json: ${detail}` } };
  }
}

/**
 * Execution environments one pool may hold at once. A freed slot goes to a waiting Event first, as
 * Lambda's own queue poller takes freed capacity; a synchronous caller never waits, it is throttled.
 */
class ConcurrencyPool {
  private inUse = 0;
  private readonly waiting: Array<(granted: boolean) => void> = [];

  constructor(
    readonly capacity: number,
    readonly throttleReason: ThrottleReason,
  ) {}

  tryAcquire(): boolean {
    if (this.inUse >= this.capacity) return false;
    this.inUse += 1;
    return true;
  }

  /** Resolves true once a slot is the caller's, or false if the pool closed first. */
  acquireWhenFree(): Promise<boolean> {
    if (this.tryAcquire()) return Promise.resolve(true);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next(true);
    else this.inUse -= 1;
  }

  close(): void {
    for (const waiter of this.waiting.splice(0)) waiter(false);
  }
}

interface DeployedFunction {
  name: string;
  arn: string;
  config: LocalFunction;
  pool: ConcurrencyPool;
  handler?: Promise<LocalHandler>;
}

function validateConfig(name: string, config: LocalFunction): void {
  if (!FUNCTION_NAME.test(name)) throw new Error(`Lambda function names are 1-64 letters, digits, - or _: ${JSON.stringify(name)}`);
  if (!Number.isInteger(config.timeoutMs) || config.timeoutMs < 1 || config.timeoutMs > MAX_TIMEOUT_MS) {
    throw new Error(`${name}: timeoutMs must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`);
  }
  const memory = config.memoryMb ?? DEFAULT_MEMORY_MB;
  if (!Number.isInteger(memory) || memory < 128 || memory > 10_240) throw new Error(`${name}: memoryMb must be 128 to 10240`);
  const reserved = config.reservedConcurrency;
  if (reserved !== undefined && (!Number.isInteger(reserved) || reserved < 0)) throw new Error(`${name}: reservedConcurrency must be a whole number`);
}

/**
 * The functions of one account and region, with Lambda's rules for running them. The Invoke API server
 * below and function URLs (function-url.ts) are two front ends on it.
 */
export class LocalLambdaService {
  readonly stats: LambdaStats = { invocations: {}, throttles: {}, timeouts: {}, destinationDeliveryFailures: {} };
  readonly region: string;
  private readonly functions = new Map<string, DeployedFunction>();
  private readonly retryDelaysMs: readonly number[];
  private readonly retryTimers = new Map<NodeJS.Timeout, () => void>();
  private running = 0;
  private idleWaiters: Array<() => void> = [];
  private stopped = false;

  constructor(functions: Record<string, LocalFunction>, options: LambdaOptions = {}) {
    this.region = options.region ?? DEFAULT_REGION;
    this.retryDelaysMs = options.asyncRetryDelaysMs ?? DEFAULT_ASYNC_RETRY_DELAYS_MS;
    if (this.retryDelaysMs.some((delay) => !Number.isFinite(delay) || delay < 0)) throw new Error('asyncRetryDelaysMs must be non-negative');
    const accountConcurrency = options.accountConcurrency ?? DEFAULT_ACCOUNT_CONCURRENCY;
    const entries = Object.entries(functions);
    entries.forEach(([name, config]) => validateConfig(name, config));
    const reserved = entries.reduce((sum, [, config]) => sum + (config.reservedConcurrency ?? 0), 0);
    if (reserved > accountConcurrency) throw new Error(`reservations (${reserved}) exceed the account concurrency (${accountConcurrency})`);
    const unreserved = new ConcurrencyPool(accountConcurrency - reserved, 'ConcurrentInvocationLimitExceeded');
    for (const [name, config] of entries) {
      const pool =
        config.reservedConcurrency === undefined ? unreserved : new ConcurrencyPool(config.reservedConcurrency, 'ReservedFunctionConcurrentInvocationLimitExceeded');
      this.functions.set(name, { name, arn: `arn:aws:lambda:${this.region}:${LOCAL_ACCOUNT_ID}:function:${name}`, config, pool });
      for (const counts of Object.values(this.stats)) counts[name] = 0;
    }
  }

  /** The function a FunctionName (and Qualifier) refers to in this account and region, or Lambda's 404. */
  resolve(reference: string, qualifierParameter?: string): { name: string } | { error: ServiceError } {
    const match = FUNCTION_REFERENCE.exec(reference)?.groups;
    const name = match?.name;
    const qualifier = match?.qualifier ?? qualifierParameter;
    const here = (!match?.region || match.region === this.region) && (!match?.account || match.account === LOCAL_ACCOUNT_ID);
    if (name && here && this.functions.has(name) && (qualifier === undefined || qualifier === '$LATEST')) return { name };
    const arn = `arn:aws:lambda:${match?.region ?? this.region}:${match?.account ?? LOCAL_ACCOUNT_ID}:function:${name ?? reference}`;
    return { error: { status: 404, type: 'ResourceNotFoundException', message: `Function not found: ${qualifier ? `${arn}:${qualifier}` : arn}` } };
  }

  /** A RequestResponse invocation of a payload (the request body's bytes). */
  async invoke(name: string, payload: Buffer, requestId: string = randomUUID()): Promise<SyncOutcome> {
    const fn = this.deployed(name);
    const tooLarge = oversizeRequest('RequestResponse', payload.length);
    if (tooLarge) return { kind: 'refused', error: tooLarge };
    const parsed = parsePayload(payload);
    if ('error' in parsed) return { kind: 'refused', error: parsed.error };
    if (!fn.pool.tryAcquire()) {
      this.count('throttles', fn.name);
      return { kind: 'refused', error: { status: 429, type: 'TooManyRequestsException', message: 'Rate Exceeded.', reason: fn.pool.throttleReason } };
    }
    return this.tracked(async () => {
      let execution: Execution;
      try {
        execution = await this.execute(fn, parsed.event, requestId);
      } finally {
        fn.pool.release();
      }
      if (Buffer.byteLength(execution.payload) > PAYLOAD_LIMITS.response) {
        execution = unhandled({
          errorType: 'Function.ResponseSizeTooLarge',
          errorMessage: `Response payload size exceeded maximum allowed payload size (${PAYLOAD_LIMITS.response} bytes).`,
        });
      }
      return { kind: 'completed', execution };
    });
  }

  /** Queues an Event invocation, or answers why Lambda would refuse it. */
  enqueue(name: string, payload: Buffer, requestId: string = randomUUID()): ServiceError | undefined {
    const fn = this.deployed(name);
    const refusal = oversizeRequest('Event', payload.length);
    if (refusal) return refusal;
    const parsed = parsePayload(payload);
    if ('error' in parsed) return parsed.error;
    // Kept as text so that every attempt gets its own copy of the event, as each Lambda invocation does.
    const text = JSON.stringify(parsed.event);
    void this.tracked(() => this.deliverEvent(fn, text, requestId));
    return undefined;
  }

  /** Resolves when no invocation is running, queued, or waiting to be retried. */
  idle(): Promise<void> {
    return this.running === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops queued events and pending retries; handlers already running finish. */
  stop(): void {
    this.stopped = true;
    for (const fn of this.functions.values()) fn.pool.close();
    for (const [timer, wake] of this.retryTimers) {
      clearTimeout(timer);
      wake();
    }
    this.retryTimers.clear();
  }

  private count(metric: keyof LambdaStats, name: string): void {
    this.stats[metric][name] = (this.stats[metric][name] ?? 0) + 1;
  }

  private deployed(name: string): DeployedFunction {
    const fn = this.functions.get(name);
    if (!fn) throw new Error(`no local Lambda function named ${name}`);
    return fn;
  }

  private async tracked<T>(work: () => Promise<T>): Promise<T> {
    this.running += 1;
    try {
      return await work();
    } finally {
      this.running -= 1;
      if (this.running === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /** One run of the handler in a slot the caller holds; it returns at the timeout even if the handler runs on. */
  private async execute(fn: DeployedFunction, event: unknown, requestId: string): Promise<Execution> {
    this.count('invocations', fn.name);
    let handler: LocalHandler;
    try {
      handler = await this.coldStart(fn);
    } catch (error) {
      return unhandled(runtimeError(error));
    }
    const { timeoutMs } = fn.config;
    const context = lambdaContext(fn, requestId, Date.now() + timeoutMs);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timed out'>((resolve) => {
      timer = setTimeout(() => resolve('timed out'), timeoutMs);
    });
    // Settling both ways here also keeps a late rejection, after the timeout, from going unhandled.
    const settled = new Promise<unknown>((resolve) => resolve(handler(event, context))).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    const outcome = await Promise.race([settled, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timed out') {
      this.count('timeouts', fn.name);
      const seconds = (timeoutMs / 1000).toFixed(2);
      return unhandled({ errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${requestId} Error: Task timed out after ${seconds} seconds` });
    }
    if ('error' in outcome) return unhandled(runtimeError(outcome.error));
    try {
      // The runtime sends `null` for undefined (and for anything JSON cannot represent at the top).
      return { payload: JSON.stringify(outcome.value) ?? 'null' };
    } catch (error) {
      return unhandled(runtimeError(error));
    }
  }

  private coldStart(fn: DeployedFunction): Promise<LocalHandler> {
    fn.handler ??= Promise.resolve()
      .then(() => fn.config.load())
      .catch((error: unknown) => {
        fn.handler = undefined;
        throw error;
      });
    return fn.handler;
  }

  /** An Event invocation from the queue: throttles wait for a slot, function errors are retried, then the record goes to the destination. */
  private async deliverEvent(fn: DeployedFunction, payload: string, requestId: string): Promise<void> {
    if (fn.pool.capacity === 0) {
      // Lambda's guide: with reserved concurrency 0, async events go straight to the on-failure destination.
      await this.sendToOnFailure(fn, payload, requestId, 'EventAgeExceeded', 0);
      return;
    }
    for (let attempt = 1; ; attempt += 1) {
      if (!fn.pool.tryAcquire()) {
        this.count('throttles', fn.name);
        if (!(await fn.pool.acquireWhenFree())) return;
      }
      let execution: Execution;
      try {
        execution = await this.execute(fn, JSON.parse(payload), requestId);
      } finally {
        fn.pool.release();
      }
      if (!execution.functionError) return;
      const delay = this.retryDelaysMs[attempt - 1];
      if (delay === undefined) {
        await this.sendToOnFailure(fn, payload, requestId, 'RetriesExhausted', attempt, execution);
        return;
      }
      await this.pause(delay);
      if (this.stopped) return;
    }
  }

  private async sendToOnFailure(
    fn: DeployedFunction,
    payload: string,
    requestId: string,
    condition: AsyncFailureRecord['requestContext']['condition'],
    approximateInvokeCount: number,
    last?: Execution,
  ): Promise<void> {
    if (!fn.config.onAsyncFailure) return;
    const record: AsyncFailureRecord = {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: { requestId, functionArn: `${fn.arn}:$LATEST`, condition, approximateInvokeCount },
      requestPayload: JSON.parse(payload),
      ...(last ? { responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' }, responsePayload: JSON.parse(last.payload) } : {}),
    };
    try {
      await fn.config.onAsyncFailure(record);
    } catch {
      this.count('destinationDeliveryFailures', fn.name);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        resolve();
      }, ms);
      this.retryTimers.set(timer, resolve);
    });
  }
}

function lambdaContext(fn: DeployedFunction, requestId: string, deadline: number): Context {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.arn,
    memoryLimitInMB: String(fn.config.memoryMb ?? DEFAULT_MEMORY_MB),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * A request body, unless it is over `limit` bytes: then only its size. It is read to the end either way,
 * so that the client gets the answer rather than a reset connection.
 */
export function readBodyUpTo(stream: IncomingMessage, limit: number): Promise<{ size: number; body?: Buffer }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else chunks.length = 0;
    });
    stream.on('end', () => resolve(size <= limit ? { size, body: Buffer.concat(chunks) } : { size }));
    stream.on('error', reject);
  });
}

export const listenOnLoopback = (server: Server): Promise<string> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address: AddressInfo | string | null = server.address();
      if (address === null || typeof address === 'string') reject(new Error('expected a TCP address'));
      else resolve(`http://127.0.0.1:${address.port}`);
    });
  });

/** Stops accepting and drops open connections: a held-open invocation must not keep a test run alive. */
export const closeServer = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });

export interface LambdaEmulator {
  endpoint: string;
  server: Server;
  /** An Event invocation, as S3 notifications and EventBridge Scheduler make; returns its request id. Throws where Lambda would refuse it. */
  invokeAsync(name: string, event: unknown): string;
  /** Resolves when no invocation (sync or async, retries included) is running or pending. */
  idle(): Promise<void>;
  stats: LambdaStats;
  close(): Promise<void>;
}

type InvocationType = 'RequestResponse' | 'Event' | 'DryRun';

function invocationType(header: string | string[] | undefined): InvocationType | ServiceError {
  if (header === undefined) return 'RequestResponse';
  if (header === 'RequestResponse' || header === 'Event' || header === 'DryRun') return header;
  return {
    status: 400,
    type: 'ValidationException',
    message: `1 validation error detected: Value '${String(header)}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`,
  };
}

function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function answerServiceError(res: ServerResponse, requestId: string, error: ServiceError): void {
  const body = JSON.stringify({ ...(error.reason ? { Reason: error.reason } : {}), Type: error.status >= 500 ? 'Service' : 'User', message: error.message });
  res.writeHead(error.status, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': error.type, 'x-amzn-RequestId': requestId });
  res.end(body);
}

async function serveInvoke(lambda: LocalLambdaService, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = randomUUID();
  const refuse = (error: ServiceError) => answerServiceError(res, requestId, error);
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const segment = req.method === 'POST' ? INVOKE_PATH.exec(url.pathname)?.[1] : undefined;
  const type = invocationType(req.headers['x-amz-invocation-type']);
  // DryRun is held to the synchronous quota: it is the same operation, minus the run.
  const quota = type === 'Event' ? 'Event' : 'RequestResponse';
  const { size, body } = await readBodyUpTo(req, PAYLOAD_LIMITS[quota]);
  if (segment === undefined) return refuse({ status: 404, type: 'UnknownOperationException', message: `No operation at ${req.method ?? ''} ${url.pathname}` });
  if (typeof type !== 'string') return refuse(type);
  const target = lambda.resolve(decodePathSegment(segment) ?? segment, url.searchParams.get('Qualifier') ?? undefined);
  if ('error' in target) return refuse(target.error);
  if (body === undefined) return refuse(requestTooLarge(quota, size));
  if (type === 'DryRun') {
    res.writeHead(204, { 'x-amzn-RequestId': requestId });
    res.end();
    return;
  }
  if (type === 'Event') {
    const refused = lambda.enqueue(target.name, body, requestId);
    if (refused) return refuse(refused);
    res.writeHead(202, { 'x-amzn-RequestId': requestId });
    res.end();
    return;
  }
  const outcome = await lambda.invoke(target.name, body, requestId);
  if (outcome.kind === 'refused') return refuse(outcome.error);
  const { execution } = outcome;
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'X-Amz-Executed-Version': '$LATEST',
    'x-amzn-RequestId': requestId,
    ...(execution.functionError ? { 'X-Amz-Function-Error': execution.functionError } : {}),
  });
  res.end(execution.payload);
}

/** Serves the Invoke API on 127.0.0.1 for the named functions. */
export async function startLambdaEmulator(functions: Record<string, LocalFunction>, options: LambdaOptions = {}): Promise<LambdaEmulator> {
  const lambda = new LocalLambdaService(functions, options);
  const server = createServer((req, res) => {
    serveInvoke(lambda, req, res).catch((error: unknown) => {
      if (!res.headersSent) answerServiceError(res, randomUUID(), { status: 500, type: 'ServiceException', message: runtimeError(error).errorMessage });
      else res.destroy();
    });
  });
  const endpoint = await listenOnLoopback(server);
  return {
    endpoint,
    server,
    invokeAsync(name, event) {
      const requestId = randomUUID();
      const refused = lambda.enqueue(name, Buffer.from(JSON.stringify(event) ?? ''), requestId);
      if (refused) throw new Error(`${refused.type}: ${refused.message}`);
      return requestId;
    },
    idle: () => lambda.idle(),
    stats: lambda.stats,
    async close() {
      lambda.stop();
      await closeServer(server);
    },
  };
}
