/**
 * monthly-run: the month's job. Take the lease, read the month's uploads, targets and history, compute,
 * write snapshots, have render-bulletins render, check and store the bulletins, and queue one delivery
 * per official.
 */
import { randomUUID } from 'node:crypto';
import { computeMonth, groupCode, HISTORY_MONTHS, pastFiguresOf, type PastFigures } from '../domain/compute.ts';
import * as z from 'zod';
import { addMonths, parsePeriod, PERIOD_PATTERN, previousPeriodInJakarta } from '../domain/period.ts';
import { displayName, loadRegionIndex, provinceOfCode, type RegionIndex } from '../domain/regions.ts';
import type { MonthResult, Period, Region, RegionFigures, Status } from '../domain/types.ts';
import { readRecipientsFile, type Recipient } from '../inputs/recipients.ts';
import type { ErrorLogger } from '../inputs/input-file.ts';
import { UPLOAD_LIMITS } from '../inputs/limits.ts';
import { validateGroups } from '../inputs/groups.ts';
import { targetTableForYear, validateTargets } from '../inputs/targets.ts';
import type { BulletinInput } from '../bulletin/definition.ts';
import type { Renderer } from './render-bulletins.ts';
import { bulletinKey, GROUPS_KEY, RECIPIENTS_KEY, targetsKey } from '../storage/keys.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { figuresHash, runRecordKey, type HistoryStore, type SnapshotStore, type Snapshot, type SourceFile } from '../history/store.ts';
import type { DeliveryQueue } from '../delivery/queue.ts';
import { canReach, senderBlocked, type MailAccount } from '../delivery/ses-readiness.ts';
import { readMonthUploads } from './month-uploads.ts';
import { DEFAULT_LEASE_TTL_MS, takeMonthLease } from './month-lease.ts';
import type { CrashStage } from '../aws/faults.ts';
import { inParallel } from '../util/concurrency.ts';
import type { DeliveryBulletin, DeliveryMessage } from '../delivery/message.ts';
import { bulletinFileName } from '../storage/keys.ts';
import { capList, RUN_RECORD_LIMITS, SNAPSHOT_SOURCES_KEPT } from '../history/item-limits.ts';

/** monthly-run's event (docs/architecture.md, "Functions"): `{ "period"?: "YYYY-MM" }`, and what the schedule adds. */
export const monthlyRunEventSchema = z.object({
  period: z.string().regex(PERIOD_PATTERN, 'period must be YYYY-MM').optional(),
  /**
   * EventBridge Scheduler's `<aws.scheduler.scheduled-time>`: the month is derived from when the run was
   * due, not from when it ran, so a retry days later (or past midnight at the month's end) reports on
   * the same month; with the month's lease and unchanged snapshots, a repeat of a schedule is a no-op.
   */
  scheduledTime: z.iso.datetime({ offset: true }).optional(),
  /** Backfill: keep snapshots only, render and send nothing. */
  snapshotsOnly: z.boolean().optional(),
});
export type MonthlyRunEvent = z.infer<typeof monthlyRunEventSchema>;

/** The month a run reports on: the one asked for, else the month before the schedule's (or now's) month in Jakarta. */
export function periodOfEvent(event: MonthlyRunEvent, now: Date): Period {
  return event.period ?? previousPeriodInJakarta(event.scheduledTime ? new Date(event.scheduledTime) : now);
}

export interface MonthlyRunDeps {
  store: ObjectStore;
  history: HistoryStore;
  queue: DeliveryQueue;
  /**
   * Renders, checks and stores bulletins: on AWS many render-bulletins invocations at once
   * (render-fan-out.ts). Throws when rendering could not be done at all.
   */
  renderAndStore: Renderer;
  /** Whether SES can send yet (the sandbox, the sender's verification): what cannot go is held back. */
  mailAccount: MailAccount;
  /** The From address of the bulletins, whose identity must be verified. */
  sender: string;
  now: () => Date;
  regions?: () => Promise<RegionIndex>;
  /** The month's lease lifetime (month-lease.ts); 45 s unless set. */
  leaseTtlMs?: number;
  /** Called at each stage a crash test may kill the run at (lib/aws/faults.ts); nothing happens on AWS. */
  crashPoint?: (stage: CrashStage) => void;
  /** Where a bug in the code that reads an upload is logged (month-uploads.ts): the function's logger. */
  logger: ErrorLogger;
}

