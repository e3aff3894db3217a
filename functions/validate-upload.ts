/** S3 ObjectCreated on `uploads/` → validate the upload. */
import { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod';
import { mailerFor, objectStoreFor, readRuntimeEnv, systemClock } from '../lib/runtime.ts';
import { validateUpload } from '../lib/jobs/validate-upload.ts';
import { decodeS3Key } from '../lib/storage/keys.ts';

const logger = new Logger({ serviceName: 'validate-upload' });
const env = readRuntimeEnv();
const deps = { store: objectStoreFor(env), mailer: mailerFor(env), sender: env.SENDER_ADDRESS, replyTo: env.REPLY_TO_ADDRESS, now: systemClock };

const s3EventSchema = z.object({
  Records: z.array(
    z.object({
      eventName: z.string(),
      s3: z.object({ bucket: z.object({ name: z.string() }), object: z.object({ key: z.string(), sequencer: z.string().optional() }) }),
    }),
  ),
});

export const handler = async (event: unknown) => {
  const { Records } = s3EventSchema.parse(event);
  const outcomes = [];
  for (const record of Records) {
    const key = decodeS3Key(record.s3.object.key);
    const outcome = await validateUpload(deps, key);
    logger.info('upload handled', { key, status: outcome.status, ok: outcome.status === 'validated' ? outcome.report.ok : undefined });
    outcomes.push(outcome);
  }
  return outcomes;
};
