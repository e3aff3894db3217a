import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Arn, type Duration, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { acknowledge, nagArn } from '../nag.ts';

/** The repository root, whatever directory `cdk` or the tests run from. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Defines `__dirname` and `__filename` for the CommonJS code bundled into the ES module. */
const ESM_GLOBALS_SHIM = path.join(REPO_ROOT, 'infra', 'lambda', 'esm-globals.ts');

/**
 * fontkit (under pdfmake) imports brotli to read WOFF2 fonts; the bundles ship TrueType Roboto only, so
 * a stub that throws stands in for it: ~475 kB less in every bundle and less to load at cold start.
 */
const BROTLI_STUB = path.join(REPO_ROOT, 'infra', 'lambda', 'brotli-stub');

/** Where the renderer finds pdfmake's Roboto fonts on Lambda (the bundle is unpacked in /var/task). */
export const LAMBDA_FONT_DIR = '/var/task/fonts/Roboto';

const requireFromRepo = createRequire(path.join(REPO_ROOT, 'package.json'));
const packageDir = (name: string, from = requireFromRepo): string =>
  path.dirname(from.resolve(`${name}/package.json`));

/**
 * `idn-area-data` reads its CSV files relative to its own module file at run time, which esbuild
 * cannot follow: it stays out of the bundle and is copied beside it, with its one dependency and
 * only the data files the app reads (provinces and regencies; districts and villages are megabytes).
 */
const REGION_DATA_PACKAGE = 'idn-area-data';
const REGION_DATA_FILES = ['provinces.csv', 'regencies.csv', 'LICENSE.md'];


export interface EmailSender {
  senderAddress: string;
  replyToAddress?: string | undefined;
  sesConfigurationSet?: string | undefined;
}

export interface UcjFunctionProps {
  /** The handler file, relative to the repository root, e.g. `functions/monthly-run.ts`. */
  entry: string;
  description: string;
  timeout: Duration;
  memorySize: number;
  logRetention: RetentionDays;
  /** Ships pdfmake's Roboto fonts in the bundle and sets `UCJ_FONT_DIR` to them. */
  rendersPdf?: boolean;
  environment?: Record<string, string>;
  reservedConcurrentExecutions?: number;
}

/**
 * Every Lambda of the app: Node.js 24 on ARM64, an ESM bundle built by the local esbuild,
 * X-Ray tracing, its own log group with a retention. `bind*` helpers set the env var the handler
 * reads and grant the matching access in one call, so the two can never drift apart.
 */
