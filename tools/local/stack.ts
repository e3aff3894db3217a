/**
 * The embedded local stack: the app's AWS services on loopback, started in-process, with state under one
 * folder so history accumulates from run to run. Nothing here leaves 127.0.0.1.
 *
 * - S3: s3rver, behind tools/local/s3-strict.ts (versions, S3's multipart and copy ETags, event
 *   notifications: an object under uploads/ invokes validate-upload asynchronously, as on AWS).
 * - DynamoDB: dynalite (it refuses items over 400 KB, as DynamoDB does).
 * - SES v2: aws-ses-v2-local, behind tools/local/ses-outbox.ts (the sandbox and identity rules, switched in
 *   `ses-account.json`; every accepted email kept as .eml).
 * - Lambda: tools/local/lambda-emulator.ts runs the seven handlers with their deployed timeouts,
 *   render-bulletins' reserved concurrency, the payload limits, async retries and the on-failure queue;
 *   download-bulletin behind a function URL (tools/local/function-url.ts).
 * - SQS: tools/local/sqs-emulator.ts, with the delivery queue's 256 KiB limit and dead-letter redrive, and
 *   an event source that hands deliver-bulletin batches of ten, two at a time.
 * - Secrets Manager and CloudFormation: tools/local/secrets-emulator.ts (the link key, rotated by the real
 *   rotation handler) and tools/local/cloudformation-emulator.ts (this stack's outputs, under the deployed
 *   stack's output names, so `ucj … --stack ucj-local` takes the same path as against AWS).
 *
 * The handlers run in the process that owns the stack, built by the same factories as on Lambda from
 * settings made for this stack. Other `ucj` processes attach to a running `ucj stack` and use its APIs.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import sesModule from 'aws-ses-v2-local';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateSecretCommand, DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { LOCAL_CREDENTIALS } from '../../lib/aws/clients.ts';
import { faultsSchema, type FaultsInput } from '../../lib/aws/faults.ts';
import type { HandlerOptions } from '../../lib/runtime.ts';
import { TABLE_KEYS } from '../../lib/contract/table.ts';
import { BUCKET_PREFIXES } from '../../lib/contract/bucket.ts';
import { DEFAULT_RENDER_CONCURRENCY, FUNCTION_SIZING, type FunctionSizing } from '../../lib/contract/functions.ts';
import type { StackOutput } from '../../lib/contract/stack-outputs.ts';
import {
  deliverBulletinSettingsSchema,
  downloadBulletinSettingsSchema,
  monthlyRunSettingsSchema,
  readSettings,
  remindUploadsSettingsSchema,
  renderBulletinsSettingsSchema,
  rotateLinkKeySettingsSchema,
  portalSettingsSchema,
  validateUploadSettingsSchema,
} from '../../lib/config.ts';
import { PORTAL_PATHS } from '../../lib/contract/portal.ts';
import { lambdaErrorMessage } from '../../lib/jobs/render-fan-out.ts';
import { newLinkKeyValue } from '../../lib/jobs/rotate-link-key.ts';
import { deploymentFrom, stackOutputsSchema, type Deployment, type StackOutputs } from '../cli/deployment.ts';
import { startLambdaEmulator, type LambdaEmulator, type LocalFunction, type LocalHandler } from './lambda-emulator.ts';
import { startFunctionUrl, type FunctionUrl } from './function-url.ts';
import { startStrictS3, SHADOW_BUCKET, type StrictS3 } from './s3-strict.ts';
import { startSqsEmulator, startSqsEventSource, type SqsEmulator, type SqsEventSource } from './sqs-emulator.ts';
import { startSecretsEmulator, type SecretsEmulator } from './secrets-emulator.ts';
import { loopbackJwksCache, startLocalCognito, type LocalCognito } from './cognito.ts';
import { startCloudFormationEmulator, type CloudFormationEmulator } from './cloudformation-emulator.ts';
import { sesAccountPath } from './ses-account.ts';
import { beginSession, repairInterruptedWrites } from './s3-repair.ts';

export const LOCAL_BUCKET = 'ucj-bulletin-local';
export const LOCAL_TABLE = 'ucj-bulletin-local';
export const LOCAL_SENDER = 'buletin@ucj.example';
/** What `ucj … --stack` calls the local stack (its CloudFormation emulator answers for this name). */
export const LOCAL_STACK_NAME = 'ucj-local';
const REGION = 'ap-southeast-3';

