/**
 * Kept, not the SDK's standard or adaptive strategy: theirs give up after 3 attempts or an empty retry quota.
 *
 * The retry strategy every AWS client uses, on AWS and on the local stack alike.
 *
 * The SDK's standard strategy suits interactive calls, not a batch job of thousands of calls: it makes
 * 3 attempts (at a sustained 20% failure rate that leaves 0.2³ = 0.8% of calls failed, a dozen or more per run)
 * and draws every retry from a client-wide token bucket (the retry quota), which, once a burst of
 * failures has emptied it, fails calls without retrying at all. Both turn a brief brown-out of S3,
 * DynamoDB or SES into a failed month.
 *
 * This one retries what the SDK classifies as throttling or transient (HTTP 500, 502, 503, 504, timeouts,
 * dropped connections) up to `maxAttempts`, after a full-jitter exponential back-off with a cap, and keeps
 * no quota that can run dry. Other errors (a refused condition, a missing key, a rejected address, a 501)
 * fail at once: no retry will change them. Retrying is safe because every write here is idempotent or
 * conditional (docs/architecture.md, "History in DynamoDB"). The waiting per call stays bounded: with the
 * defaults at most ~26 s when throttled every time (~13 s on average), ~16 s for transient errors, less
 * than the SDK's adaptive mode allowed SES before (6 attempts, 1 s throttling base, 20 s cap).
 *
 * Pacing is separate and optional: given the SDK's rate limiter (SES, which limits sends per second),
 * every attempt waits for a send token and throttling slows the client down, as the SDK's `adaptive`
 * mode does; only its quota is left out.
 */
import type { RetryErrorInfo, RetryErrorType, RetryStrategyV2, StandardRetryToken } from '@smithy/types';
import { DefaultRateLimiter, type RateLimiter } from '@smithy/core/retry';

export interface RetryOptions {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Back-off base (ms) after a transient error: the n-th retry waits up to base × 2ⁿ⁻¹. */
  baseDelayMs: number;
  /** Back-off base (ms) after throttling, which asks for more patience. */
  throttlingBaseDelayMs: number;
  /** No single wait is longer than this (ms), a server's Retry-After included. */
  maxDelayMs: number;
  /** Paces attempts and slows down on throttling (the SDK's adaptive rate limiter for SES). */
  rateLimiter?: RateLimiter;
  /** Uniform in [0, 1): the jitter. */
  random?: () => number;
}

export const RETRY_DEFAULTS = {
  maxAttempts: 10,
  baseDelayMs: 50,
  throttlingBaseDelayMs: 200,
  maxDelayMs: 5_000,
} as const satisfies Partial<RetryOptions>;

const RETRYABLE: ReadonlySet<RetryErrorType> = new Set(['THROTTLING', 'TRANSIENT']);

class RetryToken implements StandardRetryToken {
  constructor(
    private readonly count: number,
    private readonly delay: number,
  ) {}
  getRetryCount(): number {
    return this.count;
  }
  /** The retry middleware sleeps this long before the attempt (and stops sleeping if the call is aborted). */
  getRetryDelay(): number {
    return this.delay;
  }
  getRetryCost(): number | undefined {
    return undefined;
  }
}

export class BatchRetryStrategy implements RetryStrategyV2 {
  readonly mode: 'standard' | 'adaptive';
  private readonly options: Required<Omit<RetryOptions, 'rateLimiter'>> & Pick<RetryOptions, 'rateLimiter'>;

  constructor(options: Partial<RetryOptions> = {}) {
    this.options = { ...RETRY_DEFAULTS, random: Math.random, ...options };
    if (!(this.options.maxAttempts >= 1)) throw new Error(`maxAttempts must be at least 1, not ${this.options.maxAttempts}`);
    this.mode = options.rateLimiter ? 'adaptive' : 'standard';
  }

  async acquireInitialRetryToken(_scope: string): Promise<StandardRetryToken> {
    await this.options.rateLimiter?.getSendToken();
    return new RetryToken(0, 0);
  }

  async refreshRetryTokenForRetry(token: StandardRetryToken, errorInfo: RetryErrorInfo): Promise<StandardRetryToken> {
    this.options.rateLimiter?.updateClientSendingRate(errorInfo);
    const retries = token.getRetryCount() + 1;
    if (!RETRYABLE.has(errorInfo.errorType) || retries >= this.options.maxAttempts) {
      // The middleware then throws the call's own error, not this one.
      throw new Error(`no retry: ${errorInfo.errorType} after ${retries} attempt(s)`);
    }
    const delay = this.backoff(retries, errorInfo);
    await this.options.rateLimiter?.getSendToken();
    return new RetryToken(retries, delay);
  }

  recordSuccess(_token: StandardRetryToken): void {
    this.options.rateLimiter?.updateClientSendingRate({});
  }

  /** The SDK's retry middleware reads this for the `amz-sdk-request` header. */
  async maxAttempts(): Promise<number> {
    return this.options.maxAttempts;
  }

  /** Full jitter: uniform in [0, min(cap, base × 2^(retry-1))]; a Retry-After hint is a floor, within the cap. */
  backoff(retry: number, errorInfo: Pick<RetryErrorInfo, 'errorType' | 'retryAfterHint'>): number {
    const { baseDelayMs, throttlingBaseDelayMs, maxDelayMs, random } = this.options;
    const base = errorInfo.errorType === 'THROTTLING' ? throttlingBaseDelayMs : baseDelayMs;
    const ceiling = Math.min(maxDelayMs, base * 2 ** (retry - 1));
    const jittered = Math.floor(random() * ceiling);
    const hinted = errorInfo.retryAfterHint ? errorInfo.retryAfterHint.getTime() - Date.now() : 0;
    return Math.min(maxDelayMs, Math.max(jittered, hinted));
  }
}

/** The strategy for most clients: more patience than the SDK's, and no quota. */
export const batchRetryStrategy = (options: Partial<RetryOptions> = {}) => new BatchRetryStrategy(options);

/** The same, paced by the SDK's adaptive rate limiter (client-side rate limiting that backs off on throttling). */
export const pacedRetryStrategy = (options: Partial<RetryOptions> = {}) =>
  new BatchRetryStrategy({ rateLimiter: new DefaultRateLimiter(), ...options });
