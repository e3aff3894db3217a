/** Lambda entry point: SQS → deliver-bulletin, one official's email at a time (lib/handlers/deliver-bulletin.ts). Settings are read and checked at cold start. */
import { deliverBulletinSettingsSchema, readSettings } from '../lib/config.ts';
import { createDeliverBulletinHandler } from '../lib/handlers/deliver-bulletin.ts';

export const handler = createDeliverBulletinHandler(readSettings(deliverBulletinSettingsSchema));
