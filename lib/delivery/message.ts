/** One delivery: a recipient and the bulletins their email carries. The SQS message body, validated on receipt. */
import * as z from 'zod';

export const deliveryBulletinSchema = z.object({
  key: z.string().min(1),
  fileName: z.string().min(1),
  regionCode: z.string().min(1),
  regionName: z.string().min(1),
  coveragePct: z.number().nullable(),
  targetPct: z.number().nullable(),
  active: z.number().nullable(),
  status: z.enum(['achieved', 'on_track', 'at_risk', 'off_track', 'no_target']),
  /** The bulletin's edition for the month: 1, or higher after a corrected upload changed its figures. */
  revision: z.number().int().positive(),
});

export const deliveryMessageSchema = z.object({
  period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/),
  email: z.email(),
  name: z.string(),
  title: z.string(),
  bulletins: z.array(deliveryBulletinSchema).min(1),
  /** The run record that queued this delivery, which counts its outcome. */
  runKey: z.string().min(1),
});

export type DeliveryBulletin = z.infer<typeof deliveryBulletinSchema>;
export type DeliveryMessage = z.infer<typeof deliveryMessageSchema>;

/**
 * The ledger's key for a message: one email per official, month and edition. A re-run sends nothing
 * again; a revision (a corrected upload that changed the figures) is sent once more, marked as such.
 */
export function deliveryLedgerKey(message: DeliveryMessage): string {
  const edition = Math.max(...message.bulletins.map((b) => b.revision));
  return `${message.email}#v${edition}`;
}

export const isRevision = (message: DeliveryMessage) => message.bulletins.some((b) => b.revision > 1);
