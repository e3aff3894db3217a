/** S3 ObjectCreated on `uploads/` → validate the upload. */
import { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod';
import { createRuntime } from '../lib/runtime.ts';
import { validateUpload } from '../lib/jobs/validate-upload.ts';
import { decodeS3Key } from '../lib/storage/keys.ts';

const logger = new Logger({ serviceName: 'validate-upload' });
const runtime = createRuntime();

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
    const outcome = await validateUpload(
      { store: runtime.store, mailer: runtime.mailer, sender: runtime.env.SENDER_ADDRESS, replyTo: runtime.env.REPLY_TO_ADDRESS, now: runtime.now },
      key,
    );
    logger.info('upload handled', { key, status: outcome.status, ok: outcome.status === 'validated' ? outcome.report.ok : undefined });
    outcomes.push(outcome);
  }
  return outcomes;
};
