/**
 * What a month can hold that no test month of the sample does (issue 12, items 4 and 11), against the
 * local DynamoDB, which refuses an item over 400 KB as DynamoDB does:
 * - a month of one file per region, each with a key near S3's 1,024-byte limit: the nation's snapshot
 *   names every file and the run record every input, which would push both past 400 KB;
 * - a 1 GB object left under uploads/, and a file already rejected: neither is read.
 * The bucket here is an in-memory ObjectStore that serves the month's files and refuses to hand over
 * what must not be read, so the test can say exactly what the run read; history is the real table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack, type LocalStack } from '../../tools/local/stack.ts';
import { createLocalInvoker, type LocalInvoker } from '../../tools/local/invoke.ts';
import { loadRegionIndex, type RegionIndex } from '../../lib/domain/regions.ts';
import { runMonth } from '../../lib/jobs/monthly-run.ts';
import { validationReportKey } from '../../lib/storage/keys.ts';
import { ObjectTooLarge, type ObjectStore, type ObjectSummary, type StoredObject } from '../../lib/storage/object-store.ts';
import type { ValidationReport } from '../../lib/storage/validation-report.ts';
import { SNAPSHOT_SOURCES_KEPT, RUN_RECORD_LIMITS } from '../../lib/history/item-limits.ts';
import { Logger } from '@aws-lambda-powertools/logger';

const PERIOD = '2026-10';

let dir: string;
let stack: LocalStack;
let invoker: LocalInvoker;
let regions: RegionIndex;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucj-inputs-'));
  stack = await startLocalStack(dir, { attach: false, deliveries: false });
  invoker = await createLocalInvoker(stack);
  regions = await loadRegionIndex();
});

afterAll(async () => {
  await stack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A bucket in memory: objects by key, a list of keys that must never be read, and what was read. */
function memoryBucket(objects: Map<string, { body: Buffer; size?: number }>, forbidden: Set<string>) {
  const read: string[] = [];
  const summary = (key: string): ObjectSummary => {
    const object = objects.get(key)!;
    return { key, etag: `etag-${key.length}-${key.slice(-12)}`, size: object.size ?? object.body.length, lastModified: new Date('2026-11-02T00:00:00Z') };
  };
  const store: ObjectStore = {
    async get(key, { maxBytes }) {
      if (!objects.has(key)) return undefined;
      const object: StoredObject = { ...summary(key), body: objects.get(key)!.body };
      if (object.size > maxBytes) throw new ObjectTooLarge(key, object.size, maxBytes);
      if (forbidden.has(key)) throw new Error(`${key} was read, and must not be`);
      read.push(key);
      return object;
    },
    async head(key) {
      return objects.has(key) ? summary(key) : undefined;
    },
    async list(prefix) {
      return [...objects.keys()].filter((key) => key.startsWith(prefix)).sort().map(summary);
    },
    put: async () => ({ etag: 'x' }),
    copy: async () => ({}),
    delete: async () => undefined,
  };
  return { store, read, summary };
}

const report = (key: string, etag: string, ok: boolean, regionsReported: string[]): ValidationReport => ({
  key,
  etag,
  size: 1,
  period: PERIOD,
  fileName: key.slice(`uploads/${PERIOD}/`.length),
  validatedAt: '2026-11-02T00:00:00Z',
  ok,
  rowCount: 1,
  errors: ok ? [] : [{ row: 2, column: 'peserta_aktif', code: 'BUKAN_BILANGAN_CACAH', message: 'x' }],
  warnings: [],
  regionsNamed: regionsReported,
  regionsReported: ok ? regionsReported : [],
  quarantinedTo: null,
  notify: [],
  notified: [],
  notifyFailed: [],
});

function deps(store: ObjectStore) {
  const { runtime } = invoker;
  return {
    store,
    history: runtime.history,
    queue: runtime.queue,
    renderAndStore: runtime.renderer,
    mailAccount: runtime.mailAccount,
    sender: runtime.env.SENDER_ADDRESS,
    now: runtime.now,
    logger: new Logger({ serviceName: 'monthly-run' }),
  };
}

describe('a month the sample never holds', () => {
  it('one file per region with keys near 1,024 bytes: every snapshot and the run record stay under 400 KB', async () => {
    const objects = new Map<string, { body: Buffer }>();
    const bucket = memoryBucket(objects, new Set());
    for (const region of [...regions.provinces, ...regions.regencies]) {
      const key = `uploads/${PERIOD}/${'laporan-bulanan-'.repeat(60).slice(0, 960)}-${region.code}.csv`;
      objects.set(key, { body: Buffer.from(`kode_wilayah,pekerja,peserta_aktif\n${region.code},1000000,400000\n`) });
      const summary = bucket.summary(key);
      objects.set(validationReportKey(PERIOD, summary.key.slice(`uploads/${PERIOD}/`.length)), {
        body: Buffer.from(JSON.stringify(report(key, summary.etag, true, [region.code]))),
      });
    }
    const files = regions.provinces.length + regions.regencies.length;
    const summary = await runMonth(deps(bucket.store), { period: PERIOD, snapshotsOnly: true });
    expect(summary.outcome, summary.problems.join('\n')).toBe('succeeded');
    expect(summary.snapshotsWritten).toBe(1 + regions.provinces.length + regions.regencies.length);
    const nation = (await invoker.runtime.history.monthSnapshots(PERIOD)).get('nasional')!;
    expect(nation.sources).toHaveLength(SNAPSHOT_SOURCES_KEPT);
    expect(nation.sourceCount).toBe(files);
    const [record] = await invoker.runtime.history.listRuns(PERIOD);
    expect(record!.inputs).toHaveLength(RUN_RECORD_LIMITS.inputs);
    expect(record!.counts.inputs).toBe(files);
  });

  it('never reads a 1 GB object left under uploads/, nor a file its report rejected, and says so', async () => {
    const period = '2026-09';
    const objects = new Map<string, { body: Buffer; size?: number }>();
    const huge = `uploads/${period}/dump-1gb.csv`;
    const rejected = `uploads/${period}/salah.csv`;
    const good = `uploads/${period}/bali.csv`;
    objects.set(huge, { body: Buffer.alloc(0), size: 1024 ** 3 });
    objects.set(rejected, { body: Buffer.from('kode_wilayah,pekerja,peserta_aktif\n18,1000,lima\n') });
    objects.set(good, { body: Buffer.from('kode_wilayah,pekerja,peserta_aktif\n51,1873899,935079\n') });
    const bucket = memoryBucket(objects, new Set([huge, rejected]));
    objects.set(validationReportKey(period, 'salah.csv'), { body: Buffer.from(JSON.stringify(report(rejected, bucket.summary(rejected).etag, false, ['18']))) });
    objects.set(validationReportKey(period, 'bali.csv'), { body: Buffer.from(JSON.stringify(report(good, bucket.summary(good).etag, true, ['51']))) });

    const summary = await runMonth(deps(bucket.store), { period, snapshotsOnly: true });
    expect(summary.outcome, summary.problems.join('\n')).toBe('succeeded');
    expect(bucket.read.filter((key) => key.startsWith('uploads/'))).toEqual([good]);
    expect(summary.problems).toEqual(
      expect.arrayContaining([expect.stringContaining(`${huge} terlalu besar`), expect.stringContaining(`${rejected} ditolak validasi`)]),
    );
    expect((await invoker.runtime.history.monthSnapshots(period)).get('51')?.figures.active).toBe(935079);
  });
});