export interface MonthlyRunOptions {
  period: Period;
  /** Backfill: compute and keep the month's snapshots, but render and send nothing. */
  snapshotsOnly?: boolean;
}

/**
 * What a run answers (the Lambda's response): also what `ucj run` parses from the Invoke payload, so the
 * operator's terminal and the function agree on its shape.
 */
export const monthlyRunSummarySchema = z.object({
  period: z.string(),
  runId: z.string(),
  outcome: z.enum(['succeeded', 'failed', 'partial', 'skipped']),
  reason: z.string().optional(),
  regionsComputed: z.number().int(),
  missing: z.array(z.string()),
  snapshotsWritten: z.number().int(),
  bulletins: z.array(z.string()),
  bulletinFailures: z.array(z.object({ region: z.string(), reason: z.string() })),
  /** Regions whose bulletin was not made because the month has no figures for them (they are listed as missing). */
  bulletinsSkipped: z.array(z.string()),
  deliveriesQueued: z.number().int(),
  /** Deliveries not queued because SES cannot send them yet (the problems say what is missing); a re-run sends them. */
  deliveriesHeld: z.number().int(),
  problems: z.array(z.string()),
  durationMs: z.number(),
  /** The run whose lease this one waited out and took over (it had died or failed). */
  tookOverFrom: z.string().optional(),
});
export type MonthlyRunSummary = z.infer<typeof monthlyRunSummarySchema>;

