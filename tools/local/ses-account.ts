/**
 * The local SES account: its state, kept in `<stackDir>/ses-account.json` so that a test or a person running
 * `ucj stack` can switch a rule while the stack runs, from any process, and the rules a real SES v2 account
 * applies to it. tools/local/ses-outbox.ts applies them to every request. Local tooling: never deployed.
 *
 * The rules, as SES v2 enforces them:
 * - Verified senders. Email goes out only from verified identities: every address it is sent as (the
 *   FromEmailAddress, for Raw content the From and Sender headers, the feedback address) must be verified as
 *   an address, or through its domain or a parent domain; verified means status SUCCESS. Otherwise
 *   MessageRejected (400): "Email address is not verified. The following identities failed the check in
 *   region AP-SOUTHEAST-3: a@x.example, b@y.example", listing every identity that failed.
 *   https://docs.aws.amazon.com/ses/latest/dg/creating-identities.html
 * - The sandbox. Without production access every recipient (To, Cc, Bcc) must be verified the same way, or be
 *   an address of the SES mailbox simulator; otherwise the same MessageRejected, naming them.
 *   https://docs.aws.amazon.com/ses/latest/dg/request-production-access.html
 * - Sending paused. An account with sending disabled refuses every email with SendingPausedException (400),
 *   the API v2 model's error for an account whose sending is paused.
 * - Quotas, counted in recipients over a rolling 24 hours (by the process serving SES, from its start):
 *   once the day's quota is used up, an email is refused with TooManyRequestsException (429) "Daily message
 *   quota exceeded."; beyond the sending rate, with TooManyRequestsException "Maximum sending rate
 *   exceeded.". An email is let through while any of the quota is left, however many recipients it has. The
 *   sandbox allows 200 a day at 1 a second.
 *   https://docs.aws.amazon.com/ses/latest/dg/quotas.html
 */
