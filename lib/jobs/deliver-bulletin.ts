/**
 * deliver-bulletin: send one official their month's bulletins, exactly once.
 *
 * The ledger claims (month, address) with a conditional write before sending and records SES's message
 * id after. The one window that cannot be closed: SES accepted the email and the process died before
 * the ledger recorded it. The claim then stays `claimed`; a retry treats a fresh claim as taken (no
 * second email) and only a claim older than `staleAfterMs` is taken over, so a duplicate needs both a
 * crash in that window and a retry after the claim went stale.
 */
import type { ObjectStore } from '../storage/object-store.ts';
import type { HistoryStore } from '../history/store.ts';
import type { Mailer } from '../delivery/mailer.ts';
import { composeBulletinEmail } from '../delivery/email.ts';
import { deliveryLedgerKey, deliveryMessageSchema, type DeliveryMessage } from '../delivery/message.ts';

export interface DeliverDeps {
  store: ObjectStore;
  history: HistoryStore;
  mailer: Mailer;
  sender: string;
  replyTo?: string;
  now: () => Date;
  staleAfterMs?: number;
  /** Attachments above this total go as links instead (SES takes 40 MB, mailboxes often far less). */
  maxAttachmentBytes?: number;
}

export type DeliverOutcome =
  | { status: 'sent'; messageId: string; linked: boolean }
  | { status: 'duplicate' }
  | { status: 'failed'; reason: string };

const DEFAULT_STALE_MS = 30 * 60_000;
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** Seven days, the longest a SigV4 presigned link may live. */
export const LINK_EXPIRY_SECONDS = 7 * 24 * 3600;

/**
 * SES errors that no retry will fix: the message or address is refused, or the account cannot send.
 * Everything else (throttling, 5xx, the network) is retried: first by the SDK with back-off, then by SQS.
 */
const PERMANENT_SES_ERRORS = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'AccountSuspendedException',
  'BadRequestException',
  'NotFoundException',
]);

export function isPermanentSendError(error: unknown): boolean {
  return PERMANENT_SES_ERRORS.has((error as { name?: string }).name ?? '');
}

export function parseDeliveryMessage(body: string): DeliveryMessage {
  return deliveryMessageSchema.parse(JSON.parse(body));
}

export async function deliverBulletin(deps: DeliverDeps, message: DeliveryMessage): Promise<DeliverOutcome> {
  const { period, email } = message;
  const ledgerKey = deliveryLedgerKey(message);
  if (!(await deps.history.claimDelivery(period, ledgerKey, deps.now(), deps.staleAfterMs ?? DEFAULT_STALE_MS))) {
    return { status: 'duplicate' };
  }
  let raw: Buffer;
  let linked = false;
  try {
    const sizes = await Promise.all(
      message.bulletins.map(async (bulletin) => {
        const head = await deps.store.head(bulletin.key);
        if (!head) throw new Error(`bulletin ${bulletin.key} is not in the bucket`);
        return head.size;
      }),
    );
    linked = sizes.reduce((sum, size) => sum + size, 0) > (deps.maxAttachmentBytes ?? MAX_ATTACHMENT_BYTES);
    const attachments = linked
      ? []
      : await Promise.all(
          message.bulletins.map(async (bulletin) => {
            const object = await deps.store.get(bulletin.key);
            if (!object) throw new Error(`bulletin ${bulletin.key} is not in the bucket`);
            return { fileName: bulletin.fileName, content: object.body };
          }),
        );
    const links = linked
      ? await Promise.all(message.bulletins.map(async (b) => ({ fileName: b.fileName, url: await deps.store.link(b.key, LINK_EXPIRY_SECONDS) })))
      : [];
    raw = await composeBulletinEmail(message, attachments, { from: deps.sender, replyTo: deps.replyTo, period, links });
  } catch (error) {
    await deps.history.abandonDelivery(period, ledgerKey);
    throw error;
  }
  let messageId: string;
  try {
    messageId = await deps.mailer.sendRaw(raw, email);
  } catch (error) {
    if (isPermanentSendError(error)) {
      const reason = `${(error as Error).name}: ${(error as Error).message}`;
      await deps.history.failDelivery(period, ledgerKey, reason, deps.now());
      await deps.history.countDelivery(period, message.runKey, 'failed');
      return { status: 'failed', reason };
    }
    // Not sent as far as SES told us, so a retry may claim again. (A timeout after SES accepted is the
    // same unclosable window as a crash before completeDelivery: see the top of this file.)
    await deps.history.abandonDelivery(period, ledgerKey);
    throw error;
  }
  await deps.history.completeDelivery(period, ledgerKey, messageId, deps.now());
  await deps.history.countDelivery(period, message.runKey, 'sent');
  return { status: 'sent', messageId, linked };
}
