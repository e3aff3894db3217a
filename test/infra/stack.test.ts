import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig, UcjConfigError } from '../../infra/config.ts';
import { REPO_ROOT, UcjFunction } from '../../infra/constructs/function.ts';
import { UcjBulletinStack } from '../../infra/stack.ts';

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };

const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};
const FUNCTION_IDS = ['ValidateUpload', 'MonthlyRun', 'RenderBulletins', 'DeliverBulletin', 'RemindUploads'] as const;
type FunctionId = (typeof FUNCTION_IDS)[number];

let outdir: string;
let template: Template;
let annotations: Annotations;
let stack: UcjBulletinStack;
let functions: Record<FunctionId, Resource>;
let renderProbe: Resource;

/** The one resource of a type whose logical id starts with `prefix` (CDK appends a hash). */
function resourceByPrefix(type: string, prefix: string): [string, Resource] {
  const matches = Object.entries(template.findResources(type) as Record<string, Resource>).filter(([id]) =>
    id.startsWith(prefix),
  );
  expect(matches, `${type} ${prefix}*`).toHaveLength(1);
  return matches[0]!;
}

function policyOf(functionId: FunctionId): string {
  const [, policy] = resourceByPrefix('AWS::IAM::Policy', `Functions${functionId}ServiceRoleDefaultPolicy`);
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
    env: { account: '123456789012', region: 'ap-southeast-3' },
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
    FUNCTION_IDS.map((id) => [id, resourceByPrefix('AWS::Lambda::Function', `Functions${id}`)[1]]),
  ) as Record<FunctionId, Resource>;
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
  it('are five Node.js 24 ARM64 functions with tracing and their own log group', () => {
    // The sixth function in the template is CDK's S3-notification custom resource handler.
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { Runtime: 'nodejs24.x' }, 5);
    for (const fn of Object.values(functions)) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: expect.stringMatching(/Logs/) } },
      });
    }
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 90 }, 5);
  });

  it('get the environment each handler reads', () => {
    const env = (id: FunctionId) =>
      Object.keys((functions[id].Properties.Environment as { Variables: Record<string, unknown> }).Variables).sort();
    expect(env('ValidateUpload')).toEqual(expect.arrayContaining(['BUCKET_NAME', 'SENDER_ADDRESS']));
    expect(env('MonthlyRun')).toEqual(
      expect.arrayContaining(['BUCKET_NAME', 'TABLE_NAME', 'DELIVERY_QUEUE_URL', 'RENDER_FUNCTION_NAME']),
    );
    expect(env('MonthlyRun')).not.toContain('UCJ_FONT_DIR');
    expect(env('RenderBulletins')).toEqual(expect.arrayContaining(['BUCKET_NAME', 'UCJ_FONT_DIR']));
    expect(env('DeliverBulletin')).toEqual(expect.arrayContaining(['BUCKET_NAME', 'TABLE_NAME', 'SENDER_ADDRESS']));
    expect(env('RemindUploads')).toEqual(expect.arrayContaining(['BUCKET_NAME', 'SENDER_ADDRESS']));
    expect(functions.MonthlyRun.Properties).toMatchObject({
      Timeout: 900,
      MemorySize: 1024,
      Environment: { Variables: { RENDER_FUNCTION_NAME: { Ref: expect.stringMatching(/^FunctionsRenderBulletins/) } } },
    });
    expect(functions.RenderBulletins.Properties).toMatchObject({
      Timeout: 120,
      MemorySize: 1769,
      Environment: { Variables: { UCJ_FONT_DIR: '/var/task/fonts/Roboto' } },
    });
  });

  it('are granted only what their job needs', () => {
    expect(policyOf('ValidateUpload')).toContain('s3:PutObject');
    expect(policyOf('ValidateUpload')).not.toContain('dynamodb:');
    expect(policyOf('MonthlyRun')).toMatch(/dynamodb:PutItem[\s\S]*sqs:SendMessage/);
    expect(policyOf('MonthlyRun')).not.toContain('ses:');
    expect(policyOf('MonthlyRun')).toMatch(/lambda:InvokeFunction[\s\S]*FunctionsRenderBulletins/);
    // render-bulletins may only write bulletins: no reading, deleting, table or email.
    expect(policyOf('RenderBulletins')).toMatch(/s3:PutObject[\s\S]*\/bulletins\/\*/);
    expect(policyOf('RenderBulletins')).not.toMatch(/s3:GetObject|s3:DeleteObject|dynamodb:|ses:|sqs:|lambda:/);
    expect(policyOf('DeliverBulletin')).not.toContain('s3:PutObject');
    expect(policyOf('DeliverBulletin')).toContain('ses:SendEmail');
    expect(policyOf('RemindUploads')).not.toMatch(/s3:PutObject|s3:DeleteObject|dynamodb:/);
    expect(policyOf('RemindUploads')).toContain(':identity/ucj.example');
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

  it('signs 7-day links with an IAM user that may only read bulletins/, whose keys only deliver-bulletin reads', () => {
    template.resourceCountIs('AWS::IAM::User', 1);
    template.resourceCountIs('AWS::IAM::AccessKey', 1);
    // Rotation: deploying with -c linkSignerKeySerial=2 replaces the key.
    template.hasResourceProperties('AWS::IAM::AccessKey', { Serial: 1 });
    const userPolicies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      JSON.stringify(policy.Properties.Users ?? []).includes('BulletinLinkSigner'),
    );
    expect(userPolicies).toHaveLength(1);
    const statements = JSON.stringify(userPolicies[0]!.Properties.PolicyDocument.Statement);
    expect(statements).toContain('s3:GetObject');
    expect(statements).toContain('/bulletins/*');
    expect(statements).not.toMatch(/s3:PutObject|s3:DeleteObject/);
    const env = (functions.DeliverBulletin.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env.LINK_SIGNER_SECRET_ARN).toEqual({ Ref: expect.stringMatching(/BulletinLinkSignerSecret/) });
    expect(policyOf('DeliverBulletin')).toContain('secretsmanager:GetSecretValue');
    for (const other of ['ValidateUpload', 'MonthlyRun', 'RemindUploads'] as const) expect(policyOf(other)).not.toContain('secretsmanager:');
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
    const variables = (functions[id].Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    return Object.fromEntries(
      Object.entries(variables).map(([key, value]) => [key, typeof value === 'string' ? value : `placeholder-${key.toLowerCase()}`]),
    );
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
  it('is encrypted, has a DLQ after 5 receives and outlasts six deliver-bulletin timeouts', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * 2 * 60,
      RedrivePolicy: {
        maxReceiveCount: 5,
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeliveryDeadLetters'), 'Arn'] },
      },
    });
    template.resourcePropertiesCountIs('AWS::SQS::Queue', { SqsManagedSseEnabled: true }, 3);
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
      3,
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

  it('reminds admins 3 days earlier', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 7 2 * ? *)',
      ScheduleExpressionTimezone: 'Asia/Jakarta',
      Target: target('RemindUploads', '{}'),
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
    expect(parseConfig(valid)).toMatchObject({ sesIdentityType: 'domain', linkSignerKeySerial: 1 });
    expect(parseConfig({ ...valid, sesIdentityType: 'address', linkSignerKeySerial: '2' })).toMatchObject({
      sesIdentityType: 'address',
      linkSignerKeySerial: 2,
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
    expect(every).toHaveLength(9);
    for (const alarm of every) expect(JSON.stringify(alarm.Properties.AlarmActions)).toMatch(/AlertsTopic/);
  });

  it('watch the depth of every dead-letter queue', () => {
    for (const queue of ['DeliveryDeadLetters', 'SchedulesDeadLetters']) {
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
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp(`^Functions${id}`) } }],
        Threshold: 1,
      });
    }
  });

  it('count failed and partial month runs from monthly-run\'s log and alarm on each', () => {
    for (const [outcome, metric] of [['failed', 'MonthRunFailed'], ['partial', 'MonthRunPartial']] as const) {
      template.hasResourceProperties('AWS::Logs::MetricFilter', {
        LogGroupName: { Ref: Match.stringLikeRegexp('^FunctionsMonthlyRunLogs') },
        FilterPattern: `{ ($.message = "month run finished") && ($.outcome = "${outcome}") }`,
        MetricTransformations: [{ MetricNamespace: 'UcjBulletin', MetricName: metric, MetricValue: '1' }],
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'UcjBulletin',
        MetricName: metric,
        Threshold: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [alarmTopic],
      });
    }
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
      expect(id).toMatch(/^(Annotation::)?AwsSolutions-(IAM4|IAM5|SMG4|SQS3)\b/);
      expect(reason.length, id).toBeGreaterThanOrEqual(60);
    }
  });
});

describe('outputs', () => {
  it('name what the operator commands in docs/deploy.md need', () => {
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual([
      'AlarmTopicArn',
      'BucketName',
      'DeliveryDeadLetterQueueUrl',
      'MonthlyRunFunctionName',
      'SesConfigurationSetName',
      'TableName',
    ]);
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
