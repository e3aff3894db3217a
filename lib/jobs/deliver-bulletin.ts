/**
 * deliver-bulletin: send one official their month's bulletins, exactly once.
 *
 * Everything that can fail slowly (reading the PDFs, building the MIME) happens first. Then the ledger
 * claims (month, address, edition) with a conditional write, SES is called, and the ledger records SES's
 * message id. The one window that cannot be closed is the SES call itself: if the process dies after SES
 * accepted but before the ledger recorded it (or during the call), the claim stays `claimed` and nobody
 * can know whether the email left. Such a claim is never sent again automatically (a duplicate is worse
 * than a delay): the delivery is acknowledged as *in doubt*, `ucj deliver` lists it, and an operator who
 * has checked can resend it (`ucj deliver --resend-in-doubt`). The window is one SES request long.
 */
import type { ObjectStore } from '../storage/object-store.ts';
import type { RunLog } from '../history/store.ts';
import type { SendLedger } from '../history/send-ledger.ts';
import type { Mailer } from '../delivery/mailer.ts';
import type { LinkSigner } from '../delivery/links.ts';
import { composeBulletinEmail } from '../delivery/email.ts';
import { sendOnce } from '../delivery/send-once.ts';
import { deliveryLedgerKey, deliveryMessageSchema, type DeliveryMessage } from '../delivery/message.ts';

export interface DeliverDeps {
  store: ObjectStore;
  /** Where each delivery counts itself into the run that queued it. */
  history: Pick<RunLog, 'countDelivery'>;
  ledger: SendLedger;
  mailer: Mailer;
  /** Links to bulletins too large to attach (download-bulletin). */
  links: LinkSigner;
  sender: string;
  replyTo?: string;
  now: () => Date;
  /** Attachments above this total go as links instead (SES takes 40 MB, mailboxes often far less). */
  maxAttachmentBytes?: number;
  /** Milliseconds this invocation has left (Lambda's context); unlimited when not given. */
  remainingMs?: () => number;
}

/**
 * The longest an SES call may take with its retries and pacing (lib/aws/retry.ts: ~26 s when throttled
 * every time) plus the ledger write after it. A claim is only made with this much time left, so a Lambda
 * timeout cannot fall between the claim and the ledger and leave the delivery in doubt.
 */
export const SEND_WINDOW_MS = 35_000;

/** Not enough time left in the invocation to claim and send safely: SQS delivers the message again. */
export class NoTimeToSend extends Error {
  constructor(remainingMs: number) {
    super(`only ${Math.round(remainingMs / 1000)} s left in this invocation, under the ${SEND_WINDOW_MS / 1000} s a send may need; left for SQS to redeliver`);
    this.name = 'NoTimeToSend';
  }
}

export type DeliverOutcome =
  | { status: 'sent'; messageId: string; linked: boolean }
  | { status: 'duplicate' }
  | { status: 'in_doubt' }
  | { status: 'failed'; reason: string };
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** SES takes 40 MB a message; a bulletin is ~50–500 KB, so anything near this is not one to read. */
const MAX_BULLETIN_BYTES = 40 * 1024 * 1024;

export function parseDeliveryMessage(body: string): DeliveryMessage {
  return deliveryMessageSchema.parse(JSON.parse(body));
}

export async function deliverBulletin(deps: DeliverDeps, message: DeliveryMessage): Promise<DeliverOutcome> {
  const { period, email } = message;
  const ledgerKey = deliveryLedgerKey(message);
  // Read once: the bodies are attached, or, when they are too large together, only their sizes count.
  const bodies = await Promise.all(
    message.bulletins.map(async (bulletin) => {
      const object = await deps.store.get(bulletin.key, { maxBytes: MAX_BULLETIN_BYTES });
      if (!object) throw new Error(`bulletin ${bulletin.key} is not in the bucket`);
      return { fileName: bulletin.fileName, content: object.body };
    }),
  );
  const linked = bodies.reduce((sum, body) => sum + body.content.length, 0) > (deps.maxAttachmentBytes ?? MAX_ATTACHMENT_BYTES);
  const attachments = linked ? [] : bodies;
  const links = linked
    ? await Promise.all(message.bulletins.map(async (b) => ({ fileName: b.fileName, url: await deps.links.link(b.key) })))
    : [];
  const raw = await composeBulletinEmail(message, attachments, { from: deps.sender, replyTo: deps.replyTo, period, links });

  const remaining = deps.remainingMs?.() ?? Number.POSITIVE_INFINITY;
  if (remaining < SEND_WINDOW_MS) throw new NoTimeToSend(remaining);

  const sent = await sendOnce(deps.ledger, { period, key: ledgerKey, message: JSON.stringify(message), now: deps.now }, () => deps.mailer.sendRaw(raw, email));
  if (sent.status === 'claimed-before') {
    // Sent, refused, or in doubt (a crash around the SES call, or the same message being delivered right
    // now by another worker, which owns its retries).
    const state = await deps.ledger.state(period, ledgerKey);
    return state?.status === 'claimed' ? { status: 'in_doubt' } : { status: 'duplicate' };
  }
  if (sent.status === 'refused') {
    await deps.history.countDelivery(period, message.runKey, 'failed');
    return { status: 'failed', reason: sent.reason };
  }
  await deps.history.countDelivery(period, message.runKey, 'sent');
  return { status: 'sent', messageId: sent.messageId, linked };
}
