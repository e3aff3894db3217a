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
import type { Construct } from 'constructs';
import { acknowledge, acknowledgeBucketGrant, nagArn } from '../nag.ts';

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

export type BucketAccess = 'read' | 'readwrite';
export type TableAccess = 'read' | 'readwrite';

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

  /** Sets `BUCKET_NAME` and grants read or read/write on the bucket's objects. */
  bindBucket(bucket: IBucket, access: BucketAccess): this {
    this.addEnvironment('BUCKET_NAME', bucket.bucketName);
    if (access === 'readwrite') bucket.grantReadWrite(this);
    else bucket.grantRead(this);
    acknowledgeBucketGrant(
      this,
      bucket,
      access,
      access === 'readwrite'
        ? 'The function reads and writes objects under several prefixes of the one app bucket (DESIGN.md "Files in the bucket"); the grant is on that bucket only, and the wildcards are the grant helper\'s version-aware object actions.'
        : 'Read-only on the one app bucket, whose keys the function lists and reads by prefix; the wildcards are the grant helper\'s read actions (versions included).',
    );
    return this;
  }

  /** Sets `BUCKET_NAME` and grants writing objects under one prefix only (no read, no delete). */
  bindBucketWriter(bucket: IBucket, objectPattern: string): this {
    this.addEnvironment('BUCKET_NAME', bucket.bucketName);
    bucket.grantPut(this, objectPattern);
    const reason = `The function writes objects under ${objectPattern} of the one app bucket and nowhere else; s3:Abort* is the put grant's abort of its own multipart uploads.`;
    acknowledge(this, `AwsSolutions-IAM5[Resource::${nagArn(bucket)}/${objectPattern}]`, reason);
    acknowledge(this, 'AwsSolutions-IAM5[Action::s3:Abort*]', reason);
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

  /** Sets `TABLE_NAME` and grants read or read/write on the table and its indexes. */
  bindTable(table: ITable, access: TableAccess): this {
    this.addEnvironment('TABLE_NAME', table.tableName);
    if (access === 'readwrite') table.grantReadWriteData(this);
    else table.grantReadData(this);
    acknowledge(
      this,
      `AwsSolutions-IAM5[Resource::${nagArn(table)}/index/*]`,
      'The grant covers the history table\'s own indexes (gsi1 queries one month\'s snapshots), no other table.',
    );
    return this;
  }

  /** Sets `DELIVERY_QUEUE_URL` and grants sending to the queue. */
  bindDeliveryQueue(queue: IQueue): this {
    this.addEnvironment('DELIVERY_QUEUE_URL', queue.queueUrl);
    queue.grantSendMessages(this);
    return this;
  }

  /** Sets `SENDER_ADDRESS`, and `REPLY_TO_ADDRESS` and `SES_CONFIGURATION_SET` when configured; grants nothing. */
  setSender(sender: EmailSender): this {
    this.addEnvironment('SENDER_ADDRESS', sender.senderAddress);
    if (sender.replyToAddress) this.addEnvironment('REPLY_TO_ADDRESS', sender.replyToAddress);
    if (sender.sesConfigurationSet) this.addEnvironment('SES_CONFIGURATION_SET', sender.sesConfigurationSet);
    return this;
  }

  /**
   * Sets `SENDER_ADDRESS` (and `REPLY_TO_ADDRESS`, `SES_CONFIGURATION_SET` when configured) and
   * allows sending through SES from the sender's identity only: the address itself or its domain,
   * whichever is the verified identity.
   */
  allowSendEmail(sender: EmailSender): this {
    this.setSender(sender);

    const stack = Stack.of(this);
    const sesArn = (resourceName: string): string =>
      Arn.format({ service: 'ses', resource: resourceName }, stack);
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
