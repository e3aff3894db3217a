/**
 * The local Secrets Manager (tools/local/secrets-emulator.ts) against the real SecretsManagerClient:
 * staging labels move as on AWS, rotation runs a rotation function written the way AWS's template
 * writes one, and old versions stay readable by id after they lose their labels.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusal } from '../support/refusal.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { LOCAL_CREDENTIALS } from '../../lib/aws/clients.ts';
import { startSecretsEmulator, type RotationInvocation, type RotationStep, type SecretsEmulator } from '../../tools/local/secrets-emulator.ts';

const REGION = 'ap-southeast-3';
const TOKEN_1 = '11111111-1111-4111-8111-111111111111';
const TOKEN_2 = '22222222-2222-4222-8222-222222222222';

let dir: string;
let emulator: SecretsEmulator;
let secrets: SecretsManagerClient;
/** The steps the rotation function saw, as `step:token`. */
const steps: string[] = [];
/** Makes the rotation function fail at this step (the failure test sets it). */
let failAt: RotationStep | undefined;


const stagesOf = async (SecretId: string) => (await secrets.send(new DescribeSecretCommand({ SecretId }))).VersionIdsToStages ?? {};
const valueOf = async (input: { SecretId: string; VersionId?: string; VersionStage?: string }) => (await secrets.send(new GetSecretValueCommand(input))).SecretString;

