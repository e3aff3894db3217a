/**
 * monthly-run's outcome as CloudWatch metrics (embedded metric format, through Powertools Metrics), on
 * every exit path: a run that throws is the one an operator most needs to hear about, and a log line
 * written only when the run returns never reports it. The alarms in infra/ watch these metrics by the
 * names in lib/contract/metrics.ts.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, MONTH_RUN_METRICS, MONTH_RUN_SERVICE } from '../contract/metrics.ts';

export const monthRunMetrics = () => new Metrics({ namespace: METRICS_NAMESPACE, serviceName: MONTH_RUN_SERVICE });

interface RunEnd {
  outcome: 'succeeded' | 'partial' | 'failed' | 'skipped';
  deliveriesHeld: number;
}

/** Runs the month and publishes its outcome whether it returns or throws (a throw counts as `failed`). */
export async function withRunMetrics<Summary extends RunEnd>(metrics: Metrics, run: () => Promise<Summary>): Promise<Summary> {
  let end: RunEnd = { outcome: 'failed', deliveriesHeld: 0 };
  try {
    const summary = await run();
    end = summary;
    return summary;
  } finally {
    // Zeros too: an alarm on a metric that only ever reports 1 cannot tell "fine" from "not running".
    metrics.addMetric(MONTH_RUN_METRICS.failed, MetricUnit.Count, end.outcome === 'failed' ? 1 : 0);
    metrics.addMetric(MONTH_RUN_METRICS.partial, MetricUnit.Count, end.outcome === 'partial' ? 1 : 0);
    metrics.addMetric(MONTH_RUN_METRICS.deliveriesHeld, MetricUnit.Count, end.deliveriesHeld);
    metrics.publishStoredMetrics();
  }
}
