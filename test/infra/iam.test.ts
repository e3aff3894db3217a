import { App, Aws, Fn, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AttributeType, StreamViewType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Code, FunctionUrlAuthType, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { IamHarnessError, type TemplatePolicies, templatePolicies } from './iam.ts';

const ACCOUNT = '123456789012';
const OTHER_ACCOUNT = '210987654321';
const REGION = 'ap-southeast-3';
const ENV = { account: ACCOUNT, region: REGION };
const RULE_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:rule/monthly`;

/** As CDK types it: the JSON of the template. */
let templateJson: ReturnType<Template['toJSON']>;
let iam: TemplatePolicies;
let bucketArn: string;
let tableArn: string;

/**
 * A stack shaped like the app's, quick to synthesize (inline code: nothing to bundle): a renderer that
 * may only write bulletins/ and list them, and a deliverer that reads the bucket, its own table keys and
 * a secret, publishes to an encrypted topic that CloudWatch alarms of this account use, and has a public URL.
 */
function probeStack(): Stack {
  const stack = new Stack(new App(), 'IamProbe', { env: ENV });
  const bucket = new Bucket(stack, 'Bucket', { enforceSSL: true });
  const table = new Table(stack, 'Table', {
    partitionKey: { name: 'pk', type: AttributeType.STRING },
    sortKey: { name: 'sk', type: AttributeType.STRING },
    stream: StreamViewType.NEW_IMAGE,
  });
  const queue = new Queue(stack, 'Queue', { enforceSSL: true });
  const key = new Key(stack, 'Key');
  key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
  const topic = new Topic(stack, 'Topic', { masterKey: key });
  topic.addToResourcePolicy(
    new PolicyStatement({
      sid: 'AlarmsOfThisAccount',
      principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        ArnLike: { 'aws:SourceArn': Fn.sub('arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*') },
      },
    }),
  );
  const secret = new Secret(stack, 'Secret');
  const code = Code.fromInline('exports.handler = async () => {};');

  const renderer = new LambdaFunction(stack, 'Renderer', {
    runtime: Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code,
    tracing: Tracing.ACTIVE,
  });
  bucket.grantPut(renderer, 'bulletins/*');
  renderer.addToRolePolicy(
    new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': ['bulletins/*'] } } }),
  );
  queue.grantSendMessages(renderer);
  renderer.addPermission('InvokedByRule', {
    principal: new ServicePrincipal('events.amazonaws.com'),
    sourceArn: RULE_ARN,
    sourceAccount: ACCOUNT,
  });

  const deliverer = new LambdaFunction(stack, 'Deliverer', { runtime: Runtime.NODEJS_24_X, handler: 'index.handler', code });
  bucket.grantRead(deliverer);
  deliverer.addToRolePolicy(
    new PolicyStatement({
      actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      resources: [table.tableArn],
      // ForAllValues also matches a request with no keys at all: the Null check closes that, as AWS advises.
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['DELIVERY#*'] }, Null: { 'dynamodb:LeadingKeys': 'false' } },
    }),
  );
  deliverer.addToRolePolicy(
    new PolicyStatement({ actions: ['dynamodb:Query'], resources: [Fn.sub('${TableArn}/index/*', { TableArn: table.tableArn })] }),
  );
  secret.grantRead(deliverer);
  topic.grantPublish(deliverer);
  // A public download link, as the app's download function has: anyone may call the URL, and only the URL.
  deliverer.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
  return stack;
}

beforeAll(() => {
  templateJson = Template.fromStack(probeStack()).toJSON();
  iam = templatePolicies(templateJson, ENV);
  bucketArn = iam.arnOf('Bucket');
  tableArn = iam.arnOf('Table');
});

describe('roleCan: identity policies of a role session', () => {
  it('grantPut(fn, "bulletins/*") allows PutObject under bulletins/ and nowhere else', async () => {
    expect(await iam.roleCan('RendererServiceRole', 's3:PutObject', `${bucketArn}/bulletins/2026-10/x.pdf`)).toBe(true);
    expect(await iam.roleCan('RendererServiceRole', 's3:PutObject', `${bucketArn}/config/recipients.csv`)).toBe(false);
    expect(await iam.roleCan('RendererServiceRole', 's3:GetObject', `${bucketArn}/bulletins/2026-10/x.pdf`)).toBe(false);
  });

  it('grantRead allows GetObject but not DeleteObject or PutObject', async () => {
    const object = `${bucketArn}/config/recipients.csv`;
    expect(await iam.roleCan('DelivererServiceRole', 's3:GetObject', object)).toBe(true);
    expect(await iam.roleCan('DelivererServiceRole', 's3:DeleteObject', object)).toBe(false);
    expect(await iam.roleCan('DelivererServiceRole', 's3:PutObject', object)).toBe(false);
  });

  it('a dynamodb:LeadingKeys condition allows one key prefix and denies another, and a request naming no key', async () => {
    const leadingKeys = (key: string) => ({ 'dynamodb:LeadingKeys': [key] });
    expect(await iam.roleCan('DelivererServiceRole', 'dynamodb:UpdateItem', tableArn, leadingKeys('DELIVERY#2026-10'))).toBe(true);
    expect(await iam.roleCan('DelivererServiceRole', 'dynamodb:UpdateItem', tableArn, leadingKeys('RUN#2026-10'))).toBe(false);
    expect(await iam.roleCan('DelivererServiceRole', 'dynamodb:UpdateItem', tableArn)).toBe(false);
    expect(await iam.roleCan('RendererServiceRole', 'dynamodb:UpdateItem', tableArn, leadingKeys('DELIVERY#2026-10'))).toBe(false);
  });

  it('s3:ListBucket with an s3:prefix condition allows one prefix and denies another', async () => {
    expect(await iam.roleCan('RendererServiceRole', 's3:ListBucket', bucketArn, { 's3:prefix': 'bulletins/2026-10/' })).toBe(true);
    expect(await iam.roleCan('RendererServiceRole', 's3:ListBucket', bucketArn, { 's3:prefix': 'config/' })).toBe(false);
    expect(await iam.roleCan('RendererServiceRole', 's3:ListBucket', bucketArn)).toBe(false);
  });

  it('grants on the queue, secret, table index and key reach their grantee only', async () => {
    const secretArn = iam.arnOf('Secret');
    expect(await iam.roleCan('RendererServiceRole', 'sqs:SendMessage', iam.arnOf('Queue'))).toBe(true);
    expect(await iam.roleCan('DelivererServiceRole', 'sqs:SendMessage', iam.arnOf('Queue'))).toBe(false);
    expect(await iam.roleCan('DelivererServiceRole', 'secretsmanager:GetSecretValue', secretArn)).toBe(true);
    expect(await iam.roleCan('DelivererServiceRole', 'secretsmanager:GetSecretValue', `${secretArn.slice(0, -7)}Other-AbCdEf`)).toBe(false);
    expect(await iam.roleCan('RendererServiceRole', 'secretsmanager:GetSecretValue', secretArn)).toBe(false);
    expect(await iam.roleCan('DelivererServiceRole', 'dynamodb:Query', `${tableArn}/index/gsi1`)).toBe(true);
    expect(await iam.roleCan('DelivererServiceRole', 'dynamodb:Query', tableArn)).toBe(false);
    expect(await iam.roleCan('DelivererServiceRole', 'sns:Publish', iam.arnOf('Topic'))).toBe(true);
    // Publishing to an encrypted topic needs the key: granted in the role's policy, delegated to IAM by the key policy.
    expect(await iam.roleCan('DelivererServiceRole', 'kms:GenerateDataKey', iam.arnOf('Key'))).toBe(true);
    expect(await iam.roleCan('RendererServiceRole', 'kms:GenerateDataKey', iam.arnOf('Key'))).toBe(false);
  });

  it('carries the AWS managed AWSLambdaBasicExecutionRole: each function may write logs, and nothing else through it', async () => {
    const logStream = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/${iam.nameOf('Renderer')}:log-stream:2026/10/05/abc`;
    expect(await iam.roleCan('RendererServiceRole', 'logs:PutLogEvents', logStream)).toBe(true);
    expect(await iam.roleCan('RendererServiceRole', 'logs:DeleteLogGroup', `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:x`)).toBe(false);
    expect(iam.identityPoliciesOf('RendererServiceRole').map((policy) => policy.name)).toContain('AWSLambdaBasicExecutionRole');
  });

  it('asks about "*" for an action that takes no resource, such as X-Ray tracing', async () => {
    expect(await iam.roleCan('RendererServiceRole', 'xray:PutTraceSegments', '*')).toBe(true);
    expect(await iam.roleCan('DelivererServiceRole', 'xray:PutTraceSegments', '*')).toBe(false);
  });

  it('explainRoleCan names the statement that allowed, or says why none applied', async () => {
    const allowed = await iam.explainRoleCan('RendererServiceRole', 's3:PutObject', `${bucketArn}/bulletins/x.pdf`);
    expect(allowed).toMatchObject({ allowed: true, decision: 'Allowed' });
    expect(allowed.explanation).toMatch(/allowed by:\n {4}RendererServiceRoleDefaultPolicy\w+ statement \d+ \(Allow\)/);

    const denied = await iam.explainRoleCan('RendererServiceRole', 's3:PutObject', `${bucketArn}/config/recipients.csv`);
    expect(denied).toMatchObject({ allowed: false, decision: 'ImplicitlyDenied' });
    expect(denied.explanation).toContain(`resource not matched (${bucketArn}/bulletins/*)`);

    const wrongPrefix = await iam.explainRoleCan('RendererServiceRole', 's3:ListBucket', bucketArn, { 's3:prefix': 'config/' });
    expect(wrongPrefix.explanation).toContain('condition StringLike s3:prefix ["bulletins/*"] not met: the request has "config/"');

    const notGranted = await iam.explainRoleCan('RendererServiceRole', 's3:DeleteObject', `${bucketArn}/bulletins/x.pdf`);
    expect(notGranted.explanation).toMatch(/^ImplicitlyDenied: arn:aws:sts::\d+:assumed-role\/RendererServiceRole\w+\/\S+ s3:DeleteObject on /);
    expect(notGranted.explanation).toContain('no Allow statement names the action');
  });
});

