import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { CachePolicy, OriginRequestPolicy } from 'aws-cdk-lib/aws-cloudfront';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig, UcjConfigError } from '../../infra/config.ts';
import { REPO_ROOT, UcjFunction } from '../../infra/constructs/function.ts';
import { PLACEHOLDER_PORTAL_URL, PORTAL_CLIENT_SETTINGS } from '../../infra/constructs/portal-auth.ts';
import { UcjBulletinStack } from '../../infra/stack.ts';
import { FUNCTION_SETTINGS, LOCAL_ONLY_SETTINGS } from '../../lib/config.ts';
import { METRICS_NAMESPACE, MONTH_RUN_METRICS, MONTH_RUN_SERVICE } from '../../lib/contract/metrics.ts';
import { COGNITO_PASSWORD_POLICY, PORTAL_OAUTH_SCOPES, PORTAL_PATHS, PORTAL_TOKEN_VALIDITY } from '../../lib/contract/portal.ts';
import { STACK_OUTPUTS } from '../../lib/contract/stack-outputs.ts';
import { templatePolicies, type TemplatePolicies } from './iam.ts';
import { lambdaEnvironment } from '../support/lambda-env.ts';

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };

const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};
const FUNCTION_IDS = ['ValidateUpload', 'MonthlyRun', 'RenderBulletins', 'DeliverBulletin', 'RemindUploads', 'DownloadBulletin', 'RotateLinkKey', 'Portal'] as const;
/** The handler file (functions/<name>.ts, and its settings schema in lib/config.ts) of each function. */
const HANDLER_OF: Record<(typeof FUNCTION_IDS)[number], keyof typeof FUNCTION_SETTINGS> = {
  ValidateUpload: 'validate-upload',
  MonthlyRun: 'monthly-run',
  RenderBulletins: 'render-bulletins',
  DeliverBulletin: 'deliver-bulletin',
  RemindUploads: 'remind-uploads',
  DownloadBulletin: 'download-bulletin',
  RotateLinkKey: 'rotate-link-key',
  Portal: 'portal',
};
/** Where each function's logical id starts: UcjFunctions' under `Functions`, the portal's under `Portal` (infra/constructs/portal.ts). */
const logicalPrefix = (id: (typeof FUNCTION_IDS)[number]): string => (id === 'Portal' ? 'PortalFunction' : `Functions${id}`);
const ACCOUNT = '123456789012';
const REGION = 'ap-southeast-3';
type FunctionId = (typeof FUNCTION_IDS)[number];

let outdir: string;
let template: Template;
let annotations: Annotations;
let stack: UcjBulletinStack;
let functions: Record<FunctionId, Resource>;
let renderProbe: Resource;
let iam: TemplatePolicies;

/** The one resource of a type whose logical id starts with `prefix` (CDK appends a hash). */
function resourceByPrefix(type: string, prefix: string): [string, Resource] {
  const matches = Object.entries(template.findResources(type) as Record<string, Resource>).filter(([id]) =>
    id.startsWith(prefix),
  );
  expect(matches, `${type} ${prefix}*`).toHaveLength(1);
  return matches[0]!;
}

function policyOf(functionId: FunctionId): string {
  const [, policy] = resourceByPrefix('AWS::IAM::Policy', `${logicalPrefix(functionId)}ServiceRoleDefaultPolicy`);
  return JSON.stringify(policy.Properties.PolicyDocument);
}

function assetDirOf(fn: FunctionId | Resource): string {
  const resource = typeof fn === 'string' ? functions[fn] : fn;
  const code = resource.Properties.Code as { S3Key: string };
  return path.join(outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
}

beforeAll(() => {
  // Prepare: the real cdk.json context, one synth (the four bundles are built once, by local esbuild).
  outdir = mkdtempSync(path.join(tmpdir(), 'ucj-cdk-'));
  const app = new App({ outdir, context: cdkJson.context });
  stack = new UcjBulletinStack(app, 'UcjBulletin', {
    config: loadConfig(app.node),
    env: { account: ACCOUNT, region: REGION },
  });
  // A function built like the app's four that renders a PDF, so a test can run the renderer inside a bundle.
  const probeStack = new Stack(app, 'RenderProbe', { env: stack.env });
  new UcjFunction(probeStack, 'RenderProbe', {
    entry: 'test/infra/fixtures/render-probe.ts',
    description: 'infra test probe',
    timeout: Duration.minutes(1),
    memorySize: 1024,
    logRetention: RetentionDays.ONE_DAY,
    rendersPdf: true,
  });
  template = Template.fromStack(stack);
  annotations = Annotations.fromStack(stack);
  renderProbe = Object.values(Template.fromStack(probeStack).findResources('AWS::Lambda::Function'))[0] as Resource;
  functions = Object.fromEntries(
    FUNCTION_IDS.map((id) => [id, resourceByPrefix('AWS::Lambda::Function', logicalPrefix(id))[1]]),
  ) as Record<FunctionId, Resource>;
  iam = templatePolicies(template.toJSON(), { account: ACCOUNT, region: REGION, stackName: 'UcjBulletin' });
});

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe('stack', () => {
  it('synthesizes without warnings or errors', () => {
    annotations.hasNoWarning('*', Match.anyValue());
    annotations.hasNoError('*', Match.anyValue());
  });
});

describe('bucket', () => {
  it('is versioned, encrypted, private and retained', () => {
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      }),
    });
  });

  it('expires only old versions of validation reports and quarantined files', () => {
    const [, bucket] = resourceByPrefix('AWS::S3::Bucket', 'StorageBucket');
    const rules = (bucket.Properties.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
    const expiring = rules.filter((rule) => 'NoncurrentVersionExpiration' in rule);
    expect(expiring.map((rule) => rule.Prefix).sort()).toEqual(['quarantine/', 'validation/']);
    expect(rules.some((rule) => 'ExpirationInDays' in rule)).toBe(false);
  });

  it('logs access to a separate bucket that is itself private, encrypted, TLS-only and expiring', () => {
    const [logBucketId, logBucket] = resourceByPrefix('AWS::S3::Bucket', 'StorageAccessLogs');
    const [, bucket] = resourceByPrefix('AWS::S3::Bucket', 'StorageBucket');
    expect(bucket.Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logBucketId },
      LogFilePrefix: 'data-bucket/',
    });
    expect(logBucket).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        LifecycleConfiguration: { Rules: [expect.objectContaining({ ExpirationInDays: 730 })] },
      },
    });
    expect(logBucket.Properties.LoggingConfiguration).toBeUndefined();
    const logPolicy = Object.values(template.findResources('AWS::S3::BucketPolicy')).find(
      (policy) => JSON.stringify(policy.Properties.Bucket) === JSON.stringify({ Ref: logBucketId }),
    );
    const statements = JSON.stringify(logPolicy?.Properties.PolicyDocument.Statement);
    expect(statements).toContain('"aws:SecureTransport":"false"');
    expect(statements).toContain('logging.s3.amazonaws.com');
  });

  it('refuses requests without TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });
});

