import { describe, expect, it } from 'vitest';
import { batchJobs, fanOutRenderer, type RenderInvoker } from '../../lib/jobs/render-fan-out.ts';
import type { BulletinJob, RenderRequest } from '../../lib/jobs/render-bulletins.ts';

const job = (n: number, padding = 0): BulletinJob =>
  ({ key: `bulletins/2026-10/kabkota/${n}.pdf`, input: { period: '2026-10', region: { code: String(n), name: 'x'.repeat(padding + 1) } } }) as unknown as BulletinJob;

/** A renderer that answers each job with its number as the byte count, and records what it was sent. */
function recordingInvoker(): { invoke: RenderInvoker; calls: RenderRequest[]; inFlight: { now: number; max: number } } {
  const calls: RenderRequest[] = [];
  const inFlight = { now: 0, max: 0 };
  return {
    calls,
    inFlight,
    invoke: async (request) => {
      calls.push(request);
      inFlight.now += 1;
      inFlight.max = Math.max(inFlight.max, inFlight.now);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight.now -= 1;
      return { outcomes: request.jobs.map((j) => ({ ok: true, bytes: Number(j.input.region.code) + 1 })) };
    },
  };
}

describe('batchJobs', () => {
  it('cuts consecutive batches of at most the batch size, keeping every job once and in order', () => {
    const jobs = Array.from({ length: 553 }, (_, i) => job(i));
    const batches = batchJobs(jobs, 40);
    expect(batches).toHaveLength(14);
    expect(batches.every((b) => b.jobs.length <= 40)).toBe(true);
    expect(batches.flatMap((b) => b.jobs)).toEqual(jobs);
    expect(batches.map((b) => b.start)).toEqual(batches.map((_, i) => i * 40));
  });

  it('starts a new batch before the JSON would pass the byte cap, and sends an oversized job alone', () => {
    const jobs = [job(0, 400), job(1, 400), job(2, 2000), job(3, 10)];
    const size = (j: BulletinJob) => Buffer.byteLength(JSON.stringify(j));
    // Room for the first two together, not for the third with anything, nor the fourth after the third.
    const cap = size(jobs[0]!) + size(jobs[1]!) + 1;
    expect(size(jobs[2]!)).toBeGreaterThan(cap);
    const batches = batchJobs(jobs, 40, cap);
    expect(batches.map((b) => b.jobs.map((j) => j.input.region.code))).toEqual([['0', '1'], ['2'], ['3']]);
    expect(batches.map((b) => b.start)).toEqual([0, 2, 3]);
  });

  it('gives no batch for no jobs', () => {
    expect(batchJobs([], 40)).toEqual([]);
  });
});

describe('fanOutRenderer', () => {
  it('puts every outcome back at its job, with at most `concurrency` invocations in flight', async () => {
    const { invoke, calls, inFlight } = recordingInvoker();
    const jobs = Array.from({ length: 100 }, (_, i) => job(i));
    const outcomes = await fanOutRenderer(invoke, { batchSize: 7, concurrency: 4 })(jobs);
    expect(outcomes).toEqual(jobs.map((_, i) => ({ ok: true, bytes: i + 1 })));
    expect(calls).toHaveLength(15);
    expect(inFlight.max).toBe(4);
  });

  it('keeps a bulletin that failed its check as that job\'s outcome, not as an error', async () => {
    const invoke: RenderInvoker = async (request) => ({
      outcomes: request.jobs.map((j) => (j.input.region.code === '3' ? { ok: false, reason: 'check failed: no text' } : { ok: true, bytes: 10 })),
    });
    const outcomes = await fanOutRenderer(invoke, { batchSize: 2, concurrency: 2 })([job(1), job(2), job(3), job(4)]);
    expect(outcomes[2]).toEqual({ ok: false, reason: 'check failed: no text' });
    expect(outcomes.filter((o) => o.ok)).toHaveLength(3);
  });

  it('repeats a batch whose invocation failed, and it then counts once', async () => {
    let failures = 1;
    const { invoke: inner, calls } = recordingInvoker();
    const invoke: RenderInvoker = async (request) => {
      if (request.jobs[0]!.input.region.code === '2' && failures-- > 0) throw new Error('Rate exceeded');
      return inner(request);
    };
    const outcomes = await fanOutRenderer(invoke, { batchSize: 2, concurrency: 2 })([job(0), job(1), job(2), job(3)]);
    expect(outcomes.map((o) => o.ok && o.bytes)).toEqual([1, 2, 3, 4]);
    expect(calls).toHaveLength(2);
  });

  it('fails, naming the batch, when a batch keeps failing or answers with the wrong number of outcomes', async () => {
    const broken: RenderInvoker = async () => {
      throw new Error('Task timed out after 60.00 seconds');
    };
    await expect(fanOutRenderer(broken, { batchSize: 5, concurrency: 1, attempts: 2 })([job(8)])).rejects.toThrow(
      'rendering the batch of 1 bulletins from bulletins/2026-10/kabkota/8.pdf failed 2 times: Task timed out after 60.00 seconds',
    );
    const short: RenderInvoker = async () => ({ outcomes: [{ ok: true, bytes: 1 }] });
    await expect(fanOutRenderer(short, { batchSize: 5, concurrency: 1, attempts: 1 })([job(1), job(2)])).rejects.toThrow('expected 2 outcomes, got 1');
    const malformed: RenderInvoker = async () => ({ outcomes: [{ ok: 'yes' }] });
    await expect(fanOutRenderer(malformed, { batchSize: 5, concurrency: 1, attempts: 1 })([job(1)])).rejects.toThrow();
  });
});
