/**
 * The embedded local stack: real protocol servers on loopback, started in-process. s3rver for S3,
 * dynalite for DynamoDB and aws-ses-v2-local for SES v2, with state under one folder so history
 * accumulates from run to run. Nothing here leaves 127.0.0.1.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import sesModule from 'aws-ses-v2-local';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS } from '../aws/clients.ts';
import { TABLE_KEYS } from '../history/store.ts';
import { startLambdaEmulator } from './lambda-emulator.ts';

export const LOCAL_BUCKET = 'ucj-bulletin-local';
export const LOCAL_TABLE = 'ucj-bulletin-local';
export const LOCAL_SENDER = 'buletin@ucj.example';
export const LOCAL_RENDER_FUNCTION = 'ucj-render-bulletins';
const REGION = 'ap-southeast-3';

// A CommonJS module whose `exports.default` is the server factory: Node's ESM import hands over `module.exports`.
type StartSes = (config: { host: string; port: number }) => Promise<Server>;
const startSesEmulator = ((sesModule as unknown as { default?: StartSes }).default ?? sesModule) as StartSes;

export interface StackEndpoints {
  s3: string;
  dynamodb: string;
  ses: string;
  /** The Lambda Invoke API for render-bulletins (lambda-emulator.ts). */
  lambda: string;
  /** The emulator's own inbox viewer (in memory: it shows what this process's stack accepted). */
  inbox: string;
}

export interface LocalStack {
  dir: string;
  endpoints: StackEndpoints;
  /** Environment for the handlers (see lib/config.ts). */
  env: Record<string, string>;
  outboxDir: string;
  queueDir: string;
  /** True when this process started the servers; false when it attached to a running `ucj stack`. */
  owned: boolean;
  /** Requests each server has received since start (only when this process owns the servers). */
  requests: { dynamodb: number; ses: number; lambda: number };
  close(): Promise<void>;
}

export const stackPaths = (dir: string) => ({
  s3: join(dir, 's3'),
  dynamodb: join(dir, 'dynamodb'),
  outbox: join(dir, 'outbox'),
  queue: join(dir, 'queue'),
  info: join(dir, 'stack.json'),
});

