/**
 * Least privilege by evaluation: the IAM policies of a synthesized CloudFormation template, resolved to
 * concrete documents and evaluated by @cloud-copilot/iam-simulate (AGPL-3.0, a test-only devDependency).
 *
 *   const iam = templatePolicies(Template.fromStack(stack).toJSON(), { account: '123456789012', region: 'ap-southeast-3' });
 *   expect(await iam.roleCan('FunctionsRenderBulletinsServiceRole', 's3:PutObject', `${iam.arnOf('StorageBucket')}/config/x`)).toBe(false);
 *
 * Every resource gets a deterministic fake physical name made from its logical id (or its own name
 * property, when the template sets one), and the ARN and `Ref`/`Fn::GetAtt` values CloudFormation would
 * give a resource of that type and name. Anything the harness does not model (an intrinsic, a resource
 * type, an attribute, a managed policy) throws, naming it, rather than being guessed.
 *
 * Each question is one half of IAM's same-account decision, on purpose: `roleCan` evaluates the role's
 * identity policies alone (the resource side is taken to trust the account, which a KMS key does only
 * through its key policy: CDK's default key policy does), `resourceAllows` the resource's policy alone.
 * Not modelled: SCPs, RCPs, session policies, permission boundaries (a role with one throws), VPC
 * endpoint policies, and context keys AWS would add beyond those the harness sets for the caller
 * (`aws:SecureTransport`, `aws:PrincipalArn`, ...): pass the others, e.g. `aws:SourceArn`, yourself.
 */
import { createHash } from 'node:crypto';
import {
  anonymousPrincipal,
  type EvaluationResult,
  type RequestAnalysis,
  runSimulation,
  type Simulation,
  type SimulationRequestPrincipal,
} from '@cloud-copilot/iam-simulate';

export interface TemplateEnvironment {
  account: string;
  region: string;
  /** Default `aws`. */
  partition?: string;
  /** What `AWS::StackName` resolves to. Default `Stack`. */
  stackName?: string;
  /** What `AWS::URLSuffix` resolves to. Default: the partition's (`amazonaws.com`, `amazonaws.com.cn`). */
  urlSuffix?: string;
}

/** Request context keys and values, as IAM condition keys name them (`aws:SourceArn`, `s3:prefix`). */
export type RequestContext = Record<string, string | string[]>;

/** Who makes a request that a resource policy alone decides. */
export type ResourcePolicyPrincipal =
  /** An AWS service, e.g. `cloudwatch.amazonaws.com`. */
  | { service: string }
  /** A session of a role of the template, found by logical-id prefix. */
  | { role: string }
  /** Any other principal ARN, e.g. a role of another account. */
  | { arn: string }
  /** An unsigned request, e.g. to a public function URL. */
  | { anonymous: true };

export interface PolicyDocument {
  Version?: string;
  Statement: unknown[];
}

export interface NamedPolicy {
  /** The policy's logical id, `<role>.<PolicyName>` for an inline one, or the AWS managed policy's name. */
  name: string;
  document: PolicyDocument;
}

export interface Decision {
  allowed: boolean;
  decision: EvaluationResult;
  /** Which statements decided, or why none applied: pass it as the message of an assertion. */
  explanation: string;
  /** The simulator's full analysis. */
  analysis: RequestAnalysis;
}

export class IamHarnessError extends Error {
  override name = 'IamHarnessError';
}

/** Reads a synthesized template (`Template.fromStack(stack).toJSON()` or a parsed `template.json`). */
export function templatePolicies(template: unknown, environment: TemplateEnvironment): TemplatePolicies {
  return new TemplatePolicies(template, environment);
}

// --- the template ------------------------------------------------------------------------------------

interface TemplateResource {
  logicalId: string;
  type: string;
  properties: Record<string, unknown>;
}

interface Environment {
  account: string;
  region: string;
  partition: string;
  stackName: string;
  urlSuffix: string;
}

const URL_SUFFIXES: Record<string, string> = { aws: 'amazonaws.com', 'aws-cn': 'amazonaws.com.cn', 'aws-us-gov': 'amazonaws.com' };

function environmentOf(environment: TemplateEnvironment): Environment {
  const partition = environment.partition ?? 'aws';
  const urlSuffix = environment.urlSuffix ?? URL_SUFFIXES[partition];
  if (urlSuffix === undefined) throw new IamHarnessError(`partition ${partition}: pass its urlSuffix`);
  return { account: environment.account, region: environment.region, partition, stackName: environment.stackName ?? 'Stack', urlSuffix };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseResources(template: unknown): Map<string, TemplateResource> {
  if (!isRecord(template) || !isRecord(template.Resources)) throw new IamHarnessError('the template has no Resources object');
  const resources = new Map<string, TemplateResource>();
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (!isRecord(resource) || typeof resource.Type !== 'string') throw new IamHarnessError(`resource ${logicalId} has no Type`);
    const properties = resource.Properties ?? {};
    if (!isRecord(properties)) throw new IamHarnessError(`resource ${logicalId}: Properties is not an object`);
    resources.set(logicalId, { logicalId, type: resource.Type, properties });
  }
  return resources;
}

function parameterNames(template: unknown): Set<string> {
  return new Set(isRecord(template) && isRecord(template.Parameters) ? Object.keys(template.Parameters) : []);
}

// --- fake physical resources -------------------------------------------------------------------------

