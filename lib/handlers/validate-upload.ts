/** S3 ObjectCreated on `uploads/` → validate the version the event names (lib/jobs/validate-upload.ts). */
import type { Context } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { withInvocationContext } from '../observability/telemetry.ts';
import * as z from 'zod';
import type { ValidateUploadSettings } from '../config.ts';
import { mailerFor, objectStoreFor, systemClock, type HandlerOptions } from '../runtime.ts';
import { s3Client, sesClient } from '../aws/clients.ts';
import { validateUpload, type ValidateOutcome } from '../jobs/validate-upload.ts';
import { decodeS3Key } from '../storage/keys.ts';

// The fields used; S3 sends more. `versionId` is present because the bucket is versioned.
const s3EventSchema = z.object({
  Records: z.array(
    z.object({
      eventName: z.string(),
      s3: z.object({
        bucket: z.object({ name: z.string() }),
        object: z.object({ key: z.string(), versionId: z.string().optional(), sequencer: z.string().optional() }),
      }),
    }),
  ),
});

export function createValidateUploadHandler(settings: ValidateUploadSettings, { faults }: HandlerOptions = {}): (event: unknown, context?: Context) => Promise<ValidateOutcome[]> {
  const logger = new Logger({ serviceName: 'validate-upload' });
  const deps = {
    store: objectStoreFor(settings, s3Client(settings, faults)),
    mailer: mailerFor(settings, sesClient(settings, faults)),
    sender: settings.SENDER_ADDRESS,
    replyTo: settings.REPLY_TO_ADDRESS,
    now: systemClock,
    logger,
  };
  return (event, context) =>
    withInvocationContext(logger, context, async () => {
      const { Records } = s3EventSchema.parse(event);
      const outcomes: ValidateOutcome[] = [];
      for (const record of Records) {
        const { versionId, sequencer } = record.s3.object;
        const key = decodeS3Key(record.s3.object.key);
        const outcome = await validateUpload(deps, { key, ...(versionId ? { versionId } : {}), ...(sequencer ? { sequencer } : {}) });
        logger.info('upload handled', { key, versionId, status: outcome.status, ok: outcome.status === 'validated' ? outcome.report.ok : undefined });
        outcomes.push(outcome);
      }
      return outcomes;
    });
}
