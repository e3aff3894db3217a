/**
 * Deployment settings, read once from the CDK context (`cdk.json`'s `context` block, or
 * `cdk synth -c key=value`) into a typed `UcjConfig`. Synth fails here, before any resource is
 * built, when a value is missing or wrong.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import * as z from 'zod';
import { DEFAULT_RENDER_CONCURRENCY } from '../lib/contract/functions.ts';

/** The context keys this app reads. Anything else in the context (feature flags) is CDK's. */
export const CONFIG_KEYS = [
  'senderAddress',
  'replyToAddress',
  'sesConfigurationSet',
  'sesIdentityType',
  'operatorEmails',
  'scheduleDayOfMonth',
  'scheduleHour',
  'reminderDaysBefore',
  'logRetentionDays',
  'renderConcurrency',
  'reserveRenderConcurrency',
  'portalDomainPrefix',
] as const;

// `-c key=value` on the command line always arrives as a string, cdk.json values as JSON.
const wholeNumber = z.preprocess(
  (value) => (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value),
  z.int(),
);
const emailList = z.preprocess((value) => {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (text.startsWith('[')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return value;
    }
  }
  return text === '' ? [] : text.split(',').map((part) => part.trim());
}, z.array(z.email()));

const booleanFlag = z.preprocess((value) => (value === 'true' ? true : value === 'false' ? false : value), z.boolean());

const RETENTION_DAYS = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number');

export const UcjConfigSchema = z
  .object({
    /** The From address of every email; its domain (or the address itself) must be a verified SES identity. */
    senderAddress: z.email(),
    replyToAddress: z.email().optional(),
    /** The name of the SES configuration set the stack creates and every email goes through (default: generated). */
    sesConfigurationSet: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "_" or "-"')
      .optional(),
    /** Verify the sender's whole domain (DKIM DNS records) or only the sender address (a confirmation link). */
    sesIdentityType: z.enum(['domain', 'address']).default('domain'),
    /** Who alarms, bounces and complaints notify: one SNS email subscription each (each must confirm it). */
    operatorEmails: emailList.pipe(z.array(z.email()).min(1, 'name at least one operator to receive alarms')),
    // Capped at 28 so the run happens in every month, February included.
    scheduleDayOfMonth: wholeNumber.pipe(z.int().min(1).max(28)),
    scheduleHour: wholeNumber.pipe(z.int().min(0).max(23)),
    reminderDaysBefore: wholeNumber.pipe(z.int().min(1)),
    /**
     * render-bulletins' reserved concurrency and monthly-run's render batches in flight. Reserving needs an
     * account concurrency limit of at least this plus 100 (docs/deploy.md, "Lambda concurrency").
     */
    renderConcurrency: wholeNumber.pipe(z.int().min(1).max(100)).default(DEFAULT_RENDER_CONCURRENCY),
    /** `false` on an account whose limit is still 10 (no room to reserve): rendering then shares the pool, throttles are retried. */
    reserveRenderConcurrency: booleanFlag.default(true),
    /**
     * The portal's managed-login address, `https://<prefix>.auth.<region>.amazoncognito.com`. Prefixes are
     * global per region, so the default is made from the stack's id (unique, but unreadable).
     */
    portalDomainPrefix: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be 1-63 lower-case letters, digits or "-", not starting or ending with "-"')
      .refine((prefix) => !/aws|amazon|cognito/.test(prefix), 'must not contain "aws", "amazon" or "cognito" (Cognito reserves them)')
      .optional(),
    logRetentionDays: wholeNumber.transform((days, context) => {
      const retention = Object.values(RetentionDays).find((value): value is RetentionDays => value === days);
      if (retention !== undefined) return retention;
      context.addIssue({ code: 'custom', message: `must be one of CloudWatch Logs' retention periods: ${RETENTION_DAYS.join(', ')}` });
      return z.NEVER;
    }),
  })
  .refine((c) => c.scheduleDayOfMonth - c.reminderDaysBefore >= 1, {
    // A cron day-of-month cannot reach back into the previous month.
    message: 'the reminder must fall in the same month as the run: reminderDaysBefore must be less than scheduleDayOfMonth',
    path: ['reminderDaysBefore'],
  });

export type UcjConfig = z.infer<typeof UcjConfigSchema>;

export class UcjConfigError extends Error {
  override readonly name = 'UcjConfigError';
}

/** Validates raw context values; throws a `UcjConfigError` listing every problem. */
export function parseConfig(raw: Record<string, unknown>): UcjConfig {
  const result = UcjConfigSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path.length > 0 ? issue.path.join('.') : '(config)';
      return `  - ${key}: ${issue.message} (got ${JSON.stringify(valueAt(raw, issue.path))})`;
    });
    throw new UcjConfigError(
      `Invalid ucj-bulletin configuration. Fix the "context" block of cdk.json or the -c overrides:\n${problems.join('\n')}`,
    );
  }
  return result.data;
}

/** Reads the config keys from a construct tree's context (normally the App's). */
export function loadConfig(node: Node): UcjConfig {
  const raw: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const value: unknown = node.tryGetContext(key);
    if (value !== undefined) raw[key] = value;
  }
  return parseConfig(raw);
}

function valueAt(raw: Record<string, unknown>, path: ReadonlyArray<PropertyKey>): unknown {
  let current: unknown = raw;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}
