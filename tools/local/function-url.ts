/**
 * A Lambda function URL on loopback: each HTTP request becomes the event a function URL sends (payload
 * format version 2.0) and the function's result becomes the HTTP response, as Lambda's guide
 * (urls-invocation) describes. The invocation itself goes through LocalLambdaService, so the function's
 * timeout, concurrency and payload quotas are the Invoke API's, enforced by the same code. The rules:
 *
 * - Event: version 2.0, routeKey and stage `$default`; headers lower-cased, repeated ones comma-joined;
 *   the Cookie header becomes `cookies`; repeated query parameters comma-joined; `body` base64-encoded
 *   with `isBase64Encoded` unless it is text (a text, JSON or XML content type, and valid UTF-8).
 *   requestContext.requestId is the invocation's request id (the context's awsRequestId).
 * - Response: an object with `statusCode` is taken as `{statusCode, headers, cookies, body, isBase64Encoded}`
 *   (cookies become Set-Cookie headers); any other JSON value, a string included, is inferred as a 200
 *   application/json response whose body is that JSON.
 * - Errors: a function error, a timeout or a response over the 6 MB quota is 502; a request whose event
 *   would be over the 6 MB quota is 413; a throttle is 429.
 */
import { isUtf8 } from 'node:buffer';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { z } from 'zod';
import {
  LocalLambdaService,
  PAYLOAD_LIMITS,
  closeServer,
  listenOnLoopback,
  readBodyUpTo,
  requestTooLarge,
  type LambdaOptions,
  type LocalFunction,
  type ServiceError,
} from './lambda-emulator.ts';

export interface FunctionUrl {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export interface FunctionUrlOptions extends Pick<LambdaOptions, 'accountConcurrency' | 'region'> {
  /** The function's name, for its ARN and context (default `function-url`). */
  name?: string;
}

/** A function's structured result; `statusCode` is what makes a result structured. */
const structuredResult = z.object({
  statusCode: z.number().int().min(100).max(599),
  headers: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  cookies: z.array(z.string()).optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
});

const isTextContentType = (contentType: string | undefined): boolean =>
  contentType !== undefined && /^text\/|json|xml|javascript/i.test(contentType);

/** Apache's common log time, as function URLs write requestContext.time: `12/Mar/2020:19:03:58 +0000`. */
function commonLogTime(date: Date): string {
  const [, day, month, year, time] = /^\w{3}, (\d{2}) (\w{3}) (\d{4}) (\S+) GMT$/.exec(date.toUTCString()) ?? [];
  return `${day}/${month}/${year}:${time} +0000`;
}

function functionUrlEvent(req: IncomingMessage, body: Buffer, requestId: string, urlId: string, region: string): LambdaFunctionURLEvent {
  const target = req.url ?? '/';
  const queryAt = target.indexOf('?');
  const rawPath = queryAt === -1 ? target : target.slice(0, queryAt);
  const rawQueryString = queryAt === -1 ? '' : target.slice(queryAt + 1);
  const sourceIp = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');

  const headers: Record<string, string> = {};
  let cookies: string[] = [];
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values === undefined) continue;
    if (name === 'cookie') cookies = values.flatMap((value) => value.split(';').map((cookie) => cookie.trim())).filter(Boolean);
    else headers[name] = values.join(',');
  }
  headers['x-forwarded-for'] ??= sourceIp;
  headers['x-forwarded-proto'] ??= 'http';
  headers['x-forwarded-port'] ??= String(req.socket.localPort ?? '');
  headers['x-amzn-trace-id'] ??= `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;

  const query = new Map<string, string[]>();
  for (const [key, value] of new URLSearchParams(rawQueryString)) query.set(key, [...(query.get(key) ?? []), value]);
  const text = isTextContentType(headers['content-type']) && isUtf8(body);
  const now = new Date();

  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(query.size > 0 ? { queryStringParameters: Object.fromEntries([...query].map(([key, values]) => [key, values.join(',')])) } : {}),
    requestContext: {
      // What a function URL with auth type NONE sends (the guide's sample shows the owner's account).
      accountId: 'anonymous',
      apiId: urlId,
      domainName: `${urlId}.lambda-url.${region}.on.aws`,
      domainPrefix: urlId,
      http: { method: req.method ?? 'GET', path: rawPath, protocol: `HTTP/${req.httpVersion}`, sourceIp, userAgent: headers['user-agent'] ?? '' },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: commonLogTime(now),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: text ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !text,
  };
}

interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer | string;
}

const badGateway: HttpAnswer = { status: 502, headers: { 'Content-Type': 'text/plain' }, body: 'Internal Server Error' };

const fromServiceError = (error: ServiceError): HttpAnswer => ({
  status: error.status,
  headers: { 'Content-Type': 'application/json', 'x-amzn-ErrorType': error.type },
  body: JSON.stringify({ Message: error.message }),
});

/** The HTTP response a function URL makes of a result (the function's JSON payload). */
function httpAnswerFor(payload: string): HttpAnswer {
  const result: unknown = JSON.parse(payload);
  const isStructured = typeof result === 'object' && result !== null && !Array.isArray(result) && 'statusCode' in result;
  if (!isStructured) return { status: 200, headers: { 'Content-Type': 'application/json' }, body: payload };
  const parsed = structuredResult.safeParse(result);
  if (!parsed.success) return badGateway;
  const { statusCode, headers = {}, cookies = [], body = '', isBase64Encoded = false } = parsed.data;
  const answerHeaders: Record<string, string | string[]> = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), String(value)]));
  answerHeaders['content-type'] ??= 'application/json';
  if (cookies.length > 0) answerHeaders['set-cookie'] = cookies;
  return { status: statusCode, headers: answerHeaders, body: isBase64Encoded ? Buffer.from(body, 'base64') : body };
}

async function serveFunctionUrl(lambda: LocalLambdaService, name: string, urlId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = randomUUID();
  const answer = (reply: HttpAnswer) => {
    res.writeHead(reply.status, { ...reply.headers, 'x-amzn-RequestId': requestId });
    res.end(reply.body);
  };
  // The event is bigger than the body, so a body over the quota can only make an event over it.
  const { size, body } = await readBodyUpTo(req, PAYLOAD_LIMITS.RequestResponse);
  if (body === undefined) return answer(fromServiceError(requestTooLarge('RequestResponse', size)));
  const event = functionUrlEvent(req, body, requestId, urlId, lambda.region);
  const outcome = await lambda.invoke(name, Buffer.from(JSON.stringify(event)), requestId);
  if (outcome.kind === 'refused') return answer(fromServiceError(outcome.error));
  if (outcome.execution.functionError) return answer(badGateway);
  answer(httpAnswerFor(outcome.execution.payload));
}

/** Serves one function through a function URL on 127.0.0.1, with its own account concurrency. */
export async function startFunctionUrl(fn: LocalFunction, options: FunctionUrlOptions = {}): Promise<FunctionUrl> {
  const name = options.name ?? 'function-url';
  const lambda = new LocalLambdaService({ [name]: fn }, options);
  // A url-id looks like 32 lower-case letters and digits.
  const urlId = randomBytes(20).toString('hex').slice(0, 32);
  const server = createServer((req, res) => {
    serveFunctionUrl(lambda, name, urlId, req, res).catch(() => {
      if (!res.headersSent) {
        res.writeHead(badGateway.status, badGateway.headers);
        res.end(badGateway.body);
      } else res.destroy();
    });
  });
  const url = await listenOnLoopback(server);
  return {
    url,
    server,
    async close() {
      lambda.stop();
      await closeServer(server);
    },
  };
}
