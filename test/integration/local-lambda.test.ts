/**
 * The local Lambda endpoint is held to AWS Lambda's rules, seen through a real LambdaClient: results and
 * errors as Lambda reports them, the payload quotas, reserved and account concurrency, timeouts, Event
 * retries and the on-failure record, and function URLs. Nothing here sleeps: held invocations wait on
 * promises the tests resolve, and conditions are polled.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  InvalidRequestContentException,
  InvokeCommand,
  LambdaClient,
  LambdaServiceException,
  ResourceNotFoundException,
  TooManyRequestsException,
  type InvocationType,
} from '@aws-sdk/client-lambda';
import { LOCAL_CREDENTIALS } from '../../lib/aws/clients.ts';
import { PAYLOAD_LIMITS, startLambdaEmulator, type AsyncFailureRecord, type LambdaEmulator, type LambdaOptions, type LocalFunction, type LocalHandler } from '../../tools/local/lambda-emulator.ts';
import { startFunctionUrl, type FunctionUrl } from '../../tools/local/function-url.ts';

const REGION = 'ap-southeast-3';
const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A promise the test settles: how an invocation is held open. */
function gate<T = void>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** A handler that answers every event with itself, except `hold`, which keeps its slot until `release` opens. */
function holding(started: Gate, release: Gate): LocalHandler {
  return async (event) => {
    if (event === 'hold') {
      started.open();
      await release.promise;
    }
    return event;
  };
}

type Gate = ReturnType<typeof gate<void>>;

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

const fn = (handler: LocalHandler, config: Partial<Omit<LocalFunction, 'load'>> = {}): LocalFunction => ({
  load: async () => handler,
  timeoutMs: 30_000,
  ...config,
});

async function emulator(functions: Record<string, LocalFunction>, options?: LambdaOptions): Promise<LambdaEmulator> {
  const started = await startLambdaEmulator(functions, options);
  closers.push(() => started.close());
  return started;
}

function lambdaClient(target: LambdaEmulator, options: { maxAttempts?: number } = {}): LambdaClient {
  const client = new LambdaClient({ endpoint: target.endpoint, region: REGION, credentials: LOCAL_CREDENTIALS, ...options });
  closers.push(() => client.destroy());
  return client;
}

/** Invokes with `event` as JSON. */
const invoke = (client: LambdaClient, name: string, event: unknown, type?: InvocationType) => invokeRaw(client, name, JSON.stringify(event), type);

async function invokeRaw(client: LambdaClient, name: string, payload: string, type: InvocationType = 'RequestResponse') {
  const out = await client.send(new InvokeCommand({ FunctionName: name, InvocationType: type, Payload: Buffer.from(payload) }));
  const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
  const body: unknown = text === '' ? undefined : JSON.parse(text);
  return { out, text, body };
}

