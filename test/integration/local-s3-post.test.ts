/**
 * A browser's form upload with the portal's upload credential (lib/storage/upload-credential.ts), posted
 * with fetch and FormData to the local S3 (tools/local/s3-strict.ts in front of s3rver), which judges it
 * as S3 does: plain s3rver would store every one of the refused forms below.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, ListObjectVersionsCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { LOCAL_CREDENTIALS } from '../../lib/aws/clients.ts';
import { encodeS3EventKey } from '../../lib/storage/keys.ts';
import { createUploadCredential, type UploadCredential } from '../../lib/storage/upload-credential.ts';
import { SHADOW_BUCKET, startStrictS3, type StrictS3 } from '../../tools/local/s3-strict.ts';

const BUCKET = 'ucj-strict-s3-post-test';
const REGION = 'ap-southeast-3';
const PORTAL = 'http://127.0.0.1:4173/unggah/selesai';
const CSV = 'kode_wilayah,pekerja\n31.71,120\n';

let dir: string;
let s3rver: S3rver;
let upstream: string;
let proxy: StrictS3;
let s3: S3Client;
const delivered: S3EventRecord[] = [];

const clientFor = (endpoint: string, options: { secretAccessKey?: string; systemClockOffset?: number } = {}) =>
  new S3Client({
    endpoint,
    region: REGION,
    forcePathStyle: true,
    credentials: { ...LOCAL_CREDENTIALS, ...(options.secretAccessKey ? { secretAccessKey: options.secretAccessKey } : {}) },
    ...(options.systemClockOffset !== undefined ? { systemClockOffset: options.systemClockOffset } : {}),
  });
const md5 = (bytes: string | Uint8Array) => createHash('md5').update(bytes).digest('hex');
const credentialFor = (scope: string, extra: { maxBytes?: number; client?: S3Client } = {}) =>
  createUploadCredential(extra.client ?? s3, BUCKET, { period: '2025-10', scope, expiresInSeconds: 600, successRedirect: PORTAL, ...(extra.maxBytes ? { maxBytes: extra.maxBytes } : {}) });

interface Upload {
  bytes: string | Uint8Array;
  fileName: string;
  /** Fields to send instead of (or beside) the credential's. */
  fields?: Record<string, string>;
  /** Where the form's own Content-Type goes: before the file (as S3 requires), after it, or nowhere. */
  contentType?: 'before' | 'after' | 'none';
}

/** Posts a form as a browser would: the credential's fields, the file's type, then the file. */
function post(credential: UploadCredential, upload: Upload): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...credential.fields, ...upload.fields })) form.append(name, value);
  const placement = upload.contentType ?? 'before';
  if (placement === 'before') form.append('Content-Type', 'text/csv');
  // A copy: Blob takes bytes backed by an ArrayBuffer only.
  form.append('file', new Blob([typeof upload.bytes === 'string' ? upload.bytes : new Uint8Array(upload.bytes)], { type: 'text/csv' }), upload.fileName);
  if (placement === 'after') form.append('Content-Type', 'text/csv');
  // The test reads S3's 303 itself rather than following it to a portal that is not running.
  return fetch(credential.url, { method: 'POST', body: form, redirect: 'manual' });
}

const XML_ENTITIES: Record<string, string> = { quot: '"', amp: '&', lt: '<', gt: '>', apos: "'" };
const xmlText = (text: string | undefined) => text?.replace(/&(quot|amp|lt|gt|apos);/g, (_whole, name: string) => XML_ENTITIES[name] ?? '');

/** S3's error document: its code and message. */
async function errorOf(response: Response): Promise<{ status: number; code: string | undefined; message: string | undefined }> {
  const xml = await response.text();
  return { status: response.status, code: xmlText(/<Code>([^<]*)<\/Code>/.exec(xml)?.[1]), message: xmlText(/<Message>([^<]*)<\/Message>/.exec(xml)?.[1]) };
}

async function stored(key: string): Promise<{ versions: number; present: boolean }> {
  const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: key }));
  const versions = (listed.Versions ?? []).filter((v) => v.Key === key).length;
  try {
    await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    return { versions, present: true };
  } catch (error) {
    if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) return { versions, present: false };
    throw error;
  }
}

