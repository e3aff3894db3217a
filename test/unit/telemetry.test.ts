import { describe, expect, it, vi } from 'vitest';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { withInvocationContext } from '../../lib/observability/telemetry.ts';

describe('telemetry', () => {
  it('runs an invocation as it is, with its Lambda context on the logger', async () => {
    const logger = new Logger({ serviceName: 'test' });
    const addContext = vi.spyOn(logger, 'addContext');
    const context: Partial<Context> = { functionName: 'ucj-test', awsRequestId: 'req-1' };
    const lambdaContext = { ...context, getRemainingTimeInMillis: () => 1000 } as Context;
    await expect(withInvocationContext(logger, lambdaContext, async () => 42)).resolves.toBe(42);
    await expect(withInvocationContext(logger, undefined, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(addContext).toHaveBeenCalledTimes(1);
    expect(addContext).toHaveBeenCalledWith(lambdaContext);
  });
});
