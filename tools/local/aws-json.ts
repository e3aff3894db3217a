/**
 * Server plumbing for the local stack's AWS protocol emulators (sqs-emulator.ts, secrets-emulator.ts and,
 * for the loopback and signature parts, cloudformation-emulator.ts). Local tooling only, never deployed.
 *
 * The AWS JSON protocols as the SDK v3 clients speak them (@aws-sdk/core AwsJsonRpcProtocol):
 * - `POST /` with `Content-Type: application/x-amz-json-1.0` (SQS) or `-1.1` (Secrets Manager) and
 *   `X-Amz-Target: <service target>.<Operation>`; the input is the JSON body.
 * - Errors are a 4xx/5xx status with `{"__type": ..., "message": ...}`. SQS is "awsQuery compatible":
 *   it also sends `x-amzn-query-error: <legacy code>;Sender`, and the SDK maps that legacy code
 *   (AWS.SimpleQueueService.NonExistentQueue...) to the modelled exception class.
 * - Every request is SigV4-signed; the credential scope names the region and the signing service. AWS
 *   refuses a request scoped to another region or service (a client configured for the wrong region
 *   fails on AWS, so it fails here). The signature itself is not recomputed: the local credentials are
 *   public, so checking it would prove nothing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type * as z from 'zod';
import { readBody } from './http.ts';

export interface AwsErrorOptions {
  statusCode?: number;
  /** The awsQuery code SQS sends in `x-amzn-query-error` (the SDK picks the exception class from it). */
  queryErrorCode?: string;
  /** Sender (the caller's fault) unless said otherwise. */
  senderFault?: boolean;
}

/** An error as the service reports it: `code` is the error shape's name (QueueDoesNotExist...). */
export class AwsServiceError extends Error {
  readonly statusCode: number;
  readonly queryErrorCode: string;
  readonly senderFault: boolean;

  constructor(
    readonly code: string,
    message: string,
    options: AwsErrorOptions = {},
  ) {
    super(message);
    this.name = code;
    this.statusCode = options.statusCode ?? 400;
    this.queryErrorCode = options.queryErrorCode ?? code;
    this.senderFault = options.senderFault ?? true;
  }
}

export interface AwsRequestContext {
  /** The access key the request was signed with (SQS reports it as a message's SenderId). */
  accessKeyId: string;
  /** Aborted when the caller hangs up (a long poll must then not take messages on its behalf). */
  signal: AbortSignal;
}

export type AwsJsonOperation = (input: unknown, context: AwsRequestContext) => Promise<unknown>;

export interface AwsJsonServiceDefinition {
  /** The `X-Amz-Target` prefix: `AmazonSQS`, `secretsmanager`. */
  targetPrefix: string;
  jsonVersion: '1.0' | '1.1';
  /** The SigV4 signing name the credential scope must carry: `sqs`, `secretsmanager`. */
  signingName: string;
  region: string;
  /** SQS qualifies its error types (`com.amazonaws.sqs#QueueDoesNotExist`); Secrets Manager does not. */
  errorNamespace?: string;
  /** Send the awsQuery-compatible `x-amzn-query-error` header (SQS). */
  queryCompatible?: boolean;
  operations: Record<string, AwsJsonOperation>;
}

export interface SigV4Scope {
  accessKeyId: string;
  region: string;
  service: string;
}

const CREDENTIAL = /Credential=([^/,\s]+)\/\d{8}\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;

/** The credential scope of a SigV4 `Authorization` header, or undefined when the request is not signed. */
function sigV4Scope(authorization: string | undefined): SigV4Scope | undefined {
  if (!authorization?.startsWith('AWS4-HMAC-SHA256 ')) return undefined;
  const match = CREDENTIAL.exec(authorization);
  if (!match) return undefined;
  return { accessKeyId: match[1]!, region: match[2]!, service: match[3]! };
}

