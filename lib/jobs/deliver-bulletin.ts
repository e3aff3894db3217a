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
}

export type DeliverOutcome = { status: 'sent'; messageId: string } | { status: 'duplicate' };

const DEFAULT_STALE_MS = 30 * 60_000;

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
  try {
    const attachments = await Promise.all(
      message.bulletins.map(async (bulletin) => {
        const object = await deps.store.get(bulletin.key);
        if (!object) throw new Error(`bulletin ${bulletin.key} is not in the bucket`);
        return { fileName: bulletin.fileName, content: object.body };
      }),
    );
    raw = await composeBulletinEmail(message, attachments, { from: deps.sender, replyTo: deps.replyTo, period });
  } catch (error) {
    await deps.history.abandonDelivery(period, ledgerKey);
    throw error;
  }
  let messageId: string;
  try {
    messageId = await deps.mailer.sendRaw(raw, email);
  } catch (error) {
    // SES refused or never answered: nothing was sent as far as anyone can tell, so a retry may claim again.
    await deps.history.abandonDelivery(period, ledgerKey);
    throw error;
  }
  await deps.history.completeDelivery(period, ledgerKey, messageId, deps.now());
  return { status: 'sent', messageId };
}