describe('resourceAllows: the resource policy alone', () => {
  const alarm = (account: string) => `arn:aws:cloudwatch:${REGION}:${account}:alarm:DeliveryDeadLetters`;
  const fromAlarm = (account: string) => ({ 'aws:SourceAccount': account, 'aws:SourceArn': alarm(account) });

  it('the topic policy lets CloudWatch alarms of this account publish, not another account or service', async () => {
    const topicArn = iam.arnOf('Topic');
    const cloudwatch = { service: 'cloudwatch.amazonaws.com' };
    expect(await iam.resourceAllows('Topic', cloudwatch, 'sns:Publish', topicArn, fromAlarm(ACCOUNT))).toBe(true);
    expect(await iam.resourceAllows('Topic', cloudwatch, 'sns:Publish', topicArn, fromAlarm(OTHER_ACCOUNT))).toBe(false);
    expect(await iam.resourceAllows('Topic', cloudwatch, 'sns:Publish', topicArn, { 'aws:SourceAccount': ACCOUNT })).toBe(false);
    expect(await iam.resourceAllows('Topic', { service: 'events.amazonaws.com' }, 'sns:Publish', topicArn, fromAlarm(ACCOUNT))).toBe(false);
  });

  it('the bucket policy denies any request without TLS, even from a role that may read', async () => {
    const object = `${bucketArn}/bulletins/x.pdf`;
    const withoutTls = await iam.explainResourceAllows('Bucket', { role: 'DelivererServiceRole' }, 's3:GetObject', object, {
      'aws:SecureTransport': 'false',
    });
    expect(withoutTls.decision).toBe('ExplicitlyDenied');
    expect(withoutTls.explanation).toMatch(/denied by:\n {4}BucketPolicy\w+ statement \S+ \(Deny\)/);
    // Over TLS the bucket policy neither allows nor denies: the role's own policy decides.
    const overTls = await iam.explainResourceAllows('Bucket', { role: 'DelivererServiceRole' }, 's3:GetObject', object);
    expect(overTls.decision).toBe('ImplicitlyDenied');
  });

  it('the key policy lets CloudWatch decrypt, not another service', async () => {
    const keyArn = iam.arnOf('Key');
    expect(await iam.resourceAllows('Key', { service: 'cloudwatch.amazonaws.com' }, 'kms:Decrypt', keyArn)).toBe(true);
    expect(await iam.resourceAllows('Key', { service: 'sns.amazonaws.com' }, 'kms:Decrypt', keyArn)).toBe(false);
    expect(await iam.resourceAllows('Key', { arn: `arn:aws:iam::${OTHER_ACCOUNT}:role/Intruder` }, 'kms:Decrypt', keyArn)).toBe(false);
  });

  it('a Lambda permission lets the one EventBridge rule of this account invoke the function', async () => {
    const functionArn = iam.arnOf('Renderer');
    const events = { service: 'events.amazonaws.com' };
    const from = (rule: string) => ({ 'aws:SourceArn': rule, 'aws:SourceAccount': ACCOUNT });
    expect(await iam.resourceAllows('Renderer', events, 'lambda:InvokeFunction', functionArn, from(RULE_ARN))).toBe(true);
    expect(await iam.resourceAllows('Renderer', events, 'lambda:InvokeFunction', functionArn, from(`${RULE_ARN}-other`))).toBe(false);
    expect(await iam.resourceAllows('Renderer', { service: 's3.amazonaws.com' }, 'lambda:InvokeFunction', functionArn, from(RULE_ARN))).toBe(false);
  });

  it('a public function URL lets anyone call the URL, and only through the URL', async () => {
    const functionArn = iam.arnOf('Deliverer');
    const anyone = { anonymous: true } as const;
    expect(await iam.resourceAllows('Deliverer', anyone, 'lambda:InvokeFunctionUrl', functionArn, { 'lambda:FunctionUrlAuthType': 'NONE' })).toBe(true);
    expect(await iam.resourceAllows('Deliverer', anyone, 'lambda:InvokeFunction', functionArn, { 'lambda:InvokedViaFunctionUrl': 'true' })).toBe(true);
    expect(await iam.resourceAllows('Deliverer', anyone, 'lambda:InvokeFunction', functionArn)).toBe(false);
    expect(await iam.resourceAllows('Deliverer', anyone, 'lambda:GetFunction', functionArn)).toBe(false);
  });

  it("a role's trust policy lets Lambda assume it, not EC2", async () => {
    const roleArn = iam.arnOf('RendererServiceRole');
    expect(await iam.resourceAllows('RendererServiceRole', { service: 'lambda.amazonaws.com' }, 'sts:AssumeRole', roleArn)).toBe(true);
    expect(await iam.resourceAllows('RendererServiceRole', { service: 'ec2.amazonaws.com' }, 'sts:AssumeRole', roleArn)).toBe(false);
  });

  it('throws for a resource with no resource policy', async () => {
    await expect(iam.resourceAllows('Secret', { service: 'lambda.amazonaws.com' }, 'secretsmanager:GetSecretValue', iam.arnOf('Secret'))).rejects.toThrow(
      /Secret\w+ has no resource policy/,
    );
  });
});

