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
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { PERIOD_PATTERN } from '../domain/period.ts';
import type { BulletinInput } from '../bulletin/definition.ts';
import type { BulletinResult } from '../bulletin/checked.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { regionFiguresSchema } from '../domain/schemas.ts';
import { inParallel } from '../util/concurrency.ts';

/** One bulletin to make: its figures and where its PDF goes. */
export interface BulletinJob {
  key: string;
  input: BulletinInput;
}

/** What became of one job: stored, or the reason it was not (a failed check is never stored). */
export type RenderOutcome = { ok: true; bytes: number } | { ok: false; reason: string };

/** Renders, checks and stores bulletins: one outcome per job, in order; `onRendered` hears how many are done so far. */
export type Renderer = (jobs: readonly BulletinJob[], onRendered?: (done: number) => void) => Promise<RenderOutcome[]>;

// Every field is checked: the request crosses a process boundary as JSON, and the renderer treats every
// text in it as text only.
const periodSchema = z.string().regex(PERIOD_PATTERN);
const bulletinInputSchema = z.object({
  period: periodSchema,
  region: regionFiguresSchema,
  subRegions: z.array(regionFiguresSchema),
  missing: z.array(z.object({ code: z.string(), name: z.string() })),
  revision: z.boolean(),
  sources: z.array(z.object({ key: z.string(), uploadedAt: z.string() })),
  generatedAt: z.string(),
  trend: z.array(z.object({ period: periodSchema, coveragePct: z.number().nullable(), targetPct: z.number().nullable() })),
}) satisfies z.ZodType<BulletinInput>;
const bulletinJobSchema = z.object({
  key: z.string().regex(/^bulletins\/\d{4}-\d{2}\/[A-Za-z0-9._/-]+\.pdf$/, 'key must be a bulletin key'),
  input: bulletinInputSchema,
}) satisfies z.ZodType<BulletinJob>;
export const renderRequestSchema = z.object({ jobs: z.array(bulletinJobSchema).min(1) });
export type RenderRequest = { jobs: BulletinJob[] };

export const renderResponseSchema = z.object({
  outcomes: z.array(
    z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), bytes: z.number().int().positive() }), z.object({ ok: z.literal(false), reason: z.string() })]),
  ),
});
export type RenderResponse = { outcomes: RenderOutcome[] };

export function parseRenderRequest(event: unknown): RenderRequest {
  return renderRequestSchema.parse(event);
}

export interface RenderJobDeps {
  store: ObjectStore;
  /** Renders and checks bulletins; one result per input, in order. */
  renderBulletins: (inputs: readonly BulletinInput[]) => Promise<BulletinResult[]>;
}

/** The object metadata naming what a stored bulletin was rendered from (S3 returns it lower-cased). */
export const INPUT_HASH_METADATA = 'input-sha256';

/** A bulletin's figures, hashed: rendering is deterministic, so equal hashes mean equal bytes. */
export const bulletinInputHash = (input: BulletinInput) => createHash('sha256').update(JSON.stringify(input)).digest('hex');

/** A bulletin key's month folder (`bulletins/2026-10/`), which render-bulletins may list. */
const MONTH_FOLDER = /^bulletins\/\d{4}-\d{2}\//;

/** The keys of the jobs already in the bucket: one listing per month folder the batch writes to. */
async function storedKeys(store: ObjectStore, jobs: readonly BulletinJob[]): Promise<Set<string>> {
  const folders = new Set(jobs.map((job) => MONTH_FOLDER.exec(job.key)?.[0] ?? job.key));
  const listed = await Promise.all([...folders].map((folder) => store.list(folder)));
  return new Set(listed.flat().map((object) => object.key));
}

/**
 * Renders every job and stores the ones that pass their check. A bulletin that fails is an outcome, not an
 * error; a failure to store is an error, so that the caller retries the batch.
 *
 * A job whose bulletin is already stored from the same figures is not rendered again: a re-run of an
 * unchanged month renders nothing, and the versioned bucket gains no copy of a bulletin it has.
 */
export async function renderAndStore(deps: RenderJobDeps, jobs: readonly BulletinJob[]): Promise<RenderOutcome[]> {
  const outcomes: RenderOutcome[] = new Array(jobs.length);
  const hashes = jobs.map((job) => bulletinInputHash(job.input));
  const stale: number[] = [];
  const present = await storedKeys(deps.store, jobs);
  await inParallel([...jobs.keys()], 16, async (index) => {
    // Only a key that exists can hold a hash: a month's first run asks S3 once per month, not once per bulletin.
    if (!present.has(jobs[index]!.key)) {
      stale.push(index);
      return;
    }
    const stored = await deps.store.head(jobs[index]!.key);
    if (stored && stored.metadata?.[INPUT_HASH_METADATA] === hashes[index]) outcomes[index] = { ok: true, bytes: stored.size };
    else stale.push(index);
  });
  stale.sort((a, b) => a - b);
  const results = await deps.renderBulletins(stale.map((index) => jobs[index]!.input));
  await inParallel([...stale.keys()], 16, async (position) => {
    const index = stale[position]!;
    const result = results[position]!;
    if (!result.ok) {
      outcomes[index] = { ok: false, reason: result.reason };
      return;
    }
    await deps.store.put(jobs[index]!.key, result.pdf, 'application/pdf', { [INPUT_HASH_METADATA]: hashes[index]! });
    outcomes[index] = { ok: true, bytes: result.pdf.length };
  });
  return outcomes;
}