export class UcjFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: UcjFunctionProps) {
    const entry = path.join(REPO_ROOT, props.entry);
    if (!existsSync(entry)) throw new Error(`UcjFunction ${id}: handler file ${props.entry} does not exist`);
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: props.logRetention });
    const copies = bundleCopyCommands(props.rendersPdf ?? false);

    super(scope, id, {
      entry,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memorySize,
      ...(props.reservedConcurrentExecutions !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions } : {}),
      tracing: Tracing.ACTIVE,
      logGroup,
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      environment: {
        POWERTOOLS_SERVICE_NAME: 'ucj-bulletin',
        NODE_OPTIONS: '--enable-source-maps',
        ...(props.rendersPdf ? { UCJ_FONT_DIR: LAMBDA_FONT_DIR } : {}),
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        // The oldest Node the bundle must load in: Lambda runs 24, the tests and the local stack Node 20+.
        target: 'node20',
        mainFields: ['module', 'main'],
        // Bundled CommonJS dependencies call `require`, which ESM does not define.
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        inject: [ESM_GLOBALS_SHIM],
        esbuildArgs: { '--alias:brotli': BROTLI_STUB },
        minify: true,
        sourceMap: true,
        // Stack traces need the mappings only; the sources themselves would triple the upload.
        sourcesContent: false,
        logLevel: LogLevel.WARNING,
        // The SDK is bundled so Lambda runs the version the tests ran, not the runtime's own copy.
        bundleAwsSDK: true,
        externalModules: [REGION_DATA_PACKAGE],
        forceDockerBundling: false,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir, outputDir) => copies(outputDir),
        },
      },
    });

    acknowledge(
      this,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'AWSLambdaBasicExecutionRole grants only logs:CreateLogGroup, CreateLogStream and PutLogEvents, which every function needs to log.',
    );
    acknowledge(
      this,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray tracing: xray:PutTraceSegments and PutTelemetryRecords support no resource-level permissions, so "*" is the only resource.',
    );
  }

  /**
   * Sets `BUCKET_NAME` and grants exactly these object actions on objects matching these key patterns
   * (e.g. `s3:GetObjectVersion` on `uploads/*`), and, when `list` is given, listing those prefixes.
   * Listing matters beyond listing: without s3:ListBucket, S3 answers a read of a missing key with 403
   * rather than 404, and the function could not tell "not there" from "not allowed". S3 judges that
   * with the key as `s3:prefix`, so the prefix condition covers it.
   */
  bindObjects(bucket: IBucket, grants: ReadonlyArray<{ actions: readonly string[]; keys: readonly string[] }>, list: readonly string[] = []): this {
    this.addEnvironment('BUCKET_NAME', bucket.bucketName);
    for (const grant of grants) {
      this.addToRolePolicy(new PolicyStatement({ actions: [...grant.actions], resources: grant.keys.map((key) => bucket.arnForObjects(key)) }));
      for (const key of grant.keys.filter((k) => k.includes('*'))) {
        acknowledge(
          this,
          `AwsSolutions-IAM5[Resource::${nagArn(bucket)}/${key}]`,
          `The function works on every object under ${key.replace(/\*$/, '')} of the one app bucket (their keys hold the month and the file name), with only ${grant.actions.join(', ')}.`,
        );
      }
    }
    if (list.length > 0) {
      this.addToRolePolicy(
        new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [...list] } } }),
      );
    }
    return this;
  }

  /** Sets `RENDER_FUNCTION_NAME` and grants invoking that function (monthly-run's render fan-out). */
  bindRenderer(renderer: UcjFunction): this {
    this.addEnvironment('RENDER_FUNCTION_NAME', renderer.functionName);
    renderer.grantInvoke(this);
    acknowledge(
      this,
      `AwsSolutions-IAM5[Resource::${nagArn(renderer)}:*]`,
      'grantInvoke covers the one render function and its versions and aliases (`<arn>:*`); nothing else may be invoked.',
    );
    return this;
  }

  /**
   * Sets `TABLE_NAME` and grants these item actions on the table and its indexes, only on items whose
   * partition key starts with one of `leadingKeys` (`dynamodb:LeadingKeys`), and, when `attributes` is
   * given, only on those attributes (`dynamodb:Attributes`): each function touches only the item kinds
   * it owns.
   */
  bindTable(table: ITable, grants: ReadonlyArray<{ actions: readonly string[]; leadingKeys: readonly string[]; attributes?: readonly string[] }>): this {
    this.addEnvironment('TABLE_NAME', table.tableName);
    for (const grant of grants) {
      this.addToRolePolicy(
        new PolicyStatement({
          actions: [...grant.actions],
          resources: [table.tableArn, `${table.tableArn}/index/*`],
          conditions: {
            'ForAllValues:StringLike': {
              'dynamodb:LeadingKeys': grant.leadingKeys.map((prefix) => `${prefix}*`),
              ...(grant.attributes ? { 'dynamodb:Attributes': [...grant.attributes] } : {}),
            },
          },
        }),
      );
    }
    acknowledge(
      this,
      `AwsSolutions-IAM5[Resource::${nagArn(table)}/index/*]`,
      'The grant covers the history table\'s own indexes (gsi1 queries one month\'s snapshots), no other table, and only items whose partition key the function owns (dynamodb:LeadingKeys).',
    );
    return this;
  }

  /** Sets `DELIVERY_QUEUE_URL` and grants sending to the queue. */
  bindDeliveryQueue(queue: IQueue): this {
    this.addEnvironment('DELIVERY_QUEUE_URL', queue.queueUrl);
    queue.grantSendMessages(this);
    return this;
  }

  /** Sets the variable naming a secret and grants reading it: the current version only, or any version. */
  bindSecret(variable: string, secret: ISecret, versions: 'current' | 'any'): this {
    this.addEnvironment(variable, secret.secretArn);
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secret.secretArn],
        ...(versions === 'current' ? { conditions: { StringEquals: { 'secretsmanager:VersionStage': 'AWSCURRENT' } } } : {}),
      }),
    );
    return this;
  }

  /**
   * Sets `SENDER_ADDRESS` (and `REPLY_TO_ADDRESS`, `SES_CONFIGURATION_SET` when configured) and
   * allows sending through SES from the sender's identity only: the address itself or its domain,
   * whichever is the verified identity.
   */
  allowSendEmail(sender: EmailSender): this {
    this.addEnvironment('SENDER_ADDRESS', sender.senderAddress);
    if (sender.replyToAddress) this.addEnvironment('REPLY_TO_ADDRESS', sender.replyToAddress);
    if (sender.sesConfigurationSet) this.addEnvironment('SES_CONFIGURATION_SET', sender.sesConfigurationSet);

    const stack = Stack.of(this);
    const sesArn = (resourceName: string): string => Arn.format({ service: 'ses', resource: resourceName }, stack);
    const domain = sender.senderAddress.slice(sender.senderAddress.lastIndexOf('@') + 1);
    const resources = [sesArn(`identity/${domain}`), sesArn(`identity/${sender.senderAddress}`)];
    // SES also authorises the configuration set a message is sent through.
    if (sender.sesConfigurationSet) resources.push(sesArn(`configuration-set/${sender.sesConfigurationSet}`));
    this.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        // SES v2 SendEmail with raw MIME content (attachments) needs SendRawEmail too.
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources,
      }),
    );
    return this;
  }

  /**
   * Sets `SENDER_ADDRESS` and allows asking SES whether it can send yet (production access, verified
   * identities), which monthly-run does before queueing; sends nothing.
   */
  allowCheckMailAccount(sender: EmailSender): this {
    this.addEnvironment('SENDER_ADDRESS', sender.senderAddress);
    this.addToRolePolicy(new PolicyStatement({ actions: ['ses:GetAccount', 'ses:ListEmailIdentities'], resources: ['*'] }));
    acknowledge(
      this,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords) and SES\'s account-level reads (ses:GetAccount, ses:ListEmailIdentities) support no resource-level permissions, so "*" is the only resource.',
    );
    return this;
  }
}

