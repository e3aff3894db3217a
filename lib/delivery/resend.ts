/**
 * Sending again what an operator has checked, shared by `ucj deliver` and the portal's operator pages so
 * both release and requeue the same way.
 */
import type { Period } from '../domain/types.ts';
import type { SendLedger } from '../history/send-ledger.ts';
import { parseJsonOrUndefined } from '../util/json.ts';
import { deliveryMessageSchema } from './message.ts';
import type { DeliveryQueue } from './queue.ts';

export interface ResendDeps {
  deliveries: SendLedger;
  queue: DeliveryQueue;
}

/**
 * Deliveries left in doubt (`claimed`: the operator confirmed the email never arrived) or refused by SES
 * (`failed`: they corrected what made SES refuse), each released from the ledger and its message queued
 * again; only those to `emails` when given. Returns the recipient keys requeued.
 */
export async function resendDeliveries(deps: ResendDeps, period: Period, status: 'claimed' | 'failed', emails?: readonly string[]): Promise<string[]> {
  const requeued: string[] = [];
  for (const entry of await deps.deliveries.entries(period, status)) {
    const message = deliveryMessageSchema.safeParse(parseJsonOrUndefined(entry.message));
    if (!message.success) continue; // an entry from before messages were kept: nothing to resend
    if (emails && !emails.includes(message.data.email)) continue;
    // Release first, then queue: a release that loses (the entry changed meanwhile) must not send.
    if (!(await deps.deliveries.release(period, entry.recipientKey, status))) continue;
    await deps.queue.send([message.data]);
    requeued.push(entry.recipientKey);
  }
  return requeued;
}
