/** Presigned GET URLs, signed by the calling function's own role: they live minutes, never days. */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

export type Presigner = (key: string, options: { expiresInSeconds: number; downloadName: string }) => Promise<string>;

export function s3Presigner(s3: S3Client, bucket: string): Presigner {
  return (key, { expiresInSeconds, downloadName }) =>
    getSignedUrl(
      s3,
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        // The browser saves it under the bulletin's name rather than the key's last part.
        ResponseContentDisposition: `attachment; filename="${downloadName.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
        ResponseContentType: 'application/pdf',
      }),
      { expiresIn: expiresInSeconds },
    );
}
