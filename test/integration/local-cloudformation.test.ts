/**
 * The local CloudFormation (tools/local/cloudformation-emulator.ts) against the real CloudFormationClient:
 * operator commands that read a deployed stack's outputs get the local stack's, and an unknown stack
 * fails as CloudFormation fails it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusal } from '../support/refusal.ts';
import { CloudFormationClient, CloudFormationServiceException, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { LOCAL_CREDENTIALS } from '../../lib/aws/clients.ts';
import { startCloudFormationEmulator, type CloudFormationEmulator } from '../../tools/local/cloudformation-emulator.ts';

const REGION = 'ap-southeast-3';
const outputs: Record<string, Record<string, string>> = {
  UcjBulletin: { BucketName: 'ucj-bulletin-local', DeliveryQueueUrl: 'http://127.0.0.1:1234/000000000000/delivery' },
  UcjMonitoring: {},
};

let emulator: CloudFormationEmulator;
let cloudFormation: CloudFormationClient;


beforeAll(async () => {
  emulator = await startCloudFormationEmulator({ region: REGION, stacks: () => outputs });
  cloudFormation = new CloudFormationClient({ endpoint: emulator.endpoint, region: REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
});

afterAll(async () => {
  cloudFormation?.destroy();
  await emulator?.close();
});

describe('DescribeStacks', () => {
  it("describes a stack by name as CREATE_COMPLETE with its outputs, and again by its stack id", async () => {
    const { Stacks = [] } = await cloudFormation.send(new DescribeStacksCommand({ StackName: 'UcjBulletin' }));
    expect(Stacks).toHaveLength(1);
    const stack = Stacks[0]!;
    expect(stack.StackName).toBe('UcjBulletin');
    expect(stack.StackStatus).toBe('CREATE_COMPLETE');
    expect(stack.CreationTime).toBeInstanceOf(Date);
    expect(stack.StackId).toMatch(/^arn:aws:cloudformation:ap-southeast-3:000000000000:stack\/UcjBulletin\/[0-9a-f-]{36}$/);
    expect(Object.fromEntries((stack.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]))).toEqual(outputs.UcjBulletin);

    const byId = await cloudFormation.send(new DescribeStacksCommand({ StackName: stack.StackId }));
    expect(byId.Stacks?.map((s) => s.StackName)).toEqual(['UcjBulletin']);
  });

  it('describes every stack without a StackName, reading the outputs afresh on each call', async () => {
    const all = await cloudFormation.send(new DescribeStacksCommand({}));
    expect(all.Stacks?.map((stack) => stack.StackName).sort()).toEqual(['UcjBulletin', 'UcjMonitoring']);
    expect(all.Stacks?.find((stack) => stack.StackName === 'UcjMonitoring')?.Outputs).toBeUndefined();

    outputs.UcjMonitoring = { AlarmTopicArn: 'arn:aws:sns:ap-southeast-3:000000000000:alarms & <more>' };
    const again = await cloudFormation.send(new DescribeStacksCommand({ StackName: 'UcjMonitoring' }));
    expect(again.Stacks?.[0]?.Outputs).toEqual([{ OutputKey: 'AlarmTopicArn', OutputValue: 'arn:aws:sns:ap-southeast-3:000000000000:alarms & <more>' }]);
  });

  it('fails an unknown stack with the ValidationError CloudFormation gives', async () => {
    const missing = await refusal(cloudFormation.send(new DescribeStacksCommand({ StackName: 'NoSuchStack' })), 'CloudFormation');
    expect(missing).toBeInstanceOf(CloudFormationServiceException);
    expect(missing.name).toBe('ValidationError');
    expect(missing.message).toBe('Stack with id NoSuchStack does not exist');
    expect(missing).toMatchObject({ $fault: 'client', $metadata: { httpStatusCode: 400 } });
  });

  it('refuses a client signed for another region', async () => {
    const elsewhere = new CloudFormationClient({ endpoint: emulator.endpoint, region: 'eu-west-1', credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    expect((await refusal(elsewhere.send(new DescribeStacksCommand({})), 'CloudFormation')).name).toBe('SignatureDoesNotMatch');
    elsewhere.destroy();
  });
});
