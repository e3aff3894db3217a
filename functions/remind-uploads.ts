/** Lambda entry point: EventBridge Scheduler → remind-uploads (lib/handlers/remind-uploads.ts). Settings are read and checked at cold start. */
import { remindUploadsSettingsSchema, readSettings } from '../lib/config.ts';
import { createRemindUploadsHandler } from '../lib/handlers/remind-uploads.ts';

export const handler = createRemindUploadsHandler(readSettings(remindUploadsSettingsSchema));