/** Shell commands, run after esbuild, that put the files the code reads at run time beside the bundle. */
function bundleCopyCommands(withFonts: boolean): (outputDir: string) => string[] {
  const regionData = packageDir(REGION_DATA_PACKAGE);
  const regionDataDeps = createRequire(path.join(regionData, 'package.json'));
  const papaparse = packageDir('papaparse', regionDataDeps);
  const fonts = path.join(packageDir('pdfmake'), 'fonts', 'Roboto');
  for (const dir of [regionData, papaparse, ...(withFonts ? [fonts] : [])]) {
    if (!existsSync(dir)) throw new Error(`UcjFunction: ${dir} is missing; run npm ci first`);
  }
  const q = (p: string): string => JSON.stringify(p);

  return (outputDir) => {
    const modules = path.join(outputDir, 'node_modules');
    const regionOut = path.join(modules, REGION_DATA_PACKAGE);
    const commands = [
      `mkdir -p ${q(path.join(regionOut, 'data'))} ${q(path.join(modules, 'papaparse'))}`,
      `cp -R ${q(path.join(regionData, 'package.json'))} ${q(path.join(regionData, 'lib'))} ${q(regionOut)}`,
      `cp ${REGION_DATA_FILES.map((f) => q(path.join(regionData, 'data', f))).join(' ')} ${q(path.join(regionOut, 'data'))}`,
      `cp ${['package.json', 'papaparse.js', 'LICENSE'].map((f) => q(path.join(papaparse, f))).join(' ')} ${q(path.join(modules, 'papaparse'))}`,
    ];
    if (withFonts) {
      const fontsOut = path.join(outputDir, 'fonts', 'Roboto');
      commands.push(`mkdir -p ${q(fontsOut)}`, `cp ${q(fonts)}/*.ttf ${q(fontsOut)}`);
    }
    return commands;
  };
}
