/**
 * The composition root's building blocks: configuration, clients and adapters, built once per process
 * (a Lambda's cold start, or the CLI) and shared by the handlers.
 */
import * as z from 'zod';
import { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { readRuntimeEnv, type RuntimeEnv } from './config.ts';
import { createAwsClients, type AwsClients } from './aws/clients.ts';
import { s3ObjectStore, type ObjectStore } from './storage/object-store.ts';
import { dynamoHistoryStore, type HistoryStore } from './history/store.ts';
import { sesMailer, type Mailer } from './delivery/mailer.ts';
import { fanOutRenderer, lambdaRenderInvoker } from './jobs/render-fan-out.ts';
import type { BulletinJob, RenderOutcome } from './jobs/render-bulletins.ts';
import { spoolDeliveryQueue, spoolDirOf, sqsDeliveryQueue, type DeliveryQueue } from './delivery/queue.ts';

export interface Runtime {
  env: RuntimeEnv;
  clients: AwsClients;
  store: ObjectStore;
  history: HistoryStore;
  mailer: Mailer;
  queue: () => DeliveryQueue;
  /** monthly-run's renderer: batches of bulletins to render-bulletins, many at once. */
  renderer: () => (jobs: readonly BulletinJob[]) => Promise<RenderOutcome[]>;
  now: () => Date;
}

export function createRuntime(environment: NodeJS.ProcessEnv = process.env): Runtime {
  const env = readRuntimeEnv(environment);
  const clients = createAwsClients(env);
  return {
    env,
    clients,
    store: s3ObjectStore(clients.s3, env.BUCKET_NAME, env.LINK_SIGNER_SECRET_ARN ? linkSigner(env, env.LINK_SIGNER_SECRET_ARN) : undefined),
    history: dynamoHistoryStore(clients.dynamo, env.TABLE_NAME),
    mailer: sesMailer(clients.ses, env.SES_CONFIGURATION_SET),
    // Only monthly-run queues deliveries, so only it needs the queue configured.
    queue: () => {
      if (!env.DELIVERY_QUEUE_URL) throw new Error('invalid configuration: DELIVERY_QUEUE_URL is not set');
      const spool = spoolDirOf(env.DELIVERY_QUEUE_URL);
      return spool ? spoolDeliveryQueue(spool) : sqsDeliveryQueue(clients.sqs, env.DELIVERY_QUEUE_URL);
    },
    renderer: () => {
      if (!env.RENDER_FUNCTION_NAME) throw new Error('invalid configuration: RENDER_FUNCTION_NAME is not set');
      return fanOutRenderer(lambdaRenderInvoker(clients.lambda, env.RENDER_FUNCTION_NAME), {
        batchSize: env.RENDER_BATCH_SIZE,
        concurrency: env.RENDER_CONCURRENCY,
      });
    },
    now: () => new Date(),
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
