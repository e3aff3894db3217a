/**
 * An operator's month: each run of it as its run record says, and every delivery in the send ledger.
 * The counts are those `ucj deliver` prints (tools/cli/operations.ts, deliveryCounts), so the portal and
 * the command line never disagree: sent and refused as the runs counted them, in doubt from the ledger.
 */
import type { Period } from '../domain/types.ts';
import { deliveryMessageSchema } from '../delivery/message.ts';
import type { SendLedger, LedgerEntry, LedgerState } from '../history/send-ledger.ts';
import { deliveredInMonth, type RunLog } from '../history/store.ts';
import { parseJsonOrUndefined } from '../util/json.ts';

export interface OperatorRun {
  runId: string;
  startedAt: string;
  /** Always set: a run record is written as its run ends. Kept nullable for a page that also shows live runs. */
  finishedAt: string | null;
  outcome: string;
  /** Regions computed (run record counts.regionsComputed). */
  regions: number;
  /** Bulletins written (counts.bulletins). */
  bulletins: number;
  problems: string[];
  durationMs: number | null;
  /** What the run's deliveries have counted into its record since. */
  delivered: { sent: number; failed: number };
}

export interface OperatorDelivery {
  /** The ledger's key, `<email>#v<edition>`. */
  recipientKey: string;
  email: string;
  /** `claimed` is in doubt: claimed right before SES was called and never confirmed. */
  status: 'claimed' | 'sent' | 'failed';
  /** When the entry reached its status. */
  at: string;
  /** Why SES refused it, for a failed one. */
  reason: string | null;
}

export interface OperatorMonth {
  period: Period;
  /** Newest first. */
  runs: OperatorRun[];
  /** In doubt first (they need the operator), then refused, then sent; by recipient key within each. */
  deliveries: OperatorDelivery[];
  counts: { sent: number; failed: number; inDoubt: number };
}

const STATUSES = ['claimed', 'failed', 'sent'] as const satisfies ReadonlyArray<LedgerState['status']>;

export async function operatorMonth(deps: { runs: RunLog; deliveries: SendLedger }, period: Period): Promise<OperatorMonth> {
  const [records, ...byStatus] = await Promise.all([deps.runs.listRuns(period), ...STATUSES.map((status) => deps.deliveries.entries(period, status))]);
  const runs = records
    .map(
      (run): OperatorRun => ({
        runId: run.runId,
        startedAt: run.startedAt,
        finishedAt: run.finishedAt,
        outcome: run.outcome,
        regions: run.counts.regionsComputed ?? 0,
        bulletins: run.counts.bulletins ?? 0,
        problems: run.problems,
        durationMs: run.durationMs,
        delivered: run.delivered,
      }),
    )
    .sort((a, b) => (a.startedAt !== b.startedAt ? (a.startedAt < b.startedAt ? 1 : -1) : a.runId.localeCompare(b.runId)));
  const deliveries = byStatus.flatMap((entries) => entries.map(deliveryOf).sort((a, b) => a.recipientKey.localeCompare(b.recipientKey)));
  return {
    period,
    runs,
    deliveries,
    counts: {
      ...deliveredInMonth(records),
      inDoubt: deliveries.filter((delivery) => delivery.status === 'claimed').length,
    },
  };
}

function deliveryOf(entry: LedgerEntry): OperatorDelivery {
  const { state } = entry;
  const base = { recipientKey: entry.recipientKey, email: emailOf(entry) };
  if (state.status === 'claimed') return { ...base, status: 'claimed', at: state.claimedAt, reason: null };
  if (state.status === 'sent') return { ...base, status: 'sent', at: state.sentAt, reason: null };
  return { ...base, status: 'failed', at: state.failedAt, reason: state.reason };
}

/** The address from the message the entry keeps; from the key (`<email>#v<edition>`) for an entry from before messages were kept. */
function emailOf(entry: LedgerEntry): string {
  const message = deliveryMessageSchema.safeParse(parseJsonOrUndefined(entry.message));
  if (message.success) return message.data.email;
  const hash = entry.recipientKey.lastIndexOf('#');
  return hash > 0 ? entry.recipientKey.slice(0, hash) : entry.recipientKey;
}
