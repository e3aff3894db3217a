/**
 * The composition root's building blocks: clients and adapters, built once per process (a Lambda's cold
 * start, or the CLI) from the settings the process was given. A handler builds only the adapters it uses
 * (`objectStoreFor`, `historyFor`, …), so its bundle carries only those clients; the CLI and the local
 * driver build them all with `createRuntime`.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { operatorSettingsSchema, readSettings, type AwsSettings, type OperatorSettings } from './config.ts';
import type { Faults } from './aws/faults.ts';
import { createAwsClients, dynamoClient, lambdaClient, s3Client, secretsClient, sesClient, sqsClient, type AwsClients } from './aws/clients.ts';
import { s3ObjectStore, type ObjectStore } from './storage/object-store.ts';
import { dynamoHistoryStore, type HistoryStore } from './history/store.ts';
import { dynamoSendLedger, type SendLedger } from './history/send-ledger.ts';
import { sesMailer, type Mailer } from './delivery/mailer.ts';
import { sesMailAccount, type MailAccount } from './delivery/ses-readiness.ts';
import { downloadLinks, secretsManagerLinkKeys, type LinkSigner } from './delivery/links.ts';
import { fanOutRenderer, lambdaRenderInvoker } from './jobs/render-fan-out.ts';
import type { Renderer } from './jobs/render-bulletins.ts';
import { sqsDeliveryQueue, type DeliveryQueue } from './delivery/queue.ts';

type With<Keys extends keyof OperatorSettings> = AwsSettings & Pick<OperatorSettings, Keys>;

/**
 * What a handler factory takes besides its settings. On Lambda, nothing: the entry points in functions/
 * pass settings alone. The local stack passes the faults a test injects, so that fault injection and
 * crash points reach the jobs through the handler's dependencies, never through the process environment.
 */
export interface HandlerOptions {
  faults?: Faults | undefined;
}

export interface Runtime {
  env: OperatorSettings;
  clients: AwsClients;
  store: ObjectStore;
  history: HistoryStore;
  deliveries: SendLedger;
  reminders: SendLedger;
  mailer: Mailer;
  mailAccount: MailAccount;
  queue: DeliveryQueue;
  /** monthly-run's renderer: batches of bulletins to render-bulletins, many at once. */
  renderer: Renderer;
  now: () => Date;
}

export function objectStoreFor(settings: With<'BUCKET_NAME'>, s3: S3Client = s3Client(settings)): ObjectStore {
  return s3ObjectStore(s3, settings.BUCKET_NAME);
}

export function historyFor(settings: With<'TABLE_NAME'>, dynamo: DynamoDBDocumentClient = dynamoClient(settings)): HistoryStore {
  return dynamoHistoryStore(dynamo, settings.TABLE_NAME);
}

export function ledgerFor(settings: With<'TABLE_NAME'>, kind: 'delivery' | 'reminder', dynamo: DynamoDBDocumentClient = dynamoClient(settings)): SendLedger {
  return dynamoSendLedger(dynamo, settings.TABLE_NAME, kind);
}

export function mailerFor(settings: AwsSettings & { SES_CONFIGURATION_SET?: string | undefined }, ses: SESv2Client = sesClient(settings)): Mailer {
  return sesMailer(ses, settings.SES_CONFIGURATION_SET);
}

export function mailAccountFor(settings: AwsSettings, ses: SESv2Client = sesClient(settings)): MailAccount {
  return sesMailAccount(ses);
}

/** Where monthly-run queues one delivery per official. */
export function deliveryQueueFor(settings: With<'DELIVERY_QUEUE_URL'>, sqs: SQSClient = sqsClient(settings)): DeliveryQueue {
  return sqsDeliveryQueue(sqs, settings.DELIVERY_QUEUE_URL);
}

/** monthly-run's fan-out to render-bulletins. */
export function rendererFor(
  settings: With<'RENDER_FUNCTION_NAME' | 'RENDER_BATCH_SIZE' | 'RENDER_CONCURRENCY'>,
  lambda: LambdaClient = lambdaClient(settings),
  afterBatch?: () => void,
): Renderer {
  return fanOutRenderer(lambdaRenderInvoker(lambda, settings.RENDER_FUNCTION_NAME), {
    batchSize: settings.RENDER_BATCH_SIZE,
    concurrency: settings.RENDER_CONCURRENCY,
    ...(afterBatch ? { afterBatch } : {}),
  });
}

/** deliver-bulletin's links to bulletins too large to attach, signed with the link-key secret. */
export function linkSignerFor(settings: With<'DOWNLOAD_URL' | 'LINK_KEY_SECRET_ARN'>, secrets: SecretsManagerClient = secretsClient(settings)): LinkSigner {
  return downloadLinks(settings.DOWNLOAD_URL, secretsManagerLinkKeys(secrets, settings.LINK_KEY_SECRET_ARN));
}

export const systemClock = () => new Date();

/** Every adapter, for the CLI, the local driver and tests. */
export function createRuntime(environment: NodeJS.ProcessEnv = process.env): Runtime {
  const env = readSettings(operatorSettingsSchema, environment);
  const clients = createAwsClients(env);
  return {
    env,
    clients,
    store: objectStoreFor(env, clients.s3),
    history: historyFor(env, clients.dynamo),
    deliveries: ledgerFor(env, 'delivery', clients.dynamo),
    reminders: ledgerFor(env, 'reminder', clients.dynamo),
    mailer: mailerFor(env, clients.ses),
    mailAccount: mailAccountFor(env, clients.ses),
    queue: deliveryQueueFor(env, clients.sqs),
    renderer: rendererFor(env, clients.lambda),
    now: systemClock,
  };
}
