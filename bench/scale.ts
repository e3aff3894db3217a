/**
 * Issue 8, scale: 120 months of history for all 553 regions in the local DynamoDB (dynalite), and a month
 * with every regency present. Measures, on that table (after `scale_history_load_s`, the time to load it):
 * - `scale_history_region_120_months_ms`: one region's 120-month history, queried from DynamoDB (target < 100 ms);
 * - `scale_month_query_553_ms`: one month's 553 regions through the month index gsi1;
 * - `scale_history_23_months_query_ms`: the 23 earlier months a run reads (trend charts), queried as it does;
 * - `scale_cli_history_region_ms`: `ucj history --region 18` against the running stack (target < 100 ms);
 * - `scale_run_full_month_s`, `scale_run_peak_rss_mb`, `scale_run_dynamodb_requests`: the real monthly-run
 *   handler for the month after the 120, every one of the 514 regencies uploaded (targets < 10 s, < 512 MB),
 *   with when its phases began as the stack saw them (history and snapshots in DynamoDB, then rendering);
 * - `scale_month_query_553_wide_sources_ms`: the month query when every snapshot lists 514 source files,
 *   which is what monthly-run writes when each regency uploads its own file (each snapshot keeps all the
 *   month's sources).
 *
 * The history is what the monthly runs would have written: the sample dataset's 120 months computed in order
 * (computeMonth, each month the history of the next), one version per region and month, bulk-loaded with
 * the store's `loadSnapshots`. The run and the CLI each run in a process of their own (peak RSS, no handler
 * modules shared with other benchmarks).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { computeMonth, pastFiguresOf, type PastFigures } from '../lib/domain/compute.ts';
import { addMonths, parsePeriod } from '../lib/domain/period.ts';
import { loadRegionIndex, type RegionIndex } from '../lib/domain/regions.ts';
import type { Period } from '../lib/domain/types.ts';
import { reportedFiguresOf, validateFigures } from '../lib/inputs/figures.ts';
import { targetTableForYear, validateTargets, type Target } from '../lib/inputs/targets.ts';
import { dynamoHistoryStore, figuresHash, loadSnapshots, type HistoryStore, type Snapshot, type SourceFile } from '../lib/history/store.ts';
import { announceStack, startLocalStack, type LocalStack } from '../tools/local/stack.ts';
import { createAwsClients } from '../lib/aws/clients.ts';
import { operatorSettingsSchema, readSettings } from '../lib/config.ts';
import { generateSampleDataset, sampleUploadKey, type SampleDataset, type SampleFile } from '../tools/sample/index.ts';
import { median, report } from './report.ts';

const run = promisify(execFile);
const RUN: Period = '2026-10';
const MONTHS = 120;
const REGION = '18';
const UCJ = join(import.meta.dirname, '..', 'bin', 'ucj.js');

/**
 * The snapshots monthly runs would have written for the dataset's first `months` months: each month's
 * upload validated and computed in order with the months before as history, one version per region.
 */
export async function sampleHistory(dataset: SampleDataset, regions: RegionIndex, months: number): Promise<Snapshot[]> {
  const targets: Target[] = [];
  for (const file of dataset.targets) {
    const result = await validateTargets(Buffer.from(file.content), file.key, regions);
    if (!result.ok) throw new Error(`sample targets ${file.key} do not validate`);
    targets.push(...result.targets);
  }
  const history = new Map<Period, Map<string, PastFigures>>();
  const snapshots: Snapshot[] = [];
  for (const period of dataset.periods.slice(0, months)) {
    const upload = dataset.uploads.find((u) => u.key === sampleUploadKey(period))!;
    const bytes = Buffer.from(upload.content);
    const result = await validateFigures(bytes, { fileName: upload.key.split('/').at(-1)!, period, regions });
    if (!result.ok) throw new Error(`sample upload ${upload.key} does not validate`);
    const reported = new Map(result.rows.map((row) => [row.code, reportedFiguresOf(row)]));
    const month = computeMonth({ period, regions, reported, targets: targetTableForYear(targets, parsePeriod(period).year), history });
    const figures = [month.national, ...month.provinces, ...month.regencies].filter((f) => f.source !== 'missing');
    history.set(period, pastFiguresOf(figures));
    const next = addMonths(period, 1);
    const source: SourceFile = { key: upload.key, etag: createHash('md5').update(bytes).digest('hex'), uploadedAt: `${next}-03T02:00:00.000Z` };
    for (const f of figures) {
      snapshots.push({
        code: f.code,
        period,
        version: 1,
        figures: f,
        contentHash: figuresHash(f),
        sources: [source],
        createdAt: `${next}-05T01:00:00.000Z`,
        runId: `backfill-${period}`,
      });
    }
  }
  return snapshots;
}

