/**
 * AWS SDK clients built from configuration. The same code talks to AWS or to the embedded local stack:
 * only the endpoints differ. Build them once per process and pass them into the adapters.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { RuntimeEnv } from '../config.ts';
import { injectFaults, readFaults, type Faults } from './faults.ts';
import { batchRetryStrategy, pacedRetryStrategy, RETRY_DEFAULTS } from './retry.ts';

export interface AwsClients {
  s3: S3Client;
  dynamo: DynamoDBDocumentClient;
  ses: SESv2Client;
  sqs: SQSClient;
  lambda: LambdaClient;
}

/** Static credentials the local emulators accept (s3rver insists on these exact values). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export function createAwsClients(env: RuntimeEnv, faults: Faults | undefined = readFaults()): AwsClients {
  const local = Boolean(env.S3_ENDPOINT || env.DYNAMODB_ENDPOINT || env.SES_ENDPOINT);
  const common = { region: env.AWS_REGION, ...(local ? { credentials: LOCAL_CREDENTIALS } : {}) };
  // The same retries on AWS and locally (lib/aws/retry.ts): up to 10 attempts with capped, jittered
  // back-off and no retry quota, because one monthly run makes thousands of calls and a failed call
  // fails the month. One strategy per client, so each paces and backs off on its own.
  const retry = () => ({ maxAttempts: RETRY_DEFAULTS.maxAttempts, retryStrategy: batchRetryStrategy() });
  const clients = {
    s3: new S3Client({
      ...common,
      ...retry(),
      ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT, forcePathStyle: true } : {}),
    }),
    dynamo: DynamoDBDocumentClient.from(
      new DynamoDBClient({ ...common, ...retry(), ...(env.DYNAMODB_ENDPOINT ? { endpoint: env.DYNAMODB_ENDPOINT } : {}) }),
      { marshallOptions: { removeUndefinedValues: true } },
    ),
    // SES throttles by the second: the SDK's adaptive rate limiter paces the sends and slows down on
    // throttling, with the same patient retries as the rest, before SQS retries anything.
    ses: new SESv2Client({ ...common, maxAttempts: RETRY_DEFAULTS.maxAttempts, retryStrategy: pacedRetryStrategy(), ...(env.SES_ENDPOINT ? { endpoint: env.SES_ENDPOINT } : {}) }),
    sqs: new SQSClient({ ...common, ...retry(), ...(env.SQS_ENDPOINT ? { endpoint: env.SQS_ENDPOINT } : {}) }),
    // Rendering a batch takes seconds; the SDK's default of no socket timeout is what we want here.
    lambda: new LambdaClient({ ...common, ...(env.LAMBDA_ENDPOINT ? { endpoint: env.LAMBDA_ENDPOINT } : {}) }),
  };
  if (faults) {
    injectFaults(clients.s3, 's3', faults);
    injectFaults(clients.dynamo, 'dynamodb', faults);
    injectFaults(clients.ses, 'ses', faults);
    injectFaults(clients.sqs, 'sqs', faults);
  }
  return clients;
}
