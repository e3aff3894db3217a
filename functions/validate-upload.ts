/** Lambda entry point: S3 ObjectCreated on `uploads/` → validate-upload (lib/handlers/validate-upload.ts). Settings are read and checked at cold start. */
import { validateUploadSettingsSchema, readSettings } from '../lib/config.ts';
import { createValidateUploadHandler } from '../lib/handlers/validate-upload.ts';

export const handler = createValidateUploadHandler(readSettings(validateUploadSettingsSchema));