interface PhysicalResource {
  /** The resource's name: its own name property when the template sets one, else made from the logical id. */
  name: string;
  /** What `Ref` returns. */
  ref: string;
  /** What `Fn::GetAtt` returns, by attribute name. */
  attributes: Record<string, string>;
  /** Its ARN as the service authorization reference writes it, when it has one. */
  arn?: string;
}

interface PhysicalResourceInput {
  resource: TemplateResource;
  env: Environment;
  /** The resource's own name property, resolved, or `fallback` (made from the logical id) when absent. */
  nameFrom(property: string | undefined, fallback?: string): string;
  /** A hex digest of the logical id: the "random" parts of generated names, the same every run. */
  digest: string;
}

const regionalArn = (env: Environment, service: string, resource: string): string =>
  `arn:${env.partition}:${service}:${env.region}:${env.account}:${resource}`;

/** An IAM path (`/service-role/`) as CloudFormation's `Path` sets it; `/` when absent. */
function iamPath(resource: TemplateResource): string {
  const path = resource.properties.Path ?? '/';
  if (typeof path !== 'string' || !path.startsWith('/') || !path.endsWith('/')) {
    throw new IamHarnessError(`${resource.logicalId}: Path ${JSON.stringify(path)} is not a literal IAM path`);
  }
  return path;
}

/** Names as CloudFormation generates them are unique per stack; the logical id is, too, and readable in explanations. */
const PHYSICAL_RESOURCES: Record<string, (input: PhysicalResourceInput) => PhysicalResource> = {
  'AWS::S3::Bucket': ({ env, nameFrom, resource }) => {
    // Bucket names are lower case.
    const name = nameFrom('BucketName', resource.logicalId.toLowerCase());
    const arn = `arn:${env.partition}:s3:::${name}`;
    return { name, ref: name, arn, attributes: { Arn: arn } };
  },
  'AWS::DynamoDB::Table': ({ env, nameFrom, resource }) => {
    const name = nameFrom('TableName');
    const arn = regionalArn(env, 'dynamodb', `table/${name}`);
    // A table has a stream ARN only when its stream is on; the label is a creation timestamp.
    const attributes: Record<string, string> = { Arn: arn };
    if (resource.properties.StreamSpecification !== undefined) attributes.StreamArn = `${arn}/stream/2026-01-01T00:00:00.000`;
    return { name, ref: name, arn, attributes };
  },
  'AWS::SQS::Queue': ({ env, nameFrom, resource }) => {
    const name = nameFrom('QueueName', resource.properties.FifoQueue === true ? `${resource.logicalId}.fifo` : undefined);
    const arn = regionalArn(env, 'sqs', name);
    const url = `https://sqs.${env.region}.${env.urlSuffix}/${env.account}/${name}`;
    return { name, ref: url, arn, attributes: { Arn: arn, QueueName: name, QueueUrl: url } };
  },
  'AWS::SNS::Topic': ({ env, nameFrom, resource }) => {
    const name = nameFrom('TopicName', resource.properties.FifoTopic === true ? `${resource.logicalId}.fifo` : undefined);
    const arn = regionalArn(env, 'sns', name);
    return { name, ref: arn, arn, attributes: { TopicArn: arn, TopicName: name } };
  },
  'AWS::KMS::Key': ({ env, digest }) => {
    const keyId = [digest.slice(0, 8), digest.slice(8, 12), digest.slice(12, 16), digest.slice(16, 20), digest.slice(20, 32)].join('-');
    const arn = regionalArn(env, 'kms', `key/${keyId}`);
    return { name: keyId, ref: keyId, arn, attributes: { Arn: arn, KeyId: keyId } };
  },
  'AWS::KMS::Alias': ({ env, nameFrom }) => {
    const name = nameFrom('AliasName');
    const arn = regionalArn(env, 'kms', name);
    return { name, ref: name, arn, attributes: {} };
  },
  'AWS::SecretsManager::Secret': ({ env, nameFrom, digest }) => {
    const name = nameFrom('Name');
    // Secrets Manager appends a dash and six random characters to the name.
    const arn = regionalArn(env, 'secretsmanager', `secret:${name}-${digest.slice(0, 6)}`);
    return { name, ref: arn, arn, attributes: { Id: arn } };
  },
  'AWS::Lambda::Function': ({ env, nameFrom }) => {
    const name = nameFrom('FunctionName');
    const arn = regionalArn(env, 'lambda', `function:${name}`);
    return { name, ref: name, arn, attributes: { Arn: arn } };
  },
  'AWS::IAM::Role': ({ env, nameFrom, resource, digest }) => {
    const name = nameFrom('RoleName');
    const arn = `arn:${env.partition}:iam::${env.account}:role${iamPath(resource)}${name}`;
    return { name, ref: name, arn, attributes: { Arn: arn, RoleId: `AROA${digest.slice(0, 17).toUpperCase()}` } };
  },
  'AWS::IAM::User': ({ env, nameFrom, resource }) => {
    const name = nameFrom('UserName');
    const arn = `arn:${env.partition}:iam::${env.account}:user${iamPath(resource)}${name}`;
    return { name, ref: name, arn, attributes: { Arn: arn } };
  },
  'AWS::IAM::ManagedPolicy': ({ env, nameFrom, resource }) => {
    const name = nameFrom('ManagedPolicyName');
    const arn = `arn:${env.partition}:iam::${env.account}:policy${iamPath(resource)}${name}`;
    return { name, ref: arn, arn, attributes: { PolicyArn: arn } };
  },
  'AWS::Logs::LogGroup': ({ env, nameFrom }) => {
    const name = nameFrom('LogGroupName');
    const arn = regionalArn(env, 'logs', `log-group:${name}`);
    // CloudFormation's Arn attribute of a log group ends in `:*` (all its streams); the resource ARN does not.
    return { name, ref: name, arn, attributes: { Arn: `${arn}:*` } };
  },
  'AWS::SES::ConfigurationSet': ({ env, nameFrom }) => {
    const name = nameFrom('Name');
    return { name, ref: name, arn: regionalArn(env, 'ses', `configuration-set/${name}`), attributes: {} };
  },
  'AWS::SES::EmailIdentity': ({ env, nameFrom }) => {
    // The identity is the address or domain itself, which the template always sets.
    const name = nameFrom('EmailIdentity');
    return { name, ref: name, arn: regionalArn(env, 'ses', `identity/${name}`), attributes: {} };
  },
  'AWS::Scheduler::ScheduleGroup': ({ env, nameFrom }) => {
    const name = nameFrom('Name');
    const arn = regionalArn(env, 'scheduler', `schedule-group/${name}`);
    return { name, ref: name, arn, attributes: { Arn: arn } };
  },
  'AWS::CloudWatch::Alarm': ({ env, nameFrom }) => {
    const name = nameFrom('AlarmName');
    const arn = regionalArn(env, 'cloudwatch', `alarm:${name}`);
    return { name, ref: name, arn, attributes: { Arn: arn } };
  },
};

