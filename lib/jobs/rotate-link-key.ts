/**
 * rotate-link-key: Secrets Manager's rotation of the key that signs bulletin download links, its four
 * steps as Secrets Manager calls them. Nothing outside the secret uses the key, so setting and testing it
 * elsewhere are no-ops; the old version stays readable by its id, so links signed with it keep working
 * until they expire (lib/delivery/links.ts).
 */
import { randomBytes } from 'node:crypto';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { linkKeySecretSchema } from '../delivery/links.ts';

export const rotationEventSchema = z.object({
  SecretId: z.string().min(1),
  ClientRequestToken: z.string().min(1),
  Step: z.enum(['createSecret', 'setSecret', 'testSecret', 'finishSecret']),
});
export type RotationEvent = z.infer<typeof rotationEventSchema>;

/** A fresh key in the secret's format: 32 random bytes. */
export const newLinkKeyValue = () => JSON.stringify({ linkKey: randomBytes(32).toString('base64') });

export async function rotateLinkKey(secrets: SecretsManagerClient, event: RotationEvent): Promise<void> {
  const { SecretId, ClientRequestToken: token, Step } = event;
  const described = await secrets.send(new DescribeSecretCommand({ SecretId }));
  const stages = described.VersionIdsToStages ?? {};
  if (!stages[token]) throw new Error(`secret ${SecretId} has no version ${token} to rotate to`);
  if (stages[token]!.includes('AWSCURRENT')) return; // this rotation is done already

  if (Step === 'createSecret') {
    // Idempotent: a retried step finds the pending value already there.
    try {
      await secrets.send(new GetSecretValueCommand({ SecretId, VersionId: token, VersionStage: 'AWSPENDING' }));
      return;
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'ResourceNotFoundException') throw error;
    }
    await secrets.send(new PutSecretValueCommand({ SecretId, ClientRequestToken: token, SecretString: newLinkKeyValue(), VersionStages: ['AWSPENDING'] }));
  } else if (Step === 'testSecret') {
    const pending = await secrets.send(new GetSecretValueCommand({ SecretId, VersionId: token, VersionStage: 'AWSPENDING' }));
    linkKeySecretSchema.parse(JSON.parse(pending.SecretString ?? '{}'));
  } else if (Step === 'finishSecret') {
    const current = Object.entries(stages).find(([, labels]) => labels.includes('AWSCURRENT'))?.[0];
    await secrets.send(
      new UpdateSecretVersionStageCommand({ SecretId, VersionStage: 'AWSCURRENT', MoveToVersionId: token, ...(current ? { RemoveFromVersionId: current } : {}) }),
    );
  }
  // setSecret: the key lives only in this secret; there is no other system to update.
}
