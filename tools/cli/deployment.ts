/**
 * What the operator commands work against: a deployed stack, found by name through CloudFormation's
 * outputs with AWS credentials from the usual chain, or the local stack, which offers the same outputs.
 * The commands then use only AWS APIs (S3, DynamoDB, Lambda Invoke, SQS, Cognito), so they do the same
 * thing on a laptop as against an account.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { awsSettingsSchema, readSettings, type AwsSettings } from '../../lib/config.ts';
import { cognitoClient, commonConfig, dynamoClient, s3Client, sqsClient } from '../../lib/aws/clients.ts';
import { STACK_OUTPUTS } from '../../lib/contract/stack-outputs.ts';
import { FUNCTION_SIZING } from '../../lib/contract/functions.ts';
import { s3ObjectStore, type ObjectStore } from '../../lib/storage/object-store.ts';
import { dynamoHistoryStore, type HistoryStore } from '../../lib/history/store.ts';
import { dynamoSendLedger, type SendLedger } from '../../lib/history/send-ledger.ts';
import { sqsDeliveryQueue, type DeliveryQueue } from '../../lib/delivery/queue.ts';

/** The outputs the commands need; the others are read when present. */
export const stackOutputsSchema = z.object({
  BucketName: z.string().min(1),
  TableName: z.string().min(1),
  MonthlyRunFunctionName: z.string().min(1),
  RemindUploadsFunctionName: z.string().min(1),
  DeliveryQueueUrl: z.string().min(1),
  DeliveryDeadLetterQueueUrl: z.string().optional(),
  FailedEventsQueueUrl: z.string().optional(),
  DownloadUrl: z.string().optional(),
  UserPoolId: z.string().optional(),
  PortalUrl: z.string().optional(),
});
export type StackOutputs = z.infer<typeof stackOutputsSchema>;

/** SQS's documented delay before its approximate counts are right. */
const AWS_QUEUE_SETTLE_MS = 60_000;

export const cliSettingsSchema = awsSettingsSchema.extend({
  /** Only to point `--stack` at the local stack's CloudFormation (tests); AWS's own otherwise. */
  CLOUDFORMATION_ENDPOINT: z.url().optional(),
  /** How long the delivery queue must read empty before `ucj run` and `ucj deliver` call the emails done. */
  UCJ_QUEUE_SETTLE_MS: z.coerce.number().int().nonnegative().default(AWS_QUEUE_SETTLE_MS),
});
export type CliSettings = z.infer<typeof cliSettingsSchema>;

export interface Deployment {
  /** The stack's name, shown in messages. */
  name: string;
  /**
   * How long the delivery queue must read empty before its deliveries count as done: SQS's message
   * counts are approximate, and on AWS settle within about a minute; the local queue's are exact.
   */
  queueSettleMs: number;
  outputs: StackOutputs;
  s3: S3Client;
  dynamo: DynamoDBDocumentClient;
  sqs: SQSClient;
  /** For invoking monthly-run and remind-uploads: no retry (a run is invoked once) and no socket timeout. */
  lambda: LambdaClient;
  /** The portal's user pool API (`ucj users`); the pool itself is `outputs.UserPoolId`. */
  cognito: CognitoIdentityProviderClient;
  store: ObjectStore;
  history: HistoryStore;
  deliveries: SendLedger;
  reminders: SendLedger;
  queue: DeliveryQueue;
}

export function deploymentFrom(name: string, outputs: StackOutputs, settings: AwsSettings, queueSettleMs = AWS_QUEUE_SETTLE_MS): Deployment {
  const s3 = s3Client(settings);
  const dynamo = dynamoClient(settings);
  const sqs = sqsClient(settings);
  const lambda = new LambdaClient({
    ...commonConfig(settings),
    ...(settings.LAMBDA_ENDPOINT ? { endpoint: settings.LAMBDA_ENDPOINT } : {}),
    // A retried invocation would only find the first one's lease and stop; the caller decides.
    maxAttempts: 1,
    // monthly-run may take its full 15 minutes; TCP keep-alive holds the idle connection open meanwhile.
    requestHandler: { requestTimeout: (FUNCTION_SIZING.monthlyRun.timeoutSeconds + 60) * 1000 },
  });
  return {
    name,
    queueSettleMs,
    outputs,
    s3,
    dynamo,
    sqs,
    lambda,
    cognito: cognitoClient(settings),
    store: s3ObjectStore(s3, outputs.BucketName),
    history: dynamoHistoryStore(dynamo, outputs.TableName),
    deliveries: dynamoSendLedger(dynamo, outputs.TableName, 'delivery'),
    reminders: dynamoSendLedger(dynamo, outputs.TableName, 'reminder'),
    queue: sqsDeliveryQueue(sqs, outputs.DeliveryQueueUrl),
  };
}

/** A deployed stack's resources, from its CloudFormation outputs. */
export async function deploymentOfStack(stackName: string, environment: NodeJS.ProcessEnv = process.env): Promise<Deployment> {
  const settings = readSettings(cliSettingsSchema, environment);
  const cloudformation = new CloudFormationClient({
    ...commonConfig(settings),
    ...(settings.CLOUDFORMATION_ENDPOINT ? { endpoint: settings.CLOUDFORMATION_ENDPOINT } : {}),
  });
  try {
    const out = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = out.Stacks?.[0];
    if (!stack) throw new Error(`stack ${stackName} not found`);
    const values = Object.fromEntries((stack.Outputs ?? []).flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [])));
    const parsed = stackOutputsSchema.safeParse(values);
    if (!parsed.success) {
      const missing = STACK_OUTPUTS.filter((key) => !(key in values));
      throw new Error(`stack ${stackName} (${stack.StackStatus}) lacks the outputs ucj needs: ${missing.join(', ') || parsed.error.message}. Deploy this version of the app first.`);
    }
    return deploymentFrom(stackName, parsed.data, settings, settings.UCJ_QUEUE_SETTLE_MS);
  } finally {
    cloudformation.destroy();
  }
}