/** What a handler behind a function URL reads of its event. */
const urlEvent = z.object({ rawPath: z.string(), body: z.string().optional(), isBase64Encoded: z.boolean() });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('the Lambda Invoke emulator', () => {
  it('returns the result, with the context Lambda gives the handler', async () => {
    const target = await emulator({
      echo: fn(async (event, context) => ({
        event,
        awsRequestId: context.awsRequestId,
        functionName: context.functionName,
        invokedFunctionArn: context.invokedFunctionArn,
        memoryLimitInMB: context.memoryLimitInMB,
        remainingMs: context.getRemainingTimeInMillis(),
        callbackWaitsForEmptyEventLoop: context.callbackWaitsForEmptyEventLoop,
      }), { memoryMb: 512, timeoutMs: 20_000 }),
    });
    const client = lambdaClient(target);

    const { out, body } = await invoke(client, 'echo', { month: '2024-05' });
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBeUndefined();
    expect(out.ExecutedVersion).toBe('$LATEST');
    expect(body).toMatchObject({
      event: { month: '2024-05' },
      awsRequestId: out.$metadata.requestId,
      functionName: 'echo',
      invokedFunctionArn: `arn:aws:lambda:${REGION}:000000000000:function:echo`,
      memoryLimitInMB: '512',
      callbackWaitsForEmptyEventLoop: true,
    });
    const remaining = z.object({ remainingMs: z.number() }).parse(body).remainingMs;
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(20_000);

    // By ARN, partial ARN or name with $LATEST: the same function; anything else is not found.
    for (const name of [`arn:aws:lambda:${REGION}:000000000000:function:echo`, '000000000000:function:echo', 'echo:$LATEST']) {
      expect((await invoke(client, name, {})).out.StatusCode).toBe(200);
    }
    const once = lambdaClient(target, { maxAttempts: 1 });
    for (const name of ['missing', 'echo:live', `arn:aws:lambda:us-east-1:000000000000:function:echo`]) {
      expect(await rejection(invoke(once, name, {}))).toBeInstanceOf(ResourceNotFoundException);
    }
  });

  it('reports a thrown error as Lambda does: 200, X-Amz-Function-Error Unhandled, the runtime error shape', async () => {
    const target = await emulator({
      failing: fn(async () => {
        throw new TypeError('no such province');
      }),
    });
    const { out, body } = await invoke(lambdaClient(target), 'failing', {});
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    expect(body).toMatchObject({ errorType: 'TypeError', errorMessage: 'no such province' });
    expect(z.object({ trace: z.array(z.string()) }).parse(body).trace[0]).toBe('TypeError: no such province');
  });

  it('loads a handler once, on the first invocation, and answers DryRun and bad JSON without running it', async () => {
    let loads = 0;
    let runs = 0;
    const target = await emulator({
      counted: {
        timeoutMs: 5_000,
        load: async () => {
          loads += 1;
          return async () => {
            runs += 1;
            return runs;
          };
        },
      },
    });
    const client = lambdaClient(target, { maxAttempts: 1 });
    expect(loads).toBe(0);
    expect((await invoke(client, 'counted', {}, 'DryRun')).out.StatusCode).toBe(204);
    await Promise.all([invoke(client, 'counted', {}), invoke(client, 'counted', {})]);
    await invoke(client, 'counted', {});
    expect(loads).toBe(1);
    expect(await rejection(invokeRaw(client, 'counted', '{"not json'))).toBeInstanceOf(InvalidRequestContentException);
    expect(runs).toBe(3);
  });

  it('refuses a request over 6 MB with RequestEntityTooLargeException before the handler runs', async () => {
    let runs = 0;
    const target = await emulator({
      sized: fn(async (event) => {
        runs += 1;
        return typeof event === 'string' ? event.length : -1;
      }),
    });
    const client = lambdaClient(target, { maxAttempts: 1 });
    const jsonString = (bytes: number) => `"${'a'.repeat(bytes - 2)}"`;

    expect((await invokeRaw(client, 'sized', jsonString(PAYLOAD_LIMITS.RequestResponse))).body).toBe(PAYLOAD_LIMITS.RequestResponse - 2);
    const error = await rejection(invokeRaw(client, 'sized', jsonString(PAYLOAD_LIMITS.RequestResponse + 1)));
    // AWS answers RequestEntityTooLargeException, a name the SDK's model lacks (it has RequestTooLargeException).
    expect(error).toBeInstanceOf(LambdaServiceException);
    expect(error).toMatchObject({
      name: 'RequestEntityTooLargeException',
      message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
      $metadata: { httpStatusCode: 413 },
    });
    expect(runs).toBe(1);

    const event = await rejection(invokeRaw(client, 'sized', jsonString(PAYLOAD_LIMITS.Event + 1), 'Event'));
    expect(event).toMatchObject({
      name: 'RequestEntityTooLargeException',
      message: '1048577 byte payload is too large for the Event invocation type (limit 1048576 bytes)',
      $metadata: { httpStatusCode: 413 },
    });
    await target.idle();
    expect(runs).toBe(1);
  });

  it('turns a response over 6,291,556 bytes into the function error Function.ResponseSizeTooLarge', async () => {
    const target = await emulator({ big: fn(async (event) => 'x'.repeat(Number(event) - 2)) });
    const client = lambdaClient(target);

    const fits = await invoke(client, 'big', PAYLOAD_LIMITS.response);
    expect(fits.out.FunctionError).toBeUndefined();
    expect(fits.text.length).toBe(PAYLOAD_LIMITS.response);

    const { out, body } = await invoke(client, 'big', PAYLOAD_LIMITS.response + 1);
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    expect(body).toEqual({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
    });
  });

  it('refuses an invocation beyond the reserved concurrency with TooManyRequestsException', async () => {
    const started = gate();
    const release = gate();
    const target = await emulator({
      single: fn(holding(started, release), { reservedConcurrency: 1 }),
    });
    const client = lambdaClient(target, { maxAttempts: 1 });

    const held = invoke(client, 'single', 'hold');
    await started.promise;
    const error = await rejection(invoke(client, 'single', 'second'));
    expect(error).toBeInstanceOf(TooManyRequestsException);
    expect(error).toMatchObject({ Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', Type: 'User', $metadata: { httpStatusCode: 429 } });
    expect(target.stats.throttles.single).toBe(1);

    release.open();
    expect((await held).body).toBe('hold');
    expect((await invoke(client, 'single', 'third')).body).toBe('third');
  });

  it("with the SDK's default retries, a throttled invocation succeeds once the slot is free", async () => {
    const started = gate();
    const release = gate();
    const target = await emulator({
      single: fn(holding(started, release), { reservedConcurrency: 1 }),
    });
    const holder = lambdaClient(target);
    const retrying = lambdaClient(target);
    // Frees the slot as the SDK receives its 429, before it schedules the retry: no race with its back-off.
    // Placed after the deserializer, it sees the raw response.
    retrying.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const { response } = result;
        if (typeof response === 'object' && response !== null && 'statusCode' in response && response.statusCode === 429) release.open();
        return result;
      },
      { step: 'deserialize', priority: 'low', name: 'releaseOnThrottle' },
    );

    const held = invoke(holder, 'single', 'hold');
    await started.promise;
    const { out, body } = await invoke(retrying, 'single', 'retried');
    expect(body).toBe('retried');
    expect(out.$metadata.attempts).toBeGreaterThan(1);
    expect(target.stats.throttles.single).toBeGreaterThanOrEqual(1);
    expect((await held).body).toBe('hold');
  });

  it('shares the account concurrency, minus the reservations, among the functions without one', async () => {
    const started = gate();
    const release = gate();
    const holdable = holding(started, release);
    // 3 in the account, 2 reserved: the unreserved functions share 1.
    const target = await emulator(
      { reserved: fn(holdable, { reservedConcurrency: 2 }), first: fn(holdable), second: fn(holdable) },
      { accountConcurrency: 3 },
    );
    const client = lambdaClient(target, { maxAttempts: 1 });

    const held = invoke(client, 'first', 'hold');
    await started.promise;
    expect(await rejection(invoke(client, 'second', 'x'))).toMatchObject({ name: 'TooManyRequestsException', Reason: 'ConcurrentInvocationLimitExceeded' });
    expect((await invoke(client, 'reserved', 'own pool')).body).toBe('own pool');
    release.open();
    await held;
    expect((await invoke(client, 'second', 'x')).body).toBe('x');
  });

  it('answers a timeout as Lambda does, frees the slot at once and never delivers the late result', async () => {
    const release = gate();
    const lateResult = gate<string>();
    const target = await emulator({
      slow: fn(
        async (event) => {
          if (event !== 'hold') return event;
          await release.promise;
          lateResult.open('late');
          return 'late';
        },
        { timeoutMs: 100, reservedConcurrency: 1 },
      ),
    });
    const client = lambdaClient(target);

    const { out, body } = await invoke(client, 'slow', 'hold');
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    expect(body).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${out.$metadata.requestId} Error: Task timed out after 0.10 seconds` });
    expect(target.stats.timeouts.slow).toBe(1);

    // The timed-out handler still runs, yet its slot (the only one) is free.
    expect((await invoke(client, 'slow', 'next')).body).toBe('next');
    release.open();
    expect(await lateResult.promise).toBe('late');
    expect((await invoke(client, 'slow', 'after')).body).toBe('after');
    await target.idle();
  });

  it('retries a failing Event invocation and succeeds on the third attempt, with the same request id', async () => {
    const requestIds: string[] = [];
    const failures: AsyncFailureRecord[] = [];
    const target = await emulator({
      flaky: fn(
        async (_event, context) => {
          requestIds.push(context.awsRequestId);
          if (requestIds.length < 3) throw new Error(`attempt ${requestIds.length} failed`);
          return 'done';
        },
        { onAsyncFailure: async (record) => void failures.push(record) },
      ),
    });

    const { out } = await invoke(lambdaClient(target), 'flaky', { key: 'uploads/x.csv' }, 'Event');
    expect(out.StatusCode).toBe(202);
    await target.idle();
    expect(requestIds).toEqual([out.$metadata.requestId, out.$metadata.requestId, out.$metadata.requestId]);
    expect(target.stats.invocations.flaky).toBe(3);
    expect(failures).toEqual([]);
  });

  it('sends the on-failure record once the retries are exhausted', async () => {
    const failures: AsyncFailureRecord[] = [];
    const target = await emulator({
      broken: fn(
        async () => {
          throw new RangeError('period out of range');
        },
        { onAsyncFailure: async (record) => void failures.push(record) },
      ),
    });

    const requestId = target.invokeAsync('broken', { period: '2024-13' });
    await target.idle();
    expect(target.stats.invocations.broken).toBe(3);
    expect(failures).toHaveLength(1);
    const [record] = failures;
    expect(record).toMatchObject({
      version: '1.0',
      requestContext: {
        requestId,
        functionArn: `arn:aws:lambda:${REGION}:000000000000:function:broken:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: { period: '2024-13' },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'RangeError', errorMessage: 'period out of range' },
    });
    expect(Number.isNaN(Date.parse(record?.timestamp ?? ''))).toBe(false);
  });

  it('keeps a throttled Event invocation queued until a slot frees, without counting it as a failure', async () => {
    const started = gate();
    const release = gate();
    const seen: unknown[] = [];
    const failures: AsyncFailureRecord[] = [];
    const target = await emulator({
      single: fn(
        async (event) => {
          seen.push(event);
          if (event === 'hold') {
            started.open();
            await release.promise;
          }
          return event;
        },
        { reservedConcurrency: 1, onAsyncFailure: async (record) => void failures.push(record) },
      ),
    });

    const held = invoke(lambdaClient(target), 'single', 'hold');
    await started.promise;
    target.invokeAsync('single', 'queued');
    await until(() => target.stats.throttles.single === 1);
    expect(seen).toEqual(['hold']);
    release.open();
    await held;
    await target.idle();
    expect(seen).toEqual(['hold', 'queued']);
    expect(target.stats.invocations.single).toBe(2);
    expect(failures).toEqual([]);
  });

  it('with reserved concurrency 0, throttles every invocation and sends Event invocations straight to the destination', async () => {
    let runs = 0;
    const failures: AsyncFailureRecord[] = [];
    const target = await emulator({
      disabled: fn(
        async () => {
          runs += 1;
        },
        { reservedConcurrency: 0, onAsyncFailure: async (record) => void failures.push(record) },
      ),
    });
    expect(await rejection(invoke(lambdaClient(target, { maxAttempts: 1 }), 'disabled', {}))).toBeInstanceOf(TooManyRequestsException);
    const requestId = target.invokeAsync('disabled', { n: 1 });
    await target.idle();
    expect(runs).toBe(0);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ requestContext: { requestId, approximateInvokeCount: 0 }, requestPayload: { n: 1 } });
    expect(failures[0]?.responseContext).toBeUndefined();
  });

  it('idle() resolves at once when nothing runs, and waits for a running invocation', async () => {
    const started = gate();
    const release = gate();
    const target = await emulator({
      held: fn(async () => {
        started.open();
        await release.promise;
        return 'ok';
      }),
    });
    await target.idle();

    let idle = false;
    const invocation = invoke(lambdaClient(target), 'held', {});
    await started.promise;
    const waiting = target.idle().then(() => {
      idle = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(idle).toBe(false);
    release.open();
    await waiting;
    expect(idle).toBe(true);
    expect((await invocation).body).toBe('ok');
  });
});

interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function httpRequest(url: string, options: { method?: string; path?: string; headers?: Record<string, string | string[]>; body?: Buffer }): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${options.path ?? '/'}`, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('a local Lambda function URL', () => {
  async function functionUrl(fnConfig: LocalFunction): Promise<FunctionUrl> {
    const started = await startFunctionUrl(fnConfig, { name: 'bulletin-url' });
    closers.push(() => started.close());
    return started;
  }

  it('turns a GET into a payload format 2.0 event and infers a JSON response from a plain result', async () => {
    const events: unknown[] = [];
    const contexts: string[] = [];
    const target = await functionUrl(
      fn(async (event, context) => {
        events.push(event);
        contexts.push(context.awsRequestId);
        return urlEvent.parse(event).rawPath === '/string' ? 'hello' : { ok: true };
      }),
    );

    const reply = await httpRequest(target.url, {
      path: '/bulletins/jakarta?format=pdf&format=csv&q=a%20b',
      headers: { Cookie: 'session=abc; theme=dark', 'X-Trace': ['one', 'two'], 'User-Agent': 'local-test' },
    });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json');
    expect(JSON.parse(reply.body.toString('utf8'))).toEqual({ ok: true });
    expect(events[0]).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/bulletins/jakarta',
      rawQueryString: 'format=pdf&format=csv&q=a%20b',
      cookies: ['session=abc', 'theme=dark'],
      queryStringParameters: { format: 'pdf,csv', q: 'a b' },
      headers: { 'x-trace': 'one,two', 'user-agent': 'local-test' },
      requestContext: {
        accountId: 'anonymous',
        routeKey: '$default',
        stage: '$default',
        requestId: reply.headers['x-amzn-requestid'],
        http: { method: 'GET', path: '/bulletins/jakarta', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'local-test' },
      },
      isBase64Encoded: false,
    });
    const event = z
      .object({ headers: z.record(z.string(), z.string()), body: z.string().optional(), requestContext: z.object({ time: z.string(), domainName: z.string(), domainPrefix: z.string() }) })
      .parse(events[0]);
    expect(event.headers.cookie).toBeUndefined();
    expect(event.body).toBeUndefined();
    expect(event.requestContext.time).toMatch(/^\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(event.requestContext.domainName).toBe(`${event.requestContext.domainPrefix}.lambda-url.${REGION}.on.aws`);
    expect(contexts[0]).toBe(reply.headers['x-amzn-requestid']);

    // A string result is JSON too: the client gets it quoted.
    const text = await httpRequest(target.url, { path: '/string' });
    expect(text.status).toBe(200);
    expect(text.body.toString('utf8')).toBe('"hello"');
  });

  it('round-trips a binary POST body and cookies through a structured result', async () => {
    const events: unknown[] = [];
    const target = await functionUrl(
      fn(async (event) => {
        events.push(event);
        const request = urlEvent.parse(event);
        const bytes = Buffer.from(request.body ?? '', request.isBase64Encoded ? 'base64' : 'utf8');
        return {
          statusCode: 201,
          headers: { 'Content-Type': 'application/octet-stream', 'X-Length': bytes.length },
          cookies: ['seen=1; Path=/', 'last=post; HttpOnly'],
          body: Buffer.from(bytes).reverse().toString('base64'),
          isBase64Encoded: true,
        };
      }),
    );
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, index) => index));

    const reply = await httpRequest(target.url, { method: 'POST', path: '/upload', headers: { 'Content-Type': 'application/octet-stream' }, body: bytes });
    expect(reply.status).toBe(201);
    expect(reply.headers['content-type']).toBe('application/octet-stream');
    expect(reply.headers['x-length']).toBe('256');
    expect(reply.headers['set-cookie']).toEqual(['seen=1; Path=/', 'last=post; HttpOnly']);
    expect(reply.body.equals(Buffer.from(bytes).reverse())).toBe(true);
    expect(events[0]).toMatchObject({ isBase64Encoded: true, body: bytes.toString('base64'), requestContext: { http: { method: 'POST' } } });

    // A JSON body is text: it arrives as it was sent.
    await httpRequest(target.url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: Buffer.from('{"a":1}') });
    expect(events[1]).toMatchObject({ isBase64Encoded: false, body: '{"a":1}' });
  });

  it('answers 502 for a function error, a timeout or an invalid result, and 413 for an oversize request', async () => {
    const release = gate();
    const target = await functionUrl(
      fn(
        async (event) => {
          const path = urlEvent.parse(event).rawPath;
          if (path === '/throw') throw new Error('boom');
          if (path === '/hang') await release.promise;
          if (path === '/invalid') return { statusCode: 'two hundred' };
          return 'ok';
        },
        { timeoutMs: 100 },
      ),
    );

    expect((await httpRequest(target.url, { path: '/throw' })).status).toBe(502);
    expect((await httpRequest(target.url, { path: '/hang' })).status).toBe(502);
    expect((await httpRequest(target.url, { path: '/invalid' })).status).toBe(502);
    release.open();
    const tooLarge = await httpRequest(target.url, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: Buffer.alloc(PAYLOAD_LIMITS.RequestResponse, 'a') });
    expect(tooLarge.status).toBe(413);
    expect((await httpRequest(target.url, { path: '/fine' })).body.toString('utf8')).toBe('"ok"');
  });
});
