/**
 * A month's run killed at each stage, then run again at once, ends where a clean run ends (issue 8):
 * the same snapshots, byte-identical bulletins, one email per official. The run is a separate `ucj run`
 * process that owns the local stack (servers, functions, deliveries) and kills itself (SIGKILL, nothing
 * cleaned up) at the stage the test-only fault switch names, like a Lambda that times out or runs out of
 * memory; the re-run is this process's stack started again on the same folder right away: it finds the
 * dead run's lease, waits for it to lapse and takes the month over, with no one clearing anything by hand.
 *
 * Lease lifetimes are cut to 1.5 s (LEASE_TTL_MS) so the wait is short; on AWS it is 45 s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack, type LocalStack } from '../../tools/local/stack.ts';
import { createLocalInvoker, type LocalInvoker } from '../../tools/local/invoke.ts';
import { generateSampleDataset } from '../../tools/sample/index.ts';
import { loadRegionIndex } from '../../lib/domain/regions.ts';
import { validateRecipients } from '../../lib/inputs/recipients.ts';
import { observeMonth, wipeMonth, type MonthState } from '../support/month-state.ts';

const PERIOD = '2026-10';
const UCJ = join(import.meta.dirname, '..', '..', 'bin', 'ucj.js');
const LEASE_TTL_MS = '1500';

let dir: string;
let stack: LocalStack;
let invoker: LocalInvoker;
let officials: string[];
let clean: MonthState;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucj-crash-'));
  await start();
  const dataset = await generateSampleDataset({ lastPeriod: PERIOD, months: 1 });
  const regions = await loadRegionIndex();
  const recipients = await validateRecipients(Buffer.from(dataset.recipients.content), 'config/recipients.csv', regions);
  officials = [...new Set(recipients.recipients.filter((r) => r.role === 'pejabat').map((r) => r.email))].sort();
  await invoker.upload([dataset.recipients, ...dataset.targets, ...dataset.uploads].map((f) => ({ key: f.key, body: f.content })));
  // The clean run everything below is compared with.
  expect((await invoker.runMonth({ period: PERIOD })).outcome).toBe('succeeded');
  await invoker.drainDeliveries();
  clean = await observeMonth(invoker.runtime, stack, PERIOD);
  expect([...clean.mails.keys()].sort()).toEqual(officials);
});

afterAll(async () => {
  await stack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function start() {
  stack = await startLocalStack(dir, { attach: false, settings: { LEASE_TTL_MS } });
  invoker = await createLocalInvoker(stack);
}

/** `ucj run` in its own process, owning the stack, with the given faults; resolves with the signal that ended it. */
function crashingRun(faults: object, env: Record<string, string> = {}): Promise<NodeJS.Signals | null> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [UCJ, 'run', '--period', PERIOD], {
      env: { ...process.env, UCJ_LOCAL_DIR: dir, LEASE_TTL_MS, UCJ_DELIVERY_CONCURRENCY: '1', UCJ_FAULTS: JSON.stringify(faults), ...env },
    });
    child.on('exit', (_code, signal) => resolve(signal));
  });
}

const STAGES = [
  { stage: 'after reading the inputs', faults: { crashAt: { stage: 'after-read' } }, leaseHeld: true, snapshotsLeft: 0 },
  { stage: 'after writing the snapshots', faults: { crashAt: { stage: 'after-snapshots' } }, leaseHeld: true, snapshotsLeft: 553 },
  // Six batches of 100 bulletins, two at a time; the run dies when three have come back, one still rendering.
  {
    stage: 'during rendering',
    faults: { crashAt: { stage: 'render-batch', after: 3 } },
    env: { RENDER_BATCH_SIZE: '100', RENDER_CONCURRENCY: '2' },
    leaseHeld: true,
    snapshotsLeft: 553,
  },
  // The run has finished and queued its deliveries; the delivering process dies right after SES accepted its 5th email.
  { stage: 'during delivery', faults: { crashAfterSesSends: 5 }, leaseHeld: false, snapshotsLeft: 553 },
] as const;

describe('a run killed and run again', () => {
  for (const { stage, faults, leaseHeld, snapshotsLeft, ...rest } of STAGES) {
    it(`${stage} ends as a clean run ends`, async () => {
      await wipeMonth(invoker.runtime, stack, PERIOD);
      await stack.close();
      expect(await crashingRun(faults, 'env' in rest ? rest.env : {})).toBe('SIGKILL');
      await start();
      // Read at once: whose lease the dead run left behind (none when it had finished the month).
      const deadHolder = (await invoker.runtime.history.readLease(PERIOD))?.holder;
      expect(deadHolder !== undefined).toBe(leaseHeld);
      const left = await observeMonth(invoker.runtime, stack, PERIOD);
      expect(left.snapshots.size).toBe(snapshotsLeft);

      // Run again at once, as an operator (or the Scheduler's retry) would.
      const rerun = await invoker.runMonth({ period: PERIOD });
      await invoker.drainDeliveries();
      expect(rerun.outcome).toBe('succeeded');
      // The re-run names the dead run whose month it took over, even when its lease had lapsed before the re-run began.
      expect(rerun.tookOverFrom).toBe(deadHolder);
      expect(rerun.snapshotsWritten).toBe(553 - snapshotsLeft);

      const after = await observeMonth(invoker.runtime, stack, PERIOD);
      expect(after.snapshots).toEqual(clean.snapshots);
      expect(after.bulletins).toEqual(clean.bulletins);
      // One email per official, the same as the clean run's (subject and attached bytes).
      expect(after.mails).toEqual(clean.mails);
      // Only the email SES accepted as the process died stays in doubt (sent once, never resent).
      expect(after.inDoubt).toHaveLength(stage === 'during delivery' ? 1 : 0);
    });
  }
});
