/**
 * monthly-run's side of the render fan-out: split a month's bulletins into batches small enough for one
 * synchronous Lambda invocation, invoke render-bulletins for many batches at once, and put the outcomes
 * back in order. Concurrency, not a bigger function, is what makes the national set fast on AWS.
 */
import { setTimeout } from 'node:timers/promises';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod';
import { inParallel } from '../util/concurrency.ts';
import { renderResponseSchema, type BulletinJob, type RenderOutcome, type Renderer, type RenderRequest } from './render-bulletins.ts';

export interface FanOutOptions {
  /** Bulletins per invocation: on one vCPU ~10–50 ms each, so 40 keep an invocation near a second. */
  batchSize: number;
  /** Invocations in flight at once. */
  concurrency: number;
  /** Attempts per batch: a batch is safe to repeat (same bytes, same keys). */
  attempts?: number;
  /** Called after each batch is stored (where a crash test may kill the run). */
  afterBatch?: () => void;
}

/**
 * Synchronous invocation caps a request at 6 MB; a batch's JSON is kept well under that. A national
 * bulletin's input (38 provinces, 24 trend months) is ~60 KB, so only an unusual month ever hits this.
 */
export const MAX_BATCH_JSON_BYTES = 3 * 1024 * 1024;

/** Consecutive batches of at most `batchSize` jobs and `maxBytes` of JSON (a single larger job goes alone). */
export function batchJobs(jobs: readonly BulletinJob[], batchSize: number, maxBytes = MAX_BATCH_JSON_BYTES): Array<{ start: number; jobs: BulletinJob[] }> {
  const batches: Array<{ start: number; jobs: BulletinJob[] }> = [];
  let current: BulletinJob[] = [];
  let start = 0;
  let bytes = 0;
  jobs.forEach((job, index) => {
    const size = Buffer.byteLength(JSON.stringify(job));
    if (current.length > 0 && (current.length >= batchSize || bytes + size > maxBytes)) {
      batches.push({ start, jobs: current });
      current = [];
      bytes = 0;
      start = index;
    }
    current.push(job);
    bytes += size;
  });
  if (current.length > 0) batches.push({ start, jobs: current });
  return batches;
}

/** Sends one batch to the renderer and returns its raw response. */
export type RenderInvoker = (request: RenderRequest) => Promise<unknown>;

/** render-bulletins through the Lambda API (RequestResponse); a function error becomes an exception. */
export function lambdaRenderInvoker(lambda: LambdaClient, functionName: string): RenderInvoker {
  return async (request) => {
    const out = await lambda.send(
      new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(request)) }),
    );
    const body = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
    if (out.FunctionError) {
      throw new Error(`${functionName} failed (${out.FunctionError}): ${lambdaErrorMessage(body)}`);
    }
    return JSON.parse(body);
  };
}

const lambdaErrorSchema = z.object({ errorMessage: z.string() });

/** Lambda's error payload is `{ errorType, errorMessage, trace }`; anything else is shown as it came. */
export function lambdaErrorMessage(body: string): string {
  try {
    const parsed = lambdaErrorSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data.errorMessage : body;
  } catch {
    return body;
  }
}

/**
 * Renders and stores every job through the invoker, batch by batch, `concurrency` batches at a time.
 * A batch that keeps failing fails the run (the Scheduler's retry re-runs it; nothing is sent meanwhile),
 * because an infrastructure fault says nothing about the bulletins in it.
 */
export function fanOutRenderer(invoke: RenderInvoker, options: FanOutOptions): Renderer {
  const attempts = options.attempts ?? 3;
  return async (jobs, onRendered) => {
    const outcomes: RenderOutcome[] = new Array(jobs.length);
    let done = 0;
    await inParallel(batchJobs(jobs, options.batchSize), options.concurrency, async (batch) => {
      let lastError: unknown;
      for (let attempt = 1; attempt <= attempts; attempt += 1) {
        if (attempt > 1) await setTimeout(250 * (attempt - 1));
        try {
          const response = renderResponseSchema.parse(await invoke({ jobs: batch.jobs }));
          if (response.outcomes.length !== batch.jobs.length) {
            throw new Error(`expected ${batch.jobs.length} outcomes, got ${response.outcomes.length}`);
          }
          response.outcomes.forEach((outcome, offset) => {
            outcomes[batch.start + offset] = outcome;
          });
          done += batch.jobs.length;
          onRendered?.(done);
          options.afterBatch?.();
          return;
        } catch (error) {
          lastError = error;
        }
      }
      const first = batch.jobs[0]!.key;
      throw new Error(
        `rendering the batch of ${batch.jobs.length} bulletins from ${first} failed ${attempts} times: ${lastError instanceof Error ? lastError.message : String(lastError)}`,
      );
    });
    return outcomes;
  };
}
