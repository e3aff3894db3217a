/** Lambda entry point: EventBridge Scheduler, monthly → monthly-run (lib/handlers/monthly-run.ts). Settings are read and checked at cold start. */
import { monthlyRunSettingsSchema, readSettings } from '../lib/config.ts';
import { createMonthlyRunHandler } from '../lib/handlers/monthly-run.ts';

export const handler = createMonthlyRunHandler(readSettings(monthlyRunSettingsSchema));
