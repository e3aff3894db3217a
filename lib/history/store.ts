/**
 * History in one DynamoDB table (docs/architecture.md, "History in DynamoDB"), behind a small interface.
 *
 * Keys:
 * - snapshot: `REGION#<code>` / `PERIOD#<YYYY-MM>#V<nnnn>`; index gsi1: `PERIOD#<YYYY-MM>` / `REGION#<code>#V<nnnn>`
 *   so a region's history and a month's regions are each one query. Versions are zero-padded so
 *   they sort as numbers (`V0010` after `V0009`), which an unpadded `V<n>` would not.
 * - run record: `PERIOD#<YYYY-MM>` / `RUN#<started ISO>#<runId>`; lease: `PERIOD#<YYYY-MM>` / `LEASE`.
 * - the delivery and reminder ledgers: send-ledger.ts.
 * Every write is conditional, so repeating one is safe.
 */
import { createHash } from 'node:crypto';
import { BatchWriteCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { isConditionFailure, queryAll as queryItems, writeIf } from './dynamo.ts';
import type { Period, RegionFigures } from '../domain/types.ts';

import { TABLE_KEYS } from '../contract/table.ts';
import { parseStored, runRecordSchema, snapshotSchema, type RunRecord, type Snapshot } from './records.ts';

export type { RunRecord, Snapshot, SourceFile } from './records.ts';

export { TABLE_KEYS };

/** How far a live run is: kept on its lease, where an operator's terminal reads it. */
export const runProgressSchema = z.object({
  stage: z.enum(['reading', 'snapshots', 'rendering', 'queueing']),
  regionsComputed: z.number().int().nonnegative().optional(),
  bulletinsRendered: z.number().int().nonnegative().optional(),
  bulletinsTotal: z.number().int().nonnegative().optional(),
});
export type RunProgress = z.infer<typeof runProgressSchema>;

const leaseItemSchema = z.object({ holder: z.string(), expiresAt: z.number(), progress: runProgressSchema.optional() });

/** Where a run record lives, so deliveries can count themselves into it. */
export const runRecordKey = (run: Pick<RunRecord, 'startedAt' | 'runId'>) => `RUN#${run.startedAt}#${run.runId}`;

/** A run record with what its deliveries have counted into it since. */
export interface RunWithDeliveries extends RunRecord {
  delivered: { sent: number; failed: number };
}

/** The month's emails sent and refused for good, over every run (each delivery counts into the run that queued it). */
export function deliveredInMonth(runs: readonly RunWithDeliveries[]): { sent: number; failed: number } {
  return {
    sent: runs.reduce((sum, run) => sum + run.delivered.sent, 0),
    failed: runs.reduce((sum, run) => sum + run.delivered.failed, 0),
  };
}

/** Each region's figures month by month, every version kept. */
export interface SnapshotStore {
  /** The latest version of each region's snapshot for a month. */
  monthSnapshots(period: Period): Promise<Map<string, Snapshot>>;
  /** Every snapshot and version of one region, oldest first. */
  regionSnapshots(code: string): Promise<Snapshot[]>;
  /** A region's latest version for a month, read consistently from the table (not the month index). */
  latestSnapshot(code: string, period: Period): Promise<Snapshot | undefined>;
  /** Writes a snapshot unless that exact version exists; false when it did. */
  putSnapshot(snapshot: Snapshot): Promise<boolean>;
}

/** What each run of a month did, and what its deliveries counted into it. */
export interface RunLog {
  putRun(run: RunRecord): Promise<void>;
  listRuns(period: Period): Promise<RunWithDeliveries[]>;
  /** Adds one delivery's outcome to the run that queued it (an atomic counter). */
  countDelivery(period: Period, runKey: string, outcome: 'sent' | 'failed'): Promise<void>;
}

/** The month's lease (month-lease.ts): one run at a time works on a month. */
export interface MonthLeaseStore {
  /**
   * Takes the month's lease unless a live holder has it. When it replaced a lapsed lease, names that
   * lease's holder: a lease item outlives its run only when the run died (a finished run deletes it).
   */
  acquireLease(period: Period, holder: string, ttlMs: number, now: Date): Promise<{ acquired: false } | { acquired: true; replaced?: string }>;
  /** Extends the holder's lease to `now + ttlMs`; false when the holder no longer has it. */
  renewLease(period: Period, holder: string, ttlMs: number, now: Date, progress?: RunProgress): Promise<boolean>;
  /** Who holds the month's lease, until when (ms since the epoch) and how far it is; undefined when nobody does. */
  readLease(period: Period): Promise<{ holder: string; expiresAt: number; progress?: RunProgress } | undefined>;
  releaseLease(period: Period, holder: string): Promise<void>;
}

/** The whole history table, for the callers that use every part of it (the operator's commands, tests). */
export interface HistoryStore extends SnapshotStore, RunLog, MonthLeaseStore {}

const pad = (version: number) => String(version).padStart(4, '0');

/** A snapshot's `contentHash`: equal figures, equal hash, so a re-run with the same inputs writes nothing. */
export function figuresHash(figures: RegionFigures): string {
  return createHash('sha256').update(JSON.stringify(figures)).digest('hex');
}

/** The table's snapshot items, and the month index (gsi1) over them. */
export function dynamoSnapshotStore(db: DynamoDBDocumentClient, tableName: string): SnapshotStore {
  const queryAll = (input: Parameters<typeof queryItems>[1]) => queryItems(db, input);
  const toSnapshot = (item: Record<string, unknown>): Snapshot => parseStored(snapshotSchema, item.snapshot, `snapshot (${String(item.pk)} ${String(item.sk)})`);

  return {
    async monthSnapshots(period) {
      const items = await queryAll({
        TableName: tableName,
        IndexName: TABLE_KEYS.index,
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': `PERIOD#${period}` },
      });
      const latest = new Map<string, Snapshot>();
      for (const snapshot of items.map(toSnapshot)) {
        const current = latest.get(snapshot.code);
        if (!current || snapshot.version > current.version) latest.set(snapshot.code, snapshot);
      }
      return latest;
    },
    async regionSnapshots(code) {
      const items = await queryAll({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': `REGION#${code}`, ':prefix': 'PERIOD#' },
      });
      return items.map(toSnapshot);
    },
    async latestSnapshot(code, period) {
      const out = await db.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': `REGION#${code}`, ':prefix': `PERIOD#${period}#V` },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      );
      return out.Items?.[0] ? toSnapshot(out.Items[0]) : undefined;
    },
    async putSnapshot(snapshot) {
      return writeIf(
        db,
        new PutCommand({ TableName: tableName, Item: snapshotItem(snapshot), ConditionExpression: 'attribute_not_exists(pk)' }),
      );
    },
  };
}

/** The table's run records (`PERIOD#` / `RUN#…`). */
export function dynamoRunLog(db: DynamoDBDocumentClient, tableName: string): RunLog {
  const queryAll = (input: Parameters<typeof queryItems>[1]) => queryItems(db, input);
  return {
    async putRun(run) {
      // An upsert of the record alone: deliveries may already have counted themselves into this item.
      await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: `PERIOD#${run.period}`, sk: runRecordKey(run) },
          UpdateExpression: 'SET #type = :type, #run = :run',
          ExpressionAttributeNames: { '#type': 'type', '#run': 'run' },
          ExpressionAttributeValues: { ':type': 'run', ':run': run },
        }),
      );
    },
    async listRuns(period) {
      const items = await queryAll({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': `PERIOD#${period}`, ':prefix': 'RUN#' },
      });
      return items.map((item) => ({
        ...parseStored(runRecordSchema, item.run, `run record (${String(item.sk)})`),
        delivered: { sent: Number(item.sentCount ?? 0), failed: Number(item.failedCount ?? 0) },
      }));
    },
    async countDelivery(period, runKey, outcome) {
      await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: `PERIOD#${period}`, sk: runKey },
          UpdateExpression: 'ADD #count :one',
          ExpressionAttributeNames: { '#count': outcome === 'sent' ? 'sentCount' : 'failedCount' },
          ExpressionAttributeValues: { ':one': 1 },
        }),
      );
    },
  };
}

