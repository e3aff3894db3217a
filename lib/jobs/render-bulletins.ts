/**
 * render-bulletins: render, check and store a batch of one month's bulletins. monthly-run splits the
 * month's bulletins into batches and invokes this function once per batch, many at once, so a month's
 * rendering scales out by Lambda concurrency rather than by one bigger function. On the local stack the
 * same invocations reach this job through a loopback Lambda endpoint, where one batch renders on every
 * core (worker threads, lib/bulletin/pool.ts).
 *
 * Rendering is deterministic, so a batch invoked twice writes the same bytes under the same keys: a retry
 * of a failed or lost invocation is always safe.
 */
import * as z from 'zod';
import { PERIOD_PATTERN } from '../domain/period.ts';
import type { BulletinInput } from '../bulletin/definition.ts';
import type { BulletinResult } from '../bulletin/checked.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { inParallel } from '../util/concurrency.ts';

/** One bulletin to make: its figures and where its PDF goes. */
export interface BulletinJob {
  key: string;
  input: BulletinInput;
}

/** What became of one job: stored, or the reason it was not (a failed check is never stored). */
export type RenderOutcome = { ok: true; bytes: number } | { ok: false; reason: string };

/** Renders, checks and stores bulletins: one outcome per job, in order. */
export type Renderer = (jobs: readonly BulletinJob[]) => Promise<RenderOutcome[]>;

// The envelope is checked here; the figures inside were computed and typed by monthly-run, and the
// renderer treats every text in them as text only.
const bulletinJobSchema = z.object({
  key: z.string().regex(/^bulletins\/\d{4}-\d{2}\/[A-Za-z0-9._/-]+\.pdf$/, 'key must be a bulletin key'),
  input: z.looseObject({
    period: z.string().regex(PERIOD_PATTERN),
    region: z.looseObject({ code: z.string().min(1), name: z.string().min(1) }),
  }),
});
export const renderRequestSchema = z.object({ jobs: z.array(bulletinJobSchema).min(1) });
export type RenderRequest = { jobs: BulletinJob[] };

export const renderResponseSchema = z.object({
  outcomes: z.array(
    z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), bytes: z.number().int().positive() }), z.object({ ok: z.literal(false), reason: z.string() })]),
  ),
});
export type RenderResponse = { outcomes: RenderOutcome[] };

export function parseRenderRequest(event: unknown): RenderRequest {
  return renderRequestSchema.parse(event) as unknown as RenderRequest;
}

export interface RenderJobDeps {
  store: ObjectStore;
  /** Renders and checks bulletins; one result per input, in order. */
  renderBulletins: (inputs: readonly BulletinInput[]) => Promise<BulletinResult[]>;
}

/**
 * Renders every job and stores the ones that pass their check. A bulletin that fails is an outcome, not an
 * error; a failure to store is an error, so that the caller retries the batch.
 */
export async function renderAndStore(deps: RenderJobDeps, jobs: readonly BulletinJob[]): Promise<RenderOutcome[]> {
  const results = await deps.renderBulletins(jobs.map((job) => job.input));
  const outcomes: RenderOutcome[] = new Array(jobs.length);
  await inParallel([...jobs.keys()], 16, async (index) => {
    const result = results[index]!;
    if (!result.ok) {
      outcomes[index] = { ok: false, reason: result.reason };
      return;
    }
    await deps.store.put(jobs[index]!.key, result.pdf, 'application/pdf');
    outcomes[index] = { ok: true, bytes: result.pdf.length };
  });
  return outcomes;
}
