/**
 * The records the history table holds, their types and their zod schemas: every snapshot and run record
 * read back is parsed, never cast, so an item written by an older version or edited by hand fails where
 * it is read, naming the field. Each schema is checked against its type, so the two cannot drift apart.
 */
import * as z from 'zod';
import type { Period, RegionFigures } from '../domain/types.ts';
import { regionFiguresSchema } from '../domain/schemas.ts';

export interface SourceFile {
  key: string;
  etag: string;
  uploadedAt: string;
}

export interface Snapshot {
  code: string;
  period: Period;
  version: number;
  figures: RegionFigures;
  /** Hash of the figures: equal hashes mean a re-run changed nothing. */
  contentHash: string;
  /** The first files the figures came from (item-limits.ts); `sourceCount` says how many there were. */
  sources: SourceFile[];
  sourceCount?: number;
  createdAt: string;
  runId: string;
}

export interface RunRecord {
  period: Period;
  runId: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  outcome: 'succeeded' | 'failed' | 'partial';
  inputs: SourceFile[];
  counts: Record<string, number>;
  problems: string[];
  /** The run whose lease this one waited out and took over (it had died or failed), if any. */
  tookOverFrom?: string;
}

const sourceFileSchema = z.object({ key: z.string(), etag: z.string(), uploadedAt: z.string() }) satisfies z.ZodType<SourceFile>;

export const snapshotSchema = z.object({
  code: z.string(),
  period: z.string(),
  version: z.number().int().positive(),
  figures: regionFiguresSchema,
  contentHash: z.string(),
  sources: z.array(sourceFileSchema),
  sourceCount: z.number().int().nonnegative().optional(),
  createdAt: z.string(),
  runId: z.string(),
}) satisfies z.ZodType<Snapshot>;

export const runRecordSchema = z.object({
  period: z.string(),
  runId: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number(),
  outcome: z.enum(['succeeded', 'failed', 'partial']),
  inputs: z.array(sourceFileSchema),
  counts: z.record(z.string(), z.number()),
  problems: z.array(z.string()),
  tookOverFrom: z.string().optional(),
}) satisfies z.ZodType<RunRecord>;

/** A value read back from the table, parsed; the error names the item and the field that is wrong. */
export function parseStored<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`the history table holds a ${what} this version cannot read: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
