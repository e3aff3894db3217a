/** monthly-run's outcome reaches CloudWatch as EMF metrics on every exit path (lib/observability/run-metrics.ts). */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { METRICS_NAMESPACE, MONTH_RUN_METRICS, MONTH_RUN_SERVICE } from '../../lib/contract/metrics.ts';

let lines: string[];

beforeEach(() => {
  // Powertools writes EMF to the console in dev mode (to stdout through its own Console otherwise).
  vi.stubEnv('POWERTOOLS_DEV', 'true');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  lines = [];
  vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
    lines.push(String(line));
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

async function published(run: () => Promise<{ outcome: 'succeeded' | 'partial' | 'failed' | 'skipped'; deliveriesHeld: number }>) {
  const { monthRunMetrics, withRunMetrics } = await import('../../lib/observability/run-metrics.ts');
  await withRunMetrics(monthRunMetrics(), run).catch(() => undefined);
  const emf = lines.map((line) => JSON.parse(line)).find((entry) => entry._aws);
  expect(emf, 'one EMF document').toBeDefined();
  const directive = emf._aws.CloudWatchMetrics[0];
  expect(directive.Namespace).toBe(METRICS_NAMESPACE);
  expect(directive.Dimensions).toEqual([['service']]);
  expect(emf.service).toBe(MONTH_RUN_SERVICE);
  return { failed: emf[MONTH_RUN_METRICS.failed], partial: emf[MONTH_RUN_METRICS.partial], held: emf[MONTH_RUN_METRICS.deliveriesHeld] };
}

describe('the month run\'s metrics', () => {
  it('count a run that throws as failed', async () => {
    expect(await published(() => Promise.reject(new Error('render-bulletins failed')))).toEqual({ failed: 1, partial: 0, held: 0 });
  });

  it('report a run that returns, its outcome and held deliveries, with zeros where nothing is wrong', async () => {
    expect(await published(async () => ({ outcome: 'succeeded', deliveriesHeld: 0 }))).toEqual({ failed: 0, partial: 0, held: 0 });
    lines = [];
    expect(await published(async () => ({ outcome: 'partial', deliveriesHeld: 0 }))).toEqual({ failed: 0, partial: 1, held: 0 });
    lines = [];
    expect(await published(async () => ({ outcome: 'succeeded', deliveriesHeld: 620 }))).toEqual({ failed: 0, partial: 0, held: 620 });
    lines = [];
    expect(await published(async () => ({ outcome: 'failed', deliveriesHeld: 0 }))).toEqual({ failed: 1, partial: 0, held: 0 });
  });
});