export async function runMonth(deps: MonthlyRunDeps, options: MonthlyRunOptions): Promise<MonthlyRunSummary> {
  const started = deps.now();
  const runId = randomUUID();
  const { period } = options;
  const summary: MonthlyRunSummary = {
    period,
    runId,
    outcome: 'succeeded',
    regionsComputed: 0,
    missing: [],
    snapshotsWritten: 0,
    bulletins: [],
    bulletinFailures: [],
    bulletinsSkipped: [],
    deliveriesQueued: 0,
    deliveriesHeld: 0,
    problems: [],
    durationMs: 0,
  };
  const taken = await takeMonthLease(deps.history, period, runId, deps.now, { ttlMs: deps.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS });
  if (!taken.ok) return { ...summary, outcome: 'skipped', reason: taken.reason };
  const { lease } = taken;
  if (lease.tookOverFrom) summary.tookOverFrom = lease.tookOverFrom;
  // Checked before each stage that writes: a run that lost its lease stops instead of working beside
  // the run that took it (whose writes would be the same: every write here is idempotent).
  const stillHeld = (stage: string) => {
    const lost = lease.lost();
    if (lost) throw new Error(`${lost}; stopped before ${stage}`);
  };
  let inputs: SourceFile[] = [];
  try {
    lease.progress({ stage: 'reading' });
    const regions = await (deps.regions ?? loadRegionIndex)();
    const uploads = await readMonthUploads(deps.store, regions, period, deps.logger);
    summary.problems.push(...uploads.problems);
    inputs = uploads.sources;
    const targets = await readTargets(deps.store, regions, parsePeriod(period).year, summary.problems);
    const history = await readHistory(deps.history, period);
    const groups = await readGroups(deps.store, regions, summary.problems);
    const month = computeMonth({ period, regions, reported: uploads.reported, targets, history: history.past, groups });
    summary.problems.push(...month.warnings.map((w) => w.message));
    summary.missing = month.missing;
    const computed = [month.national, ...month.provinces, ...month.regencies, ...month.groups].filter((f) => f.source !== 'missing');
    summary.regionsComputed = computed.length;

    deps.crashPoint?.('after-read');
    stillHeld('writing snapshots');
    lease.progress({ stage: 'snapshots', regionsComputed: computed.length });
    const sources = sourcesByRegion(computed, uploads.sourceOf, inputs, groups);
    const { written, versions } = await writeSnapshots(deps.history, period, computed, sources, runId, started);
    summary.snapshotsWritten = written;
    deps.crashPoint?.('after-snapshots');

    if (!options.snapshotsOnly) {
      const recipients = await readRecipients(deps.store, regions, summary.problems);
      const officials = recipients.filter((r) => r.role === 'pejabat');
      stillHeld('rendering');
      const onRendered = (bulletinsRendered: number, bulletinsTotal: number) =>
        lease.progress({ stage: 'rendering', regionsComputed: computed.length, bulletinsRendered, bulletinsTotal });
      const rendered = await renderBulletins(deps, regions, month, history, versions, inputs, sources, summary, onRendered);
      const runKey = runRecordKey({ startedAt: started.toISOString(), runId });
      const messages = deliveryMessages(period, runKey, officials, rendered, summary.problems);
      const { ready, held } = await holdUndeliverable(deps, messages, summary.problems);
      stillHeld('queueing deliveries');
      lease.progress({ stage: 'queueing', regionsComputed: computed.length, bulletinsRendered: rendered.size, bulletinsTotal: rendered.size });
      await deps.queue.send(ready);
      summary.deliveriesQueued = ready.length;
      summary.deliveriesHeld = held;
    }
    if (summary.bulletinFailures.length > 0) summary.outcome = 'partial';
  } catch (error) {
    summary.outcome = 'failed';
    summary.problems.push(error instanceof Error ? error.message : String(error));
    throw error;
  } finally {
    const finished = deps.now();
    summary.durationMs = finished.getTime() - started.getTime();
    try {
      await deps.history.putRun({
        period,
        runId,
        startedAt: started.toISOString(),
        finishedAt: finished.toISOString(),
        durationMs: summary.durationMs,
        outcome: summary.outcome === 'skipped' ? 'failed' : summary.outcome,
        // Capped, with counts, so the item stays far below DynamoDB's 400 KB whatever the month holds.
        inputs: capList(inputs, RUN_RECORD_LIMITS.inputs),
        counts: {
          regionsComputed: summary.regionsComputed,
          missing: summary.missing.length,
          snapshotsWritten: summary.snapshotsWritten,
          bulletins: summary.bulletins.length,
          bulletinFailures: summary.bulletinFailures.length,
          deliveriesQueued: summary.deliveriesQueued,
          deliveriesHeld: summary.deliveriesHeld,
          inputs: inputs.length,
          problems: summary.problems.length,
        },
        problems: capList(summary.problems, RUN_RECORD_LIMITS.problems).map((problem) => problem.slice(0, RUN_RECORD_LIMITS.problemChars)),
        ...(summary.tookOverFrom ? { tookOverFrom: summary.tookOverFrom } : {}),
      });
    } finally {
      // Always, even when the record cannot be written: a renewing timer must not outlive the run.
      await lease.release();
    }
  }
  return summary;
}

async function readTargets(store: ObjectStore, regions: RegionIndex, year: number, problems: string[]) {
  const object = await store.get(targetsKey(year), { maxBytes: UPLOAD_LIMITS.maxBytes });
  if (!object) {
    problems.push(`tidak ada berkas target ${targetsKey(year)}: semua wilayah tanpa target`);
    return new Map();
  }
  const result = await validateTargets(object.body, targetsKey(year), regions);
  if (!result.ok) {
    problems.push(`berkas target ${targetsKey(year)} tidak sah (${result.errors.length} kesalahan): semua wilayah tanpa target`);
    return new Map();
  }
  return targetTableForYear(result.targets, year);
}

/** Optional: without the file there are simply no groups. */
async function readGroups(store: ObjectStore, regions: RegionIndex, problems: string[]): Promise<Map<string, string[]>> {
  const object = await store.get(GROUPS_KEY, { maxBytes: UPLOAD_LIMITS.maxBytes });
  if (!object) return new Map();
  const result = await validateGroups(object.body, GROUPS_KEY, regions);
  if (!result.ok) problems.push(`${GROUPS_KEY} tidak sah (${result.errors.length} kesalahan): kelompok tidak dihitung`);
  return result.groups;
}

