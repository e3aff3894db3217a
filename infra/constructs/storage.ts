import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Validation reports and quarantined files are only evidence: old versions of them may go. */
const EVIDENCE_PREFIXES = ['validation/', 'quarantine/'] as const;
const EVIDENCE_NONCURRENT_DAYS = 400;
/** Access logs answer "who read or changed this file": kept two years, then gone. */
const ACCESS_LOG_DAYS = 730;

/**
 * The one bucket: uploads, targets, config, reports, quarantine and bulletins
 * (docs/architecture.md, "Files in the bucket"). Versioned so a corrected upload or a re-rendered
 * bulletin never loses the previous revision. Its server access logs go to a second bucket, as locked
 * down as the first.
 */
export class Storage extends Construct {
  readonly bucket: Bucket;
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.accessLogs = new Bucket(this, 'AccessLogs', {
      // S3 log delivery writes with SSE-S3 only; SSE-KMS is not supported for access log targets.
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: 'expire-access-logs', expiration: Duration.days(ACCESS_LOG_DAYS), noncurrentVersionExpiration: Duration.days(30) },
      ],
    });
    this.bucket = new Bucket(this, 'Bucket', {
      versioned: true,
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'data-bucket/',
      // The bucket holds the only copy of the figures and the history of every bulletin sent.
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
        ...EVIDENCE_PREFIXES.map((prefix) => ({
          id: `expire-noncurrent-${prefix.replace('/', '')}`,
          prefix,
          noncurrentVersionExpiration: Duration.days(EVIDENCE_NONCURRENT_DAYS),
        })),
      ],
    });
  }
}
