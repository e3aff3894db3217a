/**
 * Runs that meet, on the local stack (real DynamoDB protocol): two runs at once, a lease holder that
 * died, one that lost its lease, and a run that reads a month index still behind the previous run.
 * Lease lifetimes are cut to about a second so the test waits seconds, not the 45 s a deployed lease
 * lives; the logic is the same.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalStack, type LocalStack } from '../../tools/local/stack.ts';
import { createLocalInvoker, type LocalInvoker } from '../../tools/local/invoke.ts';
import { generateSampleDataset } from '../../tools/sample/index.ts';
import { takeMonthLease } from '../../lib/jobs/month-lease.ts';
import { runMonth } from '../../lib/jobs/monthly-run.ts';
import type { HistoryStore } from '../../lib/history/store.ts';
import { Logger } from '@aws-lambda-powertools/logger';

const PERIOD = '2026-10';
const TTL_MS = 1200;
/** Polled conditions get the test's own timeout, whatever the machine's load; they end when they hold. */
const UNTIL = { timeout: 60_000, interval: 20 };

let dir: string;
let stack: LocalStack;
let invoker: LocalInvoker;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucj-lease-'));
  stack = await startLocalStack(dir, { attach: false, settings: { LEASE_TTL_MS: String(TTL_MS) } });
  invoker = await createLocalInvoker(stack);
  const dataset = await generateSampleDataset({ lastPeriod: PERIOD, months: 1 });
  await invoker.upload([dataset.recipients, ...dataset.targets, ...dataset.uploads].map((f) => ({ key: f.key, body: f.content })));
});

