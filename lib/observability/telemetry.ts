/**
 * A function's Powertools logger and tracer, and one invocation under them. The logger carries the
 * invocation's context (request id, function name and version, cold start) on every line. Where tracing
 * is on (active tracing on Lambda; the tracer turns itself off anywhere else, the local stack included)
 * the invocation is an X-Ray subsegment annotated with cold start and service, and the clients the
 * handler built with this tracer (lib/aws/clients.ts) record each AWS call inside it.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';

export interface FunctionTelemetry {
  logger: Logger;
  tracer: Tracer;
}

export function functionTelemetry(serviceName: string): FunctionTelemetry {
  return { logger: new Logger({ serviceName }), tracer: new Tracer({ serviceName }) };
}

export async function traced<T>({ logger, tracer }: FunctionTelemetry, context: Context | undefined, work: () => Promise<T>): Promise<T> {
  if (context) logger.addContext(context);
  const segment = tracer.isTracingEnabled() ? tracer.getSegment() : undefined;
  if (!segment) return work();
  const subsegment = segment.addNewSubsegment(`## ${context?.functionName ?? 'handler'}`);
  tracer.setSegment(subsegment);
  tracer.annotateColdStart();
  tracer.addServiceNameAnnotation();
  try {
    return await work();
  } catch (error) {
    if (error instanceof Error) tracer.addErrorAsMetadata(error);
    throw error;
  } finally {
    subsegment.close();
    tracer.setSegment(segment);
  }
}
