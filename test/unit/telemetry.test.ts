import { afterEach, describe, expect, it, vi } from 'vitest';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { s3Client, sqsClient } from '../../lib/aws/clients.ts';
import { functionTelemetry, traced } from '../../lib/observability/telemetry.ts';

const settings = { AWS_REGION: 'ap-southeast-3' };
const middlewareOf = (client: { middlewareStack: { identify(): string[] } }) => client.middlewareStack.identify();

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('telemetry', () => {
  it('records AWS calls in X-Ray where tracing is on (Lambda), and adds nothing elsewhere', () => {
    // Prepare: a tracer as in Lambda (AWS_EXECUTION_ENV set), and one as on this machine.
    vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs22.x');
    const onLambda = new Tracer({ serviceName: 'test' });
    vi.unstubAllEnvs();
    const local = functionTelemetry('test').tracer;
    // Act
    const plain = middlewareOf(s3Client(settings));
    const tracedClient = middlewareOf(s3Client(settings, { tracer: onLambda }));
    const untraced = middlewareOf(sqsClient(settings, { tracer: local }));
    // Assess
    expect(onLambda.isTracingEnabled()).toBe(true);
    expect(local.isTracingEnabled()).toBe(false);
    expect(tracedClient.length).toBeGreaterThan(plain.length);
    expect(tracedClient.filter((name) => !plain.includes(name)).join(' ')).toMatch(/xray/i);
    expect(untraced).toEqual(middlewareOf(sqsClient(settings)));
  });

  it('runs an invocation as it is where tracing is off, with the context on the logger', async () => {
    const telemetry = functionTelemetry('test');
    const addContext = vi.spyOn(telemetry.logger, 'addContext');
    const context = { functionName: 'ucj-test', awsRequestId: 'req-1' } as Parameters<typeof traced>[1];
    await expect(traced(telemetry, context, async () => 42)).resolves.toBe(42);
    await expect(traced(telemetry, undefined, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(addContext).toHaveBeenCalledWith(context);
  });
});