const MODELED_TYPES: ReadonlySet<string> = new Set(Object.keys(PHYSICAL_RESOURCES));
const ROLE_TYPE: ReadonlySet<string> = new Set(['AWS::IAM::Role']);

// --- intrinsic functions -----------------------------------------------------------------------------

const INTRINSIC_KEY = /^(Ref|Fn::.+)$/;

class IntrinsicResolver {
  private readonly physical = new Map<string, PhysicalResource>();

  constructor(
    private readonly resources: Map<string, TemplateResource>,
    private readonly parameters: Set<string>,
    private readonly env: Environment,
  ) {}

  /** The value with every intrinsic function replaced by what CloudFormation would make of it. */
  resolve(value: unknown, where: string): unknown {
    if (Array.isArray(value)) return value.map((item, index) => this.resolve(item, `${where}[${index}]`));
    if (!isRecord(value)) return value;
    const keys = Object.keys(value);
    const intrinsic = keys.find((key) => INTRINSIC_KEY.test(key));
    if (intrinsic === undefined) {
      return Object.fromEntries(keys.map((key) => [key, this.resolve(value[key], `${where}.${key}`)]));
    }
    if (keys.length !== 1) throw new IamHarnessError(`${where}: ${intrinsic} shares its object with ${keys.join(', ')}`);
    return this.intrinsic(intrinsic, value[intrinsic], `${where}.${intrinsic}`);
  }

  resolveString(value: unknown, where: string): string {
    const resolved = this.resolve(value, where);
    if (typeof resolved !== 'string') throw new IamHarnessError(`${where}: expected a string, got ${JSON.stringify(resolved)}`);
    return resolved;
  }

  private resolveList(value: unknown, where: string): string[] {
    const resolved = this.resolve(value, where);
    if (!Array.isArray(resolved) || !resolved.every((item): item is string => typeof item === 'string')) {
      throw new IamHarnessError(`${where}: expected a list of strings, got ${JSON.stringify(resolved)}`);
    }
    return resolved;
  }

  physicalResource(logicalId: string, where: string): PhysicalResource {
    const known = this.physical.get(logicalId);
    if (known) return known;
    const resource = this.resources.get(logicalId);
    if (!resource) throw new IamHarnessError(`${where}: no resource ${logicalId} in the template`);
    const make = PHYSICAL_RESOURCES[resource.type];
    if (!make) throw new IamHarnessError(`${where}: ${logicalId} is a ${resource.type}, a type the harness does not model`);
    const made = make({
      resource,
      env: this.env,
      digest: createHash('sha256').update(logicalId).digest('hex'),
      nameFrom: (property, fallback = logicalId) =>
        property !== undefined && resource.properties[property] !== undefined
          ? this.resolveString(resource.properties[property], `${logicalId}.${property}`)
          : fallback,
    });
    this.physical.set(logicalId, made);
    return made;
  }

  private intrinsic(name: string, argument: unknown, where: string): unknown {
    switch (name) {
      case 'Ref':
        if (typeof argument !== 'string') throw new IamHarnessError(`${where}: Ref takes a name`);
        return this.ref(argument, where);
      case 'Fn::GetAtt':
        return this.getAtt(argument, where);
      case 'Fn::Join': {
        const [delimiter, list] = this.arguments(argument, 2, where);
        if (typeof delimiter !== 'string') throw new IamHarnessError(`${where}: the delimiter is not a string`);
        return this.resolveList(list, where).join(delimiter);
      }
      case 'Fn::Sub':
        return this.sub(argument, where);
      case 'Fn::Select': {
        const [indexValue, list] = this.arguments(argument, 2, where);
        const index = this.resolve(indexValue, where);
        const items = this.resolveList(list, where);
        // CloudFormation takes the index as a number or a string of digits.
        const item = typeof index === 'number' || (typeof index === 'string' && /^\d+$/.test(index)) ? items[Number(index)] : undefined;
        if (item === undefined) throw new IamHarnessError(`${where}: index ${JSON.stringify(indexValue)} is outside ${JSON.stringify(items)}`);
        return item;
      }
      case 'Fn::Split': {
        const [delimiter, source] = this.arguments(argument, 2, where);
        if (typeof delimiter !== 'string') throw new IamHarnessError(`${where}: the delimiter is not a string`);
        return this.resolveString(source, where).split(delimiter);
      }
      default:
        throw new IamHarnessError(`${where}: the intrinsic ${name} is not supported by the harness`);
    }
  }