afterAll(async () => {
  await stack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const forceLease = (period: string, holder: string, expiresAt: number) =>
  invoker.runtime.clients.dynamo.send(
    new PutCommand({ TableName: invoker.runtime.env.TABLE_NAME, Item: { pk: `PERIOD#${period}`, sk: 'LEASE', holder, expiresAt } }),
  );

describe('the month lease', () => {
  it('of two runs started together, one does the month and the other stops, saying which run is working', async () => {
    const [a, b] = await Promise.all([invoker.runMonth({ period: PERIOD }), invoker.runMonth({ period: PERIOD })]);
    const done = [a, b].filter((s) => s.outcome === 'succeeded');
    const skipped = [a, b].filter((s) => s.outcome === 'skipped');
    expect(done).toHaveLength(1);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.reason).toContain(`run ${done[0]!.runId} is working on ${PERIOD}`);
    expect(skipped[0]!.snapshotsWritten).toBe(0);
    expect(done[0]!.snapshotsWritten).toBe(553);
    // The skipped run left no run record and did not take the lease from the working one.
    expect((await invoker.runtime.history.listRuns(PERIOD)).map((r) => r.runId)).toEqual([done[0]!.runId]);
    expect(await invoker.runtime.history.readLease(PERIOD)).toBeUndefined();
    await invoker.drainDeliveries();
  });

  it('a run that finds a dead run\'s lease waits for it to lapse and takes the month over', async () => {
    // A run that died holding the lease: nobody renews it.
    const started = Date.now();
    await forceLease(PERIOD, 'dead-run', started + TTL_MS);
    const summary = await invoker.runMonth({ period: PERIOD });
    expect(summary.outcome).toBe('succeeded');
    expect(summary.tookOverFrom).toBe('dead-run');
    // It waited for the lapse, not longer than a lifetime and a few polls.
    expect(Date.now() - started).toBeGreaterThanOrEqual(TTL_MS);
    const record = (await invoker.runtime.history.listRuns(PERIOD)).find((r) => r.runId === summary.runId);
    expect(record?.tookOverFrom).toBe('dead-run');
  });

  it('a live run renews its lease, and learns when another run has taken it', async () => {
    const taken = await takeMonthLease(invoker.runtime.history, '2026-11', 'live-run', () => new Date(), { ttlMs: 300 });
    expect(taken.ok).toBe(true);
    if (!taken.ok) return;
    const first = await invoker.runtime.history.readLease('2026-11');
    // Renewed: still ours, and living longer than when it was taken.
    const later = await vi.waitFor(async () => {
      const lease = await invoker.runtime.history.readLease('2026-11');
      expect(lease!.expiresAt).toBeGreaterThan(first!.expiresAt);
      return lease;
    }, UNTIL);
    expect(later?.holder).toBe('live-run');
    expect(taken.lease.lost()).toBeNull();

    // Another run takes it (as if this one had stalled past its lease's life): the next renewal notices.
    await forceLease('2026-11', 'other-run', Date.now() + 60_000);
    await vi.waitFor(() => expect(taken.lease.lost()).toMatch(/taken by another run/), UNTIL);
    // Giving it up leaves the other run's lease alone.
    await taken.lease.release();
    expect((await invoker.runtime.history.readLease('2026-11'))?.holder).toBe('other-run');
  });

  it('a run whose wait ends because the holder finished the month stops, naming that run', async () => {
    // The holder is seen holding the month, then finishes and releases. Its lease is written as a
    // holder's would be but never renewed, so what the waiting run sees next cannot be a renewal,
    // however long this machine takes between the two steps.
    await forceLease('2026-12', 'finishing-run', Date.now() + 60_000);
    // The waiting run has seen the holder once it has read the lease (after its own put was refused).
    let sawHolder!: () => void;
    const seen = new Promise<void>((resolve) => (sawHolder = resolve));
    const watched: HistoryStore = {
      ...invoker.runtime.history,
      readLease: async (period) => {
        const lease = await invoker.runtime.history.readLease(period);
        if (lease?.holder === 'finishing-run') sawHolder();
        return lease;
      },
    };
    const waiting = takeMonthLease(watched, '2026-12', 'waiting-run', () => new Date(), { ttlMs: 3000 });
    await seen;
    await invoker.runtime.history.putRun({
      period: '2026-12',
      runId: 'finishing-run',
      startedAt: new Date().toISOString(),
      finishedAt: new Date().toISOString(),
      durationMs: 1,
      outcome: 'succeeded',
      inputs: [],
      counts: {},
      problems: [],
    });
    await invoker.runtime.history.releaseLease('2026-12', 'finishing-run');
    const outcome = await waiting;
    expect(outcome).toEqual({ ok: false, reason: 'run finishing-run finished 2026-12 (succeeded) while this run waited for its lease' });
  });

  it('a correction is kept as a new version even when the month index still shows the month before the last run', async () => {
    const { runtime } = invoker;
    const stale = await runtime.history.monthSnapshots(PERIOD);
    const original = stale.get('18.71')!;
    const correct = (active: number, name: string) =>
      invoker.upload([{ key: `uploads/${PERIOD}/${name}.csv`, body: `kode_wilayah;pekerja;peserta_aktif\n18.71;${original.figures.eligible};${active}\n` }]);

    await correct(original.figures.active! + 1_000, 'koreksi-1');
    expect((await invoker.runMonth({ period: PERIOD })).outcome).toBe('succeeded');
    await correct(original.figures.active! + 2_000, 'koreksi-2');
    // gsi1 on AWS is eventually consistent: right after a run, a month query may not show what it wrote.
    // The emulator is always consistent, so the lag is played by handing the run the index as it was.
    const lagging = { ...runtime.history, monthSnapshots: async () => stale };
    const summary = await runMonth(
      {
        store: runtime.store,
        history: lagging,
        queue: runtime.queue,
        renderAndStore: runtime.renderer,
        mailAccount: runtime.mailAccount,
        sender: runtime.env.SENDER_ADDRESS,
        now: runtime.now,
        leaseTtlMs: TTL_MS,
        logger: new Logger({ serviceName: 'monthly-run' }),
      },
      { period: PERIOD },
    );
    expect(summary.outcome).toBe('succeeded');
    const versions = (await runtime.history.regionSnapshots('18.71')).filter((s) => s.period === PERIOD);
    expect(versions.map((v) => [v.version, v.figures.active])).toEqual([
      [original.version, original.figures.active],
      [original.version + 1, original.figures.active! + 1_000],
      [original.version + 2, original.figures.active! + 2_000],
    ]);
    await invoker.drainDeliveries();
  });
});
