/**
 * The portal's upload credential: which folders it may name, and that the policy it signs holds exactly
 * the conditions S3 is to enforce (the scope's folder, the size limit, the redirect, the signer), nothing
 * wider. No network: a presigned POST is computed locally.
 */
import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { UPLOAD_LIMITS } from '../../lib/inputs/limits.ts';
import { createUploadCredential, FILE_NAME_PLACEHOLDER, isSafeUploadScope, uploadFolderOf, uploadScopeOfKey } from '../../lib/storage/upload-credential.ts';

const REGION = 'ap-southeast-3';
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const local = new S3Client({ endpoint: 'http://127.0.0.1:4569', region: REGION, forcePathStyle: true, credentials });
const aws = new S3Client({ region: REGION, credentials });
const REDIRECT = 'https://portal.example/unggah/selesai';
const PolicySchema = z.object({ expiration: z.string(), conditions: z.array(z.unknown()) });
const decodePolicy = (base64: string | undefined) => PolicySchema.parse(JSON.parse(Buffer.from(base64 ?? '', 'base64').toString('utf8')));

describe('upload scopes and folders', () => {
  it('takes nasional, a province code or a regency code as a scope, and nothing else', () => {
    for (const scope of ['nasional', '31', '31.71', '94.36']) expect(isSafeUploadScope(scope)).toBe(true);
    for (const scope of ['', 'NASIONAL', '3', '317', '31.7', '31.71.01', '31/71', '../31', '31 ', ' 31', '.', '..', '31.', 'uploads', '3l']) {
      expect(isSafeUploadScope(scope)).toBe(false);
    }
  });

  it("names a scope's folder for a month, and refuses a bad period or scope", () => {
    expect(uploadFolderOf('2025-10', '31')).toBe('uploads/2025-10/31/');
    expect(uploadFolderOf('2025-10', 'nasional')).toBe('uploads/2025-10/nasional/');
    expect(uploadFolderOf('2025-10', '31.71')).toBe('uploads/2025-10/31.71/');
    expect(() => uploadFolderOf('2025-13', '31')).toThrow();
    expect(() => uploadFolderOf('2025-1', '31')).toThrow();
    expect(() => uploadFolderOf('2025-10', '31/..')).toThrow();
    expect(() => uploadFolderOf('2025-10', '')).toThrow();
  });

  it("reads an upload key's scope folder, and nothing from keys outside one", () => {
    expect(uploadScopeOfKey('uploads/2025-10/31/data.csv')).toEqual({ period: '2025-10', scope: '31', fileName: 'data.csv' });
    expect(uploadScopeOfKey('uploads/2025-10/31.71/rekap/data bali (1).xlsx')).toEqual({ period: '2025-10', scope: '31.71', fileName: 'rekap/data bali (1).xlsx' });
    expect(uploadScopeOfKey('uploads/2025-10/nasional/a.csv')).toEqual({ period: '2025-10', scope: 'nasional', fileName: 'a.csv' });
    for (const key of [
      'uploads/2025-10/data.csv', // in the month, but in no scope's folder
      'uploads/2025-10/31/',
      'uploads/2025-10/31/rekap/',
      'uploads/2025-10/lainnya/data.csv',
      'uploads/2025-13/31/data.csv',
      'uploads/2025-10/31/../32/data.csv',
      'uploads/2025-10/31/./data.csv',
      'uploads/2025-10/31//data.csv',
      'validation/2025-10/31/data.csv.json',
      'config/recipients.csv',
    ]) {
      expect(uploadScopeOfKey(key)).toBeUndefined();
    }
    const folder = uploadFolderOf('2025-10', '31');
    expect(uploadScopeOfKey(`${folder}data.csv`)?.scope).toBe('31');
  });
});