/** The table's lease items (`PERIOD#` / `LEASE`). */
export function dynamoMonthLeases(db: DynamoDBDocumentClient, tableName: string): MonthLeaseStore {
  return {
    async acquireLease(period, holder, ttlMs, now) {
      try {
        const out = await db.send(
          new PutCommand({
            TableName: tableName,
            Item: { pk: `PERIOD#${period}`, sk: 'LEASE', holder, expiresAt: now.getTime() + ttlMs },
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR holder = :me',
            ExpressionAttributeValues: { ':now': now.getTime(), ':me': holder },
            // The lapsed lease this put replaced, if any: whoever held it died without releasing it.
            ReturnValues: 'ALL_OLD',
          }),
        );
        const previous = out.Attributes?.holder;
        return typeof previous === 'string' && previous !== holder ? { acquired: true, replaced: previous } : { acquired: true };
      } catch (error) {
        if (isConditionFailure(error)) return { acquired: false };
        throw error;
      }
    },
    async renewLease(period, holder, ttlMs, now, progress) {
      return writeIf(
        db,
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: `PERIOD#${period}`, sk: 'LEASE' },
          UpdateExpression: progress ? 'SET expiresAt = :until, progress = :progress' : 'SET expiresAt = :until',
          ConditionExpression: 'holder = :me',
          ExpressionAttributeValues: { ':me': holder, ':until': now.getTime() + ttlMs, ...(progress ? { ':progress': progress } : {}) },
        }),
      );
    },
    async readLease(period) {
      const out = await db.send(new GetCommand({ TableName: tableName, Key: { pk: `PERIOD#${period}`, sk: 'LEASE' }, ConsistentRead: true }));
      return out.Item ? leaseItemSchema.parse(out.Item) : undefined;
    },
    async releaseLease(period, holder) {
      await writeIf(
        db,
        new DeleteCommand({
          TableName: tableName,
          Key: { pk: `PERIOD#${period}`, sk: 'LEASE' },
          ConditionExpression: 'holder = :me',
          ExpressionAttributeValues: { ':me': holder },
        }),
      );
    },
  };
}