/** The local functions' names, by handler. */
export const LOCAL_FUNCTIONS = {
  validateUpload: 'ucj-validate-upload',
  monthlyRun: 'ucj-monthly-run',
  renderBulletins: 'ucj-render-bulletins',
  deliverBulletin: 'ucj-deliver-bulletin',
  remindUploads: 'ucj-remind-uploads',
  downloadBulletin: 'ucj-download-bulletin',
  rotateLinkKey: 'ucj-rotate-link-key',
  portal: 'ucj-portal',
} as const;

const QUEUES = { delivery: 'ucj-delivery', deadLetters: 'ucj-delivery-dead-letters', failedEvents: 'ucj-failed-events' } as const;
const LINK_KEY_SECRET = 'ucj-link-key';
const LOCAL_QUEUE_SETTLE_MS = 250;
/** As deployed (infra/constructs/queue.ts): six consumer timeouts, five receives before the dead-letter queue. */
const DELIVERY_VISIBILITY_SECONDS = FUNCTION_SIZING.deliverBulletin.timeoutSeconds * 6;
const MAX_RECEIVE_COUNT = 5;
const FOURTEEN_DAYS_SECONDS = 14 * 24 * 3600;

// A CommonJS module whose `exports.default` is the server factory: Node's ESM import hands over `module.exports`.
type StartSes = (config: { host: string; port: number }) => Promise<Server>;
const startSesEmulator = ((sesModule as unknown as { default?: StartSes }).default ?? sesModule) as StartSes;

export const stackEndpointsSchema = z.object({
  s3: z.url(),
  dynamodb: z.url(),
  ses: z.url(),
  lambda: z.url(),
  sqs: z.url(),
  secrets: z.url(),
  cloudformation: z.url(),
  /** download-bulletin's function URL. */
  download: z.url(),
  /** The portal's function URL (a browser opens it; sign-in goes to the local Cognito's login). */
  portal: z.url(),
  /** The local Cognito's user-pool API. */
  cognito: z.url(),
  /** The SES emulator's own inbox viewer (in memory: it shows what the owning process's stack accepted). */
  inbox: z.url(),
});
export type StackEndpoints = z.infer<typeof stackEndpointsSchema>;

export interface LocalStack {
  dir: string;
  endpoints: StackEndpoints;
  /** The settings every local function is given (each reads its own: lib/config.ts). */
  env: Record<string, string>;
  stackName: string;
  outputs: StackOutputs;
  /** What the operator commands work on (tools/cli/deployment.ts). */
  deployment: Deployment;
  outboxDir: string;
  sesAccountFile: string;
  /** True when this process started the servers; false when it attached to a running `ucj stack`. */
  owned: boolean;
  /** Requests each server has received since start, and bytes S3 has served (only when this process owns the servers). */
  requests: { dynamodb: number; ses: number; lambda: number; s3: number; s3Bytes: number };
  /** Invocations of a local function since start (only when this process owns the servers). */
  invocations(functionName: string): number;
  /** Invocations refused with 429 because the function's concurrency was used up (only when this process owns the servers). */
  throttles(functionName: string): number;
  /**
   * Resolves when nothing is left to do: no function running or waiting to retry, no delivery queued or in
   * flight (only when this process owns the servers; an attached one polls the queue instead).
   */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export const stackPaths = (dir: string) => ({
  s3: join(dir, 's3'),
  s3State: join(dir, 's3-versions'),
  dynamodb: join(dir, 'dynamodb'),
  outbox: join(dir, 'outbox'),
  queue: join(dir, 'sqs'),
  secrets: join(dir, 'secrets.json'),
  cognito: join(dir, 'cognito'),
  info: join(dir, 'stack.json'),
  /** Present while a process owns the stack: left behind, it says that process did not close it. */
  session: join(dir, 'session.json'),
});

const runningStackSchema = z.object({ pid: z.number().int(), endpoints: stackEndpointsSchema, env: z.record(z.string(), z.string()) });

const listen = (server: { listen: (port: number, host: string, cb: () => void) => unknown }) =>
  new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
const closeServer = (server: { close: (cb: (err?: Error) => void) => unknown }) => new Promise<void>((done) => server.close(() => done()));
function portOf(server: { address(): AddressInfo | string | null }): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server is not listening on a port');
  return address.port;
}