describe('history table', () => {
  it('has pk/sk, on-demand billing, PITR, deletion protection and the gsi1 index', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        // Only signed-out portal sessions carry the attribute (lib/history/signed-out.ts).
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        GlobalSecondaryIndexes: [
          Match.objectLike({
            IndexName: 'gsi1',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
          }),
        ],
      }),
    });
  });
});

describe('functions', () => {
  it('are eight Node.js 24 ARM64 functions with tracing and their own log group', () => {
    // Besides them: CDK's S3-notification custom resource handler (Python) and its AwsCustomResource
    // provider (Node.js 24, the portal's UpdateUserPoolClient call).
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { Runtime: 'nodejs24.x' }, FUNCTION_IDS.length + 1);
    for (const fn of Object.values(functions)) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: expect.stringMatching(/Logs/) } },
      });
    }
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 90 }, FUNCTION_IDS.length);
  });

  it('each get exactly the settings their handler reads, and no other', () => {
    // What the platform reads (Powertools, Node), not the handler.
    const PLATFORM = new Set(['POWERTOOLS_SERVICE_NAME', 'NODE_OPTIONS', 'AWS_REGION']);
    for (const id of FUNCTION_IDS) {
      const given = Object.keys((functions[id].Properties.Environment as { Variables?: Record<string, unknown> }).Variables ?? {}).filter((k) => !PLATFORM.has(k));
      const read = Object.keys(FUNCTION_SETTINGS[HANDLER_OF[id]].shape).filter((k) => !PLATFORM.has(k) && !LOCAL_ONLY_SETTINGS.has(k));
      // Every variable given is one the handler reads; every one it reads without a default is given.
      expect(given.filter((k) => !read.includes(k)), `${id} is given settings it does not read`).toEqual([]);
      const shape = FUNCTION_SETTINGS[HANDLER_OF[id]].shape as Record<string, { safeParse(v: unknown): { success: boolean } }>;
      const required = read.filter((k) => !shape[k]!.safeParse(undefined).success);
      expect(required.filter((k) => !given.includes(k)), `${id} lacks required settings`).toEqual([]);
    }
    expect(functions.MonthlyRun.Properties).toMatchObject({
      Timeout: 900,
      MemorySize: 1024,
      Environment: { Variables: { RENDER_FUNCTION_NAME: { Ref: expect.stringMatching(/^FunctionsRenderBulletins/) } } },
    });
    expect(functions.RenderBulletins.Properties).toMatchObject({ Timeout: 120, MemorySize: 1769, Environment: { Variables: { UCJ_FONT_DIR: '/var/task/fonts/Roboto' } } });
  });

  it('render-bulletins has reserved concurrency, and monthly-run never has more batches in flight', () => {
    const reserved = functions.RenderBulletins.Properties.ReservedConcurrentExecutions;
    expect(reserved).toBe(10);
    const env = (functions.MonthlyRun.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Number(env.RENDER_CONCURRENCY)).toBe(reserved);
  });

  it('send failed asynchronous events to a queue an alarm watches, after two retries', () => {
    const [failedId] = resourceByPrefix('AWS::SQS::Queue', 'FailedEvents');
    const configs = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig')) as Resource[];
    const byFunction = new Map(configs.map((c) => [JSON.stringify(c.Properties.FunctionName), c.Properties]));
    for (const id of ['ValidateUpload', 'MonthlyRun', 'RemindUploads'] as const) {
      const [logicalId] = resourceByPrefix('AWS::Lambda::Function', `Functions${id}`);
      expect(byFunction.get(JSON.stringify({ Ref: logicalId })), id).toMatchObject({
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [failedId, 'Arn'] } } },
      });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [failedId, 'QueueName'] } }],
    });
  });

  it('validate-upload is triggered by uploads/ only', () => {
    template.resourceCountIs('Custom::S3BucketNotifications', 1);
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } },
            LambdaFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FunctionsValidateUpload'), 'Arn'] },
          },
        ],
      },
    });
  });

  it('sign download links with no IAM user or access key: a function URL checks a rotating secret and redirects', () => {
    template.resourceCountIs('AWS::IAM::User', 0);
    template.resourceCountIs('AWS::IAM::AccessKey', 0);
    // download-bulletin's and the portal's.
    template.resourceCountIs('AWS::Lambda::Url', 2);
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      TargetFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FunctionsDownloadBulletin'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: Match.stringLikeRegexp('^FunctionsLinkKey') },
      RotationLambdaARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FunctionsRotateLinkKey'), 'Arn'] },
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
    });
    const env = (functions.DeliverBulletin.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env.DOWNLOAD_URL).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^FunctionsDownloadBulletinFunctionUrl/), 'FunctionUrl'] });
  });

  it('deliver-bulletin reads the delivery queue in batches with partial failures', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      FunctionName: { Ref: Match.stringLikeRegexp('^FunctionsDeliverBulletin') },
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeliveryQueue'), 'Arn'] },
    });
  });
});

/**
 * Least privilege, decided by an IAM policy evaluator over the synthesized policies (test/infra/iam.ts):
 * for each role, requests it must be allowed and requests it must be refused.
 */
