/**
 * The bucket, behind a small interface so jobs do not depend on the S3 SDK's shapes.
 *
 * The bucket is versioned: a version id names one immutable set of bytes, so a job that must act on the
 * exact object an event announced (validate it, quarantine it) names the version, never just the key.
 * Every read takes a byte cap: one huge object left in the bucket must not exhaust a function's memory.
 */
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

export interface ObjectSummary {
  key: string;
  etag: string;
  size: number;
  lastModified: Date;
  /** Absent for an object written before versioning (S3's `null` version) and in listings, which do not carry it. */
  versionId?: string;
  /** The object's user metadata (`x-amz-meta-*`, names lower-cased); HEAD and GET only. */
  metadata?: Record<string, string>;
}

export interface StoredObject extends ObjectSummary {
  body: Buffer;
}

export interface ReadOptions {
  /** Read this version rather than the current one. */
  versionId?: string;
  /** Refuse to read more than this many bytes (ObjectTooLarge): the caller decides from the size alone. */
  maxBytes: number;
}

export class ObjectTooLarge extends Error {
  override readonly name = 'ObjectTooLarge';
  constructor(
    readonly key: string,
    readonly size: number,
    readonly maxBytes: number,
  ) {
    super(`${key} is ${size} bytes, over the ${maxBytes} this reader may hold; it was not read`);
  }
}

export interface ObjectStore {
  get(key: string, options: ReadOptions): Promise<StoredObject | undefined>;
  put(key: string, body: Uint8Array | string, contentType: string, metadata?: Record<string, string>): Promise<{ etag: string; versionId?: string }>;
  head(key: string, versionId?: string): Promise<ObjectSummary | undefined>;
  list(prefix: string): Promise<ObjectSummary[]>;
  /** Copies one version (the current one unless named); returns the copy's version and the version copied. */
  copy(fromKey: string, toKey: string, versionId?: string): Promise<{ versionId?: string; sourceVersionId?: string }>;
  /** With a version id, removes exactly that version; without, hides the key behind a delete marker. */
  delete(key: string, versionId?: string): Promise<void>;
}

/** Small JSON documents (reports, config files): nothing legitimate is near this. */
export const SMALL_OBJECT_BYTES = 2 * 1024 * 1024;

/** As the AWS CLI sends files: in 8 MiB parts above 8 MiB (`aws s3 cp`'s multipart threshold and chunk size). */
export const MULTIPART_PART_BYTES = 8 * 1024 * 1024;

const unquote = (etag: string | undefined) => (etag ?? '').replace(/"/g, '');
const errorName = (error: unknown) => (error instanceof Error ? error.name : '');
/** A missing key or version: S3 answers NoSuchKey or NoSuchVersion to GET, and a bare 404 (NotFound) to HEAD. */
const isMissing = (error: unknown) => ['NoSuchKey', 'NoSuchVersion', 'NotFound'].includes(errorName(error));
const versionOf = (versionId: string | undefined) => (versionId && versionId !== 'null' ? { versionId } : {});

export function s3ObjectStore(s3: S3Client, bucket: string): ObjectStore {
  return {
    async get(key, { versionId, maxBytes }) {
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
        const size = out.ContentLength ?? 0;
        if (size > maxBytes) {
          // Stop the transfer: only the headers have been read.
          const stream = out.Body;
          if (stream && 'destroy' in stream && typeof stream.destroy === 'function') stream.destroy();
          throw new ObjectTooLarge(key, size, maxBytes);
        }
        const body = Buffer.from((await out.Body?.transformToByteArray()) ?? new Uint8Array());
        return { key, body, etag: unquote(out.ETag), size: body.length, lastModified: out.LastModified ?? new Date(0), ...versionOf(out.VersionId) };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async put(key, body, contentType, metadata) {
      const out = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, ...(metadata ? { Metadata: metadata } : {}) }));
      return { etag: unquote(out.ETag), ...versionOf(out.VersionId) };
    },
    async head(key, versionId) {
      try {
        const out = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
        return {
          key,
          etag: unquote(out.ETag),
          size: out.ContentLength ?? 0,
          lastModified: out.LastModified ?? new Date(0),
          ...versionOf(out.VersionId),
          ...(out.Metadata ? { metadata: out.Metadata } : {}),
        };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async list(prefix) {
      const objects: ObjectSummary[] = [];
      let token: string | undefined;
      do {
        const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const item of out.Contents ?? []) {
          if (item.Key === undefined) continue;
          objects.push({ key: item.Key, etag: unquote(item.ETag), size: item.Size ?? 0, lastModified: item.LastModified ?? new Date(0) });
        }
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
      return objects;
    },
    async copy(fromKey, toKey, versionId) {
      const source = `${bucket}/${fromKey.split('/').map(encodeURIComponent).join('/')}${versionId ? `?versionId=${encodeURIComponent(versionId)}` : ''}`;
      const out = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: toKey, CopySource: source }));
      return { ...versionOf(out.VersionId), ...(out.CopySourceVersionId ? { sourceVersionId: out.CopySourceVersionId } : {}) };
    },
    async delete(key, versionId) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
    },
  };
}

/**
 * Puts a file as the AWS CLI does: one PutObject up to 8 MiB, a multipart upload in 8 MiB parts above,
 * so a multipart object (whose ETag is not its MD5) is what the rest of the system meets, here as on AWS.
 */
export async function uploadFile(s3: S3Client, bucket: string, key: string, body: Uint8Array): Promise<{ etag: string; versionId?: string }> {
  const upload = new Upload({ client: s3, params: { Bucket: bucket, Key: key, Body: body }, partSize: MULTIPART_PART_BYTES, queueSize: 4 });
  const out = await upload.done();
  return { etag: unquote(out.ETag), ...versionOf(out.VersionId) };
}
