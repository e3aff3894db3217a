import { Duration } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginRequestPolicy,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { FunctionUrlOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type FunctionUrl, FunctionUrlAuthType } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BUCKET_PREFIXES, RECIPIENTS_KEY } from '../../lib/contract/bucket.ts';
import { FUNCTION_SIZING } from '../../lib/contract/functions.ts';
import { PARTITION_PREFIXES } from '../../lib/contract/table.ts';
import { acknowledge } from '../nag.ts';
import { UcjFunction } from './function.ts';
import type { PortalAuth } from './portal-auth.ts';

/**
 * Copies the Host the browser asked for into `x-forwarded-host`: the origin request policy must not
 * forward Host itself (the function URL answers only to its own name), so without this the app could
 * not know its public origin (redirect URIs, cookie and CSRF origin checks). A viewer's own
 * `x-forwarded-host` is overwritten, never trusted.
 */
const FORWARD_HOST_CODE = `function handler(event) {
  var request = event.request;
  var host = request.headers.host;
  if (host) request.headers['x-forwarded-host'] = { value: host.value };
  else delete request.headers['x-forwarded-host'];
  return request;
}`;

export interface PortalProps {
  auth: PortalAuth;
  bucket: IBucket;
  table: ITable;
  deliveryQueue: IQueue;
  logRetention: RetentionDays;
}

/**
 * The web portal: one function (the Hono app, lib/handlers/portal.ts) behind a function URL, and a
 * CloudFront distribution in front of it that is the portal's only advertised address (the PortalUrl
 * output): HTTPS only, nothing cached (every page is per user), security headers on every response.
 *
 * Why the function URL's auth is NONE rather than CloudFront origin access control (AWS_IAM): with OAC,
 * Lambda checks a SigV4 signature that covers the request body, and CloudFront cannot hash a body it
 * streams, so the viewer itself must send `x-amz-content-sha256` on every POST. Browsers submitting a
 * form do not, and every sign-out, upload and resend is a form POST. So the URL is public, like
 * download-bulletin's, and the app authenticates each request itself (Cognito ID token in a cookie);
 * reaching the URL directly bypasses only CloudFront's headers, not the sign-in.
 */
export class Portal extends Construct {
  readonly fn: UcjFunction;
  readonly functionUrl: FunctionUrl;
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: PortalProps) {
    super(scope, id);
    const { auth, bucket, table, deliveryQueue } = props;
    const { uploads, validation, bulletins, targets } = BUCKET_PREFIXES;

    this.fn = new UcjFunction(this, 'Function', {
      entry: 'functions/portal.ts',
      description: 'The web portal: sign-in, uploads, reports, bulletins and resends (behind CloudFront)',
      logRetention: props.logRetention,
      timeout: Duration.seconds(FUNCTION_SIZING.portal.timeoutSeconds),
      memorySize: FUNCTION_SIZING.portal.memoryMb,
      environment: {
        USER_POOL_ID: auth.userPool.userPoolId,
        USER_POOL_CLIENT_ID: auth.clientId,
        USER_POOL_ISSUER_URL: auth.issuerUrl,
        LOGIN_BASE_URL: auth.loginBaseUrl,
      },
    })
      .bindObjects(
        bucket,
        [
          // Uploads, their reports, bulletins, targets and who-is-who: what the pages show and link to
          // (downloads are presigned URLs signed by this role, so they can reach only these keys).
          { actions: ['s3:GetObject'], keys: [`${uploads}*`, `${validation}*`, `${bulletins}*`, `${targets}*`, RECIPIENTS_KEY] },
          // The browser uploads straight to S3 with a presigned POST signed by this role; validate-upload
          // then judges the file as it judges any other upload.
          { actions: ['s3:PutObject'], keys: [`${uploads}*`] },
        ],
        [`${uploads}*`, `${validation}*`, `${bulletins}*`],
      )
      .bindTable(table, [
        // Snapshots and run records (gsi1 too), and the delivery ledger's entries, to show them.
        { actions: ['dynamodb:GetItem', 'dynamodb:Query'], leadingKeys: [PARTITION_PREFIXES.region, PARTITION_PREFIXES.period, PARTITION_PREFIXES.delivery] },
        // Resending (lib/delivery/resend.ts) releases a ledger entry with a conditional delete, then queues it.
        { actions: ['dynamodb:DeleteItem'], leadingKeys: [PARTITION_PREFIXES.delivery] },
        // Signing out records the session (lib/history/signed-out.ts); every request reads that record.
        { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], leadingKeys: [PARTITION_PREFIXES.signedOut] },
      ])
      .bindDeliveryQueue(deliveryQueue);

    this.functionUrl = this.fn.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });

    const forwardHost = new CloudFrontFunction(this, 'ForwardHost', {
      comment: 'Copies the viewer Host into x-forwarded-host for the portal',
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromInline(FORWARD_HOST_CODE),
    });

    const securityHeaders = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'ucj-bulletin portal: HSTS, nosniff, no framing, referrer (the app sets its own CSP)',
      securityHeadersBehavior: {
        strictTransportSecurity: { accessControlMaxAge: Duration.days(730), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        // Another site learns only the origin, never a path or query (the callback's ?code=...).
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
      },
    });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'ucj-bulletin portal',
      httpVersion: HttpVersion.HTTP2_AND_3,
      defaultBehavior: {
        origin: new FunctionUrlOrigin(this.functionUrl),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        // Forms POST; nothing is cached, so every method may pass.
        allowedMethods: AllowedMethods.ALLOW_ALL,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        // Cookies, query strings and headers reach the app; Host would make the function URL refuse it.
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        responseHeadersPolicy: securityHeaders,
        functionAssociations: [{ function: forwardHost, eventType: FunctionEventType.VIEWER_REQUEST }],
        compress: true,
      },
    });
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR1',
      'No geo restriction: the portal serves officials and admins across Indonesia, some travelling; sign-in, not location, decides access.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR2',
      'No WAF web ACL (about $6 a month and more per rule, more than the whole app): every page needs a Cognito sign-in, which Plus threat protection guards against credential stuffing.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR3',
      'No CloudFront access logs: standard logging needs an ACL-enabled bucket, and the portal function logs every request it serves (CloudWatch Logs, with the retention of the other functions).',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR4',
      'The distribution uses the default *.cloudfront.net certificate, for which CloudFront cannot pin a minimum TLS version; a custom domain and ACM certificate would allow TLSv1.2_2021.',
    );
  }

  /** https://<distribution domain>: where users go, and what the app client's callback URLs are built on. */
  get url(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }
}