describe('least privilege', () => {
  type Row = [action: string, resource: string, allowed: boolean, context?: Record<string, string | string[]>];
  const object = (key: string) => `${iam.arnOf('StorageBucket')}/${key}`;
  const bucket = () => iam.arnOf('StorageBucket');
  const table = () => iam.arnOf('HistoryTable');
  const index = () => `${iam.arnOf('HistoryTable')}/index/gsi1`;
  const keys = (...prefixes: string[]) => ({ 'dynamodb:LeadingKeys': prefixes });
  const prefix = (p: string) => ({ 's3:prefix': p });
  const secret = () => iam.arnOf('FunctionsLinkKey');
  const identity = (name: string) => `arn:aws:ses:${REGION}:${ACCOUNT}:identity/${name}`;

  const TABLE: Record<FunctionId, () => Row[]> = {
    ValidateUpload: () => [
      ['s3:GetObjectVersion', object('uploads/2026-10/a.csv'), true],
      ['s3:DeleteObjectVersion', object('uploads/2026-10/a.csv'), true],
      ['s3:PutObject', object('validation/2026-10/a.csv.json'), true],
      ['s3:PutObject', object('quarantine/2026-10/a.csv'), true],
      ['s3:GetObject', object('config/recipients.csv'), true],
      ['s3:ListBucket', bucket(), true, prefix('uploads/2026-10/a.csv')],
      ['s3:PutObject', object('config/recipients.csv'), false],
      ['s3:PutObject', object('uploads/2026-10/a.csv'), false],
      ['s3:DeleteObject', object('bulletins/2026-10/nasional.pdf'), false],
      ['s3:DeleteObjectVersion', object('quarantine/2026-10/a.csv'), false],
      ['s3:PutObject', object('bulletins/2026-10/nasional.pdf'), false],
      ['s3:GetObject', object('targets/2026.csv'), false],
      ['s3:ListBucket', bucket(), false, prefix('bulletins/')],
      ['dynamodb:GetItem', table(), false, keys('DELIVERY#2026-10')],
      ['ses:SendRawEmail', identity('ucj.example'), true],
      ['ses:SendRawEmail', identity('other.example'), false],
    ],
    MonthlyRun: () => [
      ['s3:GetObjectVersion', object('uploads/2026-10/a.csv'), true],
      ['s3:GetObject', object('validation/2026-10/a.csv.json'), true],
      ['s3:GetObject', object('targets/2026.csv'), true],
      ['s3:GetObject', object('config/groups.csv'), true],
      ['s3:ListBucket', bucket(), true, prefix('uploads/2026-10/')],
      ['s3:PutObject', object('uploads/2026-10/a.csv'), false],
      ['s3:PutObject', object('bulletins/2026-10/nasional.pdf'), false],
      ['s3:PutObject', object('validation/2026-10/a.csv.json'), false],
      ['s3:DeleteObject', object('uploads/2026-10/a.csv'), false],
      ['dynamodb:PutItem', table(), true, keys('REGION#18')],
      ['dynamodb:Query', index(), true, keys('PERIOD#2026-10')],
      ['dynamodb:UpdateItem', table(), true, keys('PERIOD#2026-10')],
      ['dynamodb:PutItem', table(), false, keys('DELIVERY#2026-10')],
      ['dynamodb:DeleteItem', table(), false, keys('REMINDER#2026-10')],
      ['sqs:SendMessage', iam.arnOf('DeliveryQueue'), true],
      ['sqs:SendMessage', iam.arnOf('FailedEvents'), true],
      ['lambda:InvokeFunction', iam.arnOf('FunctionsRenderBulletins'), true],
      ['lambda:InvokeFunction', iam.arnOf('FunctionsDeliverBulletin'), false],
      ['ses:GetAccount', '*', true],
      ['ses:SendRawEmail', identity('ucj.example'), false],
    ],
    RenderBulletins: () => [
      ['s3:PutObject', object('bulletins/2026-10/provinsi/18-lampung.pdf'), true],
      ['s3:GetObject', object('bulletins/2026-10/nasional.pdf'), true],
      ['s3:GetObject', object('uploads/2026-10/a.csv'), false],
      ['s3:ListBucket', bucket(), false, prefix('uploads/')],
      ['s3:PutObject', object('uploads/2026-10/a.csv'), false],
      ['s3:PutObject', object('config/recipients.csv'), false],
      ['s3:DeleteObject', object('bulletins/2026-10/nasional.pdf'), false],
      ['dynamodb:GetItem', table(), false, keys('REGION#18')],
      ['ses:SendRawEmail', identity('ucj.example'), false],
    ],
    DeliverBulletin: () => [
      ['s3:GetObject', object('bulletins/2026-10/nasional.pdf'), true],
      ['s3:GetObject', object('uploads/2026-10/a.csv'), false],
      ['s3:GetObject', object('config/recipients.csv'), false],
      ['s3:PutObject', object('bulletins/2026-10/nasional.pdf'), false],
      ['dynamodb:PutItem', table(), true, keys('DELIVERY#2026-10')],
      ['dynamodb:UpdateItem', table(), true, { ...keys('PERIOD#2026-10'), 'dynamodb:Attributes': ['pk', 'sk', 'sentCount'] }],
      ['dynamodb:UpdateItem', table(), false, { ...keys('PERIOD#2026-10'), 'dynamodb:Attributes': ['pk', 'sk', 'expiresAt'] }],
      ['dynamodb:PutItem', table(), false, keys('PERIOD#2026-10')],
      ['dynamodb:GetItem', table(), false, keys('REGION#18')],
      ['secretsmanager:GetSecretValue', secret(), true, { 'secretsmanager:VersionStage': 'AWSCURRENT' }],
      ['secretsmanager:GetSecretValue', secret(), false, { 'secretsmanager:VersionStage': 'AWSPREVIOUS' }],
      ['ses:SendRawEmail', identity('ucj.example'), true],
    ],
    RemindUploads: () => [
      ['s3:GetObject', object('validation/2026-10/a.csv.json'), true],
      ['s3:GetObject', object('config/recipients.csv'), true],
      ['s3:ListBucket', bucket(), true, prefix('uploads/2026-10/')],
      ['s3:GetObject', object('uploads/2026-10/a.csv'), false],
      ['s3:GetObject', object('bulletins/2026-10/nasional.pdf'), false],
      ['s3:PutObject', object('validation/2026-10/a.csv.json'), false],
      ['dynamodb:PutItem', table(), true, keys('REMINDER#2026-10')],
      ['dynamodb:PutItem', table(), false, keys('DELIVERY#2026-10')],
      ['ses:SendRawEmail', identity('ucj.example'), true],
    ],
    DownloadBulletin: () => [
      ['s3:GetObject', object('bulletins/2026-10/nasional.pdf'), true],
      ['s3:ListBucket', bucket(), true, prefix('bulletins/2026-10/nasional.pdf')],
      ['s3:GetObject', object('uploads/2026-10/a.csv'), false],
      ['s3:ListBucket', bucket(), false, prefix('uploads/')],
      ['secretsmanager:GetSecretValue', secret(), true, { 'secretsmanager:VersionStage': 'AWSPREVIOUS' }],
      ['secretsmanager:PutSecretValue', secret(), false],
      ['dynamodb:GetItem', table(), false, keys('DELIVERY#2026-10')],
    ],
    RotateLinkKey: () => [
      ['secretsmanager:PutSecretValue', secret(), true],
      ['secretsmanager:UpdateSecretVersionStage', secret(), true],
      ['s3:GetObject', object('bulletins/2026-10/nasional.pdf'), false],
    ],
    Portal: () => [
      // What the pages show and link to (presigned GETs are signed by this role).
      ['s3:GetObject', object('bulletins/2026-10/nasional.pdf'), true],
      ['s3:GetObject', object('uploads/2026-10/a.csv'), true],
      ['s3:GetObject', object('validation/2026-10/a.csv.json'), true],
      ['s3:GetObject', object('targets/2026.csv'), true],
      ['s3:GetObject', object('config/recipients.csv'), true],
      ['s3:ListBucket', bucket(), true, prefix('bulletins/2026-10/')],
      ['s3:ListBucket', bucket(), true, prefix('uploads/2026-10/')],
      ['s3:ListBucket', bucket(), true, prefix('validation/2026-10/')],
      // The presigned POST of an upload.
      ['s3:PutObject', object('uploads/2026-10/a.csv'), true],
      ['s3:PutObject', object('bulletins/2026-10/nasional.pdf'), false],
      ['s3:PutObject', object('validation/2026-10/a.csv.json'), false],
      ['s3:PutObject', object('config/recipients.csv'), false],
      ['s3:GetObject', object('quarantine/2026-10/a.csv'), false],
      ['s3:GetObject', object('config/groups.csv'), false],
      ['s3:GetObjectVersion', object('uploads/2026-10/a.csv'), false],
      ['s3:ListBucket', bucket(), false, prefix('quarantine/')],
      ['s3:ListBucket', bucket(), false, prefix('config/')],
      ['s3:DeleteObject', object('uploads/2026-10/a.csv'), false],
      ['s3:DeleteObject', object('bulletins/2026-10/nasional.pdf'), false],
      ['s3:DeleteObjectVersion', object('uploads/2026-10/a.csv'), false],
      ['dynamodb:GetItem', table(), true, keys('REGION#18')],
      ['dynamodb:Query', index(), true, keys('PERIOD#2026-10')],
      ['dynamodb:Query', table(), true, keys('DELIVERY#2026-10')],
      // Resending releases a ledger entry (conditional delete), and writes nothing else.
      ['dynamodb:DeleteItem', table(), true, keys('DELIVERY#2026-10')],
      ['dynamodb:DeleteItem', table(), false, keys('PERIOD#2026-10')],
      ['dynamodb:DeleteItem', table(), false, keys('REGION#18')],
      ['dynamodb:PutItem', table(), false, keys('DELIVERY#2026-10')],
      ['dynamodb:UpdateItem', table(), false, keys('PERIOD#2026-10')],
      ['dynamodb:GetItem', table(), false, keys('REMINDER#2026-10')],
      // Signing out records the session, and every request reads that record; it can write no other kind.
      ['dynamodb:PutItem', table(), true, keys('SIGNOUT#abc')],
      ['dynamodb:GetItem', table(), true, keys('SIGNOUT#abc')],
      ['dynamodb:PutItem', table(), false, keys('REGION#18')],
      ['dynamodb:DeleteItem', table(), false, keys('SIGNOUT#abc')],
      ['sqs:SendMessage', iam.arnOf('DeliveryQueue'), true],
      ['sqs:SendMessage', iam.arnOf('DeliveryDeadLetters'), false],
      ['sqs:ReceiveMessage', iam.arnOf('DeliveryQueue'), false],
      ['secretsmanager:GetSecretValue', secret(), false],
      ['ses:SendRawEmail', identity('ucj.example'), false],
      ['lambda:InvokeFunction', iam.arnOf('FunctionsMonthlyRun'), false],
    ],
  };

  for (const id of FUNCTION_IDS) {
    it(`${id}: allowed and refused as its job needs`, async () => {
      for (const [action, resource, allowed, context] of TABLE[id]()) {
        const decision = await iam.explainRoleCan(`${logicalPrefix(id)}ServiceRole`, action, resource, context);
        expect(decision.allowed, `${id} ${action} ${resource} ${JSON.stringify(context ?? {})}: ${decision.explanation}`).toBe(allowed);
      }
    });
  }
});