  private arguments(argument: unknown, count: number, where: string): unknown[] {
    if (!Array.isArray(argument) || argument.length !== count) {
      throw new IamHarnessError(`${where}: expected a list of ${count} arguments, got ${JSON.stringify(argument)}`);
    }
    return argument;
  }

  private ref(name: string, where: string): string {
    switch (name) {
      case 'AWS::Partition':
        return this.env.partition;
      case 'AWS::Region':
        return this.env.region;
      case 'AWS::AccountId':
        return this.env.account;
      case 'AWS::URLSuffix':
        return this.env.urlSuffix;
      case 'AWS::StackName':
        return this.env.stackName;
    }
    if (name.startsWith('AWS::')) throw new IamHarnessError(`${where}: the pseudo parameter ${name} is not supported by the harness`);
    if (this.parameters.has(name)) throw new IamHarnessError(`${where}: Ref ${name} is a template parameter, which the harness does not model`);
    return this.physicalResource(name, where).ref;
  }

  private getAtt(argument: unknown, where: string): string {
    // Either ["LogicalId", "Attribute"] or "LogicalId.Attribute" (the attribute may itself contain dots).
    const dot = typeof argument === 'string' ? argument.indexOf('.') : -1;
    const [logicalId, attribute] = typeof argument === 'string' ? [argument.slice(0, dot), argument.slice(dot + 1)] : this.arguments(argument, 2, where);
    if (typeof logicalId !== 'string' || typeof attribute !== 'string' || logicalId === '' || (typeof argument === 'string' && dot < 0)) {
      throw new IamHarnessError(`${where}: expected [LogicalId, Attribute], got ${JSON.stringify(argument)}`);
    }
    const value = this.physicalResource(logicalId, where).attributes[attribute];
    if (value === undefined) {
      const type = this.resources.get(logicalId)?.type;
      throw new IamHarnessError(`${where}: Fn::GetAtt ${logicalId}.${attribute}: the harness does not model ${attribute} of ${type}`);
    }
    return value;
  }

  private sub(argument: unknown, where: string): string {
    const [text, variables] = typeof argument === 'string' ? [argument, {}] : this.arguments(argument, 2, where);
    if (typeof text !== 'string' || !isRecord(variables)) throw new IamHarnessError(`${where}: expected a string and a variable map`);
    // `${!Literal}` is an escaped `${Literal}`; `${Name}` is a map variable, a pseudo parameter or a Ref; `${Id.Attr}` a GetAtt.
    return text.replace(/\$\{([^}]*)\}/g, (_placeholder, variable: string) => {
      if (variable.startsWith('!')) return `\${${variable.slice(1)}}`;
      if (Object.hasOwn(variables, variable)) return this.resolveString(variables[variable], `${where}.${variable}`);
      if (variable.includes('.') && !variable.startsWith('AWS::')) return this.getAtt(variable, `${where}.\${${variable}}`);
      return this.ref(variable, `${where}.\${${variable}}`);
    });
  }
}

// --- policies ----------------------------------------------------------------------------------------

/**
 * AWS managed policies a role of this project may carry, as AWS documents them
 * (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaBasicExecutionRole.html, v1).
 * Any other managed policy throws: its content is not in the template, and guessing it would be no proof.
 */
const AWS_MANAGED_POLICIES: Record<string, PolicyDocument> = {
  'service-role/AWSLambdaBasicExecutionRole': {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }],
  },
};

/** Identity policy resources and the property that lists the roles they attach to. */
const ROLE_ATTACHED_POLICIES = [
  { type: 'AWS::IAM::Policy', rolesProperty: 'Roles', documentProperty: 'PolicyDocument' },
  { type: 'AWS::IAM::ManagedPolicy', rolesProperty: 'Roles', documentProperty: 'PolicyDocument' },
  { type: 'AWS::IAM::RolePolicy', rolesProperty: 'RoleName', documentProperty: 'PolicyDocument' },
] as const;

/** Resource policies that are resources of their own, and the property that names what they attach to. */
const ATTACHED_RESOURCE_POLICIES = [
  { type: 'AWS::SNS::TopicPolicy', targetProperty: 'Topics', documentProperty: 'PolicyDocument' },
  { type: 'AWS::SQS::QueuePolicy', targetProperty: 'Queues', documentProperty: 'PolicyDocument' },
  { type: 'AWS::S3::BucketPolicy', targetProperty: 'Bucket', documentProperty: 'PolicyDocument' },
  { type: 'AWS::SecretsManager::ResourcePolicy', targetProperty: 'SecretId', documentProperty: 'ResourcePolicy' },
] as const;

/** Resource policies held in a property of the resource itself: a key policy, a role's trust policy. */
const OWN_RESOURCE_POLICIES: Record<string, string> = { 'AWS::KMS::Key': 'KeyPolicy', 'AWS::IAM::Role': 'AssumeRolePolicyDocument' };