describe('createUploadCredential', () => {
  it('signs a policy of exactly the intended conditions', async () => {
    const before = Date.now();
    const credential = await createUploadCredential(local, 'ucj-bulletin-local', { period: '2025-10', scope: '31.71', expiresInSeconds: 900, successRedirect: REDIRECT });
    expect(credential.keyPrefix).toBe('uploads/2025-10/31.71/');
    expect(credential.maxBytes).toBe(UPLOAD_LIMITS.maxBytes);
    const policy = decodePolicy(credential.fields.Policy);
    const { 'X-Amz-Credential': signer = '', 'X-Amz-Date': signedAt = '' } = credential.fields;
    expect(signer).toMatch(new RegExp(`^AKIDEXAMPLE/\\d{8}/${REGION}/s3/aws4_request$`));
    expect([...policy.conditions].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(
      [
        ['starts-with', '$key', 'uploads/2025-10/31.71/'],
        ['content-length-range', 1, UPLOAD_LIMITS.maxBytes],
        ['starts-with', '$Content-Type', ''],
        { success_action_redirect: REDIRECT },
        { bucket: 'ucj-bulletin-local' },
        { 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256' },
        { 'X-Amz-Credential': signer },
        { 'X-Amz-Date': signedAt },
      ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
    // No ACL: the bucket's owner owns every object (BucketOwnerEnforced).
    expect(JSON.stringify(policy).toLowerCase()).not.toContain('acl');
    expect(credential.expiresAt).toBe(new Date(policy.expiration).toISOString());
    const expires = Date.parse(credential.expiresAt);
    expect(expires).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 900_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 900_000);
  });

  it('gives the fields a browser form sends, the key with the file-name placeholder, signed as SigV4 signs a policy', async () => {
    const credential = await createUploadCredential(local, 'ucj-bulletin-local', { period: '2025-10', scope: '31', expiresInSeconds: 600, maxBytes: 1024, successRedirect: REDIRECT });
    const { Policy: policy = '', 'X-Amz-Signature': signature, 'X-Amz-Credential': signer = '' } = credential.fields;
    expect(Object.keys(credential.fields).sort()).toEqual(['Policy', 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Signature', 'bucket', 'key', 'success_action_redirect'].sort());
    expect(credential.fields.key).toBe(`uploads/2025-10/31/${FILE_NAME_PLACEHOLDER}`);
    expect(credential.fields.success_action_redirect).toBe(REDIRECT);
    expect(decodePolicy(policy).conditions).toContainEqual(['content-length-range', 1, 1024]);
    const date = signer.split('/')[1] ?? '';
    const mac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
    const signingKey = mac(mac(mac(mac(`AWS4${credentials.secretAccessKey}`, date), REGION), 's3'), 'aws4_request');
    expect(signature).toBe(mac(signingKey, policy).toString('hex'));
  });

  it("posts to the bucket's path on the local stack and to its own host on AWS", async () => {
    const options = { period: '2025-10', scope: 'nasional', expiresInSeconds: 600, successRedirect: REDIRECT };
    expect((await createUploadCredential(local, 'ucj-bulletin-local', options)).url).toBe('http://127.0.0.1:4569/ucj-bulletin-local');
    expect((await createUploadCredential(aws, 'ucj-bulletin-prod', options)).url).toBe(`https://ucj-bulletin-prod.s3.${REGION}.amazonaws.com/`);
  });

  it('refuses an unsafe scope, a bad period, a bad size or lifetime, and a redirect S3 would ignore', async () => {
    const good = { period: '2025-10', scope: '31', expiresInSeconds: 600, successRedirect: REDIRECT };
    for (const bad of [
      { ...good, scope: '31/../32' },
      { ...good, scope: '' },
      { ...good, period: '2025-00' },
      { ...good, maxBytes: 0 },
      { ...good, maxBytes: 1.5 },
      { ...good, expiresInSeconds: 0 },
      { ...good, successRedirect: '/unggah/selesai' },
      { ...good, successRedirect: 'javascript:alert(1)' },
    ]) {
      await expect(createUploadCredential(local, 'ucj-bulletin-local', bad)).rejects.toThrow();
    }
  });
});