const recordFor = (key: string) => delivered.find((record) => record.s3.object.key === encodeS3EventKey(key));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucj-local-s3-post-'));
  await mkdir(join(dir, 's3'));
  s3rver = new S3rver({ port: 0, address: '127.0.0.1', directory: join(dir, 's3'), silent: true, configureBuckets: [{ name: BUCKET, configs: [] }] });
  upstream = `http://127.0.0.1:${(await s3rver.run()).port}`;
  proxy = await startStrictS3({
    upstream,
    stateDir: join(dir, 'strict-s3'),
    buckets: [BUCKET],
    region: REGION,
    notifications: { [BUCKET]: [{ prefix: 'uploads/', configurationId: 'validate-upload', deliver: (event: S3Event) => void delivered.push(...event.Records) }] },
  });
  s3 = clientFor(proxy.endpoint);
});

afterAll(async () => {
  s3?.destroy();
  await proxy?.close();
  await s3rver?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a presigned POST upload to the local S3', () => {
  it('stores a good upload at its scope folder, redirects 303 with bucket, key and etag, and announces ObjectCreated:Post', async () => {
    const credential = await credentialFor('31');
    expect(credential.url).toBe(`${proxy.endpoint}/${BUCKET}`);
    // An x-ignore- field needs no condition, as on S3.
    const response = await post(credential, { bytes: CSV, fileName: 'data jakarta (1).csv', fields: { 'x-ignore-catatan': 'dari portal' } });
    expect(response.status).toBe(303);
    const key = 'uploads/2025-10/31/data jakarta (1).csv';
    const location = new URL(response.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(PORTAL);
    expect(Object.fromEntries(location.searchParams)).toEqual({ bucket: BUCKET, key, etag: `"${md5(CSV)}"` });

    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect([await got.Body?.transformToString(), got.ContentType, got.ETag]).toEqual([CSV, 'text/csv', `"${md5(CSV)}"`]);
    expect(got.VersionId).toMatch(/^[A-Za-z0-9._-]{32}$/);
    expect(response.headers.get('x-amz-version-id')).toBe(got.VersionId);

    await vi.waitFor(() => expect(recordFor(key)).toBeDefined(), { interval: 20 });
    expect(recordFor(key)).toMatchObject({
      eventName: 'ObjectCreated:Post',
      awsRegion: REGION,
      userIdentity: { principalId: `AWS:${LOCAL_CREDENTIALS.accessKeyId}` },
      s3: { configurationId: 'validate-upload', bucket: { name: BUCKET }, object: { size: CSV.length, eTag: md5(CSV), versionId: got.VersionId } },
    });
  });

  it('accepts a file of exactly the limit, and refuses one byte more with EntityTooLarge, storing nothing', async () => {
    const maxBytes = 256 * 1024; // several of the parser's chunks, so the limit is met mid-stream
    const credential = await credentialFor('nasional', { maxBytes });
    const atLimit = await post(credential, { bytes: randomBytes(maxBytes), fileName: 'pas.csv' });
    expect(atLimit.status).toBe(303);
    expect(await stored('uploads/2025-10/nasional/pas.csv')).toEqual({ versions: 1, present: true });

    const over = await post(credential, { bytes: randomBytes(maxBytes + 1), fileName: 'kebesaran.csv' });
    const error = await errorOf(over);
    expect([error.status, error.code]).toEqual([400, 'EntityTooLarge']);
    expect(await stored('uploads/2025-10/nasional/kebesaran.csv')).toEqual({ versions: 0, present: false });

    const empty = await errorOf(await post(credential, { bytes: '', fileName: 'kosong.csv' }));
    expect([empty.status, empty.code]).toEqual([400, 'EntityTooSmall']);
    expect(await stored('uploads/2025-10/nasional/kosong.csv')).toEqual({ versions: 0, present: false });

    // A later upload's event arrives, and none ever came for the refused files.
    await post(credential, { bytes: CSV, fileName: 'sesudah.csv' });
    await vi.waitFor(() => expect(recordFor('uploads/2025-10/nasional/sesudah.csv')).toBeDefined(), { interval: 20 });
    expect([recordFor('uploads/2025-10/nasional/kebesaran.csv'), recordFor('uploads/2025-10/nasional/kosong.csv')]).toEqual([undefined, undefined]);
    // Nor is anything left where the proxy holds a file until its size is known.
    const direct = clientFor(upstream);
    const staging = await direct.send(new ListObjectsV2Command({ Bucket: SHADOW_BUCKET, Prefix: '.post-staging/' }));
    direct.destroy();
    expect(staging.Contents ?? []).toEqual([]);
  });

  it("refuses a key in another scope's folder or another month's", async () => {
    const credential = await credentialFor('31');
    for (const key of ['uploads/2025-10/32/${filename}', 'uploads/2025-11/31/${filename}', 'uploads/2025-10/31.71/${filename}', 'config/recipients.csv']) {
      const error = await errorOf(await post(credential, { bytes: CSV, fileName: 'curang.csv', fields: { key } }));
      expect([error.status, error.code, error.message]).toEqual([403, 'AccessDenied', 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "uploads/2025-10/31/"]']);
    }
    expect(await stored('uploads/2025-10/32/curang.csv')).toEqual({ versions: 0, present: false });
    expect(await stored('config/recipients.csv')).toEqual({ versions: 0, present: false });
  });

  it('refuses an expired policy', async () => {
    // Signed as if two hours ago, for ten minutes.
    const late = clientFor(proxy.endpoint, { systemClockOffset: -2 * 3600_000 });
    const credential = await credentialFor('31', { client: late });
    late.destroy();
    expect(Date.parse(credential.expiresAt)).toBeLessThan(Date.now());
    const error = await errorOf(await post(credential, { bytes: CSV, fileName: 'terlambat.csv' }));
    expect([error.status, error.code, error.message]).toEqual([403, 'AccessDenied', 'Invalid according to Policy: Policy expired.']);
    expect(await stored('uploads/2025-10/31/terlambat.csv')).toEqual({ versions: 0, present: false });
  });

  it('refuses a tampered policy, a tampered signature, and a policy signed with another secret', async () => {
    const credential = await credentialFor('31');
    const policy = JSON.parse(Buffer.from(credential.fields.Policy ?? '', 'base64').toString('utf8'));
    const widened = Buffer.from(JSON.stringify(policy).replaceAll('uploads/2025-10/31/', 'uploads/')).toString('base64');
    const signature = credential.fields['X-Amz-Signature'] ?? '';
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;
    const forged = await credentialFor('31', { client: clientFor(proxy.endpoint, { secretAccessKey: 'not-the-local-secret' }) });
    const attempts = [
      post(credential, { bytes: CSV, fileName: 'a.csv', fields: { Policy: widened, key: 'uploads/2025-10/32/${filename}' } }),
      post(credential, { bytes: CSV, fileName: 'b.csv', fields: { 'X-Amz-Signature': flipped } }),
      post(forged, { bytes: CSV, fileName: 'c.csv' }),
    ];
    for (const attempt of attempts) expect(await errorOf(await attempt)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(await stored('uploads/2025-10/32/a.csv')).toEqual({ versions: 0, present: false });
    expect(await stored('uploads/2025-10/31/b.csv')).toEqual({ versions: 0, present: false });
    expect(await stored('uploads/2025-10/31/c.csv')).toEqual({ versions: 0, present: false });
  });

  it('refuses a field no condition covers, and reads no field after the file', async () => {
    const credential = await credentialFor('31');
    const extra = await errorOf(await post(credential, { bytes: CSV, fileName: 'd.csv', fields: { 'x-amz-meta-lingkup': '32' } }));
    expect([extra.status, extra.code, extra.message]).toEqual([403, 'AccessDenied', 'Invalid according to Policy: Extra input fields: x-amz-meta-lingkup']);
    // S3 ignores fields after the file: a Content-Type there is missing, and the policy requires one.
    const late = await errorOf(await post(credential, { bytes: CSV, fileName: 'e.csv', contentType: 'after' }));
    expect([late.status, late.code, late.message]).toEqual([403, 'AccessDenied', 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$Content-Type", ""]']);
    expect(await stored('uploads/2025-10/31/d.csv')).toEqual({ versions: 0, present: false });
    expect(await stored('uploads/2025-10/31/e.csv')).toEqual({ versions: 0, present: false });
  });

  it('refuses an unsigned form, as a bucket that blocks public access does', async () => {
    const form = new FormData();
    form.append('key', 'uploads/2025-10/31/anonim.csv');
    form.append('file', new Blob([CSV]), 'anonim.csv');
    const error = await errorOf(await fetch(`${proxy.endpoint}/${BUCKET}`, { method: 'POST', body: form }));
    expect([error.status, error.code]).toEqual([403, 'AccessDenied']);
    expect(await stored('uploads/2025-10/31/anonim.csv')).toEqual({ versions: 0, present: false });
  });
});