/** The request's credential scope; throws AWS's refusal when it is unsigned or signed for another region or service. */
export function signedScope(authorization: string | undefined, region: string, service: string): SigV4Scope {
  const scope = sigV4Scope(authorization);
  if (!scope) throw new AwsServiceError('MissingAuthenticationTokenException', 'Missing Authentication Token', { statusCode: 403 });
  if (scope.region !== region) {
    throw new AwsServiceError('InvalidSignatureException', `Credential should be scoped to a valid region. This endpoint serves ${region}.`, { statusCode: 403 });
  }
  if (scope.service !== service) {
    throw new AwsServiceError('InvalidSignatureException', `Credential should be scoped to correct service: '${service}'.`, { statusCode: 403 });
  }
  return scope;
}

export interface InputProblem {
  /** The member at fault, as a path: `QueueUrl`, `Entries.0.Id`. */
  member: string;
  /** True when the member is absent (AWS answers MissingParameter and the like), false when malformed. */
  missing: boolean;
}

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = Reflect.get(value, key);
  }
  return value;
}

/** Parses input at the wire boundary; the service turns the first problem into its own error. */
export function parseInput<Schema extends z.ZodType>(schema: Schema, input: unknown, invalid: (problem: InputProblem) => AwsServiceError): z.infer<Schema> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw invalid({ member: issue.path.map(String).join('.') || 'input', missing: valueAt(input, issue.path) === undefined });
}

/** Starts listening on 127.0.0.1 on a free port; resolves to the endpoint URL. */
export async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('a loopback server has no port');
  return `http://127.0.0.1:${address.port}`;
}

/** Stops accepting connections and drops the idle keep-alive ones the SDK holds open. */
export async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

function writeError(res: ServerResponse, definition: AwsJsonServiceDefinition, requestId: string, error: AwsServiceError): void {
  const type = definition.errorNamespace ? `${definition.errorNamespace}#${error.code}` : error.code;
  const headers: Record<string, string> = {
    'content-type': `application/x-amz-json-${definition.jsonVersion}`,
    'x-amzn-requestid': requestId,
  };
  if (definition.queryCompatible) headers['x-amzn-query-error'] = `${error.queryErrorCode};${error.senderFault ? 'Sender' : 'Receiver'}`;
  res.writeHead(error.statusCode, headers);
  res.end(JSON.stringify({ __type: type, message: error.message }));
}

/** An AWS JSON-protocol request's input: an empty body is `{}`, as the SDK sends for an operation without input. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const body = (await readBody(req)).toString('utf8');
  try {
    return body.length === 0 ? {} : JSON.parse(body);
  } catch {
    throw new AwsServiceError('SerializationException', 'The request body is not valid JSON.');
  }
}

/** A server for one AWS JSON-protocol service on loopback. Call `listenOnLoopback` to start it. */
export function createAwsJsonServer(definition: AwsJsonServiceDefinition): Server {
  const contentType = `application/x-amz-json-${definition.jsonVersion}`;
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomUUID();
    const hangUp = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) hangUp.abort();
    });
    void (async () => {
      try {
        if (req.method !== 'POST') throw new AwsServiceError('UnknownOperationException', `${req.method} is not an operation of this service.`, { statusCode: 404 });
        const scope = signedScope(req.headers.authorization, definition.region, definition.signingName);
        const target = req.headers['x-amz-target'];
        const operationName = typeof target === 'string' && target.startsWith(`${definition.targetPrefix}.`) ? target.slice(definition.targetPrefix.length + 1) : undefined;
        const operation = operationName === undefined ? undefined : definition.operations[operationName];
        if (!operation) throw new AwsServiceError('UnknownOperationException', `Unknown operation ${String(target)}.`);
        if (!String(req.headers['content-type'] ?? '').startsWith(contentType)) {
          throw new AwsServiceError('SerializationException', `Expected Content-Type ${contentType}.`);
        }
        const input = await readJsonBody(req);
        const output = await operation(input, { accessKeyId: scope.accessKeyId, signal: hangUp.signal });
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': contentType, 'x-amzn-requestid': requestId });
        res.end(JSON.stringify(output ?? {}));
      } catch (error) {
        if (res.destroyed) return;
        const reported =
          error instanceof AwsServiceError
            ? error
            : new AwsServiceError('InternalFailure', error instanceof Error ? error.message : String(error), { statusCode: 500, senderFault: false });
        writeError(res, definition, requestId, reported);
      }
    })();
  });
}
