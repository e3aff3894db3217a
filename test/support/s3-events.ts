/** An S3 ObjectCreated event as S3 shapes it, to replay one the bucket already sent (a duplicate, or late). */
import { randomUUID } from 'node:crypto';
import type { S3Event } from 'aws-lambda';
import { encodeS3EventKey } from '../../lib/storage/keys.ts';

export function s3ObjectCreatedEvent(bucket: string, key: string, object: { size: number; etag: string; versionId?: string; sequencer: string }): S3Event {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'ap-southeast-3',
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'local' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': randomUUID(), 'x-amz-id-2': randomUUID() },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'uploads',
          bucket: { name: bucket, ownerIdentity: { principalId: 'local' }, arn: `arn:aws:s3:::${bucket}` },
          object: { key: encodeS3EventKey(key), size: object.size, eTag: object.etag, ...(object.versionId ? { versionId: object.versionId } : {}), sequencer: object.sequencer },
        },
      },
    ],
  };
}
