/** Secrets Manager rotation → a new link-signing key (lib/jobs/rotate-link-key.ts). */
import type { Context } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { withInvocationContext } from '../observability/telemetry.ts';
import type { AwsSettings } from '../config.ts';
import { secretsClient } from '../aws/clients.ts';
import { rotateLinkKey, rotationEventSchema } from '../jobs/rotate-link-key.ts';

export function createRotateLinkKeyHandler(settings: AwsSettings): (event: unknown, context?: Context) => Promise<void> {
  const logger = new Logger({ serviceName: 'rotate-link-key' });
  const secrets = secretsClient(settings);
  return (event, context) =>
    withInvocationContext(logger, context, async () => {
      const rotation = rotationEventSchema.parse(event);
      await rotateLinkKey(secrets, rotation);
      logger.info('rotation step done', { step: rotation.Step, version: rotation.ClientRequestToken });
    });
}
