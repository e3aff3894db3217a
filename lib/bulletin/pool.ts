/**
 * Renders many bulletins on every core: a pool of worker threads, each loading the fonts once, renders
 * and checks one bulletin at a time and sends back its bytes, or the reason it failed.
 *
 * From a checkout the workers start from pool-worker.mjs, which registers tsx for the TypeScript. In a
 * bundle (the Lambda) that file does not exist beside the code, and the bulletins are rendered in this
 * thread instead, one after another, with the same results.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { renderCheckedBulletinResult, type BulletinResult } from './checked.ts';
import type { BulletinInput } from './definition.ts';
import type { WorkerReply, WorkerTask } from './pool-worker.ts';

export type { BulletinResult } from './checked.ts';

export interface RenderBulletinsOptions {
  /**
   * Worker threads to start. Default: one per core (`os.availableParallelism()`), or none when there are
   * too few bulletins to repay starting them. 0 renders in this thread.
   */
  workers?: number;
  /** Young-generation heap per worker (MB): a larger one means fewer garbage collections while rendering. */
  youngGenerationMb?: number;
}

/** Below this many bulletins per worker, starting workers (a few hundred ms each) costs more than it saves. */
const MIN_PER_WORKER = 4;
/** Bulletins sent ahead to each worker, so that it never waits for the next one. */
const IN_FLIGHT = 2;

/** The worker entry beside this file, or null where there is none (a bundle). */
function workerEntry(): URL | null {
  const entry = new URL('./pool-worker.mjs', import.meta.url);
  if (entry.protocol !== 'file:') return null;
  const source = new URL('./pool-worker.ts', import.meta.url);
  return existsSync(fileURLToPath(entry)) && existsSync(fileURLToPath(source)) ? entry : null;
}

async function renderInProcess(inputs: readonly BulletinInput[], indexes: Iterable<number>, results: BulletinResult[]): Promise<void> {
  for (const index of indexes) results[index] = await renderCheckedBulletinResult(inputs[index]!);
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Renders and checks every input; result `i` belongs to input `i`. Never throws for a bad bulletin: its
 * result says why it failed.
 */
export async function renderBulletins(inputs: readonly BulletinInput[], options: RenderBulletinsOptions = {}): Promise<BulletinResult[]> {
  const results: BulletinResult[] = new Array(inputs.length);
  const wanted = options.workers ?? (inputs.length >= 2 * MIN_PER_WORKER ? availableParallelism() : 0);
  const count = Math.max(0, Math.min(wanted, inputs.length));
  const entry = count > 0 ? workerEntry() : null;
  if (entry === null) {
    await renderInProcess(inputs, inputs.keys(), results);
    return results;
  }
  await renderWithWorkers(inputs, results, entry, count, options.youngGenerationMb ?? 16);
  return results;
}

function renderWithWorkers(inputs: readonly BulletinInput[], results: BulletinResult[], entry: URL, count: number, youngGenerationMb: number): Promise<void> {
  return new Promise<void>((resolve) => {
    let next = 0;
    let done = 0;
    let everReady = false;
    // A crashed worker is replaced, a few times at most; past that the rest is rendered in this thread.
    let respawns = count * 2;
    const workers = new Set<Worker>();
    let finished = false;

    const finish = () => {
      if (finished) return;
      finished = true;
      void Promise.all([...workers].map((w) => w.terminate())).then(() => resolve());
    };

    const settle = (index: number, result: BulletinResult) => {
      if (results[index] !== undefined) return;
      results[index] = result;
      done += 1;
      if (done === inputs.length) finish();
    };

    /** Tasks nobody has taken, rendered here when no worker can take them. */
    const drainInProcess = () => {
      const rest: number[] = [];
      while (next < inputs.length) rest.push(next++);
      void (async () => {
        for (const index of rest) settle(index, await renderCheckedBulletinResult(inputs[index]!));
        if (done === inputs.length) finish();
      })();
    };

    const start = () => {
      const inFlight = new Set<number>();
      const worker = new Worker(entry, { resourceLimits: { maxYoungGenerationSizeMb: youngGenerationMb } });
      workers.add(worker);
      let ready = false;
      const feed = () => {
        while (inFlight.size < IN_FLIGHT && next < inputs.length) {
          const id = next++;
          try {
            worker.postMessage({ id, input: inputs[id]! } satisfies WorkerTask);
            inFlight.add(id);
          } catch (error) {
            settle(id, { ok: false, reason: `could not be sent to a worker: ${reasonOf(error)}` });
          }
        }
      };
      worker.on('message', (reply: WorkerReply) => {
        if ('ready' in reply) {
          ready = everReady = true;
          feed();
          return;
        }
        inFlight.delete(reply.id);
        settle(reply.id, reply.ok ? { ok: true, pdf: Buffer.from(reply.pdf.buffer, reply.pdf.byteOffset, reply.pdf.byteLength) } : { ok: false, reason: reply.reason });
        feed();
      });
      let failure: string | null = null;
      worker.on('error', (error) => {
        failure = reasonOf(error);
      });
      worker.on('exit', (code) => {
        workers.delete(worker);
        if (finished) return;
        const reason = failure ?? `worker exited with code ${code}`;
        for (const id of inFlight) settle(id, { ok: false, reason: `worker failed while rendering: ${reason}` });
        inFlight.clear();
        if (done === inputs.length) return finish();
        if (next >= inputs.length) return;
        if (!everReady && !ready && workers.size === 0) return drainInProcess();
        if (respawns > 0) {
          respawns -= 1;
          start();
        } else if (workers.size === 0) drainInProcess();
      });
    };

    for (let i = 0; i < count; i += 1) start();
  });
}