/** The types `resourceAllows` can ask about: those a resource policy can attach to. */
const RESOURCE_POLICY_TARGETS = new Set([
  'AWS::SNS::Topic',
  'AWS::SQS::Queue',
  'AWS::S3::Bucket',
  'AWS::SecretsManager::Secret',
  'AWS::Lambda::Function',
  ...Object.keys(OWN_RESOURCE_POLICIES),
]);

/** The properties of an `AWS::Lambda::Permission` the harness turns into a statement of the function's policy. */
const LAMBDA_PERMISSION_PROPERTIES = new Set([
  'Action',
  'FunctionName',
  'Principal',
  'SourceArn',
  'SourceAccount',
  'PrincipalOrgID',
  'FunctionUrlAuthType',
  'InvokedViaFunctionUrl',
]);

function policyDocument(value: unknown, where: string): PolicyDocument {
  if (!isRecord(value) || !Array.isArray(value.Statement)) throw new IamHarnessError(`${where}: not a policy document with a Statement list`);
  return { ...value, Statement: value.Statement };
}

/** A string or a list of strings, as policy attachment properties hold them. */
function asList(value: unknown, where: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((item): item is string => typeof item === 'string')) throw new IamHarnessError(`${where}: expected names, got ${JSON.stringify(value)}`);
  return list;
}

// --- evaluation --------------------------------------------------------------------------------------

/** Who asks: the principal, how explanations name it, and what AWS itself puts in the request context for it. */
interface Caller {
  principal: SimulationRequestPrincipal;
  label: string;
  context: RequestContext;
}

type StatementAnalysis = NonNullable<RequestAnalysis['identityAnalysis']>['allowStatements'][number];
type PolicyAnalysis = Pick<NonNullable<RequestAnalysis['identityAnalysis']>, 'allowStatements' | 'denyStatements' | 'unmatchedStatements'>;

/** The session name of the role sessions the harness asks as (Lambda uses the function name; nothing here depends on it). */
const SESSION_NAME = 'iam-harness';

/** Request values override the caller's defaults, whatever the case of the key (IAM keys are case-insensitive). */
function mergeContext(defaults: RequestContext, request: RequestContext): RequestContext {
  const overridden = new Set(Object.keys(request).map((key) => key.toLowerCase()));
  const kept = Object.entries(defaults).filter(([key]) => !overridden.has(key.toLowerCase()));
  return { ...Object.fromEntries(kept), ...request };
}

