/**
 * The composition root's building blocks: configuration, clients and adapters, built once per process
 * (a Lambda's cold start, or the CLI). A handler builds only the adapters it uses (`objectStoreFor`,
 * `historyFor`, …), so its bundle carries only those clients; the CLI and the local driver build them
 * all with `createRuntime`.
 */
import * as z from 'zod';
import { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { readRuntimeEnv, type RuntimeEnv } from './config.ts';
import { createAwsClients, dynamoClient, lambdaClient, s3Client, sesClient, sqsClient, type AwsClients } from './aws/clients.ts';
import { s3ObjectStore, type ObjectStore } from './storage/object-store.ts';
import { dynamoHistoryStore, type HistoryStore } from './history/store.ts';
import { sesMailer, type Mailer } from './delivery/mailer.ts';
import { fanOutRenderer, lambdaRenderInvoker } from './jobs/render-fan-out.ts';
import type { Renderer } from './jobs/render-bulletins.ts';
import { spoolDeliveryQueue, spoolDirOf, sqsDeliveryQueue, type DeliveryQueue } from './delivery/queue.ts';

export { readRuntimeEnv } from './config.ts';

export interface Runtime {
  env: RuntimeEnv;
  clients: AwsClients;
  store: ObjectStore;
  history: HistoryStore;
  mailer: Mailer;
  queue: () => DeliveryQueue;
  /** monthly-run's renderer: batches of bulletins to render-bulletins, many at once. */
  renderer: () => Renderer;
  now: () => Date;
}

/** The app bucket; bulletin links are signed with the link signer's keys when one is configured. */
export function objectStoreFor(env: RuntimeEnv, s3: S3Client = s3Client(env)): ObjectStore {
  return s3ObjectStore(s3, env.BUCKET_NAME, env.LINK_SIGNER_SECRET_ARN ? linkSigner(env, env.LINK_SIGNER_SECRET_ARN) : undefined);
}

export function historyFor(env: RuntimeEnv, dynamo: DynamoDBDocumentClient = dynamoClient(env)): HistoryStore {
  return dynamoHistoryStore(dynamo, env.TABLE_NAME);
}

export function mailerFor(env: RuntimeEnv, ses: SESv2Client = sesClient(env)): Mailer {
  return sesMailer(ses, env.SES_CONFIGURATION_SET);
}

/** Where monthly-run queues deliveries: SQS, or the local spool folder (`file://`). */
export function deliveryQueueFor(env: RuntimeEnv, sqs?: SQSClient): DeliveryQueue {
  if (!env.DELIVERY_QUEUE_URL) throw new Error('invalid configuration: DELIVERY_QUEUE_URL is not set');
  const spool = spoolDirOf(env.DELIVERY_QUEUE_URL);
  return spool ? spoolDeliveryQueue(spool) : sqsDeliveryQueue(sqs ?? sqsClient(env), env.DELIVERY_QUEUE_URL);
}

/** monthly-run's fan-out to render-bulletins. */
export function rendererFor(env: RuntimeEnv, lambda: LambdaClient = lambdaClient(env)): Renderer {
  if (!env.RENDER_FUNCTION_NAME) throw new Error('invalid configuration: RENDER_FUNCTION_NAME is not set');
  return fanOutRenderer(lambdaRenderInvoker(lambda, env.RENDER_FUNCTION_NAME), {
    batchSize: env.RENDER_BATCH_SIZE,
    concurrency: env.RENDER_CONCURRENCY,
  });
}

export const systemClock = () => new Date();

export function createRuntime(environment: NodeJS.ProcessEnv = process.env): Runtime {
  const env = readRuntimeEnv(environment);
  const clients = createAwsClients(env);
  return {
    env,
    clients,
    store: objectStoreFor(env, clients.s3),
    history: historyFor(env, clients.dynamo),
    mailer: mailerFor(env, clients.ses),
    queue: () => deliveryQueueFor(env, clients.sqs),
    renderer: () => rendererFor(env, clients.lambda),
    now: systemClock,
  };
}

const signerKeysSchema = z.object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1) });

/** An S3 client with the link signer's long-term keys, fetched from Secrets Manager once per process. */
function linkSigner(env: RuntimeEnv, secretArn: string): () => Promise<S3Client> {
  let signer: Promise<S3Client> | undefined;
  return () => {
    signer ??= (async () => {
      const secrets = new SecretsManagerClient({ region: env.AWS_REGION });
      const out = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
      const keys = signerKeysSchema.parse(JSON.parse(out.SecretString ?? '{}'));
      secrets.destroy();
      return new S3Client({ region: env.AWS_REGION, credentials: keys });
    })();
    return signer;
  };
}
