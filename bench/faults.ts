/**
 * Issue 8: a month's run and delivery (553 bulletins, every official) on the local stack with 20% of S3,
 * DynamoDB and SES calls failing (`faults_20pct_run_s`), beside the same without faults
 * (`faults_0pct_run_s`); how many faults were injected meanwhile (`faults_20pct_injected_count`) and how
 * many extra invocations of the run the Scheduler's retry would have made (`faults_20pct_extra_invocations`).
 *
 * Each case runs in its own process, as the fault switch is read when the handlers build their clients.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { report } from './report.ts';

const PERIOD = '2026-10';
const PREVIOUS = '2026-09';
/** The Scheduler's first invocation and its 5 retries (infra/constructs/schedule.ts). */
const SCHEDULER_INVOCATIONS = 6;
const SEED = Number(process.env.UCJ_FAULT_SEED ?? 8);

interface CaseResult {
  seconds: number;
  /** Of which the run (all invocations) and the delivery. */
  runSeconds: number;
  deliverSeconds: number;
  invocations: number;
  outcome: string;
  delivered: number;
  failed: number;
  inDoubt: number;
  injected: Record<string, number>;
}

/** In the child: a stack, the sample uploaded and backfilled (not timed), then the month timed. */
async function runCase(): Promise<CaseResult> {
  const { startLocalStack } = await import('../tools/local/stack.ts');
  const { createLocalInvoker } = await import('../tools/local/invoke.ts');
  const { generateSampleDataset } = await import('../tools/sample/index.ts');
  const { injectedFaults, readFaults } = await import('../lib/aws/faults.ts');
  const dir = await mkdtemp(join(tmpdir(), 'ucj-bench-faults-'));
  // The parent hands this child its faults in UCJ_FAULTS; the stack gives them to every handler.
  const stack = await startLocalStack(dir, { attach: false, faults: readFaults(process.env) });
  try {
    const invoker = await createLocalInvoker(stack);
    const dataset = await generateSampleDataset({ lastPeriod: PERIOD, months: 2 });
    await invoker.upload([dataset.recipients, ...dataset.targets, ...dataset.uploads].map((f) => ({ key: f.key, body: f.content })));
    await invoker.runMonth({ period: PREVIOUS, snapshotsOnly: true });
    const before = injectedFaults();
    const started = performance.now();
    let invocations = 0;
    let outcome = 'failed';
    for (; invocations < SCHEDULER_INVOCATIONS && outcome === 'failed'; ) {
      invocations += 1;
      outcome = await invoker.runMonth({ period: PERIOD }).then(
        (summary) => summary.outcome,
        () => 'failed',
      );
    }
    const ran = performance.now();
    const delivery = await invoker.drainDeliveries();
    const seconds = (performance.now() - started) / 1000;
    const runSeconds = (ran - started) / 1000;
    const after = injectedFaults();
    const injected = Object.fromEntries(Object.entries(after).map(([service, count]) => [service, count - before[service as keyof typeof before]]));
    const inDoubt = (await invoker.runtime.deliveries.entries(PERIOD, 'claimed')).length;
    const delivered = (await invoker.runtime.history.listRuns(PERIOD)).reduce((sum, r) => sum + r.delivered.sent, 0);
    return { seconds, runSeconds, deliverSeconds: seconds - runSeconds, invocations, outcome, delivered, failed: delivery.deadLettered, inDoubt, injected };
  } finally {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const run = promisify(execFile);

async function inChild(faults: object | undefined): Promise<CaseResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  if (faults) env.UCJ_FAULTS = JSON.stringify(faults);
  else delete env.UCJ_FAULTS;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child'], { env, maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as CaseResult;
}

export async function benchFaults(): Promise<void> {
  const clean = await inChild(undefined);
  const faulty = await inChild({ rate: 0.2, services: ['s3', 'dynamodb', 'ses'], seed: SEED });
  const detail = (result: CaseResult) => ({
    run_s: Number(result.runSeconds.toFixed(3)),
    deliver_s: Number(result.deliverSeconds.toFixed(3)),
    outcome: result.outcome,
    delivered: result.delivered,
    failed: result.failed,
    inDoubt: result.inDoubt,
  });
  report('faults_0pct_run_s', clean.seconds, 's', { ...detail(clean), invocations: clean.invocations });
  report('faults_20pct_run_s', faulty.seconds, 's', { ...detail(faulty), invocations: faulty.invocations, seed: SEED });
  report('faults_20pct_injected_count', Object.values(faulty.injected).reduce((sum, n) => sum + n, 0), 'count', { ...faulty.injected });
  report('faults_20pct_extra_invocations', faulty.invocations - 1, 'count', { note: 'monthly-run invocations beyond the first, as the Scheduler\'s retry policy would make them' });
}

if (process.argv[2] === '--child' && process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify(await runCase())}\n`);
  // The SDK's keep-alive sockets and the render pool would otherwise hold the process open.
  process.exit(0);
}
