/**
 * The local S3 (tools/local/s3-strict.ts in front of s3rver) behaves as Amazon S3 does for a versioned
 * bucket, through a real S3Client with its default settings. Every test checks something plain s3rver
 * gets wrong: it has no versions, gives multipart objects plain MD5 ETags, sends no events, serves
 * unsigned requests, stores aws-chunked bodies verbatim and accepts any part list.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import S3rver from 's3rver';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  AbortMultipartUploadCommand,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { LOCAL_CREDENTIALS } from '../../lib/aws/clients.ts';
import { SHADOW_BUCKET, startStrictS3, type S3NotificationTarget, type StrictS3 } from '../../tools/local/s3-strict.ts';

const BUCKET = 'ucj-strict-s3-test';
const REGION = 'ap-southeast-3';
const MiB = 1024 * 1024;
const WEEK_SECONDS = 7 * 24 * 3600;

let dir: string;
let s3rver: S3rver;
let upstream: string;
let proxy: StrictS3;
let s3: S3Client;

/** Every record delivered to the uploads/ target, in arrival order. */
const delivered: S3EventRecord[] = [];
/** Lets a test hold a delivery open, to show the writer does not wait for it. */
let holdDelivery: Promise<void> | undefined;
const uploadsTarget: S3NotificationTarget = {
  prefix: 'uploads/',
  configurationId: 'validate-upload',
  async deliver(event: S3Event) {
    const record = event.Records[0];
    if (!record) return;
    delivered.push(record);
    if (record.s3.object.key.includes('fails')) throw new Error('the target is broken');
    if (record.s3.object.key.includes('slow')) await holdDelivery;
  },
};

const clientFor = (endpoint: string) => new S3Client({ endpoint, region: REGION, forcePathStyle: true, credentials: LOCAL_CREDENTIALS });
const startProxy = () => startStrictS3({ upstream, stateDir: join(dir, 'strict-s3'), buckets: [BUCKET], region: REGION, notifications: { [BUCKET]: [uploadsTarget] } });

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');
const md5Bytes = (bytes: Uint8Array) => createHash('md5').update(bytes).digest();
const bytesOf = async (out: GetObjectCommandOutput) => Buffer.from((await out.Body?.transformToByteArray()) ?? []);
const put = (key: string, body: string | Buffer) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
const get = (key: string, versionId?: string) => s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, VersionId: versionId }));
const versionsOf = async (key: string) => {
  const out = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: key }));
  return {
    versions: (out.Versions ?? []).filter((v) => v.Key === key),
    markers: (out.DeleteMarkers ?? []).filter((m) => m.Key === key),
  };
};
/** The S3 error a call fails with: its code and HTTP status. */
async function failureOf(call: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof S3ServiceException) return { name: error.name, status: error.$metadata.httpStatusCode };
    throw error;
  }
  throw new Error('expected the call to fail');
}
/** S3's rule for comparing sequencers: pad the shorter with leading zeros, then compare as strings. */
const sequencerOrder = (a: string, b: string) => {
  const width = Math.max(a.length, b.length);
  return a.padStart(width, '0').localeCompare(b.padStart(width, '0'));
};
const recordsUnder = (prefix: string) => delivered.filter((r) => r.s3.object.key.startsWith(prefix));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucj-local-s3-'));
  await mkdir(join(dir, 's3'));
  s3rver = new S3rver({ port: 0, address: '127.0.0.1', directory: join(dir, 's3'), silent: true, configureBuckets: [{ name: BUCKET, configs: [] }] });
  upstream = `http://127.0.0.1:${(await s3rver.run()).port}`;
  // An object s3rver held before the proxy existed: on S3, an object from before versioning was enabled.
  const direct = clientFor(upstream);
  await direct.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'config/legacy.csv', Body: 'kode_wilayah\n51\n' }));
  direct.destroy();
  proxy = await startProxy();
  s3 = clientFor(proxy.endpoint);
});

