/**
 * Runtime settings, read from the environment once per process (at a handler's cold start or the CLI's
 * start) and validated, so a missing variable fails loudly before any work is done.
 *
 * Each function has its own schema holding only the settings it uses, and infra/ gives each function
 * exactly those (test/infra checks both against each other): a function cannot come to depend on a
 * variable it was given by accident, and a missing one fails its cold start, not a month.
 */
import * as z from 'zod';

const optionalUrl = z.url().optional();

/** Where the SDK clients go: the region, and on the local stack only, the loopback endpoints. */
const awsSettings = {
  AWS_REGION: z.string().min(1).default('ap-southeast-3'),
  S3_ENDPOINT: optionalUrl,
  DYNAMODB_ENDPOINT: optionalUrl,
  SES_ENDPOINT: optionalUrl,
  SQS_ENDPOINT: optionalUrl,
  LAMBDA_ENDPOINT: optionalUrl,
  SECRETS_ENDPOINT: optionalUrl,
  /** Cognito's user-pool API (AdminCreateUser, ListUsers); on AWS the SDK's own endpoint. */
  COGNITO_ENDPOINT: optionalUrl,
};
const bucketSettings = { BUCKET_NAME: z.string().min(3) };
const tableSettings = { TABLE_NAME: z.string().min(3) };
const senderSettings = {
  SENDER_ADDRESS: z.email(),
  REPLY_TO_ADDRESS: z.email().optional(),
  SES_CONFIGURATION_SET: z.string().min(1).optional(),
};
const linkKeySettings = {
  /** The Secrets Manager secret whose versions hold the keys that sign and check bulletin download links. */
  LINK_KEY_SECRET_ARN: z.string().min(1),
};

export const validateUploadSettingsSchema = z.object({ ...awsSettings, ...bucketSettings, ...senderSettings });

export const monthlyRunSettingsSchema = z.object({
  ...awsSettings,
  ...bucketSettings,
  ...tableSettings,
  /** The sender whose SES identity must be verified before deliveries are queued. */
  SENDER_ADDRESS: senderSettings.SENDER_ADDRESS,
  DELIVERY_QUEUE_URL: z.url(),
  /** The render-bulletins function monthly-run fans out to (a name or ARN). */
  RENDER_FUNCTION_NAME: z.string().min(1),
  /** Bulletins per render-bulletins invocation, and invocations in flight (at most its reserved concurrency). */
  RENDER_BATCH_SIZE: z.coerce.number().int().positive().default(40),
  RENDER_CONCURRENCY: z.coerce.number().int().positive().default(10),
  /** How long the month's lease lives unrenewed (month-lease.ts): it lapses this soon after a crash. */
  LEASE_TTL_MS: z.coerce.number().int().min(100).default(45_000),
});

export const renderBulletinsSettingsSchema = z.object({
  ...awsSettings,
  ...bucketSettings,
  /** Where the Roboto fonts are; pdfmake's own copy when unset (a checkout). */
  UCJ_FONT_DIR: z.string().min(1).optional(),
});

export const deliverBulletinSettingsSchema = z.object({
  ...awsSettings,
  ...bucketSettings,
  ...tableSettings,
  ...senderSettings,
  ...linkKeySettings,
  /** download-bulletin's address: links to bulletins too large to attach lead there. */
  DOWNLOAD_URL: z.url(),
  /** Attachments above this total (bytes) go as links; 10 MB unless set. */
  MAX_ATTACHMENT_BYTES: z.coerce.number().int().positive().optional(),
});

export const remindUploadsSettingsSchema = z.object({ ...awsSettings, ...bucketSettings, ...tableSettings, ...senderSettings });

export const downloadBulletinSettingsSchema = z.object({ ...awsSettings, ...bucketSettings, ...linkKeySettings });

export const rotateLinkKeySettingsSchema = z.object({ ...awsSettings });

/** The web portal (lib/portal/): who signs in where, and what it reads and queues. */
export const portalSettingsSchema = z.object({
  ...awsSettings,
  ...bucketSettings,
  ...tableSettings,
  /** Resends go on the same queue as the monthly run's deliveries (lib/delivery/resend.ts). */
  DELIVERY_QUEUE_URL: z.url(),
  USER_POOL_ID: z.string().min(1),
  /** The app client the portal signs users in with (public: code flow with PKCE, no secret). */
  USER_POOL_CLIENT_ID: z.string().min(1),
  /** The ID tokens' issuer, whose `/.well-known/jwks.json` holds the keys that sign them. */
  USER_POOL_ISSUER_URL: z.url(),
  /** Managed login's base: `/oauth2/authorize`, `/oauth2/token` and `/logout` are under it. */
  LOGIN_BASE_URL: z.url(),
  /** How long an upload credential and a download link live (seconds). */
  PORTAL_LINK_SECONDS: z.coerce.number().int().min(60).max(3600).default(300),
});

/** Every function's schema by handler file name (functions/<name>.ts). */
export const FUNCTION_SETTINGS = {
  'validate-upload': validateUploadSettingsSchema,
  'monthly-run': monthlyRunSettingsSchema,
  'render-bulletins': renderBulletinsSettingsSchema,
  'deliver-bulletin': deliverBulletinSettingsSchema,
  'remind-uploads': remindUploadsSettingsSchema,
  'download-bulletin': downloadBulletinSettingsSchema,
  'rotate-link-key': rotateLinkKeySettingsSchema,
  portal: portalSettingsSchema,
} as const;

/** Settings that only the local stack sets (its loopback endpoints); never given to a deployed function. */
export const LOCAL_ONLY_SETTINGS: ReadonlySet<string> = new Set(Object.keys(awsSettings).filter((key) => key.endsWith('_ENDPOINT')));

export const awsSettingsSchema = z.object(awsSettings);
export type AwsSettings = z.infer<typeof awsSettingsSchema>;
export type ValidateUploadSettings = z.infer<typeof validateUploadSettingsSchema>;
export type MonthlyRunSettings = z.infer<typeof monthlyRunSettingsSchema>;
export type RenderBulletinsSettings = z.infer<typeof renderBulletinsSettingsSchema>;
export type DeliverBulletinSettings = z.infer<typeof deliverBulletinSettingsSchema>;
export type RemindUploadsSettings = z.infer<typeof remindUploadsSettingsSchema>;
export type DownloadBulletinSettings = z.infer<typeof downloadBulletinSettingsSchema>;
export type PortalSettings = z.infer<typeof portalSettingsSchema>;

/** The CLI and the local driver use every adapter, so they need the union of every function's settings. */
export const operatorSettingsSchema = z.object({
  ...monthlyRunSettingsSchema.shape,
  ...deliverBulletinSettingsSchema.shape,
  ...renderBulletinsSettingsSchema.shape,
});
export type OperatorSettings = z.infer<typeof operatorSettingsSchema>;

/** Parses one function's settings; the error names every problem at once. */
export function readSettings<Schema extends z.ZodType>(schema: Schema, env: NodeJS.ProcessEnv = process.env): z.infer<Schema> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  return parsed.data;
}
