/**
 * Injected faults, for tests only: a switch in the AWS client setup that makes chosen calls fail the way
 * AWS can and the emulators never do. Deployed code never reads them: the local stack passes them to the
 * handler factories (`HandlerOptions.faults`), and the command line reads them from `UCJ_FAULTS` (JSON)
 * so that a test can hand them to a `ucj` child process.
 *
 * The fields:
 * - `rate` (0–1) and `services` (`s3`, `dynamodb`, `ses`, `sqs`): that share of calls fails with
 *   throttling or a 5xx, decided by a seeded generator (`seed`) so a run can be repeated;
 * - `sesRejectTo`: addresses SES refuses with MessageRejected, as it does a suppressed or invalid one;
 * - `crashAfterSesSends`: the process kills itself right after SES accepted that many emails, before
 *   anything else is recorded: the window nothing can close
 *   (docs/architecture.md, "History in DynamoDB"), on purpose.
 * - `crashAt`: `{ stage, after? }` kills monthly-run at a stage (`crashPoint`), for the crash tests.
 */
import type { DeserializeMiddleware, MiddlewareStack } from '@smithy/types';
import * as z from 'zod';
import { mulberry32 } from '../util/prng.ts';

export const faultsSchema = z.object({
  rate: z.number().min(0).max(1).default(0),
  services: z.array(z.enum(['s3', 'dynamodb', 'ses', 'sqs'])).default([]),
  seed: z.number().int().default(1),
  sesRejectTo: z.array(z.string()).default([]),
  crashAfterSesSends: z.number().int().positive().optional(),
  crashAt: z
    .object({ stage: z.enum(['after-read', 'after-snapshots', 'render-batch']), after: z.number().int().positive().default(1) })
    .optional(),
});
export type Faults = z.infer<typeof faultsSchema>;
/** Faults as a test writes them: every field optional. */
export type FaultsInput = z.input<typeof faultsSchema>;

/** The faults in `UCJ_FAULTS`, for the command line (tools/cli), which hands them to the local stack. */
export function readFaults(env: NodeJS.ProcessEnv): Faults | undefined {
  if (!env.UCJ_FAULTS) return undefined;
  return faultsSchema.parse(JSON.parse(env.UCJ_FAULTS));
}

// Any SDK client: the middleware only reads the command's name and, for SES, its destination.
type AnyClient = { middlewareStack: MiddlewareStack<any, any> };

class InjectedFault extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: { httpStatusCode: number };
  readonly $retryable?: { throttling: boolean };
  constructor(name: string, status: number, throttling: boolean) {
    super(`injected fault: ${name}`);
    this.name = name;
    this.$fault = status >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode: status };
    if (throttling || status >= 500) this.$retryable = { throttling };
  }
}

type Service = Faults['services'][number];

let sesSends = 0;
const injected: Record<Service, number> = { s3: 0, dynamodb: 0, ses: 0, sqs: 0 };

/**
 * How many calls this process's fault middleware has failed, by service, since it started: a test that
 * injects faults checks there were some, so it cannot pass without them. (MessageRejected for
 * `sesRejectTo` is not counted: it is an answer, not a fault.)
 */
export function injectedFaults(): Readonly<Record<Service, number>> {
  return { ...injected };
}

/** Adds the fault middleware to a client, per attempt (inside the SDK's retries, as real faults are). */
export function injectFaults(client: AnyClient, service: Service, faults: Faults): void {
  const random = mulberry32(faults.seed + service.length * 7919);
  const middleware: DeserializeMiddleware<any, any> = (next, context) => async (args) => {
    if (faults.services.includes(service) && random() < faults.rate) {
      injected[service] += 1;
      throw random() < 0.5 ? new InjectedFault(throttlingName(service), 400, true) : new InjectedFault('InternalFailure', 503, false);
    }
    if (service === 'ses' && context.commandName === 'SendEmailCommand') {
      const destination = ((args as { input?: { Destination?: { ToAddresses?: string[] } } }).input?.Destination?.ToAddresses ?? [])[0];
      if (destination && faults.sesRejectTo.includes(destination)) {
        throw new InjectedFault('MessageRejected', 400, false);
      }
      const result = await next(args);
      sesSends += 1;
      if (faults.crashAfterSesSends !== undefined && sesSends >= faults.crashAfterSesSends) process.kill(process.pid, 'SIGKILL');
      return result;
    }
    return next(args);
  };
  client.middlewareStack.add(middleware, { step: 'deserialize', name: 'ucjInjectedFaults' });
}

function throttlingName(service: string): string {
  switch (service) {
    case 'dynamodb':
      return 'ProvisionedThroughputExceededException';
    case 'ses':
      return 'TooManyRequestsException';
    case 's3':
      return 'SlowDown';
    default:
      return 'ThrottlingException';
  }
}

/** Where monthly-run can be made to die (`crashAt`): after reading its inputs, after writing snapshots, after a rendered batch. */
export type CrashStage = 'after-read' | 'after-snapshots' | 'render-batch';

/**
 * Where this process dies, from `faults.crashAt`: a function that kills it with SIGKILL (nothing
 * cleaned up, as a Lambda timeout or an out-of-memory kill leaves it) the `after`-th time the named stage
 * is reached, and does nothing otherwise. Handlers pass it to the jobs as a dependency; the switch is
 * never set outside tests.
 */
export function crashPointsFrom(faults: Faults | undefined): (stage: CrashStage) => void {
  const crashAt = faults?.crashAt;
  if (!crashAt) return () => undefined;
  let hits = 0;
  return (stage) => {
    if (stage !== crashAt.stage) return;
    hits += 1;
    if (hits >= crashAt.after) process.kill(process.pid, 'SIGKILL');
  };
}