async function readRecipients(store: ObjectStore, regions: RegionIndex, problems: string[]): Promise<Recipient[]> {
  const result = await readRecipientsFile(store, regions);
  if (!result) {
    problems.push(`tidak ada ${RECIPIENTS_KEY}: buletin dibuat tetapi tidak dikirim`);
    return [];
  }
  if (!result.ok) problems.push(`${RECIPIENTS_KEY} tidak sah (${result.errors.length} kesalahan): buletin tidak dikirim`);
  return result.recipients;
}

/** The bulletins' trend charts show this many months, the current one included. */
const TREND_MONTHS = 24;

interface History {
  /** What the figures look back on (HISTORY_MONTHS). */
  past: Map<Period, Map<string, PastFigures>>;
  /** Every earlier month's figures the trend charts show, by month then region. */
  figures: Map<Period, Map<string, RegionFigures>>;
}

/** Only months before the one computed: a past month re-run sees the history it had. */
async function readHistory(history: SnapshotStore, period: Period): Promise<History> {
  const months = Array.from({ length: Math.max(HISTORY_MONTHS, TREND_MONTHS - 1) }, (_, i) => addMonths(period, -(i + 1)));
  const snapshots = await Promise.all(months.map((month) => history.monthSnapshots(month)));
  const result: History = { past: new Map(), figures: new Map() };
  months.forEach((month, index) => {
    const figures = new Map([...snapshots[index]!].map(([code, snapshot]) => [code, snapshot.figures]));
    if (figures.size === 0) return;
    result.figures.set(month, figures);
    if (index < HISTORY_MONTHS) result.past.set(month, pastFiguresOf(figures.values()));
  });
  return result;
}

/** A region's coverage and target for the trend chart, oldest month first, this month last. */
function trendOf(code: string, month: MonthResult, history: History, current: RegionFigures): BulletinInput['trend'] {
  const trend: BulletinInput['trend'] = [];
  for (let back = TREND_MONTHS - 1; back >= 1; back -= 1) {
    const earlier = addMonths(month.period, -back);
    const figures = history.figures.get(earlier)?.get(code);
    trend.push({ period: earlier, coveragePct: figures?.coveragePct ?? null, targetPct: figures?.targetPct ?? null });
  }
  trend.push({ period: month.period, coveragePct: current.coveragePct, targetPct: current.targetPct });
  return trend;
}

/**
 * The files each snapshot's figures came from: a region's own row and the rows of every region under it
 * (a group: its provinces'; the nation: all). Not the month's whole list: with one file per regency that
 * would put 514 sources in every snapshot (~60 KB each) and make each month's history read 30 pages.
 */
function sourcesByRegion(
  computed: readonly RegionFigures[],
  sourceOf: ReadonlyMap<string, SourceFile>,
  all: readonly SourceFile[],
  groups: ReadonlyMap<string, readonly string[]>,
): Map<string, SourceFile[]> {
  const byProvince = new Map<string, Set<SourceFile>>();
  for (const [code, source] of sourceOf) {
    const province = provinceOfCode(code);
    if (!byProvince.has(province)) byProvince.set(province, new Set());
    byProvince.get(province)!.add(source);
  }
  const inOrder = (files: Iterable<SourceFile>) => {
    const wanted = new Set(files);
    return all.filter((file) => wanted.has(file));
  };
  const groupMembers = new Map([...groups].map(([name, members]) => [groupCode(name), members]));
  const result = new Map<string, SourceFile[]>();
  for (const figures of computed) {
    if (figures.level === 'nasional') result.set(figures.code, [...all]);
    else if (figures.level === 'provinsi') result.set(figures.code, inOrder(byProvince.get(figures.code) ?? []));
    else if (figures.level === 'kelompok') {
      result.set(figures.code, inOrder((groupMembers.get(figures.code) ?? []).flatMap((province) => [...(byProvince.get(province) ?? [])])));
    } else {
      const own = sourceOf.get(figures.code);
      result.set(figures.code, own ? [own] : []);
    }
  }
  return result;
}