describe('bundles', () => {
  /** Runs a script in a fresh Node process inside the asset, so only what the bundle ships can resolve. */
  function runInAsset(fn: FunctionId | Resource, script: string, env: Record<string, string> = {}): unknown {
    const id = typeof fn === 'string' ? fn : 'probe';
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: assetDirOf(fn),
      env: { PATH: process.env.PATH ?? '', AWS_REGION: 'ap-southeast-3', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });
    // Node quotes the offending minified line in full: report the error lines only.
    const errors = child.stderr.split('\n').filter((line) => /^\w*Error\b/.test(line) && line.length < 2000);
    expect(child.status, `${id}: ${errors.join('\n') || child.stderr.slice(-1500)}`).toBe(0);
    return JSON.parse(child.stdout.trim().split('\n').at(-1) ?? 'null');
  }

  /** The function's environment as Lambda would set it, with a placeholder for each deploy-time value. */
  function lambdaEnvOf(id: FunctionId): Record<string, string> {
    return lambdaEnvironment((functions[id].Properties.Environment as { Variables: Record<string, unknown> }).Variables);
  }

  it('are ESM with a require shim', () => {
    for (const id of FUNCTION_IDS) {
      const code = readFileSync(path.join(assetDirOf(id), 'index.mjs'), 'utf8');
      expect(code.startsWith("import { createRequire } from 'module';"), id).toBe(true);
    }
  });

  it('load on their own with the Lambda environment and export handler', () => {
    for (const id of FUNCTION_IDS) {
      const loaded = runInAsset(
        id,
        "const m = await import('./index.mjs'); console.log(JSON.stringify(typeof m.handler));",
        lambdaEnvOf(id),
      );
      expect(loaded, id).toBe('function');
    }
  });

  it('require no dependency at run time that is not shipped beside them', () => {
    // A `require('pkg')` esbuild cannot see (e.g. through createRequire) stays a run-time lookup,
    // and /var/task/node_modules holds only what the bundling hook copies there.
    const dependencies = Object.keys(
      (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> })
        .dependencies,
    );
    for (const id of FUNCTION_IDS) {
      const shipped = new Set(readdirSync(path.join(assetDirOf(id), 'node_modules')));
      const code = readFileSync(path.join(assetDirOf(id), 'index.mjs'), 'utf8');
      // A module specifier has no spaces or template holes, unlike an error message naming a package.
      const lookups = [...code.matchAll(/([\w$.]+)\(\s*["'`]((?:@[\w.-]+\/)?[\w.-]+)(?:\/[^"'`\s$]*)?["'`]\s*\)/g)]
        .filter(([, callee, name]) => !callee!.endsWith('.resolve') && dependencies.includes(name!) && !shipped.has(name!))
        .map(([call]) => call);
      expect(lookups, `${id} looks these up in node_modules at run time`).toEqual([]);
    }
  });

  it('render-bulletins alone carries the Roboto fonts', () => {
    const fonts = readdirSync(path.join(assetDirOf('RenderBulletins'), 'fonts', 'Roboto')).sort();
    expect(fonts).toEqual(['Roboto-Italic.ttf', 'Roboto-Medium.ttf', 'Roboto-MediumItalic.ttf', 'Roboto-Regular.ttf']);
    for (const id of FUNCTION_IDS.filter((f) => f !== 'RenderBulletins')) expect(existsSync(path.join(assetDirOf(id), 'fonts')), id).toBe(false);
    // monthly-run no longer bundles the renderer at all.
    expect(readFileSync(path.join(assetDirOf('MonthlyRun'), 'index.mjs'), 'utf8')).not.toContain('Roboto-Medium.ttf');
  });

  it('render a PDF with the bundled pdfmake and the shipped fonts', () => {
    const assetDir = assetDirOf(renderProbe);
    const rendered = runInAsset(
      renderProbe,
      "const m = await import('./index.mjs'); console.log(JSON.stringify(await m.handler()));",
      // On Lambda this is /var/task/fonts/Roboto: the same folder of the unpacked asset.
      { UCJ_FONT_DIR: path.join(assetDir, 'fonts', 'Roboto') },
    );
    expect(rendered).toMatchObject({ signature: '%PDF-' });
  });

  it('carry a working idn-area-data beside the bundle', () => {
    const counts = runInAsset(
      'ValidateUpload',
      "const d = await import('idn-area-data'); console.log(JSON.stringify([(await d.getProvinces()).length, (await d.getRegencies()).length]));",
    );
    expect(counts).toEqual([38, 514]);
  });
});

describe('delivery queue', () => {
  it('is encrypted, has a DLQ after 5 receives, outlasts six deliver-bulletin timeouts and caps messages at 256 KiB', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * 2 * 60,
      MaximumMessageSize: 262_144,
      RedrivePolicy: {
        maxReceiveCount: 5,
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeliveryDeadLetters'), 'Arn'] },
      },
    });
    template.resourcePropertiesCountIs('AWS::SQS::Queue', { SqsManagedSseEnabled: true }, 4);
  });

  it('every queue refuses requests without TLS', () => {
    template.resourcePropertiesCountIs(
      'AWS::SQS::QueuePolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      },
      4,
    );
  });
});

describe('schedules', () => {
  const target = (fn: string, input: string) =>
    Match.objectLike({
      Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^Functions${fn}`), 'Arn'] },
      Input: input,
      RetryPolicy: Match.objectLike({ MaximumRetryAttempts: Match.anyValue() }),
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SchedulesDeadLetters'), 'Arn'] } },
    });

  it('runs the month on day 5 at 07:00 Jakarta time, passing the occurrence time as idempotency key', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 7 5 * ? *)',
      ScheduleExpressionTimezone: 'Asia/Jakarta',
      State: 'ENABLED',
      Target: target('MonthlyRun', '{"scheduledTime":"<aws.scheduler.scheduled-time>"}'),
    });
  });

  it('reminds admins 3 days earlier, passing the occurrence time so a retried reminder is sent once', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 7 2 * ? *)',
      ScheduleExpressionTimezone: 'Asia/Jakarta',
      Target: target('RemindUploads', '{"scheduledTime":"<aws.scheduler.scheduled-time>"}'),
    });
  });

  it('assumes a role only the scheduler of this account can use, allowed to invoke', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: Match.objectLike({ 'aws:SourceAccount': '123456789012' }) },
          }),
        ],
      },
    });
    const [, policy] = resourceByPrefix('AWS::IAM::Policy', 'SchedulesRoleDefaultPolicy');
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('lambda:InvokeFunction');
  });
});