import { randomUUID, createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';

/** The local stack's sender domain (it sends as buletin@ucj.example): verified unless the state says not. */
export const LOCAL_SENDER_DOMAIN = 'ucj.example';

export const SES_ACCOUNT_FILE = 'ses-account.json';
export const sesAccountPath = (dir: string) => join(dir, SES_ACCOUNT_FILE);

const verificationStatusSchema = z.enum(['SUCCESS', 'PENDING', 'FAILED', 'TEMPORARY_FAILURE', 'NOT_STARTED']);
export type VerificationStatus = z.infer<typeof verificationStatusSchema>;

/** SES writes an unlimited daily quota as -1; locally -1 also means a sending rate that is not enforced. */
export const UNLIMITED = -1;

const sendQuotaSchema = z.strictObject({
  /** Emails per rolling 24 hours, each recipient counting as one; -1 for no limit. */
  max24HourSend: z.number().int().min(UNLIMITED),
  /** Emails per second, each recipient counting as one; -1 for no limit. */
  maxSendRate: z.number().refine((rate) => rate === UNLIMITED || rate > 0, 'a positive rate, or -1 for no limit'),
});
export type SendQuota = z.infer<typeof sendQuotaSchema>;

/**
 * The state file. A field left out takes its default, so `{ "productionAccessEnabled": false }` alone puts
 * today's account in the sandbox; the defaults are the local stack's behaviour before these rules existed.
 */
export const sesAccountSchema = z.strictObject({
  productionAccessEnabled: z.boolean().default(true),
  sendingEnabled: z.boolean().default(true),
  /** Domains and addresses, each with its verification status. */
  identities: z.record(z.string().min(1), verificationStatusSchema).default(() => ({ [LOCAL_SENDER_DOMAIN]: 'SUCCESS' as const })),
  /**
   * The account's quota. Left out: the sandbox's 200 a day at 1 a second, and with production access no
   * limit (a real production quota depends on the account: set it here to try one).
   */
  sendQuota: sendQuotaSchema.optional(),
});
export type SesAccount = z.infer<typeof sesAccountSchema>;

export const SANDBOX_SEND_QUOTA: SendQuota = { max24HourSend: 200, maxSendRate: 1 };
const NO_QUOTA: SendQuota = { max24HourSend: UNLIMITED, maxSendRate: UNLIMITED };

export const sendQuotaOf = (account: SesAccount): SendQuota =>
  account.sendQuota ?? (account.productionAccessEnabled ? NO_QUOTA : SANDBOX_SEND_QUOTA);

// ---------------------------------------------------------------------------------------------------------
// The state file

const parsedFiles = new Map<string, { version: string; account: SesAccount }>();

/** The account state in `dir`, or the defaults when there is no file. Parsed again only when the file changed. */
export async function readSesAccount(dir: string): Promise<SesAccount> {
  const path = sesAccountPath(dir);
  const stats = await stat(path).catch(absentAsUndefined);
  if (!stats) return sesAccountSchema.parse({});
  // writeSesAccount replaces the file (a new inode each time), so this changes with every write.
  const version = `${stats.ino}:${stats.size}:${stats.mtimeMs}`;
  const parsed = parsedFiles.get(path);
  if (parsed?.version === version) return structuredClone(parsed.account);
  const text = await readFile(path, 'utf8').catch(absentAsUndefined);
  if (text === undefined) return sesAccountSchema.parse({});
  const account = parseSesAccount(text, path);
  parsedFiles.set(path, { version, account });
  return structuredClone(account);
}

function parseSesAccount(text: string, path: string): SesAccount {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const result = sesAccountSchema.safeParse(json);
  if (!result.success) throw new Error(`${path} is not a valid SES account state:\n${z.prettifyError(result.error)}`);
  return result.data;
}

function absentAsUndefined(error: unknown): undefined {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  throw error;
}

/** Replaces the account state in `dir` in one step, so that a reader never sees half a file. */
export async function writeSesAccount(dir: string, account: SesAccount): Promise<void> {
  const valid = sesAccountSchema.parse(account);
  const path = sesAccountPath(dir);
  await mkdir(dir, { recursive: true });
  const temporary = `${path}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(temporary, `${JSON.stringify(valid, null, 2)}\n`);
  await rename(temporary, path);
}

const pendingUpdates = new Map<string, Promise<unknown>>();

/**
 * Reads, changes and writes the state. Updates from this process are applied one after another; one from
 * another process at the same instant can still be lost, which local tooling accepts.
 */
export function updateSesAccount(dir: string, change: (account: SesAccount) => SesAccount): Promise<SesAccount> {
  const path = sesAccountPath(dir);
  const update = (pendingUpdates.get(path) ?? Promise.resolve())
    .catch(() => undefined)
    .then(async () => {
      const changed = change(await readSesAccount(dir));
      await writeSesAccount(dir, changed);
      return changed;
    });
  pendingUpdates.set(path, update);
  return update;
}

// ---------------------------------------------------------------------------------------------------------
// SES's errors

/** An SES v2 error, as SES returns it: an HTTP status and an error type (the SDK's exception name). */
export class SesApiError extends Error {
  constructor(
    readonly status: number,
    name: string,
    message: string,
  ) {
    super(message);
    this.name = name;
  }
}

export const sesErrors = {
  /** SES's own words, region upper-cased, every failing identity listed. */
  notVerified: (identities: readonly string[], region: string) =>
    new SesApiError(
      400,
      'MessageRejected',
      `Email address is not verified. The following identities failed the check in region ${region.toUpperCase()}: ${identities.join(', ')}`,
    ),
  sendingPaused: () =>
    new SesApiError(
      400,
      'SendingPausedException',
      'Sending paused for this account. For more information, please check the inbox of the email address associated with your AWS account.',
    ),
  // The guide names a ThrottlingException; SES v2 answers both quotas with a 429 TooManyRequestsException,
  // which the SDK treats as throttling and retries.
  dailyQuotaExceeded: () => new SesApiError(429, 'TooManyRequestsException', 'Daily message quota exceeded.'),
  sendingRateExceeded: () => new SesApiError(429, 'TooManyRequestsException', 'Maximum sending rate exceeded.'),
  identityNotFound: (identity: string) => new SesApiError(404, 'NotFoundException', `Email identity ${identity} does not exist.`),
  // Sic: SES's wording.
  identityExists: (identity: string) => new SesApiError(400, 'AlreadyExistsException', `Email identity ${identity} already exist.`),
  badRequest: (message: string) => new SesApiError(400, 'BadRequestException', message),
};

// ---------------------------------------------------------------------------------------------------------
// Identities and the rules of sending

export type IdentityType = 'DOMAIN' | 'EMAIL_ADDRESS';
export const identityTypeOf = (identity: string): IdentityType => (identity.includes('@') ? 'EMAIL_ADDRESS' : 'DOMAIN');

/** An identity as SES matches it: a domain in any case, an address's local part exactly (RFC 5321). */
function identityKey(identity: string): string {
  const at = identity.lastIndexOf('@');
  return at < 0 ? identity.toLowerCase() : `${identity.slice(0, at)}@${identity.slice(at + 1).toLowerCase()}`;
}

/** The identity in the state an address or domain is listed under, whatever its case. */
export function findIdentity(account: SesAccount, identity: string): { name: string; status: VerificationStatus } | undefined {
  const key = identityKey(identity);
  const entry = Object.entries(account.identities).find(([name]) => identityKey(name) === key);
  return entry && { name: entry[0], status: entry[1] };
}

/** The identities that can verify an address: the address, its domain and the domain's parents (not the TLD). */
function identitiesCovering(address: string): string[] {
  const key = identityKey(address);
  const at = key.lastIndexOf('@');
  const labels = key.slice(at + 1).split('.');
  const domains = labels.slice(0, -1).map((_, index) => labels.slice(index).join('.'));
  return at < 0 ? domains : [key, ...domains];
}

export const isVerified = (account: SesAccount, address: string): boolean =>
  identitiesCovering(address).some((identity) => findIdentity(account, identity)?.status === 'SUCCESS');

/** The SES mailbox simulator's test inboxes, which the sandbox lets an account send to. */
const isMailboxSimulator = (address: string) => address.toLowerCase().endsWith('@simulator.amazonses.com');

export interface OutgoingEmail {
  /** Every address the email is sent as: FromEmailAddress, the From and Sender headers, the feedback address. */
  senders: readonly string[];
  /** Every recipient: To, Cc and Bcc. */
  recipients: readonly string[];
}

/** Throws the error SES refuses this email with for its account or identities, if it does. */
export function assertSendable(account: SesAccount, email: OutgoingEmail, region: string): void {
  if (!account.sendingEnabled) throw sesErrors.sendingPaused();
  const unverifiedSenders = email.senders.filter((sender) => !isVerified(account, sender));
  const unverifiedRecipients = account.productionAccessEnabled
    ? []
    : email.recipients.filter((recipient) => !isVerified(account, recipient) && !isMailboxSimulator(recipient));
  const unverified = [...new Set([...unverifiedSenders, ...unverifiedRecipients])];
  if (unverified.length > 0) throw sesErrors.notVerified(unverified, region);
}

// ---------------------------------------------------------------------------------------------------------
// What was sent: the daily quota and the sending rate

const DAY_MS = 24 * 60 * 60 * 1000;

export interface Admission {
  /** Gives the quota back, for an email that was admitted and then not sent after all. */
  release(): void;
}

/**
 * The emails the account sent over the last 24 hours, counted in recipients, as SES counts them. Kept in
 * memory by the process that serves SES: it starts from zero whenever the stack starts.
 */
export class SendingMeter {
  private readonly sends: Array<{ at: number; recipients: number }> = [];
  /** The sending rate's bucket: emails that may go now, refilled at the rate, at most a second's worth. */
  private rateAllowance: number | undefined;
  private rateAllowanceAt = 0;

  constructor(private readonly clock: () => number = Date.now) {}

  sentLast24Hours(): number {
    const dayAgo = this.clock() - DAY_MS;
    while ((this.sends[0]?.at ?? Infinity) <= dayAgo) this.sends.shift();
    return this.sends.reduce((total, send) => total + send.recipients, 0);
  }

  /** Counts an email against the quota, or throws the TooManyRequestsException SES refuses it with. */
  admit(quota: SendQuota, recipients: number): Admission {
    if (quota.max24HourSend !== UNLIMITED && this.sentLast24Hours() >= quota.max24HourSend) throw sesErrors.dailyQuotaExceeded();
    const now = this.clock();
    const paced = quota.maxSendRate !== UNLIMITED;
    if (paced) {
      const capacity = Math.max(1, quota.maxSendRate);
      const refilled = (this.rateAllowance ?? capacity) + ((now - this.rateAllowanceAt) / 1000) * quota.maxSendRate;
      this.rateAllowance = Math.min(capacity, refilled);
      this.rateAllowanceAt = now;
      if (this.rateAllowance < 1) throw sesErrors.sendingRateExceeded();
      // An email to many recipients may overdraw the allowance: the ones after it wait until it is repaid.
      this.rateAllowance -= recipients;
    }
    const send = { at: now, recipients };
    this.sends.push(send);
    return {
      release: () => {
        const index = this.sends.indexOf(send);
        if (index >= 0) this.sends.splice(index, 1);
        if (paced && this.rateAllowance !== undefined) this.rateAllowance += recipients;
      },
    };
  }
}

// ---------------------------------------------------------------------------------------------------------
// SES's answers about the account, shaped as SES v2 shapes them

export function accountResponse(account: SesAccount, sentLast24Hours: number) {
  const quota = sendQuotaOf(account);
  return {
    DedicatedIpAutoWarmupEnabled: false,
    EnforcementStatus: 'HEALTHY',
    ProductionAccessEnabled: account.productionAccessEnabled,
    SendingEnabled: account.sendingEnabled,
    SendQuota: { Max24HourSend: quota.max24HourSend, MaxSendRate: quota.maxSendRate, SentLast24Hours: sentLast24Hours },
    // An account gets production access by a request that SES reviewed: the request's details come with it.
    ...(account.productionAccessEnabled
      ? { Details: { MailType: 'TRANSACTIONAL', ContactLanguage: 'ENGLISH', AdditionalContactEmailAddresses: [], ReviewDetails: { Status: 'GRANTED' } } }
      : {}),
  };
}

const identityInfo = (name: string, status: VerificationStatus) => ({
  IdentityType: identityTypeOf(name),
  IdentityName: name,
  SendingEnabled: status === 'SUCCESS',
  VerificationStatus: status,
});

/** Easy DKIM's three CNAME tokens, made up but stable for a domain. */
const dkimTokens = (domain: string) =>
  [1, 2, 3].map((index) => createHash('sha256').update(`${identityKey(domain)}#${index}`).digest('hex').slice(0, 32));

// A domain is verified in SES v2 by its Easy DKIM records, so its DKIM status is its verification status;
// an address has no DKIM of its own.
const dkimAttributes = (name: string, status: VerificationStatus) =>
  identityTypeOf(name) === 'DOMAIN'
    ? {
        SigningEnabled: true,
        Status: status,
        Tokens: dkimTokens(name),
        SigningAttributesOrigin: 'AWS_SES',
        NextSigningKeyLength: 'RSA_2048_BIT',
        CurrentSigningKeyLength: 'RSA_2048_BIT',
      }
    : { SigningEnabled: false, Status: 'NOT_STARTED', SigningAttributesOrigin: 'AWS_SES', NextSigningKeyLength: 'RSA_1024_BIT' };

export function emailIdentityResponse(account: SesAccount, identity: string) {
  const found = findIdentity(account, identity);
  if (!found) throw sesErrors.identityNotFound(identity);
  return {
    IdentityType: identityTypeOf(found.name),
    FeedbackForwardingStatus: true,
    VerifiedForSendingStatus: found.status === 'SUCCESS',
    DkimAttributes: dkimAttributes(found.name, found.status),
    MailFromAttributes: { BehaviorOnMxFailure: 'USE_DEFAULT_VALUE' },
    Policies: {},
    Tags: [],
    VerificationStatus: found.status,
    VerificationInfo: {},
  };
}

/** Adds an identity as SES does when asked to verify one: PENDING until the link is clicked or DKIM published. */
export function withNewIdentity(account: SesAccount, identity: string): SesAccount {
  if (findIdentity(account, identity)) throw sesErrors.identityExists(identity);
  return { ...account, identities: { ...account.identities, [identity]: 'PENDING' } };
}

export const createdIdentityResponse = (identity: string) =>
  identityTypeOf(identity) === 'DOMAIN'
    ? { IdentityType: 'DOMAIN', VerifiedForSendingStatus: false, DkimAttributes: dkimAttributes(identity, 'PENDING') }
    : { IdentityType: 'EMAIL_ADDRESS', VerifiedForSendingStatus: false };

export const identityListingSchema = z.object({
  Filter: z.partialRecord(z.enum(['IDENTITY_TYPE', 'IDENTITY_NAME_CONTAINS', 'VERIFICATION_STATUS']), z.string()).optional(),
  NextToken: z.string().optional(),
  PageSize: z.coerce.number().int().optional(),
});
export type IdentityListing = z.infer<typeof identityListingSchema>;

/** Not stated by SES; its maximum is 1000. */
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

// A page ends after an identity's name, so that paging goes on right even when identities come and go.
const PAGE_TOKEN_PREFIX = 'after:';
const pageToken = (lastName: string) => Buffer.from(`${PAGE_TOKEN_PREFIX}${lastName}`, 'utf8').toString('base64url');

function nameBeforePage(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  if (!decoded.startsWith(PAGE_TOKEN_PREFIX)) throw sesErrors.badRequest('Invalid NextToken.');
  return decoded.slice(PAGE_TOKEN_PREFIX.length);
}

/** A page of ListEmailIdentities, in name order. */
export function listEmailIdentitiesResponse(account: SesAccount, listing: IdentityListing) {
  const pageSize = listing.PageSize || DEFAULT_PAGE_SIZE;
  if (pageSize < 0 || pageSize > MAX_PAGE_SIZE) throw sesErrors.badRequest(`PageSize must be between 0 and ${MAX_PAGE_SIZE}.`);
  const after = nameBeforePage(listing.NextToken);
  const { IDENTITY_TYPE: type, IDENTITY_NAME_CONTAINS: contains, VERIFICATION_STATUS: status } = listing.Filter ?? {};
  const matching = Object.entries(account.identities)
    .filter(
      ([name, verification]) =>
        (!type || identityTypeOf(name) === type) &&
        (!status || verification === status) &&
        (!contains || name.toLowerCase().includes(contains.toLowerCase())) &&
        (after === undefined || name > after),
    )
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const page = matching.slice(0, pageSize);
  const last = page.at(-1);
  return {
    EmailIdentities: page.map(([name, verification]) => identityInfo(name, verification)),
    ...(matching.length > pageSize && last ? { NextToken: pageToken(last[0]) } : {}),
  };
}
