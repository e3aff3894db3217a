/**
 * History at scale on the local stack (dynalite): queries that span many DynamoDB pages return every
 * snapshot in order, and a run with every regency present, over a history whose last month spans many
 * pages, computes all 553 regions from all of it, in a bounded number of requests.
 *
 * Pages. A Query returns at most 1 MB of items before it hands back LastEvaluatedKey. A snapshot with one
 * source file is about 825 bytes in DynamoDB (544 by dynalite's page accounting), so a page holds some
 * 1,270 (1,900) of them: a region's 120 months (about 100 kB) and a month's 553 regions (about 450 kB) each
 * fit in one page, and a region would need over a century of months to need a second. What fills pages
 * is a snapshot's source list: monthly-run keeps the month's every source file in each region's snapshot,
 * so a month in which each of the 514 regencies uploaded its own file makes snapshots of about 61 kB
 * (56 kB by dynalite's accounting), 17 (18) to a page. Here:
 * - region 18 has 120 such months (about 7 MB: 7 pages) before 24 ordinary ones;
 * - the month before the run is such a month for all 553 regions (about 31 MB: 30 pages);
 * - the other 23 months are ordinary, 553 regions with the one national file each (one page each).
 * The full 120 × 553 load is the benchmark's (bench/scale.ts); these 13,392 snapshots load in seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack, type LocalStack } from '../../tools/local/stack.ts';
import { createLocalInvoker, type LocalInvoker } from '../../tools/local/invoke.ts';
import { generateSampleDataset, sampleUploadKey, type SampleDataset } from '../../tools/sample/index.ts';
import { loadRegionIndex, type RegionIndex } from '../../lib/domain/regions.ts';
import { addMonths, periodRange } from '../../lib/domain/period.ts';
import { loadSnapshots, type Snapshot, type SourceFile } from '../../lib/history/store.ts';
import type { MonthlyRunSummary } from '../../lib/jobs/monthly-run.ts';
import { sampleHistory } from '../../bench/scale.ts';

const RUN = '2026-10';
const PREVIOUS = addMonths(RUN, -1);
const RECENT_MONTHS = 24; // the ordinary months before the run: all a run looks back on (23 for its trend charts)
const OLD_MONTHS = 120; // region 18's older months, each with every regency's file as its sources
const REGION = '18';

let dir: string;
let stack: LocalStack;
let invoker: LocalInvoker;
let regions: RegionIndex;
let allCodes: string[];
let dataset: SampleDataset;
let written: Snapshot[];
let run: MonthlyRunSummary;
let runRequests: number;

/** The sources monthly-run gives every snapshot of a month in which each regency uploaded its own file. */
const everyRegencyFile = (period: string): SourceFile[] =>
  regions.regencies.map((r) => ({
    key: `uploads/${period}/ucj-${period}-${r.code}.xlsx`,
    etag: createHash('md5').update(`${period}/${r.code}`).digest('hex'),
    uploadedAt: `${addMonths(period, 1)}-03T02:00:00.000Z`,
  }));

/** Counts the DynamoDB requests `work` makes (the stack counts every request dynalite receives). */
async function counted<T>(work: () => Promise<T>): Promise<{ result: T; requests: number }> {
  const before = stack.requests.dynamodb;
  const result = await work();
  return { result, requests: stack.requests.dynamodb - before };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucj-it-scale-'));
  stack = await startLocalStack(dir, { attach: false });
  invoker = await createLocalInvoker(stack);
  regions = await loadRegionIndex();
  allCodes = [regions.national, ...regions.provinces, ...regions.regencies].map((r) => r.code);

  // The 24 months before the run as the runs would have kept them; the last of them with every regency's file.
  dataset = await generateSampleDataset({ lastPeriod: RUN, months: RECENT_MONTHS + 1 });
  const recent = (await sampleHistory(dataset, regions, RECENT_MONTHS)).map((s) =>
    s.period === PREVIOUS ? { ...s, sources: everyRegencyFile(PREVIOUS) } : s,
  );
  // Region 18's ten years before those, each month's active count distinct so order and content can be checked.
  const template = recent.find((s) => s.code === REGION)!;
  const old = periodRange(addMonths(RUN, -(RECENT_MONTHS + OLD_MONTHS)), addMonths(RUN, -(RECENT_MONTHS + 1))).map((period, i) => ({
    ...template,
    period,
    figures: { ...template.figures, active: 1_000_000 + i },
    contentHash: `old-${period}`,
    sources: everyRegencyFile(period),
    createdAt: `${addMonths(period, 1)}-05T01:00:00.000Z`,
    runId: `backfill-${period}`,
  }));
  written = [...old, ...recent];
  await loadSnapshots(invoker.runtime.clients.dynamo, invoker.runtime.env.TABLE_NAME, written);

  // The run's month: one upload with every one of the 514 regencies, through validate-upload.
  const files = [dataset.recipients, ...dataset.targets, dataset.uploads.find((u) => u.key === sampleUploadKey(RUN))!];
  const outcomes = await invoker.upload(files.map((f) => ({ key: f.key, body: f.content })));
  expect(outcomes.map((o) => o.status === 'validated' && o.report.ok)).toEqual([true]);
  const { result, requests } = await counted(() => invoker.runMonth({ period: RUN, snapshotsOnly: true }));
  run = result;
  runRequests = requests;
});