describe('config', () => {
  const valid = cdkJson.context;

  it('reads cdk.json defaults and -c strings', () => {
    expect(
      parseConfig({ ...valid, scheduleDayOfMonth: '10', operatorEmails: 'a@ucj.example, b@ucj.example' }),
    ).toMatchObject({ scheduleDayOfMonth: 10, operatorEmails: ['a@ucj.example', 'b@ucj.example'] });
    expect(parseConfig(valid)).toMatchObject({ sesIdentityType: 'domain', renderConcurrency: 10, reserveRenderConcurrency: true });
    expect(parseConfig({ ...valid, sesIdentityType: 'address', renderConcurrency: '4', reserveRenderConcurrency: 'false' })).toMatchObject({
      sesIdentityType: 'address',
      renderConcurrency: 4,
      reserveRenderConcurrency: false,
    });
  });

  it('fails synth with every problem named', () => {
    const invalid = { ...valid, senderAddress: 'not-an-email', scheduleHour: 24, logRetentionDays: 42 };
    expect(() => parseConfig(invalid)).toThrow(UcjConfigError);
    expect(() => parseConfig(invalid)).toThrow(/senderAddress[\s\S]*scheduleHour[\s\S]*logRetentionDays/);
    expect(() => parseConfig({ ...valid, scheduleHour: undefined })).toThrow(/scheduleHour/);
    expect(() => parseConfig({ ...valid, operatorEmails: [] })).toThrow(/operatorEmails: name at least one operator/);
  });

  it('rejects a reminder that would fall in the previous month', () => {
    expect(() => parseConfig({ ...valid, scheduleDayOfMonth: 2, reminderDaysBefore: 3 })).toThrow(
      /reminderDaysBefore: the reminder must fall in the same month/,
    );
  });

  it('takes an optional portal domain prefix Cognito will accept', () => {
    expect(parseConfig(valid).portalDomainPrefix).toBeUndefined();
    expect(parseConfig({ ...valid, portalDomainPrefix: 'ucj-buletin' }).portalDomainPrefix).toBe('ucj-buletin');
    expect(() => parseConfig({ ...valid, portalDomainPrefix: 'UCJ' })).toThrow(/portalDomainPrefix: must be 1-63 lower-case/);
    expect(() => parseConfig({ ...valid, portalDomainPrefix: 'ucj-' })).toThrow(/portalDomainPrefix/);
    expect(() => parseConfig({ ...valid, portalDomainPrefix: 'ucj-cognito' })).toThrow(/portalDomainPrefix: must not contain/);
  });

  it('is checked when the app is built', () => {
    const app = new App({ context: { ...valid, scheduleDayOfMonth: 31 } });
    expect(() => loadConfig(app.node)).toThrow(/Invalid ucj-bulletin configuration[\s\S]*scheduleDayOfMonth/);
  });
});