export function dynamoHistoryStore(db: DynamoDBDocumentClient, tableName: string): HistoryStore {
  return { ...dynamoSnapshotStore(db, tableName), ...dynamoRunLog(db, tableName), ...dynamoMonthLeases(db, tableName) };
}

/** A snapshot as it is stored, by `putSnapshot` and the bulk loader alike, so both queries find it. */
export function snapshotItem(snapshot: Snapshot): Record<string, unknown> {
  return {
    pk: `REGION#${snapshot.code}`,
    sk: `PERIOD#${snapshot.period}#V${pad(snapshot.version)}`,
    gsi1pk: `PERIOD#${snapshot.period}`,
    gsi1sk: `REGION#${snapshot.code}#V${pad(snapshot.version)}`,
    type: 'snapshot',
    snapshot,
  };
}

/** DynamoDB's limit on one BatchWriteItem request. */
const BATCH_WRITE_ITEMS = 25;

/**
 * Bulk load: writes snapshots 25 to a request (BatchWriteItem), `width` requests at a time, retrying what
 * DynamoDB leaves unprocessed. A batch write cannot be conditional, so an existing item with the same
 * keys is replaced: this is for loading history into a table that does not have it yet (an import, a
 * benchmark), never for a run, which writes through `putSnapshot` so a version is never overwritten.
 * Returns the number of requests made.
 */
export async function loadSnapshots(
  db: DynamoDBDocumentClient,
  tableName: string,
  snapshots: readonly Snapshot[],
  options: { width?: number } = {},
): Promise<number> {
  const batches: Array<Array<{ PutRequest: { Item: Record<string, unknown> } }>> = [];
  for (let start = 0; start < snapshots.length; start += BATCH_WRITE_ITEMS) {
    batches.push(snapshots.slice(start, start + BATCH_WRITE_ITEMS).map((snapshot) => ({ PutRequest: { Item: snapshotItem(snapshot) } })));
  }
  let requests = 0;
  let next = 0;
  const lane = async () => {
    while (next < batches.length) {
      let pending = batches[next++]!;
      for (let attempt = 0; pending.length > 0; attempt += 1) {
        if (attempt === 8) throw new Error(`loadSnapshots: ${pending.length} items still unprocessed after ${attempt} attempts`);
        if (attempt > 0) await new Promise((done) => setTimeout(done, Math.min(1000, 25 * 2 ** attempt)));
        requests += 1;
        const out = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
        pending = (out.UnprocessedItems?.[tableName] ?? []) as typeof pending;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.width ?? 4, batches.length) }, lane));
  return requests;
}
