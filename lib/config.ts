/**
 * Runtime configuration, read from the environment once per process (at a handler's cold start or the
 * CLI's start) and validated, so a missing variable fails loudly before any work is done.
 */
import * as z from 'zod';

const optionalUrl = z.url().optional();

export const runtimeEnvSchema = z.object({
  BUCKET_NAME: z.string().min(3),
  TABLE_NAME: z.string().min(3),
  /** An SQS queue URL on AWS; `file:///…` on the local stack, where a spool folder stands in for SQS. */
  DELIVERY_QUEUE_URL: z.string().min(1).optional(),
  SENDER_ADDRESS: z.email(),
  REPLY_TO_ADDRESS: z.email().optional(),
  SES_CONFIGURATION_SET: z.string().min(1).optional(),
  /**
   * A Secrets Manager secret holding `{ accessKeyId, secretAccessKey }` of an IAM user allowed only to read
   * bulletins: links signed with a Lambda role's temporary credentials die with the session (hours), so
   * the 7-day links need long-term keys. Unset locally, where the stack's own credentials sign.
   */
  LINK_SIGNER_SECRET_ARN: z.string().min(1).optional(),
  /** Attachments above this total (bytes) go as presigned links; 10 MB unless set. */
  MAX_ATTACHMENT_BYTES: z.coerce.number().int().positive().optional(),
  /** The render-bulletins function monthly-run fans out to (a name or ARN). */
  RENDER_FUNCTION_NAME: z.string().min(1).optional(),
  /** Bulletins per render-bulletins invocation, and invocations in flight (render-fan-out.ts). */
  RENDER_BATCH_SIZE: z.coerce.number().int().positive().default(40),
  RENDER_CONCURRENCY: z.coerce.number().int().positive().default(16),
  /** How long monthly-run's lease on a month lives unrenewed (month-lease.ts): it lapses this soon after a crash. */
  LEASE_TTL_MS: z.coerce.number().int().min(100).default(45_000),
  AWS_REGION: z.string().min(1).default('ap-southeast-3'),
  /** Endpoints are set only on the local stack; on AWS the SDK's defaults apply. */
  S3_ENDPOINT: optionalUrl,
  DYNAMODB_ENDPOINT: optionalUrl,
  SES_ENDPOINT: optionalUrl,
  SQS_ENDPOINT: optionalUrl,
  LAMBDA_ENDPOINT: optionalUrl,
});

export type RuntimeEnv = z.infer<typeof runtimeEnvSchema>;

export function readRuntimeEnv(env: NodeJS.ProcessEnv = process.env): RuntimeEnv {
  const parsed = runtimeEnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  return parsed.data;
}
