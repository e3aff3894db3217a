/** Lambda entry point: monthly-run → render-bulletins, one batch at a time (lib/handlers/render-bulletins.ts). Settings are read and checked at cold start. */
import { renderBulletinsSettingsSchema, readSettings } from '../lib/config.ts';
import { createRenderBulletinsHandler } from '../lib/handlers/render-bulletins.ts';

export const handler = createRenderBulletinsHandler(readSettings(renderBulletinsSettingsSchema));
