/** A function URL (behind CloudFront) → the portal's Hono app (lib/portal/app.ts). */
import type { Context } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { handle } from 'hono/aws-lambda';
import type { LambdaEvent } from 'hono/aws-lambda';
import type { JwksCache } from 'aws-jwt-verify/jwk';
import * as z from 'zod';
import type { PortalSettings } from '../config.ts';
import type { HandlerOptions } from '../runtime.ts';
import { withInvocationContext } from '../observability/telemetry.ts';
import { createPortalApp } from '../portal/app.ts';
import { portalDepsFrom } from '../portal/deps.ts';

export interface PortalHandlerOptions extends HandlerOptions {
  /**
   * Where the verifier gets the pool's signing keys. On AWS, aws-jwt-verify's own cache (it fetches the
   * JWKS over https); the local stack passes one that reads its loopback Cognito over http.
   */
  jwksCache?: JwksCache | undefined;
}

/**
 * A function URL event (payload format 2.0): the fields hono's adapter reads, checked rather than
 * assumed, so anything else (a test event, a misrouted invocation) fails here with a clear error.
 */
const functionUrlEventSchema = z.object({
  version: z.literal('2.0'),
  routeKey: z.string().default('$default'),
  rawPath: z.string().startsWith('/'),
  rawQueryString: z.string().default(''),
  cookies: z.array(z.string()).optional(),
  headers: z.record(z.string(), z.string()).default({}),
  queryStringParameters: z.record(z.string(), z.string()).optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().default(false),
  requestContext: z.object({
    accountId: z.string().default('anonymous'),
    apiId: z.string().default(''),
    domainName: z.string().min(1),
    domainPrefix: z.string().default(''),
    http: z.object({
      method: z.string().min(1),
      path: z.string().default('/'),
      protocol: z.string().default('HTTP/1.1'),
      sourceIp: z.string().default(''),
      userAgent: z.string().default(''),
    }),
    requestId: z.string().default(''),
    routeKey: z.string().default('$default'),
    stage: z.string().default('$default'),
    time: z.string().default(''),
    timeEpoch: z.number().default(0),
  }),
});

/** The parsed event in the shape hono's adapter takes: built field by field, not cast. */
function adapterEvent(event: z.infer<typeof functionUrlEventSchema>): LambdaEvent {
  return {
    version: event.version,
    routeKey: event.routeKey,
    rawPath: event.rawPath,
    rawQueryString: event.rawQueryString,
    ...(event.cookies ? { cookies: event.cookies } : {}),
    headers: event.headers,
    ...(event.queryStringParameters ? { queryStringParameters: event.queryStringParameters } : {}),
    body: event.body ?? null,
    isBase64Encoded: event.isBase64Encoded,
    requestContext: { ...event.requestContext, authentication: null, authorizer: {} },
  };
}

export function createPortalHandler(settings: PortalSettings, options: PortalHandlerOptions = {}): (event: unknown, context?: Context) => Promise<unknown> {
  const logger = new Logger({ serviceName: 'portal' });
  const serve = handle(createPortalApp(portalDepsFrom(settings, { logger, faults: options.faults, jwksCache: options.jwksCache })));
  return (event, context) =>
    withInvocationContext<unknown>(logger, context, () => {
      const parsed = functionUrlEventSchema.safeParse(event);
      if (!parsed.success) {
        logger.error('not a function URL event', { issues: parsed.error.issues.slice(0, 5) });
        return Promise.resolve({ statusCode: 400, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Bad request' });
      }
      return serve(adapterEvent(parsed.data), context);
    });
}