afterAll(async () => {
  s3?.destroy();
  await proxy?.close();
  await s3rver?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the local S3 behind the strict proxy', () => {
  it('gives a 9 MiB file sent by Upload in 8 MiB parts the ETag S3 gives it, and its copy a plain one', async () => {
    const key = 'uploads/2025-10/rekap-besar.xlsx';
    const body = randomBytes(9 * MiB);
    const sent = await new Upload({ client: s3, params: { Bucket: BUCKET, Key: key, Body: body }, partSize: 8 * MiB }).done();
    const multipart = `"${md5(Buffer.concat([md5Bytes(body.subarray(0, 8 * MiB)), md5Bytes(body.subarray(8 * MiB))]))}-2"`;
    expect(sent.ETag).toBe(multipart);
    expect(sent.VersionId).toMatch(/^[A-Za-z0-9._-]{32}$/);

    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect([head.ETag, head.VersionId, head.ContentLength]).toEqual([multipart, sent.VersionId, body.length]);
    const got = await get(key);
    expect(got.ETag).toBe(multipart);
    expect(md5(await bytesOf(got))).toBe(md5(body));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: key }));
    expect(listed.Contents?.map((o) => o.ETag)).toEqual([multipart]);
    expect((await versionsOf(key)).versions.map((v) => [v.ETag, v.VersionId])).toEqual([[multipart, sent.VersionId]]);

    // The trap: a copy is one object made in one piece, so its ETag is the MD5 of its bytes.
    const copy = await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'quarantine/2025-10/rekap-besar.xlsx', CopySource: `${BUCKET}/${key}` }));
    expect(copy.CopyObjectResult?.ETag).toBe(`"${md5(body)}"`);
    expect(copy.CopyObjectResult?.ETag).not.toBe(multipart);
    expect(copy.CopySourceVersionId).toBe(sent.VersionId);
    expect(copy.VersionId).toMatch(/^[A-Za-z0-9._-]{32}$/);
    const copied = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'quarantine/2025-10/rekap-besar.xlsx' }));
    expect([copied.ContentLength, copied.ETag, copied.VersionId]).toEqual([head.ContentLength, `"${md5(body)}"`, copy.VersionId]);

    // A copy of an object made in one piece keeps its ETag.
    const small = await put('reports/kecil.json', '{"ok":true}');
    const smallCopy = await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'reports/kecil-salinan.json', CopySource: `${BUCKET}/reports/kecil.json` }));
    expect(smallCopy.CopyObjectResult?.ETag).toBe(small.ETag);
  });

  it('keeps every version of an overwritten key readable by its id, and says versioning is Enabled', async () => {
    const key = 'bulletins/2025-10/nasional.pdf';
    const first = await put(key, 'first rendering');
    const second = await put(key, 'second rendering');
    expect(first.VersionId).toMatch(/^[A-Za-z0-9._-]{32}$/);
    expect(second.VersionId).not.toBe(first.VersionId);

    const current = await get(key);
    expect([(await bytesOf(current)).toString(), current.VersionId]).toEqual(['second rendering', second.VersionId]);
    const older = await get(key, first.VersionId);
    expect([(await bytesOf(older)).toString(), older.VersionId, older.ETag]).toEqual(['first rendering', first.VersionId, `"${md5(Buffer.from('first rendering'))}"`]);
    const olderHead = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key, VersionId: first.VersionId }));
    expect([olderHead.ContentLength, olderHead.VersionId]).toEqual(['first rendering'.length, first.VersionId]);

    const unknown = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    expect(await failureOf(get(key, unknown))).toEqual({ name: 'NoSuchVersion', status: 404 });
    expect(await failureOf(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key, VersionId: unknown })))).toEqual({ name: 'NotFound', status: 404 });

    const { versions } = await versionsOf(key);
    expect(versions.map((v) => [v.VersionId, v.IsLatest])).toEqual([
      [second.VersionId, true],
      [first.VersionId, false],
    ]);
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: BUCKET }))).Status).toBe('Enabled');
    // The older bytes live in a shadow bucket that no listing shows.
    const buckets = (await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name);
    expect(buckets).toContain(BUCKET);
    expect(buckets).not.toContain(SHADOW_BUCKET);
    expect(await failureOf(s3.send(new GetObjectCommand({ Bucket: SHADOW_BUCKET, Key: `${BUCKET}/${key}/${first.VersionId}` })))).toEqual({ name: 'NoSuchBucket', status: 404 });
  });

  it('hides a key behind a delete marker, and deleting the marker by id brings the key back', async () => {
    const key = 'config/recipients.csv';
    const written = await put(key, 'email,nama\n');
    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(deleted.DeleteMarker).toBe(true);
    expect(deleted.VersionId).toMatch(/^[A-Za-z0-9._-]{32}$/);

    expect(await failureOf(get(key))).toEqual({ name: 'NoSuchKey', status: 404 });
    const hidden = await fetch(await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: key }), { expiresIn: WEEK_SECONDS }));
    expect([hidden.status, hidden.headers.get('x-amz-delete-marker'), hidden.headers.get('x-amz-version-id')]).toEqual([404, 'true', deleted.VersionId]);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: key }));
    expect(listed.Contents ?? []).toEqual([]);
    expect((await bytesOf(await get(key, written.VersionId))).toString()).toBe('email,nama\n');
    expect(await failureOf(get(key, deleted.VersionId))).toEqual({ name: 'MethodNotAllowed', status: 405 });
    const history = await versionsOf(key);
    expect(history.markers.map((m) => [m.VersionId, m.IsLatest])).toEqual([[deleted.VersionId, true]]);
    expect(history.versions.map((v) => [v.VersionId, v.IsLatest])).toEqual([[written.VersionId, false]]);

    const unmarked = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key, VersionId: deleted.VersionId }));
    expect([unmarked.DeleteMarker, unmarked.VersionId]).toEqual([true, deleted.VersionId]);
    const back = await get(key);
    expect([(await bytesOf(back)).toString(), back.VersionId]).toEqual(['email,nama\n', written.VersionId]);
  });

  it('deletes exactly the version named, and the previous version becomes current', async () => {
    const key = 'validation/2025-10/bali.csv.json';
    const first = await put(key, '{"v":1}');
    const second = await put(key, '{"v":2}');
    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key, VersionId: second.VersionId }));
    expect([deleted.VersionId, deleted.DeleteMarker]).toEqual([second.VersionId, undefined]);
    const current = await get(key);
    expect([(await bytesOf(current)).toString(), current.VersionId]).toEqual(['{"v":1}', first.VersionId]);
    expect(await failureOf(get(key, second.VersionId))).toEqual({ name: 'NoSuchVersion', status: 404 });

    // A noncurrent version goes without touching the current one.
    const third = await put(key, '{"v":3}');
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key, VersionId: first.VersionId }));
    expect((await versionsOf(key)).versions.map((v) => [v.VersionId, v.IsLatest])).toEqual([[third.VersionId, true]]);
    expect((await bytesOf(await get(key))).toString()).toBe('{"v":3}');
  });

  it('deletes many keys as DELETE does: a marker for a key, exactly the version for a version', async () => {
    const hiddenKey = 'tmp/hapus-a.json';
    const versionedKey = 'tmp/hapus-b.json';
    await put(hiddenKey, 'a');
    const kept = await put(versionedKey, 'b1');
    const dropped = await put(versionedKey, 'b2');
    const out = await s3.send(
      new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: hiddenKey }, { Key: versionedKey, VersionId: dropped.VersionId }] } }),
    );
    const marker = out.Deleted?.find((d) => d.Key === hiddenKey);
    expect(marker?.DeleteMarker).toBe(true);
    expect(marker?.DeleteMarkerVersionId).toMatch(/^[A-Za-z0-9._-]{32}$/);
    expect(out.Deleted?.find((d) => d.Key === versionedKey)?.VersionId).toBe(dropped.VersionId);
    expect(await failureOf(get(hiddenKey))).toEqual({ name: 'NoSuchKey', status: 404 });
    const current = await get(versionedKey);
    expect([(await bytesOf(current)).toString(), current.VersionId]).toEqual(['b1', kept.VersionId]);
  });

  it('copies the version a CopySource names, decoding the source as S3 does', async () => {
    // The project's own kind of key, encoded as lib/storage/object-store.ts encodes it: s3rver alone
    // finds no such key, because it does not decode %2B.
    const key = 'inbox/data bali+denpasar (1).csv';
    const encoded = key.split('/').map(encodeURIComponent).join('/');
    const first = await put(key, 'versi pertama');
    await put(key, 'versi kedua');
    const copy = await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'inbox/dipulihkan.csv', CopySource: `${BUCKET}/${encoded}?versionId=${first.VersionId}` }));
    expect(copy.CopySourceVersionId).toBe(first.VersionId);
    expect((await bytesOf(await get('inbox/dipulihkan.csv'))).toString()).toBe('versi pertama');

    // Copying an older version over its own key restores it as a new version.
    const restored = await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: key, CopySource: `${BUCKET}/${encoded}?versionId=${first.VersionId}` }));
    const current = await get(key);
    expect([(await bytesOf(current)).toString(), current.VersionId]).toEqual(['versi pertama', restored.VersionId]);
    expect((await versionsOf(key)).versions).toHaveLength(3);
  });

  it('gives objects s3rver held before the proxy the null version, and keeps them when overwritten', async () => {
    const key = 'config/legacy.csv';
    const before = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(before.VersionId).toBe('null');
    const after = await put(key, 'kode_wilayah\n52\n');
    expect(after.VersionId).toMatch(/^[A-Za-z0-9._-]{32}$/);
    expect((await bytesOf(await get(key, 'null'))).toString()).toBe('kode_wilayah\n51\n');
    expect((await versionsOf(key)).versions.map((v) => [v.VersionId, v.IsLatest])).toEqual([
      [after.VersionId, true],
      ['null', false],
    ]);
  });

  it('serves bytes written behind its back as the null version, warns, and keeps them when overwritten', async () => {
    const key = 'config/groups.csv';
    const ours = await put(key, 'grup,anggota\n');
    const direct = clientFor(upstream);
    await direct.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'written around the proxy' }));
    direct.destroy();
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const seen = await get(key);
      expect([(await bytesOf(seen)).toString(), seen.VersionId]).toEqual(['written around the proxy', 'null']);
      const replaced = await put(key, 'grup,anggota\nA,51\n');
      expect((await bytesOf(await get(key, 'null'))).toString()).toBe('written around the proxy');
      expect((await versionsOf(key)).versions.map((v) => v.VersionId)).toEqual([replaced.VersionId, 'null']);
      expect(await failureOf(get(key, ours.VersionId))).toEqual({ name: 'NoSuchVersion', status: 404 }); // overwritten outside: gone
      expect(stderr.mock.calls.filter(([line]) => String(line).includes(key)).length).toBeGreaterThanOrEqual(1);
    } finally {
      stderr.mockRestore();
    }
  });

  it('serves presigned GET links, for the current version and an older one, and refuses unsigned requests', async () => {
    const key = 'bulletins/2025-10/prov/51-bali.pdf';
    const first = await put(key, '%PDF-1.7 first');
    const second = await put(key, '%PDF-1.7 second');
    const link = await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: key }), { expiresIn: WEEK_SECONDS });
    const response = await fetch(link);
    expect([response.status, response.headers.get('x-amz-version-id'), await response.text()]).toEqual([200, second.VersionId, '%PDF-1.7 second']);
    const olderLink = await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: key, VersionId: first.VersionId }), { expiresIn: WEEK_SECONDS });
    expect(await (await fetch(olderLink)).text()).toBe('%PDF-1.7 first');

    // The bucket blocks public access: a request without credentials is refused, as one whose link expired.
    const unsigned = await fetch(`${proxy.endpoint}/${BUCKET}/${key}`);
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toContain('<Code>AccessDenied</Code>');
    const expired = await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: key, VersionId: first.VersionId }), {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 3600_000),
    });
    expect((await fetch(expired)).status).toBe(403);
  });

  it('stores a body the SDK streams as aws-chunked as its bytes', async () => {
    const body = Buffer.concat([randomBytes(70_000), Buffer.from('akhir')]);
    const sent = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'reports/stream.bin', Body: Readable.from([body.subarray(0, 30_000), body.subarray(30_000)]), ContentLength: body.length }));
    expect(sent.ETag).toBe(`"${md5(body)}"`);
    const got = await get('reports/stream.bin');
    expect(got.ContentEncoding).toBeUndefined();
    expect(md5(await bytesOf(got))).toBe(md5(body));
  });

  it('checks a multipart part list as S3 does: sizes, ETags and order', async () => {
    const key = 'tmp/parts.bin';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    const one = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, Body: randomBytes(MiB) }));
    const two = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 2, Body: randomBytes(MiB) }));
    const complete = (parts: Array<{ PartNumber: number; ETag: string | undefined }>) =>
      s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
    expect(await failureOf(complete([{ PartNumber: 1, ETag: one.ETag }, { PartNumber: 2, ETag: two.ETag }]))).toEqual({ name: 'EntityTooSmall', status: 400 });
    expect(await failureOf(complete([{ PartNumber: 1, ETag: two.ETag }]))).toEqual({ name: 'InvalidPart', status: 400 });
    expect(await failureOf(complete([{ PartNumber: 2, ETag: two.ETag }, { PartNumber: 1, ETag: one.ETag }]))).toEqual({ name: 'InvalidPartOrder', status: 400 });
    // A single part may be as small as it likes.
    const done = await complete([{ PartNumber: 1, ETag: one.ETag }]);
    expect(done.ETag).toMatch(/-1"$/);
    expect(await failureOf(s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId })))).toEqual({ name: 'NoSuchUpload', status: 404 });
  });

  it('announces objects created under uploads/ only, with the fields S3 sends and increasing sequencers', async () => {
    const prefix = 'uploads/2025-11/';
    const putOne = await put(`${prefix}data bali (1).csv`, 'kode_wilayah,pekerja\n51,10\n');
    await put('validation/2025-11/data bali (1).csv.json', '{}');
    const multipart = await new Upload({ client: s3, params: { Bucket: BUCKET, Key: `${prefix}besar.xlsx`, Body: randomBytes(5 * MiB + 1000) }, partSize: 5 * MiB }).done();
    const copy = await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: `${prefix}salinan.csv`, CopySource: `${BUCKET}/${prefix}data%20bali%20%281%29.csv` }));
    // A browser's form upload, as a presigned POST sends it (the proxy checks its policy and signature).
    const form = new FormData();
    const presigned = await createPresignedPost(s3, { Bucket: BUCKET, Key: `${prefix}formulir.csv`, Expires: 600 });
    for (const [name, value] of Object.entries(presigned.fields)) form.append(name, value);
    form.append('file', new Blob(['kode_wilayah\n52\n']), 'formulir.csv');
    const posted = await fetch(presigned.url, { method: 'POST', body: form });
    expect(posted.status).toBe(204);

    await vi.waitFor(() => expect(recordsUnder(prefix)).toHaveLength(4), { timeout: 30_000, interval: 20 });
    expect(recordsUnder('validation/')).toEqual([]);
    const byKey = new Map(recordsUnder(prefix).map((r) => [r.s3.object.key, r]));
    const putRecord = byKey.get('uploads/2025-11/data+bali+%281%29.csv');
    expect(putRecord).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: REGION,
      eventName: 'ObjectCreated:Put',
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'validate-upload',
        bucket: { name: BUCKET, arn: `arn:aws:s3:::${BUCKET}` },
        object: { size: 'kode_wilayah,pekerja\n51,10\n'.length, eTag: putOne.ETag?.replace(/"/g, ''), versionId: putOne.VersionId },
      },
    });
    expect(Date.parse(putRecord?.eventTime ?? '')).not.toBeNaN();
    expect(byKey.get('uploads/2025-11/besar.xlsx')).toMatchObject({
      eventName: 'ObjectCreated:CompleteMultipartUpload',
      s3: { object: { size: 5 * MiB + 1000, eTag: multipart.ETag?.replace(/"/g, ''), versionId: multipart.VersionId } },
    });
    expect(byKey.get('uploads/2025-11/salinan.csv')).toMatchObject({ eventName: 'ObjectCreated:Copy', s3: { object: { versionId: copy.VersionId } } });
    expect(byKey.get('uploads/2025-11/formulir.csv')).toMatchObject({
      eventName: 'ObjectCreated:Post',
      s3: { object: { eTag: md5(Buffer.from('kode_wilayah\n52\n')), versionId: posted.headers.get('x-amz-version-id') } },
    });
    const inCreationOrder = ['data+bali+%281%29.csv', 'besar.xlsx', 'salinan.csv', 'formulir.csv'].map((name) => byKey.get(`${prefix}${name}`)?.s3.object.sequencer ?? '');
    for (let i = 1; i < inCreationOrder.length; i += 1) expect(sequencerOrder(inCreationOrder[i - 1] ?? '', inCreationOrder[i] ?? '')).toBeLessThan(0);
  });

  it('delivers after the response: a slow target does not hold up the writer, a failing one breaks nothing', async () => {
    let release: () => void = () => undefined;
    holdDelivery = new Promise((resolve) => (release = resolve));
    const slow = await put('uploads/2025-12/slow.csv', 'a');
    await vi.waitFor(() => expect(recordsUnder('uploads/2025-12/slow.csv').map((r) => r.s3.object.versionId)).toEqual([slow.VersionId]), { interval: 20 });
    // The event is out and its target still busy, yet the writer has its answer and the object is there.
    expect((await bytesOf(await get('uploads/2025-12/slow.csv'))).toString()).toBe('a');
    release();
    holdDelivery = undefined;

    const stderr = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await put('uploads/2025-12/fails.csv', 'b');
      await vi.waitFor(() => expect(stderr.mock.calls.filter(([line]) => String(line).includes('fails.csv'))).toHaveLength(1), { interval: 20 });
      expect((await bytesOf(await get('uploads/2025-12/fails.csv'))).toString()).toBe('b');
      expect(recordsUnder('uploads/2025-12/fails.csv')).toHaveLength(1);
    } finally {
      stderr.mockRestore();
    }
  });

  it('leaves one consistent history when writers race on one key', async () => {
    const key = 'bulletins/2025-10/kab/5171-denpasar.pdf';
    const bodies = Array.from({ length: 8 }, (_, i) => `rendering ${i} ${randomBytes(8).toString('hex')}`);
    const written = await Promise.all(bodies.map((body) => put(key, body)));
    const ids = written.map((w) => w.VersionId);
    expect(new Set(ids).size).toBe(bodies.length);
    const { versions } = await versionsOf(key);
    expect(versions.map((v) => v.VersionId).sort()).toEqual([...ids].sort());
    expect(versions.filter((v) => v.IsLatest)).toHaveLength(1);
    const current = await get(key);
    const currentBody = (await bytesOf(current)).toString();
    expect(current.VersionId).toBe(versions.find((v) => v.IsLatest)?.VersionId);
    expect(currentBody).toBe(bodies[ids.indexOf(current.VersionId)]);
    for (const [index, versionId] of ids.entries()) expect((await bytesOf(await get(key, versionId))).toString()).toBe(bodies[index]);
  });

  it('knows its versions, ETags and sequencers after a restart', async () => {
    const key = 'uploads/2026-01/bertahan.xlsx';
    const multipart = await new Upload({ client: s3, params: { Bucket: BUCKET, Key: key, Body: randomBytes(5 * MiB + 10) }, partSize: 5 * MiB }).done();
    const small = await put('reports/bertahan.json', 'v1');
    await put('reports/bertahan.json', 'v2');
    await vi.waitFor(() => expect(recordsUnder(key)).toHaveLength(1), { interval: 20 });
    const before = await versionsOf('reports/bertahan.json');

    s3.destroy();
    await proxy.close();
    proxy = await startProxy();
    s3 = clientFor(proxy.endpoint);

    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect([head.ETag, head.VersionId]).toEqual([multipart.ETag, multipart.VersionId]);
    expect(head.ETag).toMatch(/-2"$/);
    expect((await bytesOf(await get('reports/bertahan.json', small.VersionId))).toString()).toBe('v1');
    expect(await versionsOf('reports/bertahan.json')).toEqual(before);
    const again = await put(key, 'smaller now');
    await vi.waitFor(() => expect(recordsUnder(key)).toHaveLength(2), { interval: 20 });
    const [earlier, later] = recordsUnder(key).map((r) => r.s3.object);
    expect(later?.versionId).toBe(again.VersionId);
    expect(sequencerOrder(earlier?.sequencer ?? '', later?.sequencer ?? '')).toBeLessThan(0);
  });
});
