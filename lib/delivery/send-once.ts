/**
 * One email, sent at most once, through a send ledger: claim the entry, call SES, record what SES said.
 * deliver-bulletin and remind-uploads both send this way.
 * - A refusal of this recipient or message is theirs for good: recorded as failed, and nobody retries it.
 * - Any other failure (throttling, the account or the sender not ready yet) sent nothing as far as SES
 *   told us: the claim is let go and the error thrown, so the invocation's retry may claim again.
 * - A crash between SES accepting and the ledger recording leaves the claim `claimed`: in doubt, never
 *   sent again automatically.
 */
import type { Period } from '../domain/types.ts';
import type { SendLedger } from '../history/send-ledger.ts';
import { classifySendError, describeSendError } from './ses-errors.ts';

export type SendOnceOutcome = { status: 'claimed-before' } | { status: 'sent'; messageId: string } | { status: 'refused'; reason: string };

export async function sendOnce(
  ledger: SendLedger,
  entry: { period: Period; key: string; message: string; now: () => Date },
  send: () => Promise<string>,
): Promise<SendOnceOutcome> {
  const { period, key, now } = entry;
  if (!(await ledger.claim(period, key, now(), entry.message))) return { status: 'claimed-before' };
  let messageId: string;
  try {
    messageId = await send();
  } catch (error) {
    if (classifySendError(error) === 'recipient') {
      const reason = describeSendError(error);
      await ledger.fail(period, key, reason, now());
      return { status: 'refused', reason };
    }
    await ledger.abandon(period, key);
    throw error;
  }
  await ledger.complete(period, key, messageId, now());
  return { status: 'sent', messageId };
}
