/**
 * Issue 4: `compute_553_regions_ms` (a month for all 553 regions with 120 months of history, target
 * < 200 ms) and `history_120_months_ms` (one region's 120 monthly snapshots read back from the local
 * DynamoDB, as `ucj history` does, target < 100 ms).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeMonth, pastFiguresOf, type PastFigures, type ReportedFigures } from '../lib/domain/compute.ts';
import { addMonths } from '../lib/domain/period.ts';
import { loadRegionIndex, type RegionIndex } from '../lib/domain/regions.ts';
import type { Period } from '../lib/domain/types.ts';
import { median, report } from './report.ts';

const LAST: Period = '2026-10';
const MONTHS = 120;

function reportedFor(regions: RegionIndex, monthIndex: number): Map<string, ReportedFigures> {
  return new Map(
    regions.regencies.map((regency, index) => {
      const eligible = 50_000 + ((index * 7919) % 900_000);
      const active = Math.floor(eligible * (0.2 + ((index % 40) + monthIndex / 10) / 100));
      return [regency.code, { code: regency.code, active, eligible }];
    }),
  );
}

export async function benchNumbers(): Promise<void> {
  const regions = await loadRegionIndex();
  const targets = new Map([['nasional', { targetPct: 45, targetActive: null }], ...regions.provinces.map((p) => [p.code, { targetPct: 40, targetActive: null }] as const)]);

  // 120 months of history, each month computed from the one before, as the monthly runs would have.
  const history = new Map<Period, Map<string, PastFigures>>();
  let snapshotMonth = computeMonth({ period: addMonths(LAST, -MONTHS), regions, reported: reportedFor(regions, 0), targets, history });
  for (let i = 1; i <= MONTHS; i += 1) {
    history.set(snapshotMonth.period, pastFiguresOf([snapshotMonth.national, ...snapshotMonth.provinces, ...snapshotMonth.regencies]));
    snapshotMonth = computeMonth({ period: addMonths(LAST, i - MONTHS), regions, reported: reportedFor(regions, i), targets, history });
  }
  const reported = reportedFor(regions, MONTHS + 1);
  const timings: number[] = [];
  for (let i = 0; i < 60; i += 1) {
    const started = performance.now();
    const month = computeMonth({ period: addMonths(LAST, 1), regions, reported, targets, history });
    timings.push(performance.now() - started);
    if (month.provinces.length + month.regencies.length + 1 !== 553) throw new Error('compute benchmark: wrong region count');
  }
  report('compute_553_regions_ms', median(timings.slice(10)), 'ms', { history_months: history.size, runs: 50, target: 200 });

  // Loaded only now: computeMonth above is measured in a process without the local stack's modules.
  const { startLocalStack } = await import('../tools/local/stack.ts');
  const { createAwsClients } = await import('../lib/aws/clients.ts');
  const { operatorSettingsSchema, readSettings } = await import('../lib/config.ts');
  const { dynamoHistoryStore } = await import('../lib/history/store.ts');
  const dir = await mkdtemp(join(tmpdir(), 'ucj-bench-history-'));
  const stack = await startLocalStack(dir, { attach: false });
  try {
    const env = readSettings(operatorSettingsSchema, { ...process.env, ...stack.env });
    const clients = createAwsClients(env);
    const store = dynamoHistoryStore(clients.dynamo, env.TABLE_NAME);
    // Lampung's 120 months, among its neighbours' so the query has a real table to find them in.
    const codes = ['18', '17', '19', '18.71', '18.01'];
    for (let i = 0; i < MONTHS; i += 1) {
      const period = addMonths(LAST, i - MONTHS + 1);
      await Promise.all(
        codes.map((code) =>
          store.putSnapshot({
            code,
            period,
            version: 1,
            figures: { ...snapshotMonth.national, code, name: code, level: code.length === 2 ? 'provinsi' : 'kabkota' },
            contentHash: `${code}-${period}`,
            sources: [{ key: `uploads/${period}/nasional.csv`, etag: 'e', uploadedAt: `${period}-05T00:00:00.000Z` }],
            createdAt: `${period}-05T00:00:00.000Z`,
            runId: 'bench',
          }),
        ),
      );
    }
    const reads: number[] = [];
    for (let i = 0; i < 25; i += 1) {
      const started = performance.now();
      const snapshots = await store.regionSnapshots('18');
      reads.push(performance.now() - started);
      if (snapshots.length !== MONTHS) throw new Error(`history benchmark: ${snapshots.length} snapshots`);
    }
    report('history_120_months_ms', median(reads.slice(5)), 'ms', { snapshots: MONTHS, runs: 20, target: 100, store: 'dynalite on loopback' });
    clients.dynamo.destroy();
  } finally {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  }
}
