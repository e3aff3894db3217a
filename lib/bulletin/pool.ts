/**
 * Renders many bulletins on every core: a piscina pool of worker threads, each loading the fonts once,
 * renders and checks bulletins and sends back their bytes, or the reason one failed. piscina queues the
 * tasks, replaces a worker that dies and ends the threads; what is ours is the choice of when a pool pays
 * and what a failure means for one bulletin.
 *
 * From a checkout the workers start from pool-worker.mjs, which registers tsx for the TypeScript. In a
 * bundle (the Lambda) that file does not exist beside the code, and the bulletins are rendered in this
 * thread instead, one after another, with the same results: a one-vCPU Lambda gains nothing from threads.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { renderCheckedBulletinResult, type BulletinResult } from './checked.ts';
import type { BulletinInput } from './definition.ts';

export type { BulletinResult } from './checked.ts';

export interface RenderBulletinsOptions {
  /**
   * Worker threads to start. Default: one per core (`os.availableParallelism()`), or none when there are
   * too few bulletins to repay starting them. 0 renders in this thread.
   */
  workers?: number;
  /** Young-generation heap per worker (MB): a larger one means fewer garbage collections while rendering. */
  youngGenerationMb?: number;
  /** The workers' entry module; tests give one that dies or cannot start. Default: pool-worker.mjs beside this file. */
  workerEntry?: URL;
}

/** Below this many bulletins per worker, starting workers (a few hundred ms each) costs more than it saves. */
const MIN_PER_WORKER = 4;
/** Bulletins sent ahead to each worker, so that it never waits for the next one. */
const IN_FLIGHT = 2;

/** What a worker sends back (pool-worker.ts), checked: it crossed a thread boundary. */
const workerReplySchema = z.union([z.instanceof(Uint8Array), z.object({ reason: z.string() })]);

/** The worker entry beside this file, or null where there is none (a bundle). */
function workerEntry(): URL | null {
  const entry = new URL('./pool-worker.mjs', import.meta.url);
  if (entry.protocol !== 'file:') return null;
  const source = new URL('./pool-worker.ts', import.meta.url);
  return existsSync(fileURLToPath(entry)) && existsSync(fileURLToPath(source)) ? entry : null;
}

async function renderInProcess(inputs: readonly BulletinInput[]): Promise<BulletinResult[]> {
  const results: BulletinResult[] = [];
  for (const input of inputs) results.push(await renderCheckedBulletinResult(input));
  return results;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Renders and checks every input; result `i` belongs to input `i`. Never throws for a bad bulletin: its
 * result says why it failed.
 */
export async function renderBulletins(inputs: readonly BulletinInput[], options: RenderBulletinsOptions = {}): Promise<BulletinResult[]> {
  const wanted = options.workers ?? (inputs.length >= 2 * MIN_PER_WORKER ? availableParallelism() : 0);
  const count = Math.max(0, Math.min(wanted, inputs.length));
  const entry = count > 0 ? (options.workerEntry ?? workerEntry()) : null;
  if (entry === null) return renderInProcess(inputs);
  return renderWithWorkers(inputs, entry, count, options.youngGenerationMb ?? 16);
}

async function renderWithWorkers(inputs: readonly BulletinInput[], entry: URL, count: number, youngGenerationMb: number): Promise<BulletinResult[]> {
  // Loaded only here: a bundle never starts workers, and so never carries the pool.
  const { Piscina } = await import('piscina');
  const pool = new Piscina({
    filename: entry.href,
    minThreads: count,
    maxThreads: count,
    concurrentTasksPerWorker: IN_FLIGHT,
    resourceLimits: { maxYoungGenerationSizeMb: youngGenerationMb },
  });
  // Workers that cannot start here fail the tasks they were given or, failing idle, the pool itself (its
  // 'error' event). Either way, until some worker has answered, a failure means the pool cannot start
  // here, and those bulletins are rendered in this thread.
  let workersAnswered = false;
  const cannotStart = new Promise<undefined>((resolve) => pool.on('error', () => resolve(undefined)));
  try {
    const results = await Promise.all(
      inputs.map((input) =>
        Promise.race([
          pool.run(input).then(
            (reply: unknown): BulletinResult => {
              workersAnswered = true;
              const parsed = workerReplySchema.parse(reply);
              return parsed instanceof Uint8Array ? { ok: true, pdf: Buffer.from(parsed.buffer, parsed.byteOffset, parsed.byteLength) } : { ok: false, reason: parsed.reason };
            },
            (error: unknown): BulletinResult | undefined => {
              if (error instanceof Error && error.name === 'DataCloneError') return { ok: false, reason: `could not be sent to a worker: ${error.message}` };
              if (!workersAnswered) return undefined;
              // A worker that died while rendering (out of memory, say) costs the bulletins it held, not
              // the batch: piscina replaces it for the rest.
              return { ok: false, reason: `worker failed while rendering: ${reasonOf(error)}` };
            },
          ),
          cannotStart,
        ]),
      ),
    );
    const rendered: BulletinResult[] = [];
    for (const [index, result] of results.entries()) rendered.push(result ?? (await renderCheckedBulletinResult(inputs[index]!)));
    return rendered;
  } finally {
    await pool.destroy();
  }
}