/** The stack's outputs, named as the deployed stack's are (infra/stack.ts). */
function outputsOf(env: Record<string, string>, sqs: SqsEmulator): Record<StackOutput, string> {
  return {
    BucketName: LOCAL_BUCKET,
    TableName: LOCAL_TABLE,
    MonthlyRunFunctionName: LOCAL_FUNCTIONS.monthlyRun,
    RemindUploadsFunctionName: LOCAL_FUNCTIONS.remindUploads,
    DeliveryQueueUrl: sqs.queueUrl(QUEUES.delivery),
    DeliveryDeadLetterQueueUrl: sqs.queueUrl(QUEUES.deadLetters),
    DeliveryDeadLetterQueueArn: sqs.queueArn(QUEUES.deadLetters),
    FailedEventsQueueUrl: sqs.queueUrl(QUEUES.failedEvents),
    FailedEventsQueueArn: sqs.queueArn(QUEUES.failedEvents),
    ScheduleDeadLetterQueueArn: sqs.queueArn(QUEUES.failedEvents),
    DownloadUrl: env.DOWNLOAD_URL ?? '',
    AlarmTopicArn: `arn:aws:sns:${REGION}:000000000000:ucj-local-alarms`,
    SesConfigurationSetName: '',
    UserPoolId: env.USER_POOL_ID ?? '',
    PortalUrl: env.PORTAL_URL ?? '',
  };
}

/** The local stack's settings and clients, as an operator command sees a deployed stack. */
function localDeployment(env: Record<string, string>, outputs: Record<string, string>): Deployment {
  // The local queue's counts are exact: one empty reading, and a second a poll later, is enough.
  return deploymentFrom(LOCAL_STACK_NAME, stackOutputsSchema.parse(outputs), readSettings(rotateLinkKeySettingsSchema, env), LOCAL_QUEUE_SETTLE_MS);
}

/**
 * Starts the stack in `dir`, or attaches to the one a running `ucj stack` has there (it owns the
 * database files, which only one process may open).
 */
export interface LocalStackOptions {
  /** Use a running `ucj stack` in the same folder when there is one (default). */
  attach?: boolean;
  /**
   * Whether the delivery queue's event source runs (default). Off, deliveries stay queued, as with a
   * disabled event source mapping on AWS, until a stack that delivers starts on the folder.
   */
  deliveries?: boolean;
  /**
   * Settings the handlers are built with on top of the stack's own, as a deployment's environment would
   * set them (a shorter lease, an attachment cap, smaller render batches), and `UCJ_DELIVERY_CONCURRENCY`
   * for the delivery queue's event source. The command line passes its environment; a test, what it needs.
   */
  settings?: Readonly<Record<string, string | undefined>>;
  /** Faults for every handler this stack builds (lib/aws/faults.ts); none by default. */
  faults?: FaultsInput | undefined;
}

