/**
 * The credential the portal gives an admin's browser to upload one month's file straight to S3: a
 * presigned POST whose policy allows only keys under the admin's own upload folder
 * (`uploads/<period>/<scope>/`) and files of at most the upload size limit. The browser never holds AWS
 * credentials, and the bytes never pass through the portal's Lambda; S3 enforces the policy.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import * as z from 'zod';
import { isPeriod } from '../domain/period.ts';
import { levelOfCode } from '../domain/regions.ts';
import type { Period } from '../domain/types.ts';
import { UPLOAD_LIMITS } from '../inputs/limits.ts';
import { parseUploadKey, uploadsPrefix } from './keys.ts';

/** S3 replaces this, in the form's `key`, with the name of the file the browser sends. */
export const FILE_NAME_PLACEHOLDER = '${filename}';

/**
 * True for 'nasional', a 2-digit province code, or a 'NN.NN' regency code (nothing else may be a key
 * segment): the scope becomes a folder of the policy's key prefix, so a `/`, `..` or empty scope would
 * widen or move what the credential allows.
 */
export function isSafeUploadScope(scope: string): boolean {
  return levelOfCode(scope) !== undefined;
}

/** `uploads/<period>/<scope>/` — the folder a scope's admins upload into. */
export function uploadFolderOf(period: Period, scope: string): string {
  if (!isPeriod(period)) throw new Error(`not a YYYY-MM period: ${JSON.stringify(period)}`);
  if (!isSafeUploadScope(scope)) throw new Error(`not an upload scope (nasional, a province or a regency code): ${JSON.stringify(scope)}`);
  return `${uploadsPrefix(period)}${scope}/`;
}

/**
 * The scope folder of an upload key `uploads/<period>/<scope>/<file>`, or undefined for keys not in a
 * scope folder. `fileName` is the part after the scope folder (it may contain folders). A key with an
 * empty, `.` or `..` segment after the scope is refused too: S3 keeps such a key literally inside the
 * folder, but anything that reads it as a path would put it elsewhere.
 */
export function uploadScopeOfKey(key: string): { period: Period; scope: string; fileName: string } | undefined {
  const upload = parseUploadKey(key);
  if (!upload) return undefined;
  const slash = upload.fileName.indexOf('/');
  if (slash < 0) return undefined;
  const scope = upload.fileName.slice(0, slash);
  const fileName = upload.fileName.slice(slash + 1);
  if (!isSafeUploadScope(scope) || fileName === '') return undefined;
  if (fileName.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) return undefined;
  return { period: upload.period, scope, fileName };
}

export interface UploadCredential {
  /** The form's action: the bucket's URL (path-style on the local stack, the bucket's host on AWS). */
  url: string;
  /** Hidden fields the form sends, in this order, before its own `Content-Type` field and the `file`. */
  fields: Record<string, string>;
  /** Every key the credential allows starts with this: the scope's folder for the month. */
  keyPrefix: string;
  /** The largest file S3 accepts under it, in bytes. */
  maxBytes: number;
  /** When the policy expires (ISO 8601); S3 refuses the form after it. */
  expiresAt: string;
}

export interface UploadCredentialOptions {
  period: Period;
  scope: string;
  expiresInSeconds: number;
  /** The file size limit; UPLOAD_LIMITS.maxBytes unless given. */
  maxBytes?: number;
  /** Where S3 sends the browser after the upload (303), with `bucket`, `key` and `etag` query parameters. */
  successRedirect: string;
}

// The expiry is read back from the signed policy rather than computed beside it, so it is exactly the
// moment S3 will enforce (the SDK corrects for the client's clock offset).
const SignedPolicySchema = z.object({ expiration: z.iso.datetime() });

export async function createUploadCredential(s3: S3Client, bucket: string, options: UploadCredentialOptions): Promise<UploadCredential> {
  const keyPrefix = uploadFolderOf(options.period, options.scope);
  const maxBytes = options.maxBytes ?? UPLOAD_LIMITS.maxBytes;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new Error(`maxBytes must be a positive whole number of bytes: ${maxBytes}`);
  if (!Number.isSafeInteger(options.expiresInSeconds) || options.expiresInSeconds < 1) {
    throw new Error(`expiresInSeconds must be a positive whole number: ${options.expiresInSeconds}`);
  }
  // S3 silently ignores a redirect it cannot parse and answers 204 instead: the browser would be left on
  // an empty page, so refuse it here.
  if (!URL.canParse(options.successRedirect) || !/^https?:$/.test(new URL(options.successRedirect).protocol)) {
    throw new Error(`successRedirect must be an absolute http(s) URL: ${JSON.stringify(options.successRedirect)}`);
  }
  const { url, fields } = await createPresignedPost(s3, {
    Bucket: bucket,
    Key: `${keyPrefix}${FILE_NAME_PLACEHOLDER}`,
    Conditions: [
      ['starts-with', '$key', keyPrefix],
      // At least a byte: an empty file is never a month's figures, and S3 can refuse it before anything runs.
      ['content-length-range', 1, maxBytes],
      // A browser form sends the file's type so the object keeps it; any type, since validate-upload
      // judges the bytes, not the label.
      ['starts-with', '$Content-Type', ''],
      { success_action_redirect: options.successRedirect },
    ],
    // A field the form must send is also an exact-match condition (the SDK adds one for each).
    Fields: { success_action_redirect: options.successRedirect },
    Expires: options.expiresInSeconds,
  });
  const policy = SignedPolicySchema.parse(JSON.parse(Buffer.from(fields.Policy ?? '', 'base64').toString('utf8')));
  return { url, fields, keyPrefix, maxBytes, expiresAt: new Date(policy.expiration).toISOString() };
}
