/**
 * AWS SDK clients built from configuration. The same code talks to AWS or to the embedded local stack:
 * only the endpoints differ. Build them once per process and pass them into the adapters. `faults` is
 * for tests (faults.ts): Lambda's entry points never pass any.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { AwsSettings } from '../config.ts';
import { injectFaults, type Faults } from './faults.ts';
import { batchRetryStrategy, pacedRetryStrategy, RETRY_DEFAULTS } from './retry.ts';

export interface AwsClients {
  s3: S3Client;
  dynamo: DynamoDBDocumentClient;
  ses: SESv2Client;
  sqs: SQSClient;
  lambda: LambdaClient;
  secrets: SecretsManagerClient;
}

/** Static credentials the local emulators accept (s3rver insists on these exact values). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** Region and, on the local stack (any endpoint set), the static credentials its emulators accept. */
export function commonConfig(env: AwsSettings) {
  const local = Boolean(env.S3_ENDPOINT || env.DYNAMODB_ENDPOINT || env.SES_ENDPOINT || env.SQS_ENDPOINT || env.LAMBDA_ENDPOINT || env.SECRETS_ENDPOINT || env.COGNITO_ENDPOINT);
  return { region: env.AWS_REGION, ...(local ? { credentials: LOCAL_CREDENTIALS } : {}) };
}

// The same retries on AWS and locally (lib/aws/retry.ts): up to 10 attempts with capped, jittered
// back-off and no retry quota, because one monthly run makes thousands of calls and a failed call
// fails the month. One strategy per client, so each paces and backs off on its own.
const batchRetries = () => ({ maxAttempts: RETRY_DEFAULTS.maxAttempts, retryStrategy: batchRetryStrategy() });

// One builder per service, so that a function's bundle holds only the clients its handler builds
// (the SDK packages are side-effect free: an unused builder takes its client out of the bundle).

export function s3Client(env: AwsSettings, faults?: Faults): S3Client {
  const client = new S3Client({ ...commonConfig(env), ...batchRetries(), ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT, forcePathStyle: true } : {}) });
  if (faults) injectFaults(client, 's3', faults);
  return client;
}

export function dynamoClient(env: AwsSettings, faults?: Faults): DynamoDBDocumentClient {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...commonConfig(env), ...batchRetries(), ...(env.DYNAMODB_ENDPOINT ? { endpoint: env.DYNAMODB_ENDPOINT } : {}) }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  if (faults) injectFaults(client, 'dynamodb', faults);
  return client;
}

/**
 * SES throttles by the second: the SDK's adaptive rate limiter paces the sends and slows down on
 * throttling, with the same patient retries as the rest, before SQS retries anything.
 */
export function sesClient(env: AwsSettings, faults?: Faults): SESv2Client {
  const client = new SESv2Client({
    ...commonConfig(env),
    maxAttempts: RETRY_DEFAULTS.maxAttempts,
    retryStrategy: pacedRetryStrategy(),
    ...(env.SES_ENDPOINT ? { endpoint: env.SES_ENDPOINT } : {}),
  });
  if (faults) injectFaults(client, 'ses', faults);
  return client;
}

export function sqsClient(env: AwsSettings, faults?: Faults): SQSClient {
  const client = new SQSClient({ ...commonConfig(env), ...batchRetries(), ...(env.SQS_ENDPOINT ? { endpoint: env.SQS_ENDPOINT } : {}) });
  if (faults) injectFaults(client, 'sqs', faults);
  return client;
}

/**
 * Rendering a batch takes seconds, and the SDK's default of no socket timeout is what we want here. The
 * same patient retries as the rest: a throttled invocation (429, the function's reserved concurrency
 * reached) waits and tries again rather than failing the month.
 */
export function lambdaClient(env: AwsSettings): LambdaClient {
  return new LambdaClient({ ...commonConfig(env), ...batchRetries(), ...(env.LAMBDA_ENDPOINT ? { endpoint: env.LAMBDA_ENDPOINT } : {}) });
}

export function secretsClient(env: AwsSettings): SecretsManagerClient {
  return new SecretsManagerClient({ ...commonConfig(env), ...batchRetries(), ...(env.SECRETS_ENDPOINT ? { endpoint: env.SECRETS_ENDPOINT } : {}) });
}

/** The user pool's API: `ucj users` creates and disables the portal's users with it. */
export function cognitoClient(env: AwsSettings): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({ ...commonConfig(env), ...batchRetries(), ...(env.COGNITO_ENDPOINT ? { endpoint: env.COGNITO_ENDPOINT } : {}) });
}

/** Every client: for the CLI, the local driver and tests, which use them all. */
export function createAwsClients(env: AwsSettings, faults?: Faults): AwsClients {
  return {
    s3: s3Client(env, faults),
    dynamo: dynamoClient(env, faults),
    ses: sesClient(env, faults),
    sqs: sqsClient(env, faults),
    lambda: lambdaClient(env),
    secrets: secretsClient(env),
  };
}