/** A rotation function as AWS's SecretsManagerRotationTemplate writes one, talking to Secrets Manager. */
async function rotationFunction({ SecretId, ClientRequestToken: token, Step }: RotationInvocation): Promise<void> {
  steps.push(`${Step}:${token}`);
  if (Step === failAt) throw new Error(`${Step} failed on purpose`);
  const metadata = await secrets.send(new DescribeSecretCommand({ SecretId }));
  if (!metadata.RotationEnabled) throw new Error(`Secret ${SecretId} is not enabled for rotation`);
  const versions = metadata.VersionIdsToStages ?? {};
  if (!versions[token]) throw new Error(`Secret version ${token} has no stage for rotation of secret ${SecretId}.`);
  if (versions[token]!.includes('AWSCURRENT')) return;
  if (!versions[token]!.includes('AWSPENDING')) throw new Error(`Secret version ${token} not set as AWSPENDING for rotation of secret ${SecretId}.`);

  if (Step === 'createSecret') {
    await secrets.send(new GetSecretValueCommand({ SecretId, VersionStage: 'AWSCURRENT' }));
    try {
      await secrets.send(new GetSecretValueCommand({ SecretId, VersionId: token, VersionStage: 'AWSPENDING' }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      const { RandomPassword } = await secrets.send(new GetRandomPasswordCommand({ ExcludeCharacters: '/@"\'\\' }));
      await secrets.send(new PutSecretValueCommand({ SecretId, ClientRequestToken: token, SecretString: RandomPassword, VersionStages: ['AWSPENDING'] }));
    }
  } else if (Step === 'testSecret') {
    await secrets.send(new GetSecretValueCommand({ SecretId, VersionId: token, VersionStage: 'AWSPENDING' }));
  } else if (Step === 'finishSecret') {
    const current = Object.entries(versions).find(([, labels]) => labels.includes('AWSCURRENT'))?.[0];
    await secrets.send(new UpdateSecretVersionStageCommand({ SecretId, VersionStage: 'AWSCURRENT', MoveToVersionId: token, RemoveFromVersionId: current }));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucj-local-secrets-'));
  emulator = await startSecretsEmulator({ file: join(dir, 'secrets.json'), region: REGION, rotation: rotationFunction });
  secrets = new SecretsManagerClient({ endpoint: emulator.endpoint, region: REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
});

afterAll(async () => {
  secrets?.destroy();
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('secrets and versions', () => {
  it('forms ARNs as Secrets Manager does and reads a secret by name, ARN, stage and version', async () => {
    const created = await secrets.send(new CreateSecretCommand({ Name: 'ucj/smtp', ClientRequestToken: TOKEN_1, SecretString: 'first' }));
    expect(created.ARN).toMatch(/^arn:aws:secretsmanager:ap-southeast-3:000000000000:secret:ucj\/smtp-[A-Za-z0-9]{6}$/);
    expect(created.VersionId).toBe(TOKEN_1);

    expect(await valueOf({ SecretId: 'ucj/smtp' })).toBe('first');
    expect(await valueOf({ SecretId: created.ARN! })).toBe('first');
    expect(await valueOf({ SecretId: `arn:aws:secretsmanager:${REGION}:000000000000:secret:ucj/smtp` })).toBe('first'); // a partial ARN
    expect(await valueOf({ SecretId: 'ucj/smtp', VersionStage: 'AWSCURRENT' })).toBe('first');
    const byVersion = await secrets.send(new GetSecretValueCommand({ SecretId: 'ucj/smtp', VersionId: TOKEN_1 }));
    expect(byVersion).toMatchObject({ SecretString: 'first', VersionStages: ['AWSCURRENT'], ARN: created.ARN });
    expect(byVersion.CreatedDate).toBeInstanceOf(Date);

    const noPrevious = await refusal(valueOf({ SecretId: 'ucj/smtp', VersionStage: 'AWSPREVIOUS' }), 'Secrets Manager');
    expect(noPrevious).toBeInstanceOf(ResourceNotFoundException);
    expect(noPrevious.message).toBe("Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS");
    expect(await refusal(valueOf({ SecretId: 'ucj/no-such-secret' }), 'Secrets Manager')).toBeInstanceOf(ResourceNotFoundException);
    expect(await refusal(valueOf({ SecretId: 'ucj/smtp', VersionId: TOKEN_1, VersionStage: 'AWSPREVIOUS' }), 'Secrets Manager')).toBeInstanceOf(InvalidRequestException);
  });

  it('keeps versions immutable: a repeated token with the same value changes nothing, with another value it is refused', async () => {
    const again = await secrets.send(new CreateSecretCommand({ Name: 'ucj/smtp', ClientRequestToken: TOKEN_1, SecretString: 'first' }));
    expect(again.VersionId).toBe(TOKEN_1);
    expect(await refusal(secrets.send(new CreateSecretCommand({ Name: 'ucj/smtp', SecretString: 'other' })), 'Secrets Manager')).toBeInstanceOf(ResourceExistsException);
    expect(await refusal(secrets.send(new PutSecretValueCommand({ SecretId: 'ucj/smtp', ClientRequestToken: TOKEN_1, SecretString: 'changed' })), 'Secrets Manager')).toBeInstanceOf(
      ResourceExistsException,
    );
    const repeated = await secrets.send(new PutSecretValueCommand({ SecretId: 'ucj/smtp', ClientRequestToken: TOKEN_1, SecretString: 'first' }));
    expect(repeated.VersionStages).toEqual(['AWSCURRENT']);
    expect(await refusal(secrets.send(new CreateSecretCommand({ Name: 'has spaces', SecretString: 'x' })), 'Secrets Manager')).toBeInstanceOf(InvalidParameterException);
  });

  it('moves AWSCURRENT only when told which version loses it, and AWSPREVIOUS follows it', async () => {
    await secrets.send(new CreateSecretCommand({ Name: 'ucj/labels', ClientRequestToken: TOKEN_1, SecretString: 'one' }));
    const two = await secrets.send(new PutSecretValueCommand({ SecretId: 'ucj/labels', ClientRequestToken: TOKEN_2, SecretString: 'two', VersionStages: ['STAGED'] }));
    expect(two.VersionStages).toEqual(['STAGED']);
    expect(await stagesOf('ucj/labels')).toEqual({ [TOKEN_1]: ['AWSCURRENT'], [TOKEN_2]: ['STAGED'] });

    const unnamed = await refusal(secrets.send(new UpdateSecretVersionStageCommand({ SecretId: 'ucj/labels', VersionStage: 'AWSCURRENT', MoveToVersionId: TOKEN_2 })), 'Secrets Manager');
    expect(unnamed).toBeInstanceOf(InvalidParameterException);
    expect(unnamed.message).toBe(
      `The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is currently attached to version ${TOKEN_1}, so you must explicitly reference that version in RemoveFromVersionId.`,
    );
    const wrongVersion = secrets.send(
      new UpdateSecretVersionStageCommand({ SecretId: 'ucj/labels', VersionStage: 'AWSCURRENT', MoveToVersionId: TOKEN_2, RemoveFromVersionId: TOKEN_2 }),
    );
    expect(await refusal(wrongVersion, 'Secrets Manager')).toBeInstanceOf(InvalidParameterException);

    await secrets.send(new UpdateSecretVersionStageCommand({ SecretId: 'ucj/labels', VersionStage: 'AWSCURRENT', MoveToVersionId: TOKEN_2, RemoveFromVersionId: TOKEN_1 }));
    expect(await stagesOf('ucj/labels')).toEqual({ [TOKEN_1]: ['AWSPREVIOUS'], [TOKEN_2]: ['STAGED', 'AWSCURRENT'] });
    expect(await valueOf({ SecretId: 'ucj/labels' })).toBe('two');
    expect(await valueOf({ SecretId: 'ucj/labels', VersionStage: 'AWSPREVIOUS' })).toBe('one');

    // Rolling back moves AWSPREVIOUS to the version that was current.
    await secrets.send(new UpdateSecretVersionStageCommand({ SecretId: 'ucj/labels', VersionStage: 'AWSCURRENT', MoveToVersionId: TOKEN_1, RemoveFromVersionId: TOKEN_2 }));
    expect(await stagesOf('ucj/labels')).toEqual({ [TOKEN_1]: ['AWSCURRENT'], [TOKEN_2]: ['STAGED', 'AWSPREVIOUS'] });
    // A plain PutSecretValue makes the new version current, and the current one previous.
    const three = await secrets.send(new PutSecretValueCommand({ SecretId: 'ucj/labels', SecretString: 'three' }));
    expect(await stagesOf('ucj/labels')).toEqual({ [TOKEN_1]: ['AWSPREVIOUS'], [TOKEN_2]: ['STAGED'], [three.VersionId!]: ['AWSCURRENT'] });
    expect(await refusal(secrets.send(new UpdateSecretVersionStageCommand({ SecretId: 'ucj/labels', VersionStage: 'AWSCURRENT', RemoveFromVersionId: three.VersionId })), 'Secrets Manager')).toBeInstanceOf(
      InvalidParameterException,
    );
  });
});

describe('rotation', () => {
  it('runs the four steps in order with one token; the old version becomes AWSPREVIOUS and stays readable by id after a second rotation', async () => {
    const { ARN } = await secrets.send(new CreateSecretCommand({ Name: 'ucj/link-key', ClientRequestToken: TOKEN_1, SecretString: 'original' }));
    steps.length = 0;
    const first = await secrets.send(new RotateSecretCommand({ SecretId: 'ucj/link-key' }));
    const token = first.VersionId!;
    expect(steps).toEqual(['createSecret', 'setSecret', 'testSecret', 'finishSecret'].map((step) => `${step}:${token}`));
    expect(emulator.rotationEvents.filter((event) => event.versionId === token).map((event) => event.eventName)).toEqual(['RotationStarted', 'RotationSucceeded']);

    const rotated = await valueOf({ SecretId: 'ucj/link-key' });
    expect(rotated).not.toBe('original');
    expect(await valueOf({ SecretId: 'ucj/link-key', VersionStage: 'AWSPREVIOUS' })).toBe('original');
    expect(await valueOf({ SecretId: 'ucj/link-key', VersionId: TOKEN_1 })).toBe('original');
    const described = await secrets.send(new DescribeSecretCommand({ SecretId: ARN }));
    expect(described.RotationEnabled).toBe(true);
    expect(described.LastRotatedDate).toBeInstanceOf(Date);
    expect(described.VersionIdsToStages).toEqual({ [TOKEN_1]: ['AWSPREVIOUS'], [token]: ['AWSCURRENT'] }); // AWSPENDING cleared

    const second = await secrets.send(new RotateSecretCommand({ SecretId: 'ucj/link-key' }));
    const labels = await stagesOf('ucj/link-key');
    expect(labels).toEqual({ [token]: ['AWSPREVIOUS'], [second.VersionId!]: ['AWSCURRENT'] });
    expect(labels[TOKEN_1]).toBeUndefined(); // deprecated: no labels, not listed...
    expect(await valueOf({ SecretId: 'ucj/link-key', VersionId: TOKEN_1 })).toBe('original'); // ...but still readable by id
    expect(await valueOf({ SecretId: 'ucj/link-key', VersionId: token })).toBe(rotated);
  });

  it('leaves AWSPENDING on the new version when a step fails, and refuses to rotate again until it is cleared', async () => {
    await secrets.send(new CreateSecretCommand({ Name: 'ucj/fragile', ClientRequestToken: TOKEN_1, SecretString: 'steady' }));
    failAt = 'setSecret';
    steps.length = 0;
    let failed: string;
    try {
      // Secrets Manager answers RotateSecret whatever the steps do: the failure shows in the labels.
      failed = (await secrets.send(new RotateSecretCommand({ SecretId: 'ucj/fragile' }))).VersionId!;
    } finally {
      failAt = undefined;
    }
    expect(steps).toEqual([`createSecret:${failed}`, `setSecret:${failed}`]);
    expect(emulator.rotationEvents.at(-1)).toMatchObject({ eventName: 'RotationFailed', step: 'setSecret', versionId: failed });
    expect(await stagesOf('ucj/fragile')).toEqual({ [TOKEN_1]: ['AWSCURRENT'], [failed]: ['AWSPENDING'] });
    expect(await valueOf({ SecretId: 'ucj/fragile' })).toBe('steady');

    const blocked = await refusal(secrets.send(new RotateSecretCommand({ SecretId: 'ucj/fragile' })), 'Secrets Manager');
    expect(blocked).toBeInstanceOf(InvalidRequestException);
    expect(blocked.message).toBe("A previous rotation isn't complete. That rotation will be reattempted.");

    // An operator clears the half-done rotation; then rotation works again.
    await secrets.send(new UpdateSecretVersionStageCommand({ SecretId: 'ucj/fragile', VersionStage: 'AWSPENDING', RemoveFromVersionId: failed }));
    const retried = await secrets.send(new RotateSecretCommand({ SecretId: 'ucj/fragile' }));
    expect(emulator.rotationEvents.at(-1)).toMatchObject({ eventName: 'RotationSucceeded', versionId: retried.VersionId });
    expect(await valueOf({ SecretId: 'ucj/fragile', VersionStage: 'AWSPREVIOUS' })).toBe('steady');
  });
});

describe('persistence and passwords', () => {
  it('reads its secrets, versions and labels back from its file after a restart', async () => {
    const file = join(dir, 'restart', 'secrets.json');
    const first = await startSecretsEmulator({ file, region: REGION });
    const client = (endpoint: string) => new SecretsManagerClient({ endpoint, region: REGION, credentials: LOCAL_CREDENTIALS });
    const before = client(first.endpoint);
    const { ARN } = await before.send(new CreateSecretCommand({ Name: 'ucj/kept', ClientRequestToken: TOKEN_1, SecretString: 'v1' }));
    await before.send(new PutSecretValueCommand({ SecretId: 'ucj/kept', ClientRequestToken: TOKEN_2, SecretString: 'v2' }));
    before.destroy();
    await first.close();

    const second = await startSecretsEmulator({ file, region: REGION });
    const after = client(second.endpoint);
    try {
      const described = await after.send(new DescribeSecretCommand({ SecretId: 'ucj/kept' }));
      expect(described.ARN).toBe(ARN);
      expect(described.VersionIdsToStages).toEqual({ [TOKEN_1]: ['AWSPREVIOUS'], [TOKEN_2]: ['AWSCURRENT'] });
      expect((await after.send(new GetSecretValueCommand({ SecretId: ARN, VersionStage: 'AWSPREVIOUS' }))).SecretString).toBe('v1');
      // Without a rotation function there is nothing to rotate with.
      expect(await refusal(after.send(new RotateSecretCommand({ SecretId: 'ucj/kept' })), 'Secrets Manager')).toBeInstanceOf(InvalidRequestException);
    } finally {
      after.destroy();
      await second.close();
    }
  });

  it('generates passwords of the asked length from the asked characters, each type included', async () => {
    const { RandomPassword = '' } = await secrets.send(new GetRandomPasswordCommand({ PasswordLength: 64, ExcludeCharacters: 'abc', ExcludePunctuation: true }));
    expect(RandomPassword).toHaveLength(64);
    expect(RandomPassword).toMatch(/^[A-Za-z0-9]+$/);
    expect(RandomPassword).not.toMatch(/[abc]/);
    expect(RandomPassword).toMatch(/[d-z]/);
    expect(RandomPassword).toMatch(/[A-Z]/);
    expect(RandomPassword).toMatch(/[0-9]/);
    expect((await secrets.send(new GetRandomPasswordCommand({}))).RandomPassword).toHaveLength(32);
    expect(await refusal(secrets.send(new GetRandomPasswordCommand({ PasswordLength: 3 })), 'Secrets Manager')).toBeInstanceOf(InvalidParameterException);
  });
});