describe('mail', () => {
  it('verifies the sender domain and sends every email through the configuration set', () => {
    template.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'ucj.example',
      ConfigurationSetAttributes: { ConfigurationSetName: { Ref: Match.stringLikeRegexp('^MailConfigurationSet') } },
    });
    template.resourceCountIs('AWS::SES::ConfigurationSet', 1);
    for (const id of ['ValidateUpload', 'DeliverBulletin', 'RemindUploads'] as const) {
      const env = (functions[id].Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(env.SES_CONFIGURATION_SET, id).toEqual({ Ref: expect.stringMatching(/^MailConfigurationSet/) });
      expect(policyOf(id), id).toMatch(/configuration-set\/"?,?\{"Ref":"MailConfigurationSet/);
    }
  });

  it('publishes bounces, complaints and rejects to an encrypted topic the operators subscribe to', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: Match.objectLike({
        Enabled: true,
        MatchingEventTypes: Match.arrayEquals(['bounce', 'complaint', 'reject']),
        SnsDestination: { TopicARN: { Ref: Match.stringLikeRegexp('^MailEvents') } },
      }),
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'operator@ucj.example',
      TopicArn: { Ref: Match.stringLikeRegexp('^MailEvents') },
    });
  });
});

describe('alarms', () => {
  const alarmTopic = { Ref: Match.stringLikeRegexp('^AlertsTopic') };
  const alarmArn = (name: string, account = ACCOUNT) => `arn:aws:cloudwatch:${REGION}:${account}:alarm:${name}`;

  it('notify the operators by email through a KMS-encrypted, TLS-only topic', () => {
    template.resourceCountIs('AWS::SNS::Topic', 2);
    template.resourcePropertiesCountIs('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() }, 2);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'operator@ucj.example', TopicArn: alarmTopic });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.resourcePropertiesCountIs(
      'AWS::SNS::TopicPolicy',
      { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) } },
      2,
    );
    const every = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[];
    // One per function, three dead-letter or failure queues, three month-run metrics.
    expect(every).toHaveLength(FUNCTION_IDS.length + 3 + 3);
    for (const alarm of every) {
      expect(JSON.stringify(alarm.Properties.AlarmActions)).toMatch(/AlertsTopic/);
      expect(alarm.Properties.AlarmName).toMatch(/^UcjBulletin-/);
    }
  });

  it('may be published by CloudWatch for this stack\'s alarms only (the topic policy replaces SNS\'s default)', async () => {
    const topic = iam.arnOf('AlertsTopic');
    const from = (arn: string, account = ACCOUNT) => ({ 'aws:SourceAccount': account, 'aws:SourceArn': arn });
    const cloudwatch = { service: 'cloudwatch.amazonaws.com' } as const;
    const allowed = await iam.explainResourceAllows('AlertsTopic', cloudwatch, 'sns:Publish', topic, from(alarmArn('UcjBulletin-MonthRunFailed')));
    expect(allowed.allowed, allowed.explanation).toBe(true);
    expect(await iam.resourceAllows('AlertsTopic', cloudwatch, 'sns:Publish', topic, from(alarmArn('Other-Alarm')))).toBe(false);
    expect(await iam.resourceAllows('AlertsTopic', cloudwatch, 'sns:Publish', topic, from(alarmArn('UcjBulletin-MonthRunFailed', '999999999999'), '999999999999'))).toBe(false);
    expect(await iam.resourceAllows('AlertsTopic', cloudwatch, 'sns:Publish', topic)).toBe(false);
    expect(await iam.resourceAllows('AlertsTopic', { service: 'events.amazonaws.com' }, 'sns:Publish', topic, from(alarmArn('UcjBulletin-MonthRunFailed')))).toBe(false);
  });

  it('grant the topics\' key to CloudWatch and SES with the same confused-deputy conditions', async () => {
    const key = iam.arnOf('AlertsKey');
    const cloudwatch = { service: 'cloudwatch.amazonaws.com' } as const;
    const ses = { service: 'ses.amazonaws.com' } as const;
    const alarm = { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': alarmArn('UcjBulletin-DeliveriesHeld') };
    const configurationSet = { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': `arn:aws:ses:${REGION}:${ACCOUNT}:configuration-set/ucj` };
    expect(await iam.resourceAllows('AlertsKey', cloudwatch, 'kms:GenerateDataKey', key, alarm)).toBe(true);
    expect(await iam.resourceAllows('AlertsKey', cloudwatch, 'kms:GenerateDataKey', key, { ...alarm, 'aws:SourceAccount': '999999999999' })).toBe(false);
    expect(await iam.resourceAllows('AlertsKey', cloudwatch, 'kms:GenerateDataKey', key)).toBe(false);
    expect(await iam.resourceAllows('AlertsKey', ses, 'kms:Decrypt', key, configurationSet)).toBe(true);
    expect(await iam.resourceAllows('AlertsKey', ses, 'kms:Decrypt', key)).toBe(false);
  });

  it('watch the depth of every dead-letter and failure queue', () => {
    for (const queue of ['DeliveryDeadLetters', 'SchedulesDeadLetters', 'FailedEvents']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${queue}`), 'QueueName'] } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('watch the errors of each function', () => {
    for (const id of FUNCTION_IDS) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp(`^${logicalPrefix(id)}`) } }],
        Threshold: 1,
      });
    }
  });

  it('watch the month run\'s outcome metrics (EMF, every exit path), not a log line', () => {
    template.resourceCountIs('AWS::Logs::MetricFilter', 0);
    for (const metric of Object.values(MONTH_RUN_METRICS)) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: METRICS_NAMESPACE,
        MetricName: metric,
        // Powertools Metrics adds the service dimension; CloudWatch matches every dimension.
        Dimensions: [{ Name: 'service', Value: MONTH_RUN_SERVICE }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [alarmTopic],
      });
    }
  });
});

/** A template string value with its Ref/GetAtt left as `{Ref:Id}` / `{Id.Attr}`, to read what a Fn::Join builds. */
function joined(value: unknown): string {
  if (typeof value === 'string') return value;
  const intrinsic = value as Record<string, unknown>;
  if ('Fn::Join' in intrinsic) {
    const [separator, parts] = intrinsic['Fn::Join'] as [string, unknown[]];
    return parts.map(joined).join(separator);
  }
  if ('Ref' in intrinsic) return `{Ref:${String(intrinsic.Ref)}}`;
  if ('Fn::GetAtt' in intrinsic) return `{${(intrinsic['Fn::GetAtt'] as string[]).join('.')}}`;
  throw new Error(`joined: ${JSON.stringify(value)} is not modelled`);
}

describe('portal', () => {
  const ref = (prefix: string) => `{Ref:${resourceByPrefix(typeOf(prefix), prefix)[0]}}`;
  const typeOf = (prefix: string): string => {
    const types: Record<string, string> = {
      PortalAuthUserPool: 'AWS::Cognito::UserPool',
      PortalAuthClient: 'AWS::Cognito::UserPoolClient',
      PortalDistribution: 'AWS::CloudFront::Distribution',
    };
    return types[prefix]!;
  };
  /** The UpdateUserPoolClient call the custom resource makes on create, parsed. */
  function urlSetterCall(event: 'Create' | 'Update'): { action: string; parameters: Record<string, unknown>; physicalResourceId: { id: string } } {
    const [, resource] = resourceByPrefix('Custom::AWS', 'PortalAuthSetPortalUrl');
    return JSON.parse(joined(resource.Properties[event])) as ReturnType<typeof urlSetterCall>;
  }

  it('has an invite-only user pool: email sign-in, the contract\'s password policy, optional TOTP, Plus with threat protection, retained', () => {
    const [, pool] = resourceByPrefix('AWS::Cognito::UserPool', 'PortalAuthUserPool');
    expect(pool.DeletionPolicy).toBe('Retain');
    expect(pool.Properties).toMatchObject({
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true, InviteMessageTemplate: { EmailMessage: expect.stringMatching(/\{username\}[\s\S]*\{####\}/) } },
      UsernameAttributes: ['email'],
      UsernameConfiguration: { CaseSensitive: false },
      Schema: [{ Name: 'email', Required: true, Mutable: true }],
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      DeletionProtection: 'ACTIVE',
      Policies: {
        PasswordPolicy: COGNITO_PASSWORD_POLICY,
      },
    });
  });

  it('signs in on managed login (v2) at a prefix domain unique to the stack, with Cognito\'s style for the client', () => {
    const [domainId] = resourceByPrefix('AWS::Cognito::UserPoolDomain', 'PortalAuthUserPoolDomain');
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      ManagedLoginVersion: 2,
      Domain: { 'Fn::Join': ['-', ['ucj', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }]] },
    });
    template.hasResourceProperties('AWS::Cognito::ManagedLoginBranding', {
      ClientId: { Ref: Match.stringLikeRegexp('^PortalAuthClient') },
      UseCognitoProvidedValues: true,
    });
    const env = (functions.Portal.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(joined(env.LOGIN_BASE_URL)).toBe(`https://{Ref:${domainId}}.auth.${REGION}.amazoncognito.com`);
    expect(env.USER_POOL_ISSUER_URL).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^PortalAuthUserPool/), 'ProviderURL'] });
    expect(env.USER_POOL_CLIENT_ID).toEqual({ Ref: expect.stringMatching(/^PortalAuthClient/) });
    expect(env.USER_POOL_ID).toEqual({ Ref: expect.stringMatching(/^PortalAuthUserPool/) });
  });

  it('has one public app client: code grant only, no secret (PKCE is the portal\'s proof), the contract\'s scopes and token lives', () => {
    template.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
    const [, client] = resourceByPrefix('AWS::Cognito::UserPoolClient', 'PortalAuthClient');
    expect(client.Properties).toMatchObject({
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: [...PORTAL_OAUTH_SCOPES],
      SupportedIdentityProviders: ['COGNITO'],
      ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      IdTokenValidity: PORTAL_TOKEN_VALIDITY.idTokenMinutes,
      AccessTokenValidity: PORTAL_TOKEN_VALIDITY.accessTokenMinutes,
      RefreshTokenValidity: PORTAL_TOKEN_VALIDITY.refreshTokenDays,
      AuthSessionValidity: PORTAL_TOKEN_VALIDITY.authCodeMinutes,
      TokenValidityUnits: { IdToken: 'minutes', AccessToken: 'minutes', RefreshToken: 'days' },
      // Created with the placeholder (the function ↔ client ↔ distribution cycle); the custom resource sets the real URLs.
      CallbackURLs: [`${PLACEHOLDER_PORTAL_URL}${PORTAL_PATHS.callback}`],
    });
  });

  it('points the client\'s callback at the distribution + /auth/callback, after the distribution exists, passing every other setting unchanged', () => {
    const create = urlSetterCall('Create');
    expect(create.action).toBe('updateUserPoolClient');
    expect(urlSetterCall('Update')).toEqual(create);
    const distribution = resourceByPrefix('AWS::CloudFront::Distribution', 'PortalDistribution')[0];
    expect(create.parameters).toMatchObject({
      UserPoolId: ref('PortalAuthUserPool'),
      ClientId: ref('PortalAuthClient'),
      CallbackURLs: [`https://{${distribution}.DomainName}/auth/callback`],
      LogoutURLs: [`https://{${distribution}.DomainName}${PORTAL_PATHS.signedOut}`],
    });
    expect(create.physicalResourceId).toEqual({ id: ref('PortalAuthClient') });
    // UpdateUserPoolClient resets whatever it is not given: it must be given exactly what the client has.
    const [, client] = resourceByPrefix('AWS::Cognito::UserPoolClient', 'PortalAuthClient');
    const { GenerateSecret: _secret, CallbackURLs: _callbacks, LogoutURLs: _logouts, UserPoolId: _pool, ...clientSettings } = client.Properties;
    const { ClientId: _client, CallbackURLs: _c, LogoutURLs: _l, UserPoolId: _p, ...sentSettings } = create.parameters;
    expect(sentSettings).toEqual(clientSettings);
    expect(Object.keys(sentSettings).sort()).toEqual(Object.keys(PORTAL_CLIENT_SETTINGS).sort());
  });

  it('lets the custom resource update that one client\'s pool, and nothing else', () => {
    const [, policy] = resourceByPrefix('AWS::IAM::Policy', 'PortalAuthSetPortalUrlCustomResourcePolicy');
    expect(policy.Properties.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Action: 'cognito-idp:UpdateUserPoolClient', Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^PortalAuthUserPool/), 'Arn'] } },
      ],
    });
  });

  it('serves the function URL through CloudFront: HTTPS, nothing cached, every viewer header but Host, security headers', () => {
    const [, url] = resourceByPrefix('AWS::Lambda::Url', 'PortalFunctionFunctionUrl');
    expect(url.Properties).toEqual({ AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': [expect.stringMatching(/^PortalFunction/), 'Arn'] } });
    const [, distribution] = resourceByPrefix('AWS::CloudFront::Distribution', 'PortalDistribution');
    const config = distribution.Properties.DistributionConfig as Record<string, unknown>;
    expect(config).toMatchObject({
      Enabled: true,
      DefaultCacheBehavior: {
        ViewerProtocolPolicy: 'redirect-to-https',
        AllowedMethods: expect.arrayContaining(['GET', 'HEAD', 'POST']),
        CachePolicyId: CachePolicy.CACHING_DISABLED.cachePolicyId,
        OriginRequestPolicyId: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER.originRequestPolicyId,
        ResponseHeadersPolicyId: { Ref: expect.stringMatching(/^PortalSecurityHeaders/) },
        FunctionAssociations: [{ EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [expect.stringMatching(/^PortalForwardHost/), 'FunctionARN'] } }],
      },
      Origins: [
        {
          CustomOriginConfig: { OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] },
          DomainName: { 'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [expect.stringMatching(/^PortalFunctionFunctionUrl/), 'FunctionUrl'] }] }] },
        },
      ],
    });
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: {
          StrictTransportSecurity: { AccessControlMaxAgeSec: Match.anyValue(), IncludeSubdomains: true, Override: true },
          ContentTypeOptions: { Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ReferrerPolicy: { ReferrerPolicy: 'strict-origin-when-cross-origin', Override: true },
        },
      }),
    });
    const [, headers] = resourceByPrefix('AWS::CloudFront::ResponseHeadersPolicy', 'PortalSecurityHeaders');
    // The app writes its own Content-Security-Policy (nonces): CloudFront must not replace it.
    expect(JSON.stringify(headers.Properties)).not.toContain('ContentSecurityPolicy');
  });

  it('tells the app its public host in x-forwarded-host, overwriting whatever the viewer sent', () => {
    const [, fn] = resourceByPrefix('AWS::CloudFront::Function', 'PortalForwardHost');
    expect(fn.Properties.FunctionConfig).toMatchObject({ Runtime: 'cloudfront-js-2.0' });
    type Headers = Record<string, { value: string }>;
    const handler = new Function(`${fn.Properties.FunctionCode as string}\nreturn handler;`)() as (event: { request: { headers: Headers } }) => { headers: Headers };
    const viewer = (headers: Headers) => handler({ request: { headers } }).headers;
    expect(viewer({ host: { value: 'd111.cloudfront.net' }, 'x-forwarded-host': { value: 'evil.example' } })['x-forwarded-host']).toEqual({ value: 'd111.cloudfront.net' });
    expect(viewer({ host: { value: 'd111.cloudfront.net' } })).toMatchObject({ host: { value: 'd111.cloudfront.net' }, 'x-forwarded-host': { value: 'd111.cloudfront.net' } });
    expect(viewer({ 'x-forwarded-host': { value: 'evil.example' } })).not.toHaveProperty('x-forwarded-host');
  });

  it('outputs the pool id and https://<distribution domain>', () => {
    const outputs = template.findOutputs('*') as Record<string, { Value: unknown }>;
    expect(outputs.UserPoolId!.Value).toEqual({ Ref: expect.stringMatching(/^PortalAuthUserPool/) });
    expect(joined(outputs.PortalUrl!.Value)).toBe(`https://{${resourceByPrefix('AWS::CloudFront::Distribution', 'PortalDistribution')[0]}.DomainName}`);
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('leaves no unacknowledged finding', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    const findings = report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`));
    expect(findings).toEqual([]);
  });

  it('gives every acknowledgement a specific reason', () => {
    const acknowledged = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const [id, reason] of acknowledged) {
      expect(id).toMatch(/^(Annotation::)?AwsSolutions-(IAM4|IAM5|SQS3|COG2|CFR1|CFR2|CFR3|CFR4)\b/);
      expect(reason.length, id).toBeGreaterThanOrEqual(60);
    }
  });
});

describe('outputs', () => {
  it('name what the operator commands (ucj … --stack) and docs/deploy.md need', () => {
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual([...STACK_OUTPUTS].sort());
  });
});

describe('cdk CLI', () => {
  it('synthesizes the app offline with `cdk synth --quiet` (cdk-nag included)', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'ucj-cdk-cli-'));
    try {
      const child = spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '-o', out], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 90_000,
        env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' },
      });
      expect(child.status, child.stderr.slice(-2000)).toBe(0);
      expect(existsSync(path.join(out, 'UcjBulletin.template.json'))).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