export async function startLocalStack(dirInput: string, options: LocalStackOptions = {}): Promise<LocalStack> {
  const dir = resolve(dirInput);
  const paths = stackPaths(dir);
  const overrides = options.settings ?? {};
  if (options.attach !== false) {
    const running = await runningStack(dir);
    if (running) return running;
  }
  await Promise.all([paths.s3, paths.s3State, paths.dynamodb, paths.outbox, paths.queue].map((p) => mkdir(p, { recursive: true })));
  // Powertools reads these from the process, not from the settings a handler is built with: the handlers
  // of this process log warnings only, and emit no EMF lines (there is no CloudWatch here to read them).
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const requests = { dynamodb: 0, ses: 0, lambda: 0 };
  // Filled in as the servers come up; the handlers read it when they are first invoked.
  const env: Record<string, string> = {
    BUCKET_NAME: LOCAL_BUCKET,
    TABLE_NAME: LOCAL_TABLE,
    SENDER_ADDRESS: LOCAL_SENDER,
    AWS_REGION: REGION,
    RENDER_FUNCTION_NAME: LOCAL_FUNCTIONS.renderBulletins,
    // One batch for the whole month: locally a batch renders on every core (worker threads), and more
    // batches would only start more pools on the same cores. Tests set smaller batches to fan out.
    RENDER_BATCH_SIZE: overrides.RENDER_BATCH_SIZE ?? '1000',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  // What the caller adds (tests shorten the lease, cap attachments); the stack's own endpoints win.
  const settingsOf = <Schema extends z.ZodType>(schema: Schema): z.infer<Schema> => readSettings(schema, { ...overrides, ...env });
  const handlerOptions: HandlerOptions = { faults: options.faults === undefined ? undefined : faultsSchema.parse(options.faults) };
  const stops: Array<() => Promise<void>> = [];

  const dynamo = dynalite({ path: paths.dynamodb, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await listen(dynamo);
  dynamo.on('request', () => (requests.dynamodb += 1));
  stops.push(() => closeServer(dynamo));
  env.DYNAMODB_ENDPOINT = `http://127.0.0.1:${portOf(dynamo)}`;

  let lambda: LambdaEmulator | undefined;
  const unfinished = await beginSession(paths.session);
  if (unfinished) {
    const removed = await repairInterruptedWrites(paths.s3, unfinished);
    if (removed.length > 0) process.stderr.write(`local S3: ${removed.length} object(s) left half-written by a process that was killed were removed\n`);
  }
  const s3rver = new S3rver({
    port: 0,
    address: '127.0.0.1',
    directory: paths.s3,
    silent: true,
    configureBuckets: [LOCAL_BUCKET, SHADOW_BUCKET].map((name) => ({ name, configs: [] })),
  });
  // s3rver formats a log line for every request even when silent (koa-logger, then winston drops it):
  // a tenth of its time on a month's PUTs. Its request logger is the first middleware it installs.
  if (s3rver.middleware[0]?.name === 'logger') s3rver.middleware.shift();
  const s3rverAddress = await s3rver.run();
  stops.push(() => s3rver.close());
  const s3: StrictS3 = await startStrictS3({
    upstream: `http://127.0.0.1:${s3rverAddress.port}`,
    stateDir: paths.s3State,
    buckets: [LOCAL_BUCKET],
    region: REGION,
    notifications: {
      // As the deployed bucket's notification (infra/constructs/functions.ts): uploads/ only.
      [LOCAL_BUCKET]: [{ prefix: BUCKET_PREFIXES.uploads, deliver: (event) => void lambda?.invokeAsync(LOCAL_FUNCTIONS.validateUpload, event) }],
    },
  });
  stops.unshift(() => s3.close());
  env.S3_ENDPOINT = s3.endpoint;

  const sesInner: Server = await startSesEmulator({ host: '127.0.0.1', port: 0 });
  const { startSesOutboxProxy } = await import('./ses-outbox.ts');
  const sesProxy = await startSesOutboxProxy({ host: '127.0.0.1', port: portOf(sesInner) }, paths.outbox, { accountDir: dir });
  sesProxy.on('request', () => (requests.ses += 1));
  stops.push(() => closeServer(sesProxy), () => closeServer(sesInner));
  env.SES_ENDPOINT = `http://127.0.0.1:${portOf(sesProxy)}`;

  const sqs = await startSqsEmulator({
    dir: paths.queue,
    region: REGION,
    queues: [
      { name: QUEUES.deadLetters, visibilityTimeoutSeconds: 30, messageRetentionSeconds: FOURTEEN_DAYS_SECONDS },
      { name: QUEUES.failedEvents, visibilityTimeoutSeconds: 30, messageRetentionSeconds: FOURTEEN_DAYS_SECONDS, maximumMessageSize: 1_048_576 },
      {
        name: QUEUES.delivery,
        visibilityTimeoutSeconds: DELIVERY_VISIBILITY_SECONDS,
        redrive: { deadLetterQueue: QUEUES.deadLetters, maxReceiveCount: MAX_RECEIVE_COUNT },
      },
    ],
  });
  stops.push(() => sqs.close());
  env.SQS_ENDPOINT = sqs.endpoint;
  env.DELIVERY_QUEUE_URL = sqs.queueUrl(QUEUES.delivery);

  const clientConfig = { region: REGION, credentials: LOCAL_CREDENTIALS };
  const invoker = () => new LambdaClient({ ...clientConfig, endpoint: env.LAMBDA_ENDPOINT, maxAttempts: 1 });
  let lambdaClient: LambdaClient | undefined;
  /** A synchronous invocation through the Lambda API, as Secrets Manager and the SQS event source make them. */
  const invokeSync = async (name: string, event: unknown): Promise<unknown> => {
    lambdaClient ??= invoker();
    const out = await lambdaClient.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(event)) }));
    const body = out.Payload ? Buffer.from(out.Payload).toString('utf8') : 'null';
    if (out.FunctionError) throw new Error(`${name} failed: ${lambdaErrorMessage(body)}`);
    return JSON.parse(body);
  };

  const secrets: SecretsEmulator = await startSecretsEmulator({
    file: paths.secrets,
    region: REGION,
    rotation: async (event) => {
      await invokeSync(LOCAL_FUNCTIONS.rotateLinkKey, event);
    },
  });
  stops.push(() => secrets.close());
  env.SECRETS_ENDPOINT = secrets.endpoint;
  env.LINK_KEY_SECRET_ARN = await ensureLinkKey(secrets.endpoint);

  const sqsSender = new SQSClient({ ...clientConfig, endpoint: sqs.endpoint });
  const fn = (sizing: FunctionSizing, build: () => LocalHandler, reservedConcurrency?: number): LocalFunction => ({
    load: async () => build(),
    timeoutMs: sizing.timeoutSeconds * 1000,
    memoryMb: sizing.memoryMb,
    ...(reservedConcurrency !== undefined ? { reservedConcurrency } : {}),
    // The deployed functions' on-failure destination (infra/stack.ts, FailedEvents).
    onAsyncFailure: async (record) => {
      await sqsSender.send(new SendMessageCommand({ QueueUrl: sqs.queueUrl(QUEUES.failedEvents), MessageBody: JSON.stringify(record) }));
    },
  });
  const { createValidateUploadHandler } = await import('../../lib/handlers/validate-upload.ts');
  const { createMonthlyRunHandler } = await import('../../lib/handlers/monthly-run.ts');
  const { createRenderBulletinsHandler } = await import('../../lib/handlers/render-bulletins.ts');
  const { createDeliverBulletinHandler } = await import('../../lib/handlers/deliver-bulletin.ts');
  const { createRemindUploadsHandler } = await import('../../lib/handlers/remind-uploads.ts');
  const { createDownloadBulletinHandler } = await import('../../lib/handlers/download-bulletin.ts');
  const { createRotateLinkKeyHandler } = await import('../../lib/handlers/rotate-link-key.ts');

  const download: FunctionUrl = await startFunctionUrl(
    fn(FUNCTION_SIZING.downloadBulletin, () => createDownloadBulletinHandler(settingsOf(downloadBulletinSettingsSchema), handlerOptions)),
    { name: LOCAL_FUNCTIONS.downloadBulletin, region: REGION },
  );
  stops.push(() => download.close());
  env.DOWNLOAD_URL = download.url;

  lambda = await startLambdaEmulator(
    {
      [LOCAL_FUNCTIONS.validateUpload]: fn(FUNCTION_SIZING.validateUpload, () => createValidateUploadHandler(settingsOf(validateUploadSettingsSchema), handlerOptions)),
      [LOCAL_FUNCTIONS.monthlyRun]: fn(FUNCTION_SIZING.monthlyRun, () => createMonthlyRunHandler(settingsOf(monthlyRunSettingsSchema), handlerOptions)),
      [LOCAL_FUNCTIONS.renderBulletins]: fn(
        FUNCTION_SIZING.renderBulletins,
        () => createRenderBulletinsHandler(settingsOf(renderBulletinsSettingsSchema), handlerOptions),
        DEFAULT_RENDER_CONCURRENCY,
      ),
      [LOCAL_FUNCTIONS.deliverBulletin]: fn(FUNCTION_SIZING.deliverBulletin, () => createDeliverBulletinHandler(settingsOf(deliverBulletinSettingsSchema), handlerOptions)),
      [LOCAL_FUNCTIONS.remindUploads]: fn(FUNCTION_SIZING.remindUploads, () => createRemindUploadsHandler(settingsOf(remindUploadsSettingsSchema), handlerOptions)),
      [LOCAL_FUNCTIONS.rotateLinkKey]: fn(FUNCTION_SIZING.rotateLinkKey, () => createRotateLinkKeyHandler(settingsOf(rotateLinkKeySettingsSchema))),
    },
    { region: REGION },
  );
  lambda.server.on('request', () => (requests.lambda += 1));

  // The portal's function URL first: the local Cognito must know the portal's callback and sign-out
  // addresses, as the deployed app client does. The handler is built on its first request, by which time
  // the pool's settings are in `env`.
  const { createPortalHandler } = await import('../../lib/handlers/portal.ts');
  const jwksCache = loopbackJwksCache();
  const portal: FunctionUrl = await startFunctionUrl(
    fn(FUNCTION_SIZING.portal, () => createPortalHandler(settingsOf(portalSettingsSchema), { ...handlerOptions, jwksCache })),
    { name: LOCAL_FUNCTIONS.portal, region: REGION },
  );
  stops.unshift(() => portal.close());
  const portalOrigin = new URL(portal.url).origin;
  const cognito: LocalCognito = await startLocalCognito({
    dir: paths.cognito,
    region: REGION,
    callbackUrls: [`${portalOrigin}${PORTAL_PATHS.callback}`],
    logoutUrls: [`${portalOrigin}${PORTAL_PATHS.signedOut}`],
  });
  stops.push(() => cognito.close());
  env.PORTAL_URL = `${portalOrigin}/`;
  env.COGNITO_ENDPOINT = cognito.endpoint;
  env.USER_POOL_ID = cognito.userPoolId;
  env.USER_POOL_CLIENT_ID = cognito.clientId;
  env.USER_POOL_ISSUER_URL = cognito.issuerUrl;
  env.LOGIN_BASE_URL = cognito.loginBaseUrl;
  stops.unshift(() => lambda!.close());
  env.LAMBDA_ENDPOINT = lambda.endpoint;

  const outputs = outputsOf(env, sqs);
  const cloudformation: CloudFormationEmulator = await startCloudFormationEmulator({ region: REGION, stacks: () => ({ [LOCAL_STACK_NAME]: outputs }) });
  stops.push(() => cloudformation.close());
  await ensureTable(env.DYNAMODB_ENDPOINT);

  // Lambda's event source mapping on the delivery queue (infra/constructs/functions.ts): ten records a
  // batch, two batches at a time unless UCJ_DELIVERY_CONCURRENCY says otherwise. A mapping runs at least
  // two; one deliverer at a time (a test that must leave exactly one delivery in doubt) queues the second.
  const lanes = Number(overrides.UCJ_DELIVERY_CONCURRENCY ?? 2);
  const deliver = async (event: SQSEvent) => sqsBatchResponseSchema.parse(await invokeSync(LOCAL_FUNCTIONS.deliverBulletin, event));
  const deliveries: SqsEventSource | undefined =
    options.deliveries === false
      ? undefined
      : await startSqsEventSource({
          emulator: sqs,
          queue: QUEUES.delivery,
          batchSize: 10,
          maxConcurrency: Math.max(2, lanes),
          retryDelayMs: 200,
          handler: lanes === 1 ? oneAtATime(deliver) : deliver,
        });
  if (deliveries) stops.unshift(() => deliveries.stop());

  const endpoints: StackEndpoints = {
    s3: s3.endpoint,
    dynamodb: env.DYNAMODB_ENDPOINT,
    ses: env.SES_ENDPOINT,
    lambda: lambda.endpoint,
    sqs: sqs.endpoint,
    secrets: secrets.endpoint,
    cloudformation: cloudformation.endpoint,
    download: download.url,
    portal: env.PORTAL_URL,
    cognito: cognito.endpoint,
    inbox: `http://127.0.0.1:${portOf(sesInner)}/`,
  };
  const owned = lambda;
  return {
    dir,
    endpoints,
    env,
    stackName: LOCAL_STACK_NAME,
    outputs: stackOutputsSchema.parse(outputs),
    deployment: localDeployment(env, outputs),
    outboxDir: paths.outbox,
    sesAccountFile: sesAccountPath(dir),
    owned: true,
    get requests() {
      return { ...requests, s3: s3.stats.requests, s3Bytes: s3.stats.bytesServed };
    },
    invocations: (name) => owned.stats.invocations[name] ?? 0,
    throttles: (name) => owned.stats.throttles[name] ?? 0,
    async idle() {
      // Deliveries are queued by functions and functions are invoked by deliveries' failures: settle both, twice.
      for (let round = 0; round < 2; round += 1) {
        await owned.idle();
        await deliveries?.idle();
      }
    },
    async close() {
      for (const stop of stops) await stop().catch(() => undefined);
      lambdaClient?.destroy();
      sqsSender.destroy();
      await rm(paths.info, { force: true }).catch(() => undefined);
      await rm(paths.session, { force: true }).catch(() => undefined);
    },
  };
}