/** Median of `runs` timed calls after `warmup` untimed ones, and the DynamoDB requests of one call. */
async function timed<T>(stack: LocalStack, work: () => Promise<T>, check: (result: T) => void, runs = 20, warmup = 5) {
  for (let i = 0; i < warmup; i += 1) check(await work());
  const timings: number[] = [];
  let requests = 0;
  for (let i = 0; i < runs; i += 1) {
    const before = stack.requests.dynamodb;
    const started = performance.now();
    check(await work());
    timings.push(performance.now() - started);
    requests = stack.requests.dynamodb - before;
  }
  return { ms: median(timings), requests, runs };
}

function inOrder(snapshots: Snapshot[], expected: number): void {
  if (snapshots.length !== expected) throw new Error(`scale benchmark: ${snapshots.length} snapshots, expected ${expected}`);
  for (let i = 1; i < snapshots.length; i += 1) {
    if (snapshots[i]!.period <= snapshots[i - 1]!.period) throw new Error('scale benchmark: history out of order');
  }
}

/** The 23 earlier months a run reads for its trend charts (and the 12 its figures look back on), at once. */
const runHistoryMonths = (period: Period) => Array.from({ length: 23 }, (_, i) => addMonths(period, -(i + 1)));

export async function benchScale(): Promise<void> {
  const regions = await loadRegionIndex();
  const dataset = await generateSampleDataset({ lastPeriod: RUN, months: MONTHS + 1 });
  let started = performance.now();
  const snapshots = await sampleHistory(dataset, regions, MONTHS);
  const computeSeconds = (performance.now() - started) / 1000;
  if (snapshots.length !== MONTHS * 553) throw new Error(`scale benchmark: ${snapshots.length} snapshots computed`);

  const dir = await mkdtemp(join(tmpdir(), 'ucj-bench-scale-'));
  const stateDir = join(dir, 'state');
  try {
    const stack = await startLocalStack(stateDir, { attach: false });
    try {
      await announceStack(stack); // the CLI's process attaches to this stack, as to a running `ucj stack`
      const env = readSettings(operatorSettingsSchema, { ...process.env, ...stack.env });
      const clients = createAwsClients(env);
      const store: HistoryStore = dynamoHistoryStore(clients.dynamo, env.TABLE_NAME);

      started = performance.now();
      const loadRequests = await loadSnapshots(clients.dynamo, env.TABLE_NAME, snapshots, { width: 4 });
      const loadSeconds = (performance.now() - started) / 1000;
      report('scale_history_load_s', loadSeconds, 's', {
        snapshots: snapshots.length,
        months: MONTHS,
        regions: 553,
        batch_requests: loadRequests,
        items_per_s: Math.round(snapshots.length / loadSeconds),
        computed_in_s: Number(computeSeconds.toFixed(2)),
        note: 'setup: BatchWriteItem, 25 items a request, 4 at a time',
      });

      const region = await timed(stack, () => store.regionSnapshots(REGION), (s) => inOrder(s, MONTHS));
      report('scale_history_region_120_months_ms', region.ms, 'ms', {
        region: REGION,
        snapshots: MONTHS,
        table_snapshots: snapshots.length,
        dynamodb_requests: region.requests,
        runs: region.runs,
        target: 100,
      });

      const lastMonth = addMonths(RUN, -1);
      const month = await timed(stack, () => store.monthSnapshots(lastMonth), (m) => {
        if (m.size !== 553) throw new Error(`scale benchmark: month query found ${m.size} regions`);
      });
      report('scale_month_query_553_ms', month.ms, 'ms', { period: lastMonth, regions: 553, dynamodb_requests: month.requests, runs: month.runs, index: 'gsi1' });

      const months = runHistoryMonths(RUN);
      const trend = await timed(
        stack,
        () => Promise.all(months.map((m) => store.monthSnapshots(m))),
        (all) => {
          if (all.some((m) => m.size !== 553)) throw new Error('scale benchmark: a history month is incomplete');
        },
        10,
        2,
      );
      report('scale_history_23_months_query_ms', trend.ms, 'ms', {
        months: months.length,
        snapshots: months.length * 553,
        dynamodb_requests: trend.requests,
        runs: trend.runs,
        note: 'the month queries a run makes for its history, all at once as monthly-run makes them',
      });

      const cli = JSON.parse((await run(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', 'history', stateDir], { maxBuffer: 1 << 22 })).stdout) as {
        ms: number;
        firstMs: number;
        lines: number;
        exitCode: number;
        runs: number;
      };
      if (cli.exitCode !== 0 || cli.lines !== MONTHS) throw new Error(`scale benchmark: ucj history printed ${cli.lines} lines, exit ${cli.exitCode}`);
      const processRuns: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        started = performance.now();
        const out = await run(process.execPath, [UCJ, 'history', '--region', REGION], { env: { ...process.env, UCJ_LOCAL_DIR: stateDir }, maxBuffer: 1 << 22 });
        processRuns.push((performance.now() - started) / 1000);
        if (out.stdout.trim().split('\n').length !== MONTHS) throw new Error('scale benchmark: `ucj history` as a command printed the wrong history');
      }
      report('scale_cli_history_region_ms', cli.ms, 'ms', {
        region: REGION,
        lines: cli.lines,
        runs: cli.runs,
        first_call_ms: Number(cli.firstMs.toFixed(1)),
        command_process_s: Number(median(processRuns).toFixed(2)),
        target: 100,
        note: 'main([history, --region]) in a warm process attached to the running stack; command_process_s is `node bin/ucj.js history` whole, Node and tsx start-up included',
      });
      clients.dynamo.destroy();
    } finally {
      await stack.close();
    }

    // The run: the month after the 120, in a process that owns the stack (dynalite opens its files in one
    // process only), so its peak RSS is the run's with the emulators beside it, as `ucj run` has them.
    const files: SampleFile[] = [dataset.recipients, ...dataset.targets, dataset.uploads.find((u) => u.key === sampleUploadKey(RUN))!];
    const filesPath = join(dir, 'files.json');
    await writeFile(filesPath, JSON.stringify(files));
    const resultPath = join(dir, 'run.json');
    await run(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', 'run', stateDir, filesPath, resultPath], { maxBuffer: 1 << 24 });
    const runResult = JSON.parse(await readFile(resultPath, 'utf8')) as RunChildResult;
    const { summary } = runResult;
    if (summary.outcome !== 'succeeded' || summary.regionsComputed !== 553 || summary.missing.length > 0 || summary.bulletins !== 553) {
      throw new Error(`scale benchmark: the run did not make the whole month: ${JSON.stringify(summary)}`);
    }
    const detail = { period: RUN, history_months: MONTHS, table_snapshots: snapshots.length, regencies_uploaded: 514, regions_computed: summary.regionsComputed, bulletins: summary.bulletins };
    report('scale_run_full_month_s', runResult.seconds, 's', {
      ...detail,
      snapshots_written: summary.snapshotsWritten,
      deliveries_queued: summary.deliveriesQueued,
      // Phases as the stack saw them: history read and snapshots written, then rendering (render-bulletins).
      ...runResult.phases,
      target: 10,
      note: 'the monthly-run handler invoked as the Scheduler does; uploads validated beforehand',
    });
    report('scale_run_peak_rss_mb', runResult.peakRssMb, 'mb', {
      ...detail,
      rss_before_run_mb: Number(runResult.rssBeforeMb.toFixed(1)),
      target: 512,
      note: 'whole process: the handler, the local stack (dynalite, s3rver, SES, the render Lambda emulator) and its render workers',
    });
    report('scale_run_dynamodb_requests', runResult.dynamodb, 'count', {
      ...detail,
      other_requests: runResult.otherRequests,
      note: 'every request dynalite received during the run: lease, history reads, snapshot writes, run record',
    });

    await benchWideSources(regions);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A month whose every snapshot lists 514 source files: each regency uploaded its own file, and monthly-run
 * keeps the month's whole source list in each region's snapshot. Measured in a stack of its own.
 */
async function benchWideSources(regions: RegionIndex): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ucj-bench-scale-wide-'));
  const stack = await startLocalStack(dir, { attach: false });
  try {
    const env = readSettings(operatorSettingsSchema, { ...process.env, ...stack.env });
    const clients = createAwsClients(env);
    const store = dynamoHistoryStore(clients.dynamo, env.TABLE_NAME);
    const period = addMonths(RUN, -1);
    const dataset = await generateSampleDataset({ lastPeriod: period, months: 1 });
    const month1 = await sampleHistory(dataset, regions, 1);
    const sources: SourceFile[] = regions.regencies.map((r) => ({
      key: `uploads/${period}/ucj-${period}-${r.code}.xlsx`,
      etag: createHash('md5').update(r.code).digest('hex'),
      uploadedAt: `${RUN}-03T02:00:00.000Z`,
    }));
    const wide = month1.map((s) => ({ ...s, sources }));
    await loadSnapshots(clients.dynamo, env.TABLE_NAME, wide, { width: 4 });
    const month = await timed(stack, () => store.monthSnapshots(period), (m) => {
      if (m.size !== 553) throw new Error(`scale benchmark: wide month query found ${m.size} regions`);
    }, 5, 1);
    report('scale_month_query_553_wide_sources_ms', month.ms, 'ms', {
      regions: 553,
      sources_per_snapshot: sources.length,
      snapshot_kb: Number((JSON.stringify(wide[0]).length / 1024).toFixed(1)),
      dynamodb_requests: month.requests,
      runs: month.runs,
      note: 'each regency uploads its own file; a run reads 24 such months',
    });
    clients.dynamo.destroy();
  } finally {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  }
}

interface RunChildResult {
  seconds: number;
  peakRssMb: number;
  rssBeforeMb: number;
  dynamodb: number;
  otherRequests: Record<string, number>;
  phases: Record<string, number | null>;
  summary: { outcome: string; regionsComputed: number; missing: string[]; snapshotsWritten: number; bulletins: number; bulletinFailures: number; deliveriesQueued: number };
}

/** Child: `ucj history --region` through the CLI's own entry point, many times in one warm process. */
async function historyChild(stateDir: string): Promise<void> {
  process.env.UCJ_LOCAL_DIR = stateDir;
  const { main } = await import('../tools/cli/main.ts');
  const write = process.stdout.write.bind(process.stdout);
  let captured = '';
  const timings: number[] = [];
  let exitCode = 0;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    captured += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    for (let i = 0; i < 25; i += 1) {
      captured = '';
      const started = performance.now();
      exitCode = await main(['history', '--region', REGION]);
      timings.push(performance.now() - started);
    }
  } finally {
    process.stdout.write = write;
  }
  write(JSON.stringify({ ms: median(timings.slice(5)), firstMs: timings[0], runs: timings.length - 5, lines: captured.trim().split('\n').length, exitCode }));
}

/**
 * The run's phases as the stack saw them, in seconds from its start: the DynamoDB requests before rendering
 * began (lease, history, snapshots), when render-bulletins was first invoked, and the run record at the end.
 */
function phasesOf(times: Record<string, number[]>): Record<string, number | null> {
  const round = (x: number | undefined) => (x === undefined ? null : Number(x.toFixed(2)));
  const renderAt = times.lambda?.[0];
  const dynamo = times.dynamodb ?? [];
  return {
    dynamodb_phase_end_s: round(renderAt === undefined ? undefined : dynamo.filter((t) => t < renderAt).at(-1)),
    render_invoked_at_s: round(renderAt),
    dynamodb_requests_while_rendering: renderAt === undefined ? null : dynamo.filter((t) => t >= renderAt).length,
  };
}

/** Child: own the stack, upload the month's files through validate-upload, then time the monthly-run handler. */
async function runChild(stateDir: string, filesPath: string, resultPath: string): Promise<void> {
  const { createLocalInvoker } = await import('../tools/local/invoke.ts');
  const files = JSON.parse(await readFile(filesPath, 'utf8')) as SampleFile[];
  const stack = await startLocalStack(stateDir, { attach: false });
  try {
    const invoker = await createLocalInvoker(stack);
    const outcomes = await invoker.upload(files.map((f) => ({ key: f.key, body: f.content })));
    if (outcomes.some((o) => o.status === 'validated' && !o.report.ok)) throw new Error('scale benchmark: the month upload was rejected');
    const requestsBefore = { ...stack.requests };
    const rssBeforeMb = process.memoryUsage().rss / 1048576;
    const started = performance.now();
    // When each server saw each request: the run's phases, as the stack saw them.
    const times: Record<string, number[]> = {};
    for (const name of Object.keys(stack.requests)) {
      let count = (stack.requests as Record<string, number>)[name]!;
      Object.defineProperty(stack.requests, name, {
        get: () => count,
        set: (value: number) => {
          count = value;
          (times[name] ??= []).push((performance.now() - started) / 1000);
        },
      });
    }
    const summary = await invoker.runMonth({ period: RUN });
    const seconds = (performance.now() - started) / 1000;
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    const counts = stack.requests as Record<string, number>;
    const otherRequests = Object.fromEntries(
      Object.entries(counts)
        .filter(([name]) => name !== 'dynamodb')
        .map(([name, count]) => [name, count - ((requestsBefore as Record<string, number>)[name] ?? 0)]),
    );
    const result: RunChildResult = {
      seconds,
      peakRssMb,
      rssBeforeMb,
      dynamodb: stack.requests.dynamodb - requestsBefore.dynamodb,
      otherRequests,
      phases: phasesOf(times),
      summary: {
        outcome: summary.outcome,
        regionsComputed: summary.regionsComputed,
        missing: summary.missing,
        snapshotsWritten: summary.snapshotsWritten,
        bulletins: summary.bulletins.length,
        bulletinFailures: summary.bulletinFailures.length,
        deliveriesQueued: summary.deliveriesQueued,
      },
    };
    await writeFile(resultPath, JSON.stringify(result));
  } finally {
    await stack.close();
  }
}

if (process.argv[2] === '--child' && process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[3] === 'history') await historyChild(process.argv[4]!);
  else if (process.argv[3] === 'run') await runChild(process.argv[4]!, process.argv[5]!, process.argv[6]!);
  else throw new Error(`unknown child mode ${process.argv[3]}`);
  process.exit(0); // render workers or keep-alive sockets must not keep a finished child alive
}
