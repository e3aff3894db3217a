/** monthly-run → a batch of one month's bulletins: render, check and store each (lib/jobs/render-bulletins.ts). */
import type { Context } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { withInvocationContext } from '../observability/telemetry.ts';
import type { RenderBulletinsSettings } from '../config.ts';
import { objectStoreFor, type HandlerOptions } from '../runtime.ts';
import { s3Client } from '../aws/clients.ts';
import { renderBulletins } from '../bulletin/pool.ts';
import { parseRenderRequest, renderAndStore, type RenderResponse } from '../jobs/render-bulletins.ts';

export function createRenderBulletinsHandler(settings: RenderBulletinsSettings, { faults }: HandlerOptions = {}): (event: unknown, context?: Context) => Promise<RenderResponse> {
  const logger = new Logger({ serviceName: 'render-bulletins' });
  const store = objectStoreFor(settings, s3Client(settings, faults));
  return (event, context) =>
    withInvocationContext(logger, context, async () => {
      const { jobs } = parseRenderRequest(event);
      const outcomes = await renderAndStore({ store, renderBulletins }, jobs);
      const failed = outcomes.flatMap((outcome, index) => (outcome.ok ? [] : [{ key: jobs[index]!.key, reason: outcome.reason }]));
      if (failed.length > 0) logger.warn('bulletins failed their check and were not stored', { failed });
      logger.info('batch rendered', { bulletins: jobs.length, failed: failed.length });
      return { outcomes };
    });
}
