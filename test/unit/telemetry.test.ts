import { describe, expect, it, vi } from 'vitest';
import type { Context } from 'aws-lambda';
import { functionTelemetry, withInvocationContext } from '../../lib/observability/telemetry.ts';

describe('telemetry', () => {
  it('runs an invocation as it is, with its Lambda context on the logger', async () => {
    const telemetry = functionTelemetry('test');
    const addContext = vi.spyOn(telemetry.logger, 'addContext');
    const context: Partial<Context> = { functionName: 'ucj-test', awsRequestId: 'req-1' };
    const lambdaContext = { ...context, getRemainingTimeInMillis: () => 1000 } as Context;
    await expect(withInvocationContext(telemetry, lambdaContext, async () => 42)).resolves.toBe(42);
    await expect(withInvocationContext(telemetry, undefined, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(addContext).toHaveBeenCalledTimes(1);
    expect(addContext).toHaveBeenCalledWith(lambdaContext);
  });
});
