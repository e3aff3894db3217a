/** The bucket, behind a small interface so jobs do not depend on the S3 SDK's shapes. */
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

export interface StoredObject {
  key: string;
  body: Buffer;
  etag: string;
  lastModified: Date;
}

export interface ObjectSummary {
  key: string;
  etag: string;
  size: number;
  lastModified: Date;
}

export interface ObjectStore {
  get(key: string): Promise<StoredObject | undefined>;
  put(key: string, body: Uint8Array | string, contentType: string): Promise<{ etag: string }>;
  head(key: string): Promise<ObjectSummary | undefined>;
  list(prefix: string): Promise<ObjectSummary[]>;
  copy(fromKey: string, toKey: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** A presigned GET link, for files too large to attach. */
  link(key: string, expiresInSeconds: number): Promise<string>;
}

const unquote = (etag: string | undefined) => (etag ?? '').replace(/"/g, '');

/**
 * `linkSigner`, when given, is the client presigned links are signed with (long-term keys, so a link can
 * live its 7 days); otherwise the store's own client signs.
 */
export function s3ObjectStore(s3: S3Client, bucket: string, linkSigner?: () => Promise<S3Client>): ObjectStore {
  return {
    async get(key) {
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        const body = Buffer.from(await out.Body!.transformToByteArray());
        return { key, body, etag: unquote(out.ETag), lastModified: out.LastModified ?? new Date(0) };
      } catch (error) {
        if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
        throw error;
      }
    },
    async put(key, body, contentType) {
      const out = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
      return { etag: unquote(out.ETag) };
    },
    async head(key) {
      try {
        const out = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return { key, etag: unquote(out.ETag), size: out.ContentLength ?? 0, lastModified: out.LastModified ?? new Date(0) };
      } catch (error) {
        if (error instanceof NotFound || (error as { name?: string }).name === 'NotFound') return undefined;
        throw error;
      }
    },
    async list(prefix) {
      const objects: ObjectSummary[] = [];
      let token: string | undefined;
      do {
        const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const item of out.Contents ?? []) {
          objects.push({ key: item.Key!, etag: unquote(item.ETag), size: item.Size ?? 0, lastModified: item.LastModified ?? new Date(0) });
        }
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
      return objects;
    },
    async copy(fromKey, toKey) {
      await s3.send(
        new CopyObjectCommand({ Bucket: bucket, Key: toKey, CopySource: `${bucket}/${fromKey.split('/').map(encodeURIComponent).join('/')}` }),
      );
    },
    async delete(key) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    async link(key, expiresInSeconds) {
      const signer = linkSigner ? await linkSigner() : s3;
      return getSignedUrl(signer, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: expiresInSeconds });
    },
  };
}