describe('an invalid request throws rather than reading as denied', () => {
  it('a wrong action name', async () => {
    await expect(iam.roleCan('RendererServiceRole', 's3:PutObjects', `${bucketArn}/bulletins/x.pdf`)).rejects.toThrow(IamHarnessError);
    await expect(iam.roleCan('RendererServiceRole', 's3:PutObjects', `${bucketArn}/bulletins/x.pdf`)).rejects.toThrow(/invalid\.action/);
    await expect(iam.roleCan('RendererServiceRole', 's4:PutObject', `${bucketArn}/bulletins/x.pdf`)).rejects.toThrow(/invalid\.service/);
  });

  it('a context key the action does not take', async () => {
    await expect(iam.roleCan('DelivererServiceRole', 'dynamodb:UpdateItem', tableArn, { 'dynamodb:LeadingKey': ['DELIVERY#1'] })).rejects.toThrow(
      /does not accept the context keys dynamodb:LeadingKey\b/,
    );
    await expect(iam.roleCan('RendererServiceRole', 's3:PutObject', `${bucketArn}/bulletins/x.pdf`, { 's3:prefix': 'bulletins/' })).rejects.toThrow(
      /does not accept the context keys s3:prefix/,
    );
  });

  it('a resource ARN of the wrong type for the action', async () => {
    await expect(iam.roleCan('RendererServiceRole', 's3:PutObject', bucketArn)).rejects.toThrow(/no\.resource\.types/);
    await expect(iam.roleCan('DelivererServiceRole', 'dynamodb:GetItem', `${bucketArn}/x`)).rejects.toThrow(/no\.resource\.types/);
  });

  it('a resource with a wildcard', async () => {
    await expect(iam.roleCan('RendererServiceRole', 's3:PutObject', `${bucketArn}/bulletins/*`)).rejects.toThrow(/ask about one concrete resource/);
  });
});