function contextValue(context: RequestContext, key: string): string | string[] | undefined {
  const found = Object.keys(context).find((candidate) => candidate.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : context[found];
}

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Why a statement did not apply, from the simulator's explain, in a line a failing assertion can show. */
function whyNot(statement: StatementAnalysis, context: RequestContext): string {
  const { explain } = statement;
  const reasons: string[] = [];
  if (!explain.actionMatch) reasons.push('action not matched');
  if (explain.principalMatch === 'NoMatch') {
    reasons.push(`principal not matched (${asArray(explain.principals ?? explain.notPrincipals).map((p) => p.principal).join(', ')})`);
  }
  if (!explain.resourceMatch) {
    reasons.push(`resource not matched (${asArray(explain.resources ?? explain.notResources).map((r) => r.resource).join(', ')})`);
  }
  for (const condition of explain.conditions ?? []) {
    if (condition.matches) continue;
    const wanted = asArray(condition.values).map((value) => value.value);
    const got = contextValue(context, condition.conditionKeyValue);
    reasons.push(
      `condition ${condition.operator} ${condition.conditionKeyValue} ${JSON.stringify(wanted)} not met: ` +
        (got === undefined ? 'the key is absent from the request' : `the request has ${JSON.stringify(got)}`),
    );
  }
  return reasons.join('; ');
}

function describeStatement(statement: StatementAnalysis, policyLabel: string): string {
  // iam-simulate names a resource policy after a `name` field of the document itself, which ours lack.
  return `${statement.policyId ?? policyLabel} statement ${statement.explain.identifier} (${statement.explain.effect})`;
}

function explanationOf(headline: string, decision: EvaluationResult, analysis: PolicyAnalysis, policyLabel: string, context: RequestContext): string {
  const lines = [headline];
  const list = (statements: StatementAnalysis[], describe: (statement: StatementAnalysis) => string) =>
    lines.push(...statements.map((statement) => `    ${describe(statement)}`));
  if (decision === 'ExplicitlyDenied') {
    lines.push('  denied by:');
    list(analysis.denyStatements, (s) => describeStatement(s, policyLabel));
  } else if (decision === 'Allowed') {
    lines.push('  allowed by:');
    list(analysis.allowStatements, (s) => describeStatement(s, policyLabel));
  } else {
    // The Allow statements that name the action are the ones a reader expected to apply.
    const candidates = analysis.unmatchedStatements.filter((s) => s.explain.effect === 'Allow' && s.explain.actionMatch);
    if (candidates.length === 0) lines.push('  no Allow statement names the action');
    else lines.push('  no statement allows it; the Allow statements naming the action:');
    list(candidates, (s) => `${describeStatement(s, policyLabel)}: ${whyNot(s, context)}`);
  }
  return lines.join('\n');
}

// --- the harness -------------------------------------------------------------------------------------

export class TemplatePolicies {
  private readonly resources: Map<string, TemplateResource>;
  private readonly env: Environment;
  private readonly intrinsics: IntrinsicResolver;
  private readonly identityPolicies = new Map<string, NamedPolicy[]>();

  constructor(template: unknown, environment: TemplateEnvironment) {
    this.resources = parseResources(template);
    this.env = environmentOf(environment);
    this.intrinsics = new IntrinsicResolver(this.resources, parameterNames(template), this.env);
  }

  /** Whether the role's identity policies alone allow the action on the resource, asked by a session of the role. */
  async roleCan(rolePrefix: string, action: string, resource: string, context: RequestContext = {}): Promise<boolean> {
    return (await this.explainRoleCan(rolePrefix, action, resource, context)).allowed;
  }

  /**
   * `roleCan` with the simulator's explanation. The resource side is taken to trust the account's IAM
   * policies, as a same-account bucket, table or queue does, and a KMS key does when its key policy
   * names the account (CDK's default), so the identity policies alone decide.
   */
  async explainRoleCan(rolePrefix: string, action: string, resource: string, context: RequestContext = {}): Promise<Decision> {
    const roleId = this.roleIdOf(rolePrefix);
    const caller = this.roleSession(roleId);
    const delegatesToAccount: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:${this.env.partition}:iam::${this.env.account}:root` }, Action: '*', Resource: '*' }],
    };
    return this.evaluate(caller, action, resource, context, {
      identityPolicies: this.identityPoliciesOf(rolePrefix),
      resourcePolicy: delegatesToAccount,
      judged: 'identityAnalysis',
      policyLabel: roleId,
    });
  }

  /** Whether the resource's own policy alone (topic, queue, bucket, key, secret, function or trust policy) allows the request. */
  async resourceAllows(
    resourcePrefix: string,
    principal: ResourcePolicyPrincipal,
    action: string,
    resource: string,
    context: RequestContext = {},
  ): Promise<boolean> {
    return (await this.explainResourceAllows(resourcePrefix, principal, action, resource, context)).allowed;
  }

  /** `resourceAllows` with the simulator's explanation. */
  async explainResourceAllows(
    resourcePrefix: string,
    principal: ResourcePolicyPrincipal,
    action: string,
    resource: string,
    context: RequestContext = {},
  ): Promise<Decision> {
    const policy = this.resourcePolicyOf(resourcePrefix);
    return this.evaluate(this.callerOf(principal), action, resource, context, {
      identityPolicies: [],
      resourcePolicy: policy.document,
      judged: 'resourceAnalysis',
      policyLabel: policy.name,
    });
  }

  /** The ARN the harness gave the resource (as the service authorization reference writes it), to build request ARNs. */
  arnOf(prefix: string): string {
    return this.arnOfLogicalId(this.logicalIdOf(prefix, MODELED_TYPES, 'resource'));
  }

  /** The physical name the harness gave the resource. */
  nameOf(prefix: string): string {
    const logicalId = this.logicalIdOf(prefix, MODELED_TYPES, 'resource');
    return this.intrinsics.physicalResource(logicalId, `nameOf(${prefix})`).name;
  }

  /** A value of the template with its intrinsic functions resolved, e.g. a function's environment. */
  resolve(value: unknown): unknown {
    return this.intrinsics.resolve(value, 'resolve()');
  }

  /** The role's identity policies, resolved: attached policies, inline policies and AWS managed policies. */
  identityPoliciesOf(rolePrefix: string): NamedPolicy[] {
    const roleId = this.roleIdOf(rolePrefix);
    const known = this.identityPolicies.get(roleId);
    if (known) return known;
    const collected = this.collectIdentityPolicies(roleId);
    this.identityPolicies.set(roleId, collected);
    return collected;
  }

  /** The resource policy attached to the resource, resolved; several Lambda permissions make one policy. */
  resourcePolicyOf(resourcePrefix: string): NamedPolicy {
    const targetId = this.logicalIdOf(resourcePrefix, RESOURCE_POLICY_TARGETS, 'resource that can have a resource policy');
    const targetResource = this.resourceById(targetId);
    const target = this.intrinsics.physicalResource(targetId, targetId);
    // A policy names its target by Ref, name or ARN, depending on the type.
    const identifiers = new Set([target.ref, target.name, ...(target.arn ? [target.arn] : [])]);
    const names = (value: unknown, where: string) => asList(this.intrinsics.resolve(value, where), where);
    const policies: NamedPolicy[] = [];

    const ownProperty = OWN_RESOURCE_POLICIES[targetResource.type];
    const own = ownProperty ? targetResource.properties[ownProperty] : undefined;
    if (own !== undefined) policies.push({ name: `${targetId}.${ownProperty}`, document: this.document(own, `${targetId}.${ownProperty}`) });
    for (const kind of ATTACHED_RESOURCE_POLICIES) {
      for (const policy of this.resourcesOfType(kind.type)) {
        const where = `${policy.logicalId}.${kind.targetProperty}`;
        if (!names(policy.properties[kind.targetProperty], where).some((name) => identifiers.has(name))) continue;
        policies.push({ name: policy.logicalId, document: this.document(policy.properties[kind.documentProperty], `${policy.logicalId}.${kind.documentProperty}`) });
      }
    }
    // SNS, SQS and S3 keep one policy per resource: with two, which one wins depends on deployment order.
    if (policies.length > 1) throw new IamHarnessError(`${targetId} has several resource policies (${policies.map((p) => p.name).join(', ')})`);

    const permissions = this.resourcesOfType('AWS::Lambda::Permission').filter((permission) =>
      names(permission.properties.FunctionName, `${permission.logicalId}.FunctionName`).some((name) => identifiers.has(name)),
    );
    if (permissions.length > 0) {
      const functionArn = this.arnOfLogicalId(targetId);
      policies.push({
        // Lambda keeps one policy per function, a statement per permission (named by the permission's logical id).
        name: `${targetId} Lambda permissions`,
        document: { Version: '2012-10-17', Statement: permissions.map((permission) => this.permissionStatement(permission, functionArn)) },
      });
    }
    const [policy] = policies;
    if (policy === undefined) throw new IamHarnessError(`${targetId} has no resource policy in the template`);
    return policy;
  }

  private arnOfLogicalId(logicalId: string): string {
    const { arn } = this.intrinsics.physicalResource(logicalId, logicalId);
    if (arn === undefined) throw new IamHarnessError(`${logicalId} has no ARN`);
    return arn;
  }

  private resourceById(logicalId: string): TemplateResource {
    const resource = this.resources.get(logicalId);
    if (!resource) throw new IamHarnessError(`no resource ${logicalId} in the template`);
    return resource;
  }

  private resourcesOfType(type: string): TemplateResource[] {
    return [...this.resources.values()].filter((resource) => resource.type === type);
  }

  private document(value: unknown, where: string): PolicyDocument {
    return policyDocument(this.intrinsics.resolve(value, where), where);
  }

  /**
   * The one logical id, among resources of `types`, that starts with `prefix`. CDK makes a logical id from
   * the construct path plus an 8-character hash, so when several start with the prefix (`StorageBucket`
   * and `StorageBucketPolicy`...), the one that is the prefix plus a hash wins.
   */
  private logicalIdOf(prefix: string, types: ReadonlySet<string>, what: string): string {
    const candidates = [...this.resources.values()]
      .filter((resource) => types.has(resource.type) && resource.logicalId.startsWith(prefix))
      .map((resource) => resource.logicalId);
    const exact = candidates.filter((id) => id === prefix || /^[0-9A-F]{8}$/.test(id.slice(prefix.length)));
    const matches = candidates.length > 1 && exact.length === 1 ? exact : candidates;
    const [match, ...others] = matches;
    if (match === undefined) throw new IamHarnessError(`no ${what} has a logical id starting with ${prefix}`);
    if (others.length > 0) throw new IamHarnessError(`several ${what}s have a logical id starting with ${prefix}: ${matches.join(', ')}`);
    return match;
  }

  private roleIdOf(prefix: string): string {
    return this.logicalIdOf(prefix, ROLE_TYPE, 'role');
  }

  private collectIdentityPolicies(roleId: string): NamedPolicy[] {
    const role = this.resourceById(roleId);
    const roleName = this.intrinsics.physicalResource(roleId, roleId).name;
    if (role.properties.PermissionsBoundary !== undefined) {
      throw new IamHarnessError(`${roleId} has a permissions boundary, which the harness does not model`);
    }
    const policies: NamedPolicy[] = [];

    const inline = role.properties.Policies ?? [];
    if (!Array.isArray(inline)) throw new IamHarnessError(`${roleId}.Policies is not a list`);
    inline.forEach((policy, index) => {
      const where = `${roleId}.Policies[${index}]`;
      if (!isRecord(policy)) throw new IamHarnessError(`${where} is not an object`);
      const name = this.intrinsics.resolveString(policy.PolicyName, `${where}.PolicyName`);
      policies.push({ name: `${roleId}.${name}`, document: this.document(policy.PolicyDocument, `${where}.PolicyDocument`) });
    });

    const attachedIds = new Set<string>();
    for (const kind of ROLE_ATTACHED_POLICIES) {
      for (const policy of this.resourcesOfType(kind.type)) {
        const where = `${policy.logicalId}.${kind.rolesProperty}`;
        const roles = policy.properties[kind.rolesProperty];
        if (roles === undefined || !asList(this.intrinsics.resolve(roles, where), where).includes(roleName)) continue;
        attachedIds.add(policy.logicalId);
        policies.push({ name: policy.logicalId, document: this.document(policy.properties[kind.documentProperty], `${policy.logicalId}.${kind.documentProperty}`) });
      }
    }

    const managedArns = role.properties.ManagedPolicyArns ?? [];
    const managedWhere = `${roleId}.ManagedPolicyArns`;
    const awsManagedPrefix = `arn:${this.env.partition}:iam::aws:policy/`;
    for (const arn of asList(this.intrinsics.resolve(managedArns, managedWhere), managedWhere)) {
      const inTemplate = this.resourcesOfType('AWS::IAM::ManagedPolicy').find(
        (policy) => this.intrinsics.physicalResource(policy.logicalId, managedWhere).arn === arn,
      );
      if (inTemplate) {
        if (attachedIds.has(inTemplate.logicalId)) continue;
        attachedIds.add(inTemplate.logicalId);
        policies.push({ name: inTemplate.logicalId, document: this.document(inTemplate.properties.PolicyDocument, `${inTemplate.logicalId}.PolicyDocument`) });
        continue;
      }
      const awsManaged = arn.startsWith(awsManagedPrefix) ? AWS_MANAGED_POLICIES[arn.slice(awsManagedPrefix.length)] : undefined;
      if (!awsManaged) throw new IamHarnessError(`${managedWhere}: the harness does not know the content of ${arn}`);
      policies.push({ name: arn.slice(arn.lastIndexOf('/') + 1), document: awsManaged });
    }
    return policies;
  }

  /** The statement Lambda adds to the function's policy for an `AWS::Lambda::Permission`. */
  private permissionStatement(permission: TemplateResource, functionArn: string): Record<string, unknown> {
    const { logicalId, properties } = permission;
    const unmodeled = Object.keys(properties).filter((key) => !LAMBDA_PERMISSION_PROPERTIES.has(key));
    if (unmodeled.length > 0) throw new IamHarnessError(`${logicalId}: the harness does not model ${unmodeled.join(', ')} of a Lambda permission`);
    const value = (key: string) => this.intrinsics.resolveString(properties[key], `${logicalId}.${key}`);
    const principal = value('Principal');
    const conditions: Record<string, Record<string, string>> = {};
    const addCondition = (operator: string, key: string, conditionValue: string) => {
      conditions[operator] = { ...conditions[operator], [key]: conditionValue };
    };
    if (properties.SourceArn !== undefined) addCondition('ArnLike', 'AWS:SourceArn', value('SourceArn'));
    if (properties.SourceAccount !== undefined) addCondition('StringEquals', 'AWS:SourceAccount', value('SourceAccount'));
    if (properties.PrincipalOrgID !== undefined) addCondition('StringEquals', 'aws:PrincipalOrgID', value('PrincipalOrgID'));
    if (properties.FunctionUrlAuthType !== undefined) addCondition('StringEquals', 'lambda:FunctionUrlAuthType', value('FunctionUrlAuthType'));
    if (properties.InvokedViaFunctionUrl !== undefined) {
      if (typeof properties.InvokedViaFunctionUrl !== 'boolean') throw new IamHarnessError(`${logicalId}.InvokedViaFunctionUrl is not a boolean`);
      addCondition('Bool', 'lambda:InvokedViaFunctionUrl', String(properties.InvokedViaFunctionUrl));
    }
    return {
      Sid: logicalId,
      Effect: 'Allow',
      Principal: principal === '*' ? '*' : /^\d{12}$/.test(principal) || principal.startsWith('arn:') ? { AWS: principal } : { Service: principal },
      Action: value('Action'),
      Resource: functionArn,
      ...(Object.keys(conditions).length > 0 ? { Condition: conditions } : {}),
    };
  }

  private roleSession(roleId: string): Caller {
    const roleName = this.intrinsics.physicalResource(roleId, roleId).name;
    const session = `arn:${this.env.partition}:sts::${this.env.account}:assumed-role/${roleName}/${SESSION_NAME}`;
    return {
      principal: session,
      label: session,
      // What AWS sets on every request of a role session over TLS (SDKs and services always use it).
      context: {
        'aws:PrincipalArn': this.arnOfLogicalId(roleId),
        'aws:PrincipalAccount': this.env.account,
        'aws:PrincipalType': 'AssumedRole',
        'aws:SecureTransport': 'true',
      },
    };
  }

  private callerOf(principal: ResourcePolicyPrincipal): Caller {
    if ('role' in principal) return this.roleSession(this.roleIdOf(principal.role));
    if ('service' in principal) {
      return {
        principal: principal.service,
        label: principal.service,
        context: { 'aws:PrincipalIsAWSService': 'true', 'aws:PrincipalServiceName': principal.service, 'aws:SecureTransport': 'true' },
      };
    }
    if ('anonymous' in principal) return { principal: anonymousPrincipal, label: 'anonymous', context: { 'aws:SecureTransport': 'true' } };
    return { principal: principal.arn, label: principal.arn, context: { 'aws:SecureTransport': 'true' } };
  }

  private async evaluate(
    caller: Caller,
    action: string,
    resource: string,
    requestContext: RequestContext,
    policies: { identityPolicies: NamedPolicy[]; resourcePolicy: PolicyDocument; judged: 'identityAnalysis' | 'resourceAnalysis'; policyLabel: string },
  ): Promise<Decision> {
    const context = mergeContext(caller.context, requestContext);
    const request = `${caller.label} ${action} on ${resource}`;
    const simulation: Simulation = {
      request: { principal: caller.principal, action, resource: { resource, accountId: this.env.account }, contextVariables: context },
      identityPolicies: policies.identityPolicies.map(({ name, document }) => ({ name, policy: document })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policies.resourcePolicy,
    };
    const result = await runSimulation(simulation, { simulationMode: 'Strict' });
    // An invalid request must fail the test, not read as "denied".
    if (result.resultType === 'error') {
      throw new IamHarnessError(`iam-simulate rejects ${request}: ${result.errors.message}\n${JSON.stringify(result.errors, null, 2)}`);
    }
    if (result.resultType === 'wildcard') {
      throw new IamHarnessError(`${request}: the resource has a wildcard; ask about one concrete resource ("*" only for actions that take no resource)`);
    }
    const ignored = result.result.ignoredContextKeys ?? [];
    if (ignored.length > 0) {
      throw new IamHarnessError(`${request}: iam-simulate does not accept the context keys ${ignored.join(', ')} for this action and resource`);
    }
    const { analysis } = result.result;
    const judged = analysis[policies.judged];
    if (!judged) throw new IamHarnessError(`${request}: iam-simulate returned no ${policies.judged}`);
    const decision = result.overallResult;
    return {
      allowed: decision === 'Allowed',
      decision,
      explanation: explanationOf(`${decision}: ${request}`, decision, judged, policies.policyLabel, context),
      analysis,
    };
  }
}
