/** Lambda entry point: Secrets Manager rotation → rotate-link-key (lib/handlers/rotate-link-key.ts). Settings are read and checked at cold start. */
import { rotateLinkKeySettingsSchema, readSettings } from '../lib/config.ts';
import { createRotateLinkKeyHandler } from '../lib/handlers/rotate-link-key.ts';

export const handler = createRotateLinkKeyHandler(readSettings(rotateLinkKeySettingsSchema));