describe('the template, resolved', () => {
  it('resolves Fn::Join of the partition and a bucket Arn, and Fn::Sub with and without a variable map', () => {
    const rendererPolicies = JSON.stringify(iam.identityPoliciesOf('RendererServiceRole'));
    expect(rendererPolicies).toContain(`"${bucketArn}/bulletins/*"`);
    expect(JSON.stringify(iam.identityPoliciesOf('DelivererServiceRole'))).toContain(`"${tableArn}/index/*"`);
    const topicPolicy = JSON.stringify(iam.resourcePolicyOf('Topic').document);
    expect(topicPolicy).toContain(`"arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:*"`);
    expect(topicPolicy).not.toMatch(/Fn::|"Ref"/);
    expect(iam.resolve({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: logicalIdOf('Bucket') }, '/*']] })).toBe(`${bucketArn}/*`);
    expect(iam.resolve({ 'Fn::Sub': 'https://${AWS::Region}.${AWS::URLSuffix}/${AWS::StackName}/${!Literal}' })).toBe(
      `https://${REGION}.amazonaws.com/Stack/\${Literal}`,
    );
    expect(iam.resolve({ 'Fn::Sub': ['${Arn}:*', { Arn: { 'Fn::GetAtt': [logicalIdOf('Renderer'), 'Arn'] } }] })).toBe(`${iam.arnOf('Renderer')}:*`);
  });

  it('gives each type the ARN, Ref and attributes CloudFormation would', () => {
    const queueId = logicalIdOf('Queue');
    expect(iam.arnOf('Queue')).toBe(`arn:aws:sqs:${REGION}:${ACCOUNT}:${queueId}`);
    expect(iam.resolve({ Ref: queueId })).toBe(`https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${queueId}`);
    expect(iam.resolve({ 'Fn::GetAtt': [queueId, 'QueueName'] })).toBe(queueId);
    expect(iam.resolve({ 'Fn::GetAtt': `${logicalIdOf('Table')}.StreamArn` })).toMatch(new RegExp(`^${tableArn}/stream/`));
    expect(bucketArn).toBe(`arn:aws:s3:::${logicalIdOf('Bucket').toLowerCase()}`);
    expect(tableArn).toBe(`arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${logicalIdOf('Table')}`);
    expect(iam.resolve({ Ref: logicalIdOf('Topic') })).toBe(iam.arnOf('Topic'));
    expect(iam.arnOf('Topic')).toBe(`arn:aws:sns:${REGION}:${ACCOUNT}:${logicalIdOf('Topic')}`);
    expect(iam.arnOf('Key')).toMatch(new RegExp(`^arn:aws:kms:${REGION}:${ACCOUNT}:key/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`));
    expect(iam.resolve({ Ref: logicalIdOf('Secret') })).toMatch(new RegExp(`^arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${logicalIdOf('Secret')}-\\w{6}$`));
    expect(iam.arnOf('Renderer')).toBe(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:${iam.nameOf('Renderer')}`);
    expect(iam.arnOf('RendererServiceRole')).toBe(`arn:aws:iam::${ACCOUNT}:role/${iam.nameOf('RendererServiceRole')}`);
    // Deterministic: a second reading of the template names everything the same.
    expect(templatePolicies(templateJson, ENV).arnOf('Key')).toBe(iam.arnOf('Key'));
  });

  it('resolves Fn::Select, Fn::Split and the account and region pseudo parameters', () => {
    const queueArn = { 'Fn::GetAtt': [logicalIdOf('Queue'), 'Arn'] };
    expect(iam.resolve({ 'Fn::Select': [5, { 'Fn::Split': [':', queueArn] }] })).toBe(logicalIdOf('Queue'));
    expect(iam.resolve({ 'Fn::Select': ['3', { 'Fn::Split': [':', queueArn] }] })).toBe(REGION);
    expect(iam.resolve(['${AWS::AccountId}', { Ref: 'AWS::AccountId' }, { 'Fn::Sub': '${AWS::AccountId}' }])).toEqual(['${AWS::AccountId}', ACCOUNT, ACCOUNT]);
    expect(templatePolicies(templateJson, { ...ENV, partition: 'aws-cn' }).resolve({ 'Fn::Sub': '${AWS::Partition} ${AWS::URLSuffix}' })).toBe(
      'aws-cn amazonaws.com.cn',
    );
  });

  it('throws, naming it, on what it does not model', () => {
    expect(() => iam.resolve({ 'Fn::If': ['IsProd', 'a', 'b'] })).toThrow(/the intrinsic Fn::If is not supported/);
    expect(() => iam.resolve({ 'Fn::ImportValue': 'SharedBucketArn' })).toThrow(/Fn::ImportValue/);
    expect(() => iam.resolve({ Ref: 'AWS::NoValue' })).toThrow(/pseudo parameter AWS::NoValue/);
    expect(() => iam.resolve({ 'Fn::GetAtt': [logicalIdOf('Bucket'), 'WebsiteURL'] })).toThrow(/does not model WebsiteURL of AWS::S3::Bucket/);
    expect(() => iam.resolve({ Ref: logicalIdOf('BucketPolicy') })).toThrow(/is a AWS::S3::BucketPolicy, a type the harness does not model/);
    expect(() => iam.resolve({ Ref: 'Missing' })).toThrow(/no resource Missing/);
    expect(() => iam.resolve({ 'Fn::GetAtt': logicalIdOf('Bucket') })).toThrow(/expected \[LogicalId, Attribute\]/);
    expect(() => iam.resolve({ 'Fn::Select': ['one', ['a', 'b']] })).toThrow(/index "one" is outside/);
    expect(() => iam.resolve({ Ref: 'BootstrapVersion' })).toThrow(/template parameter/);
    expect(() => iam.resolve({ 'Fn::Join': [',', ['a']], Extra: 1 })).toThrow(/Fn::Join shares its object/);

    const withUnknownManagedPolicy = structuredClone(templateJson);
    withUnknownManagedPolicy.Resources[logicalIdOf('RendererServiceRole')].Properties.ManagedPolicyArns = ['arn:aws:iam::aws:policy/AdministratorAccess'];
    const patched = templatePolicies(withUnknownManagedPolicy, ENV);
    expect(() => patched.identityPoliciesOf('RendererServiceRole')).toThrow(/does not know the content of arn:aws:iam::aws:policy\/AdministratorAccess/);
  });

  it('finds resources by logical-id prefix, the construct path wins over longer ones, and fails loudly on none or several', async () => {
    // `Renderer` starts both the function and its role: the function's id is `Renderer` plus CDK's hash.
    expect(iam.arnOf('Renderer')).toContain(':function:Renderer');
    expect(() => iam.nameOf('Nothing')).toThrow(/no resource has a logical id starting with Nothing/);
    expect(() => iam.nameOf('')).toThrow(/several resources have a logical id starting with :/);
    await expect(iam.roleCan('Deliverer', 's3:GetObject', `${bucketArn}/x`)).resolves.toBe(true);
    await expect(iam.roleCan('Bucket', 's3:GetObject', `${bucketArn}/x`)).rejects.toThrow(/no role has a logical id starting with Bucket/);
  });
});

/** The logical id CDK gave the construct at `path` (one synth, so the hash is stable within the run). */
function logicalIdOf(path: string): string {
  const ids = Object.keys(templateJson.Resources).filter((id) => new RegExp(`^${path}[0-9A-F]{8}$`).test(id));
  expect(ids, path).toHaveLength(1);
  return ids[0]!;
}