function envFor(dir: string, endpoints: StackEndpoints): Record<string, string> {
  const paths = stackPaths(dir);
  return {
    BUCKET_NAME: LOCAL_BUCKET,
    TABLE_NAME: LOCAL_TABLE,
    DELIVERY_QUEUE_URL: pathToFileURL(paths.queue).href,
    SENDER_ADDRESS: LOCAL_SENDER,
    AWS_REGION: REGION,
    S3_ENDPOINT: endpoints.s3,
    DYNAMODB_ENDPOINT: endpoints.dynamodb,
    SES_ENDPOINT: endpoints.ses,
    LAMBDA_ENDPOINT: endpoints.lambda,
    RENDER_FUNCTION_NAME: LOCAL_RENDER_FUNCTION,
    // One batch for the whole month: locally a batch renders on every core (worker threads), and more
    // batches would only start more pools on the same cores. Tests set smaller batches to fan out.
    RENDER_BATCH_SIZE: process.env.RENDER_BATCH_SIZE ?? '1000',
    POWERTOOLS_LOG_LEVEL: 'WARN',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

const listen = (server: { listen: (port: number, host: string, cb: () => void) => unknown }) =>
  new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
const closeServer = (server: { close: (cb: (err?: Error) => void) => unknown }) =>
  new Promise<void>((done) => server.close(() => done()));
const portOf = (server: { address(): AddressInfo | string | null }) => (server.address() as AddressInfo).port;

/**
 * Starts the stack in `dir`, or attaches to the one a running `ucj stack` has there (it owns the
 * database files, which only one process may open).
 */
export async function startLocalStack(dirInput: string, options: { attach?: boolean } = {}): Promise<LocalStack> {
  const dir = resolve(dirInput);
  const paths = stackPaths(dir);
  if (options.attach !== false) {
    const running = await runningStack(dir);
    if (running) return running;
  }
  await Promise.all([mkdir(paths.s3, { recursive: true }), mkdir(paths.dynamodb, { recursive: true }), mkdir(paths.outbox, { recursive: true })]);

  const dynamo = dynalite({ path: paths.dynamodb, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await listen(dynamo);
  const requests = { dynamodb: 0, ses: 0, lambda: 0 };
  dynamo.on('request', () => {
    requests.dynamodb += 1;
  });
  const s3 = new S3rver({ port: 0, address: '127.0.0.1', directory: paths.s3, silent: true, configureBuckets: [{ name: LOCAL_BUCKET, configs: [] }] });
  const s3Address = await s3.run();
  const sesInner: Server = await startSesEmulator({ host: '127.0.0.1', port: 0 });
  const { startSesOutboxProxy } = await import('./ses-outbox.ts');
  const sesProxy = await startSesOutboxProxy({ host: '127.0.0.1', port: portOf(sesInner) }, paths.outbox);
  sesProxy.on('request', () => {
    requests.ses += 1;
  });

  // render-bulletins runs in the process that owns the stack, as Lambda runs it beside the caller: its
  // handler builds its clients from the environment when first loaded, as on a cold start.
  let stackEnv: Record<string, string> = {};
  const lambda = await startLambdaEmulator({
    [LOCAL_RENDER_FUNCTION]: async () => {
      Object.assign(process.env, stackEnv);
      return (await import('../../functions/render-bulletins.ts')).handler;
    },
  });

  lambda.on('request', () => {
    requests.lambda += 1;
  });

  const endpoints: StackEndpoints = {
    s3: `http://127.0.0.1:${s3Address.port}`,
    lambda: `http://127.0.0.1:${portOf(lambda)}`,
    dynamodb: `http://127.0.0.1:${portOf(dynamo)}`,
    ses: `http://127.0.0.1:${portOf(sesProxy)}`,
    inbox: `http://127.0.0.1:${portOf(sesInner)}/`,
  };
  await ensureTable(endpoints.dynamodb);
  stackEnv = envFor(dir, endpoints);
  return {
    dir,
    endpoints,
    env: stackEnv,
    outboxDir: paths.outbox,
    queueDir: paths.queue,
    owned: true,
    requests,
    async close() {
      await Promise.all([closeServer(lambda), closeServer(sesProxy), closeServer(sesInner), s3.close(), closeServer(dynamo)]);
      await rm(paths.info, { force: true }).catch(() => undefined);
    },
  };
}

/** Records a long-running stack's endpoints so the other commands use it instead of starting their own. */
export async function announceStack(stack: LocalStack): Promise<void> {
  await writeFile(stackPaths(stack.dir).info, JSON.stringify({ pid: process.pid, endpoints: stack.endpoints }, null, 2));
}

async function runningStack(dir: string): Promise<LocalStack | undefined> {
  const paths = stackPaths(dir);
  let info: { pid: number; endpoints: StackEndpoints };
  try {
    info = JSON.parse(await readFile(paths.info, 'utf8'));
  } catch {
    return undefined;
  }
  try {
    process.kill(info.pid, 0);
  } catch {
    return undefined; // a stale file from a stack that was killed
  }
  return {
    dir,
    endpoints: info.endpoints,
    env: envFor(dir, info.endpoints),
    outboxDir: paths.outbox,
    queueDir: paths.queue,
    owned: false,
    requests: { dynamodb: 0, ses: 0, lambda: 0 },
    close: async () => undefined,
  };
}

async function ensureTable(endpoint: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: REGION, credentials: LOCAL_CREDENTIALS });
  try {
    await client.send(new DescribeTableCommand({ TableName: LOCAL_TABLE }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException) && (error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
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
  client.destroy();
}
