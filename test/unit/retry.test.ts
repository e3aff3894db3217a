/** The retry strategy of every AWS client (lib/aws/retry.ts): what it retries, how long it waits, and that it never runs dry. */
import { describe, expect, it, vi } from 'vitest';
import type { RetryErrorInfo, RetryErrorType, RetryToken } from '@smithy/types';
import { DefaultRateLimiter, StandardRetryStrategy } from '@smithy/core/retry';
import { BatchRetryStrategy, RETRY_DEFAULTS } from '../../lib/aws/retry.ts';
import { createAwsClients } from '../../lib/aws/clients.ts';
import { awsSettingsSchema, readSettings } from '../../lib/config.ts';

const info = (errorType: RetryErrorType, retryAfterHint?: Date): RetryErrorInfo => ({ errorType, ...(retryAfterHint ? { retryAfterHint } : {}) });

/** Retries one operation until the strategy refuses; returns the retries it granted. */
async function retriesGranted(strategy: { acquireInitialRetryToken(s: string): Promise<RetryToken>; refreshRetryTokenForRetry(t: RetryToken, e: RetryErrorInfo): Promise<RetryToken> }, errorType: RetryErrorType) {
  let token = await strategy.acquireInitialRetryToken('');
  let retries = 0;
  for (;;) {
    try {
      token = await strategy.refreshRetryTokenForRetry(token, info(errorType));
      retries += 1;
    } catch {
      return retries;
    }
  }
}

describe('the retry strategy', () => {
  it('retries throttling and transient errors until the attempts run out', async () => {
    const strategy = new BatchRetryStrategy({ maxAttempts: 10, random: () => 0 });
    expect(await retriesGranted(strategy, 'THROTTLING')).toBe(9);
    expect(await retriesGranted(strategy, 'TRANSIENT')).toBe(9);
    expect(await new BatchRetryStrategy({ maxAttempts: 1 }).acquireInitialRetryToken('').then((t) => t.getRetryCount())).toBe(0);
    expect(await retriesGranted(new BatchRetryStrategy({ maxAttempts: 1 }), 'TRANSIENT')).toBe(0);
  });

  it('does not retry what no retry will fix', async () => {
    const strategy = new BatchRetryStrategy({ random: () => 0 });
    expect(await retriesGranted(strategy, 'CLIENT_ERROR')).toBe(0);
    expect(await retriesGranted(strategy, 'SERVER_ERROR')).toBe(0); // a 5xx the SDK does not call transient (501, 505…)
  });

  it('has no quota: a long run of failures still gets every retry, where the SDK standard strategy runs dry', async () => {
    const ours = new BatchRetryStrategy({ random: () => 0 });
    let granted = 0;
    for (let operation = 0; operation < 1_000; operation += 1) granted += await retriesGranted(ours, 'TRANSIENT');
    expect(granted).toBe(1_000 * (RETRY_DEFAULTS.maxAttempts - 1));

    // The SDK's own standard strategy, with the same attempts: its retry quota empties after a few dozen
    // retries without a success, and from then on calls fail without being retried at all.
    const sdk = new StandardRetryStrategy({ maxAttempts: RETRY_DEFAULTS.maxAttempts, baseDelay: 0 });
    let sdkGranted = 0;
    for (let operation = 0; operation < 20; operation += 1) sdkGranted += await retriesGranted(sdk, 'TRANSIENT');
    expect(sdkGranted).toBeLessThan(20 * (RETRY_DEFAULTS.maxAttempts - 1));
    expect(await retriesGranted(sdk, 'TRANSIENT')).toBe(0);
  });

  it('waits a full-jitter exponential back-off, longer after throttling, never above the cap', () => {
    const top = new BatchRetryStrategy({ baseDelayMs: 50, throttlingBaseDelayMs: 200, maxDelayMs: 5_000, random: () => 0.999999 });
    expect([1, 2, 3, 4].map((n) => top.backoff(n, info('TRANSIENT')))).toEqual([49, 99, 199, 399]);
    expect([1, 2, 3].map((n) => top.backoff(n, info('THROTTLING')))).toEqual([199, 399, 799]);
    expect(top.backoff(9, info('THROTTLING'))).toBe(4_999);
    expect(top.backoff(60, info('TRANSIENT'))).toBe(4_999);
    const bottom = new BatchRetryStrategy({ random: () => 0 });
    expect(bottom.backoff(5, info('THROTTLING'))).toBe(0);
  });

  it('honours a Retry-After hint as a floor, within the cap', () => {
    const strategy = new BatchRetryStrategy({ maxDelayMs: 5_000, random: () => 0 });
    const inTwoSeconds = strategy.backoff(1, info('THROTTLING', new Date(Date.now() + 2_000)));
    expect(inTwoSeconds).toBeGreaterThan(1_900);
    expect(inTwoSeconds).toBeLessThanOrEqual(2_000);
    expect(strategy.backoff(1, info('THROTTLING', new Date(Date.now() + 60_000)))).toBe(5_000);
  });

  it('hands the delay to the SDK middleware in the token, which sleeps (and stops if the call is aborted)', async () => {
    const strategy = new BatchRetryStrategy({ baseDelayMs: 100, random: () => 0.5 });
    const token = await strategy.refreshRetryTokenForRetry(await strategy.acquireInitialRetryToken(''), info('TRANSIENT'));
    expect(token.getRetryCount()).toBe(1);
    expect(token.getRetryDelay()).toBe(50);
  });

  it('paces through the rate limiter it is given: a send token per attempt, throttling and successes reported', async () => {
    const limiter = new DefaultRateLimiter();
    const getSendToken = vi.spyOn(limiter, 'getSendToken');
    const update = vi.spyOn(limiter, 'updateClientSendingRate');
    const strategy = new BatchRetryStrategy({ rateLimiter: limiter, random: () => 0 });
    expect(strategy.mode).toBe('adaptive');
    const first = await strategy.acquireInitialRetryToken('');
    const throttled = info('THROTTLING');
    // Throttling slows the limiter to its floor (half a send a second): let the fake clock run.
    vi.useFakeTimers();
    try {
      const pending = strategy.refreshRetryTokenForRetry(first, throttled);
      await vi.advanceTimersByTimeAsync(5_000);
      strategy.recordSuccess(await pending);
    } finally {
      vi.useRealTimers();
    }
    expect(getSendToken).toHaveBeenCalledTimes(2);
    expect(update.mock.calls).toEqual([[throttled], [{}]]);
    expect(new BatchRetryStrategy().mode).toBe('standard');
  });
});

describe('the AWS clients', () => {
  it('all use it, SES paced by the adaptive rate limiter', async () => {
    const env = readSettings(awsSettingsSchema, { AWS_REGION: 'ap-southeast-3' });
    const clients = createAwsClients(env);
    // Lambda too: a render batch throttled by render-bulletins' reserved concurrency (429) waits and retries.
    const all = [clients.s3, clients.dynamo, clients.ses, clients.sqs, clients.lambda, clients.secrets];
    const strategies = await Promise.all(all.map((c) => c.config.retryStrategy()));
    expect(strategies.every((s) => s instanceof BatchRetryStrategy)).toBe(true);
    expect(strategies.map((s) => (s instanceof BatchRetryStrategy ? s.mode : 'other'))).toEqual(['standard', 'standard', 'adaptive', 'standard', 'standard', 'standard']);
    expect(new Set(strategies).size).toBe(all.length); // one per client: each paces and backs off on its own
    expect(await Promise.all(all.map((c) => c.config.maxAttempts()))).toEqual(all.map(() => 10));
    for (const client of Object.values(clients)) client.destroy();
  });
});
