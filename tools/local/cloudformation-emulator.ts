/**
 * CloudFormation's DescribeStacks on loopback, so that operator commands which read a deployed stack's
 * outputs (bucket names, queue URLs...) run unchanged against the local stack. They use their real
 * CloudFormationClient: the AWS query protocol (a form-encoded `POST /` with `Action` and
 * `Version=2010-05-15`) answered in XML in CloudFormation's namespace. Local tooling only, never deployed.
 *
 * CloudFormation's rules enforced (API reference, the SDK's model in @aws-sdk/client-cloudformation):
 * - DescribeStacks without a StackName describes every stack; with one, the stack of that name or stack
 *   id, and for any other the error CloudFormation gives: 400, ValidationError, "Stack with id X does not
 *   exist" (the SDK raises it as a CloudFormationServiceException named ValidationError).
 * - Each stack is CREATE_COMPLETE, with a stack id as CloudFormation forms it
 *   (`arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>`, stable per name) and its outputs,
 *   read from `stacks()` on every call so they follow the local stack.
 * - Requests must be SigV4-signed for this region and `cloudformation`, as AWS requires.
 *
 * Left out: every other action (answered InvalidAction), pagination (a local stack has a handful of
 * stacks, all answered in one page), parameters, tags and drift.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import * as z from 'zod';
import { readBody } from './http.ts';
import { AwsServiceError, closeServer, listenOnLoopback, signedScope } from './aws-json.ts';

const ACCOUNT = '000000000000';
const API_VERSION = '2010-05-15';
const XML_NAMESPACE = `http://cloudformation.amazonaws.com/doc/${API_VERSION}/`;

export interface CloudFormationEmulatorOptions {
  region: string;
  /** Stack name to its outputs (output key to value), read on every request. */
  stacks: () => Record<string, Record<string, string>>;
}

export interface CloudFormationEmulator {
  endpoint: string;
  server: Server;
  close(): Promise<void>;
}

class QueryError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
  }
}

const requestSchema = z.object({
  Action: z.string(),
  Version: z.string(),
  StackName: z.string().optional(),
  NextToken: z.string().optional(),
});

// The query protocol's names for the signature problems the JSON services call by their exception names.
const QUERY_SIGNATURE_CODES: Record<string, string> = {
  MissingAuthenticationTokenException: 'MissingAuthenticationToken',
  InvalidSignatureException: 'SignatureDoesNotMatch',
};

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** A stack id that stays the same for a name, as a deployed stack's does. */
function stackIdOf(region: string, name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return `arn:aws:cloudformation:${region}:${ACCOUNT}:stack/${name}/${uuid}`;
}

function stackXml(region: string, name: string, outputs: Record<string, string>, createdAt: string): string {
  const members = Object.entries(outputs)
    .map(([key, value]) => `<member><OutputKey>${escapeXml(key)}</OutputKey><OutputValue>${escapeXml(value)}</OutputValue></member>`)
    .join('');
  return [
    '<member>',
    `<StackId>${escapeXml(stackIdOf(region, name))}</StackId>`,
    `<StackName>${escapeXml(name)}</StackName>`,
    `<CreationTime>${createdAt}</CreationTime>`,
    '<StackStatus>CREATE_COMPLETE</StackStatus>',
    '<DisableRollback>false</DisableRollback>',
    members ? `<Outputs>${members}</Outputs>` : '',
    '</member>',
  ].join('');
}

/** Starts DescribeStacks on 127.0.0.1. */
export async function startCloudFormationEmulator(options: CloudFormationEmulatorOptions): Promise<CloudFormationEmulator> {
  const createdAt = new Date().toISOString();

  const describeStacks = (stackName: string | undefined): string => {
    const stacks = options.stacks();
    const names = stackName === undefined ? Object.keys(stacks) : Object.keys(stacks).filter((name) => name === stackName || stackIdOf(options.region, name) === stackName);
    if (stackName !== undefined && names.length === 0) throw new QueryError('ValidationError', `Stack with id ${stackName} does not exist`);
    return names.map((name) => stackXml(options.region, name, stacks[name]!, createdAt)).join('');
  };

  const server = createServer((req, res) => {
    const requestId = randomUUID();
    void (async () => {
      try {
        try {
          signedScope(req.headers.authorization, options.region, 'cloudformation');
        } catch (refused) {
          if (refused instanceof AwsServiceError) throw new QueryError(QUERY_SIGNATURE_CODES[refused.code] ?? refused.code, refused.message, refused.statusCode);
          throw refused;
        }
        if (req.method !== 'POST' || !String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
          throw new QueryError('InvalidAction', 'CloudFormation takes form-encoded POST requests.');
        }
        const parsed = requestSchema.safeParse(Object.fromEntries(new URLSearchParams((await readBody(req)).toString('utf8'))));
        if (!parsed.success) throw new QueryError('MissingAction', 'The request must contain the parameters Action and Version.');
        const { Action, Version, StackName } = parsed.data;
        if (Version !== API_VERSION) throw new QueryError('InvalidParameterValue', `Version ${Version} is not a version of this service: use ${API_VERSION}.`);
        if (Action !== 'DescribeStacks') throw new QueryError('InvalidAction', `The action ${Action} is not valid for this web service: the local CloudFormation answers DescribeStacks only.`);
        const body =
          `<DescribeStacksResponse xmlns="${XML_NAMESPACE}"><DescribeStacksResult><Stacks>${describeStacks(StackName)}</Stacks></DescribeStacksResult>` +
          `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></DescribeStacksResponse>`;
        res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
        res.end(body);
      } catch (error) {
        const reported = error instanceof QueryError ? error : new QueryError('InternalFailure', error instanceof Error ? error.message : String(error), 500);
        const type = reported.statusCode < 500 ? 'Sender' : 'Receiver';
        res.writeHead(reported.statusCode, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
        res.end(
          `<ErrorResponse xmlns="${XML_NAMESPACE}"><Error><Type>${type}</Type><Code>${escapeXml(reported.code)}</Code>` +
            `<Message>${escapeXml(reported.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
        );
      }
    })();
  });
  const endpoint = await listenOnLoopback(server);
  return { endpoint, server, close: () => closeServer(server) };
}
