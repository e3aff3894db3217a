/**
 * cdk-nag (v3) acknowledgements: each one names the exact finding (`Rule[Finding]`) and says why it
 * stands. The constructs call these next to the code that causes the finding, so a reason can never
 * outlive its cause unnoticed: remove the cause and the test in test/infra asks for the finding to go.
 */
import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Acknowledges one cdk-nag finding on a construct and everything under it. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** How cdk-nag writes a resource's ARN inside a finding id: `<LogicalId.Arn>`. */
export function nagArn(resource: IConstruct): string {
  const cfn = resource instanceof CfnResource ? resource : resource.node.defaultChild;
  if (!(cfn instanceof CfnResource)) throw new Error(`nagArn: ${resource.node.path} has no CloudFormation resource`);
  return `<${Stack.of(cfn).resolve(cfn.logicalId) as string}.Arn>`;
}

/** The wildcard actions `IBucket.grantRead` and `grantReadWrite` produce. */
export const S3_READ_WILDCARDS = ['s3:GetObject*', 's3:GetBucket*', 's3:List*'] as const;
export const S3_WRITE_WILDCARDS = ['s3:DeleteObject*', 's3:Abort*'] as const;

/** Acknowledges the wildcard actions and the `<bucket>/<prefix>*` resource of a grant on `bucket`. */
export function acknowledgeBucketGrant(
  grantee: IConstruct,
  bucket: IConstruct,
  access: 'read' | 'readwrite',
  reason: string,
  objectPattern = '*',
): void {
  const actions = access === 'readwrite' ? [...S3_READ_WILDCARDS, ...S3_WRITE_WILDCARDS] : S3_READ_WILDCARDS;
  for (const action of actions) acknowledge(grantee, `AwsSolutions-IAM5[Action::${action}]`, reason);
  acknowledge(grantee, `AwsSolutions-IAM5[Resource::${nagArn(bucket)}/${objectPattern}]`, reason);
}