/**
 * A snapshot per region: a region whose figures are unchanged writes nothing; changed figures add a
 * version beside the earlier ones. Returns each region's latest version for the month after writing.
 */
async function writeSnapshots(
  history: SnapshotStore,
  period: Period,
  computed: RegionFigures[],
  sources: Map<string, SourceFile[]>,
  runId: string,
  now: Date,
): Promise<{ written: number; versions: Map<string, number> }> {
  const existing = await history.monthSnapshots(period);
  const versions = new Map<string, number>([...existing].map(([code, snapshot]) => [code, snapshot.version]));
  const pending: Snapshot[] = [];
  for (const figures of computed) {
    const contentHash = figuresHash(figures);
    const current = existing.get(figures.code);
    if (current?.contentHash === contentHash) continue;
    const version = (current?.version ?? 0) + 1;
    versions.set(figures.code, version);
    const own = sources.get(figures.code) ?? [];
    // The nation's sources are every file of the month: kept to a count past the first few, so a month of
    // thousands of files cannot push a snapshot past DynamoDB's item limit.
    pending.push({
      code: figures.code,
      period,
      version,
      figures,
      contentHash,
      sources: capList(own, SNAPSHOT_SOURCES_KEPT),
      sourceCount: own.length,
      createdAt: now.toISOString(),
      runId,
    });
  }
  let written = 0;
  await inParallel(pending, 16, async (snapshot) => {
    // The month index (gsi1) is eventually consistent: a run right after another may have read an old
    // version. A refused write means that version exists; the table's own latest then decides.
    for (let next: Snapshot | undefined = snapshot; next; ) {
      if (await history.putSnapshot(next)) {
        written += 1;
        versions.set(next.code, next.version);
        return;
      }
      const latest = await history.latestSnapshot(next.code, period);
      versions.set(next.code, latest?.version ?? next.version);
      next = latest && latest.contentHash !== next.contentHash ? { ...next, version: latest.version + 1 } : undefined;
    }
  });
  return { written, versions };
}


interface RenderedBulletin {
  region: Region;
  figures: RegionFigures & { status: Status };
  key: string;
  revision: number;
}

/** Every region with figures gets its bulletin: the nation, each province, each regency and city. */
async function renderBulletins(
  deps: MonthlyRunDeps,
  regions: RegionIndex,
  month: MonthResult,
  history: History,
  versions: Map<string, number>,
  inputs: readonly SourceFile[],
  sources: ReadonlyMap<string, SourceFile[]>,
  summary: MonthlyRunSummary,
  onRendered: (rendered: number, total: number) => void,
): Promise<Map<string, RenderedBulletin>> {
  const figuresByCode = new Map([month.national, ...month.provinces, ...month.regencies].map((f) => [f.code, f]));
  const missing = new Set(month.missing);
  const wanted: Region[] = [regions.national, ...regions.provinces, ...regions.regencies];
  // One date for the whole set: the newest upload of the month, so the same inputs give the same bytes.
  const generatedAt = inputs.map((s) => s.uploadedAt).sort().at(-1) ?? `${month.period}-01T00:00:00.000Z`;
  const prepared: Array<RenderedBulletin & { input: BulletinInput }> = [];
  for (const region of wanted) {
    const figures = figuresByCode.get(region.code)!;
    if (figures.source === 'missing' || figures.status === null) {
      summary.bulletinsSkipped.push(region.code);
      continue;
    }
    const children: Region[] =
      region.level === 'nasional' ? regions.provinces : region.level === 'provinsi' ? regions.regenciesOf(region.code) : [];
    // The bulletin's edition: the highest snapshot version among the figures it shows. A corrected upload
    // makes a new edition, which officials receive again, marked as a revision.
    const revision = Math.max(...[region, ...children].map((r) => versions.get(r.code) ?? 1));
    const input: BulletinInput = {
      period: month.period,
      region: figures,
      subRegions: children.map((c) => figuresByCode.get(c.code)!).filter((f) => f.source !== 'missing'),
      missing: children.filter((c) => missing.has(c.code) || figuresByCode.get(c.code)?.source === 'missing').map((c) => ({ code: c.code, name: c.name })),
      revision: revision > 1,
      sources: (sources.get(region.code) ?? []).map((s) => ({ key: s.key, uploadedAt: s.uploadedAt })),
      generatedAt,
      trend: trendOf(region.code, month, history, figures),
    };
    prepared.push({ region, figures: { ...figures, status: figures.status }, key: bulletinKey(month.period, region), revision, input });
  }
  const outcomes = await deps.renderAndStore(
    prepared.map(({ key, input }) => ({ key, input })),
    (rendered) => onRendered(rendered, prepared.length),
  );
  const rendered = new Map<string, RenderedBulletin>();
  prepared.forEach(({ input: _input, ...bulletin }, index) => {
    const outcome = outcomes[index]!;
    if (outcome.ok) rendered.set(bulletin.region.code, bulletin);
    // A bulletin that failed its check is never stored nor sent; the run says which and why.
    else summary.bulletinFailures.push({ region: bulletin.region.code, reason: outcome.reason });
  });
  summary.bulletins.push(...prepared.filter((p) => rendered.has(p.region.code)).map((p) => p.key));
  return rendered;
}