afterAll(async () => {
  await stack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('history at scale', () => {
  it("returns a region's whole history, every month once and in order, across DynamoDB pages", async () => {
    const { result: history, requests } = await counted(() => invoker.runtime.history.regionSnapshots(REGION));
    expect(requests).toBeGreaterThan(1); // the history spans pages, so the store had to follow them
    const expected = [...written.filter((s) => s.code === REGION && s.period < RUN)].sort((a, b) => a.period.localeCompare(b.period));
    expect(expected).toHaveLength(OLD_MONTHS + RECENT_MONTHS);
    expect(history.map((s) => s.period)).toEqual(periodRange(addMonths(RUN, -(OLD_MONTHS + RECENT_MONTHS)), PREVIOUS).concat(RUN));
    expect(history.slice(0, -1)).toEqual(expected);
    expect(history.at(-1)!.runId).toBe(run.runId); // the run's own snapshot comes last
  });

  it("returns every one of a month's 553 regions across DynamoDB pages", async () => {
    const { result: month, requests } = await counted(() => invoker.runtime.history.monthSnapshots(PREVIOUS));
    expect(requests).toBeGreaterThan(1);
    expect([...month.keys()].sort()).toEqual([...allCodes].sort());
    expect(month.size).toBe(553);
    for (const snapshot of written.filter((s) => s.period === PREVIOUS)) expect(month.get(snapshot.code)).toEqual(snapshot);
  });

  it('stores bulk-loaded snapshots under the keys putSnapshot writes', async () => {
    // putSnapshot refuses to overwrite an existing version: it finds each loaded one at its own key.
    for (const snapshot of [written[0]!, written.find((s) => s.period === PREVIOUS && s.code === '18.71')!]) {
      expect(await invoker.runtime.history.putSnapshot(snapshot)).toBe(false);
    }
  });

  it('computes all 553 regions of a month with every regency present, from every region of the month before', async () => {
    expect(run.outcome).toBe('succeeded');
    expect(run.missing).toEqual([]);
    expect(run.regionsComputed).toBe(553);
    expect(run.snapshotsWritten).toBe(553);
    const now = await invoker.runtime.history.monthSnapshots(RUN);
    expect(now.size).toBe(553);
    // Month-on-month and year-on-year changes come from history: every region found its previous month on
    // whichever page it was, and its month a year before.
    const before = new Map(written.filter((s) => s.period === PREVIOUS).map((s) => [s.code, s.figures]));
    const yearBefore = new Map(written.filter((s) => s.period === addMonths(RUN, -12)).map((s) => [s.code, s.figures]));
    for (const code of allCodes) {
      const figures = now.get(code)!.figures;
      expect(figures.source).not.toBe('missing');
      expect(figures.momDeltaActive, code).toBe(figures.active! - before.get(code)!.active!);
      expect(figures.yoyDeltaPp, code).toBeCloseTo(figures.coveragePct! - yearBefore.get(code)!.coveragePct!, 9);
    }
  });

  it("reads the run's history in a number of requests bounded by the months it needs, not by the history's length", async () => {
    // The month before spans pages; each of the other 22 earlier months it reads (and its own) is one page.
    const { requests: previousPages } = await counted(() => invoker.runtime.history.monthSnapshots(PREVIOUS));
    const reads = previousPages + 22 + 1;
    // 553 snapshot writes, the lease, the run record, and a little room; a run that read a month per region,
    // or every month of region 18's 144, would need hundreds more.
    expect(previousPages).toBeGreaterThan(1);
    expect(runRequests).toBeLessThanOrEqual(553 + reads + 10);
  });
});
