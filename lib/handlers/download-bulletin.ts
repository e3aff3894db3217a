/** A function URL (GET `?t=<token>`) → a redirect to the bulletin the link names (lib/jobs/download-bulletin.ts). */
import type { Context } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { withInvocationContext } from '../observability/telemetry.ts';
import * as z from 'zod';
import type { DownloadBulletinSettings } from '../config.ts';
import { s3Client, secretsClient } from '../aws/clients.ts';
import { s3ObjectStore } from '../storage/object-store.ts';
import { s3Presigner } from '../storage/presign.ts';
import { secretsManagerLinkKeys } from '../delivery/links.ts';
import { systemClock, type HandlerOptions } from '../runtime.ts';
import { downloadBulletin, type HttpAnswer } from '../jobs/download-bulletin.ts';

// A function URL event (payload format 2.0): only the fields used.
const urlEventSchema = z.object({
  requestContext: z.object({ http: z.object({ method: z.string() }) }),
  queryStringParameters: z.record(z.string(), z.string()).optional(),
});

export function createDownloadBulletinHandler(settings: DownloadBulletinSettings, { faults }: HandlerOptions = {}): (event: unknown, context?: Context) => Promise<HttpAnswer> {
  const logger = new Logger({ serviceName: 'download-bulletin' });
  const s3 = s3Client(settings, faults);
  const deps = {
    store: s3ObjectStore(s3, settings.BUCKET_NAME),
    presign: s3Presigner(s3, settings.BUCKET_NAME),
    keys: secretsManagerLinkKeys(secretsClient(settings), settings.LINK_KEY_SECRET_ARN),
    now: systemClock,
  };
  return (event, context) =>
    withInvocationContext(logger, context, async () => {
      const request = urlEventSchema.parse(event);
      const method = request.requestContext.http.method;
      if (method !== 'GET' && method !== 'HEAD') return { statusCode: 405, headers: { allow: 'GET, HEAD' }, body: '' };
      const answer = await downloadBulletin(deps, request.queryStringParameters?.t);
      logger.info('download', { status: answer.statusCode });
      return answer;
    });
}
