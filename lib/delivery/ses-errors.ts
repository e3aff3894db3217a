/**
 * What an SES v2 SendEmail refusal means for the one email that got it.
 *
 * Only a refusal of this recipient or this message is a permanent, per-recipient failure (recorded, and
 * the others go on). A refusal of the account or the sender (the SES sandbox's unverified recipients, a
 * sender identity still being verified, sending paused, a missing configuration set, the daily quota)
 * says nothing about the recipient: recording it as theirs would burn the month's deliveries for good,
 * so it is retryable, like throttling, and the delivery stays unclaimed until the cause is fixed.
 */

export type SendRefusal =
  /** This address or this message: no retry will change it. */
  | 'recipient'
  /** The account or the sender identity: fixed by an operator, then retried. */
  | 'account'
  /** Throttling, 5xx, the network (the SDK has retried already): retried again later. */
  | 'transient';

const ACCOUNT_ERRORS = new Set([
  'MailFromDomainNotVerifiedException',
  'AccountSuspendedException',
  'SendingPausedException',
  // The configuration set named by the deployment does not exist (yet).
  'NotFoundException',
  'LimitExceededException',
]);

/**
 * SES v2 answers a used-up daily quota (the sandbox's 200 a day, or a production quota) with the same
 * 429 TooManyRequestsException as a burst over the sending rate; only the message tells them apart, and
 * only the rate is cured by waiting seconds.
 */
const DAILY_QUOTA = /daily message quota/i;

/** SES's wording when an identity in the email (the sender, or in the sandbox a recipient) is not verified. */
const NOT_VERIFIED = /not verified/i;

export function classifySendError(error: unknown): SendRefusal {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (ACCOUNT_ERRORS.has(name)) return 'account';
  if (name === 'TooManyRequestsException' && DAILY_QUOTA.test(message)) return 'account';
  if (name === 'MessageRejected') return NOT_VERIFIED.test(message) ? 'account' : 'recipient';
  // SES refuses a malformed address this way.
  if (name === 'BadRequestException') return 'recipient';
  return 'transient';
}

export function describeSendError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
