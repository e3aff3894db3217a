/** Lambda entry point: a function URL behind CloudFront → the portal (lib/handlers/portal.ts). Settings are read and checked at cold start. */
import { portalSettingsSchema, readSettings } from '../lib/config.ts';
import { createPortalHandler } from '../lib/handlers/portal.ts';

export const handler = createPortalHandler(readSettings(portalSettingsSchema));