/** One message per official (by address), carrying every bulletin their scopes name. */
function deliveryMessages(
  period: Period,
  runKey: string,
  officials: Recipient[],
  rendered: Map<string, RenderedBulletin>,
  problems: string[],
): DeliveryMessage[] {
  const byEmail = new Map<string, DeliveryMessage>();
  for (const official of officials) {
    const bulletin = rendered.get(official.scope);
    if (!bulletin) {
      problems.push(`buletin ${official.scope} tidak tersedia: ${official.email} tidak dikirimi untuk cakupan itu`);
      continue;
    }
    const entry: DeliveryBulletin = {
      key: bulletin.key,
      fileName: bulletinFileName(bulletin.key),
      regionCode: bulletin.region.code,
      regionName: displayName(bulletin.region),
      coveragePct: bulletin.figures.coveragePct,
      targetPct: bulletin.figures.targetPct,
      active: bulletin.figures.active,
      status: bulletin.figures.status,
      revision: bulletin.revision,
    };
    const message = byEmail.get(official.email);
    if (message) {
      if (!message.bulletins.some((b) => b.key === entry.key)) message.bulletins.push(entry);
    } else {
      byEmail.set(official.email, { period, email: official.email, name: official.name, title: official.title, bulletins: [entry], runKey });
    }
  }
  return [...byEmail.values()];
}


/**
 * Splits the month's deliveries into those SES can send now and those it would refuse for reasons that
 * are not the recipients' (an unverified sender, the sandbox's unverified recipients). The held ones
 * are not queued, so none is claimed or recorded as failed: a re-run once SES is ready sends them all.
 */
async function holdUndeliverable(
  deps: Pick<MonthlyRunDeps, 'mailAccount' | 'sender'>,
  messages: DeliveryMessage[],
  problems: string[],
): Promise<{ ready: DeliveryMessage[]; held: number }> {
  if (messages.length === 0) return { ready: [], held: 0 };
  const readiness = await deps.mailAccount.readiness();
  const blocked = senderBlocked(readiness, deps.sender);
  if (blocked) {
    problems.push(`${messages.length} pengiriman ditahan: ${blocked}. Setelah diperbaiki, jalankan ulang bulan ini.`);
    return { ready: [], held: messages.length };
  }
  const ready = messages.filter((message) => canReach(readiness, message.email));
  const held = messages.length - ready.length;
  if (held > 0) {
    problems.push(
      `${held} pengiriman ditahan: akun SES masih dalam sandbox dan hanya boleh mengirim ke alamat terverifikasi. Minta production access (docs/deploy.md, "SES"), lalu jalankan ulang bulan ini.`,
    );
  }
  return { ready, held };
}