const sqsBatchResponseSchema = z
  .object({ batchItemFailures: z.array(z.object({ itemIdentifier: z.string() })) })
  .transform((response): SQSBatchResponse => response);

/** The same function, never running twice at once: later calls wait for the earlier ones. */
function oneAtATime<A, R>(work: (arg: A) => Promise<R>): (arg: A) => Promise<R> {
  let previous: Promise<unknown> = Promise.resolve();
  return (arg) => {
    const next = previous.catch(() => undefined).then(() => work(arg));
    previous = next;
    return next;
  };
}

/** Records a long-running stack's endpoints and settings so the other commands use it instead of starting their own. */
export async function announceStack(stack: LocalStack): Promise<void> {
  await writeFile(stackPaths(stack.dir).info, JSON.stringify({ pid: process.pid, endpoints: stack.endpoints, env: stack.env }, null, 2));
}

async function runningStack(dir: string): Promise<LocalStack | undefined> {
  const paths = stackPaths(dir);
  let info: z.infer<typeof runningStackSchema>;
  try {
    info = runningStackSchema.parse(JSON.parse(await readFile(paths.info, 'utf8')));
  } catch {
    return undefined;
  }
  try {
    process.kill(info.pid, 0);
  } catch {
    return undefined; // a stale file from a stack that was killed
  }
  const outputs = await describeLocalStack(info.endpoints.cloudformation);
  const deployment = localDeployment(info.env, outputs);
  return {
    dir,
    endpoints: info.endpoints,
    env: info.env,
    stackName: LOCAL_STACK_NAME,
    outputs: deployment.outputs,
    deployment,
    outboxDir: paths.outbox,
    sesAccountFile: sesAccountPath(dir),
    owned: false,
    requests: { dynamodb: 0, ses: 0, lambda: 0, s3: 0, s3Bytes: 0 },
    invocations: () => 0,
    throttles: () => 0,
    idle: async () => undefined,
    close: async () => undefined,
  };
}

