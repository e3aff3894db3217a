/** One delivery: a recipient and the bulletins their email carries. The SQS message body, validated on receipt. */
import { z } from 'zod';

export const deliveryBulletinSchema = z.object({
  key: z.string().min(1),
  fileName: z.string().min(1),
  regionCode: z.string().min(1),
  regionName: z.string().min(1),
  coveragePct: z.number().nullable(),
  targetPct: z.number().nullable(),
  active: z.number().nullable(),
  status: z.enum(['achieved', 'on_track', 'at_risk', 'off_track', 'no_target']),
});

export const deliveryMessageSchema = z.object({
  period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/),
  email: z.email(),
  name: z.string(),
  title: z.string(),
  bulletins: z.array(deliveryBulletinSchema).min(1),
});

export type DeliveryBulletin = z.infer<typeof deliveryBulletinSchema>;
export type DeliveryMessage = z.infer<typeof deliveryMessageSchema>;
