/** Lambda entry point: a function URL → download-bulletin (lib/handlers/download-bulletin.ts). Settings are read and checked at cold start. */
import { downloadBulletinSettingsSchema, readSettings } from '../lib/config.ts';
import { createDownloadBulletinHandler } from '../lib/handlers/download-bulletin.ts';

export const handler = createDownloadBulletinHandler(readSettings(downloadBulletinSettingsSchema));
