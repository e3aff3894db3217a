/**
 * The month's lease: one run at a time works on a month. A live run renews its lease every third of the
 * lease's life, so the lease lapses within one lifetime (45 s on AWS) of its holder dying. A run that
 * finds the lease held watches it: renewed means its holder is alive, and this run stops saying so;
 * not renewed means its holder died, and this run waits for it to lapse and takes over. So a re-run
 * started right after a crash completes the month with no one clearing anything by hand.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Period } from '../domain/types.ts';
import type { MonthLeaseStore, RunLog, RunProgress } from '../history/store.ts';

/** What a run needs to take a month: the lease, and the run records that say whether its holder finished. */
export type LeaseTable = MonthLeaseStore & Pick<RunLog, 'listRuns'>;

export type { RunProgress };

export interface LeaseTiming {
  /** How long a lease lives without renewal. */
  ttlMs: number;
}

export const DEFAULT_LEASE_TTL_MS = 45_000;

export interface HeldLease {
  /** The run whose lease this run waited out and took over (it died, or ended in failure), if any. */
  tookOverFrom?: string;
  /** Why the lease was lost (another run took it after renewals failed), or null while it is held. */
  lost(): string | null;
  /** Records how far the run is, on the lease item, where `ucj run` shows it (at most once a second). */
  progress(progress: RunProgress): void;
  /** Stops renewing and gives the lease up (only if still ours). */
  release(): Promise<void>;
}

export type LeaseOutcome = { ok: true; lease: HeldLease } | { ok: false; reason: string };

/**
 * Takes the month's lease, waiting out a dead holder's. Returns why not when a live run holds it, or when
 * the run holding it finished the month while this one waited.
 */
export async function takeMonthLease(
  history: LeaseTable,
  period: Period,
  runId: string,
  now: () => Date,
  timing: LeaseTiming = { ttlMs: DEFAULT_LEASE_TTL_MS },
): Promise<LeaseOutcome> {
  const { ttlMs } = timing;
  const pollMs = Math.max(50, Math.floor(ttlMs / 9));
  // A dead holder's lease lapses within ttlMs; a live one is renewed within ttlMs / 3. Past this, something
  // is wrong with the clocks or the table, and this run stops rather than wait forever.
  const deadline = now().getTime() + 2 * ttlMs + pollMs;
  let seen: { holder: string; expiresAt: number } | undefined;
  for (;;) {
    if (seen) {
      // What became of the holder we saw: renewed (alive), released (ended), or replaced.
      const current = await history.readLease(period);
      if (!current) {
        const ended = (await history.listRuns(period)).find((run) => run.runId === seen!.holder);
        if (ended && ended.outcome !== 'failed') {
          return { ok: false, reason: `run ${ended.runId} finished ${period} (${ended.outcome}) while this run waited for its lease` };
        }
      } else if (current.holder === seen.holder && current.expiresAt > seen.expiresAt) {
        return {
          ok: false,
          reason: `run ${current.holder} is working on ${period}: it renewed its lease at ${new Date(current.expiresAt - ttlMs).toISOString()}, so this run stops`,
        };
      } else if (current.holder !== seen.holder) {
        seen = current;
      }
    }
    const taken = await history.acquireLease(period, runId, ttlMs, now());
    if (taken.acquired) {
      // The table says whose lapsed lease this put replaced, even when this run never saw it held (it
      // lapsed before the first try, which a busy machine or a slow start makes likely).
      return { ok: true, lease: holdLease(history, period, runId, now, ttlMs, taken.replaced ?? seen?.holder) };
    }
    seen ??= await history.readLease(period);
    if (!seen) continue; // released between the two calls: try again at once
    if (now().getTime() > deadline) {
      return { ok: false, reason: `the lease on ${period} is still held by run ${seen.holder} after waiting ${2 * ttlMs} ms` };
    }
    await sleep(Math.max(10, Math.min(pollMs, seen.expiresAt - now().getTime() + 10)));
  }
}

/** Progress is written at most this often (each write is a DynamoDB request). */
const PROGRESS_INTERVAL_MS = 1000;

function holdLease(history: MonthLeaseStore, period: Period, runId: string, now: () => Date, ttlMs: number, tookOverFrom: string | undefined): HeldLease {
  let lostReason: string | null = null;
  let renewing: Promise<void> = Promise.resolve();
  let latest: RunProgress | undefined;
  let written: RunProgress | undefined;
  let lastWrite = 0;
  const renew = () => {
    const progress = latest;
    lastWrite = now().getTime();
    renewing = renewing.then(async () => {
      try {
        if (!(await history.renewLease(period, runId, ttlMs, now(), progress))) {
          lostReason ??= `the lease on ${period} was taken by another run after this run failed to renew it in time`;
        } else {
          written = progress;
        }
      } catch {
        // A failed renewal is tried again at the next tick; the lease outlives two missed renewals.
      }
    });
  };
  const timer = setInterval(renew, Math.max(10, Math.floor(ttlMs / 3)));
  // The renewal never keeps a finished process alive.
  timer.unref();
  return {
    ...(tookOverFrom ? { tookOverFrom } : {}),
    lost: () => lostReason,
    progress(progress) {
      latest = progress;
      if (lostReason === null && progress !== written && now().getTime() - lastWrite >= PROGRESS_INTERVAL_MS) renew();
    },
    async release() {
      clearInterval(timer);
      await renewing;
      await history.releaseLease(period, runId);
    },
  };
}