/** The running stack's outputs, from its CloudFormation emulator, as an operator's command reads them. */
async function describeLocalStack(endpoint: string): Promise<Record<string, string>> {
  const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const client = new CloudFormationClient({ region: REGION, credentials: LOCAL_CREDENTIALS, endpoint });
  try {
    const out = await client.send(new DescribeStacksCommand({ StackName: LOCAL_STACK_NAME }));
    return Object.fromEntries((out.Stacks?.[0]?.Outputs ?? []).flatMap((o) => (o.OutputKey ? [[o.OutputKey, o.OutputValue ?? '']] : [])));
  } finally {
    client.destroy();
  }
}

/** The link-signing key's secret, made on first start as the deployment makes it (a random key). */
async function ensureLinkKey(endpoint: string): Promise<string> {
  const client = new SecretsManagerClient({ region: REGION, credentials: LOCAL_CREDENTIALS, endpoint });
  try {
    try {
      const described = await client.send(new DescribeSecretCommand({ SecretId: LINK_KEY_SECRET }));
      if (described.ARN) return described.ARN;
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'ResourceNotFoundException') throw error;
    }
    const created = await client.send(new CreateSecretCommand({ Name: LINK_KEY_SECRET, SecretString: newLinkKeyValue() }));
    if (!created.ARN) throw new Error('the local Secrets Manager created the link key without an ARN');
    return created.ARN;
  } finally {
    client.destroy();
  }
}

async function ensureTable(endpoint: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: REGION, credentials: LOCAL_CREDENTIALS });
  try {
    try {
      await client.send(new DescribeTableCommand({ TableName: LOCAL_TABLE }));
      return;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException) && !(error instanceof Error && error.name === 'ResourceNotFoundException')) throw error;
    }
    const { partition, sort, index, indexPartition, indexSort } = TABLE_KEYS;
    await client.send(
      new CreateTableCommand({
        TableName: LOCAL_TABLE,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [partition, sort, indexPartition, indexSort].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: partition, KeyType: 'HASH' },
          { AttributeName: sort, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: index,
            KeySchema: [
              { AttributeName: indexPartition, KeyType: 'HASH' },
              { AttributeName: indexSort, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
  } finally {
    client.destroy();
  }
}
