/**
 * The outputs of the deployed stack that the operator commands read (`ucj … --stack <name>`, through
 * CloudFormation's DescribeStacks) and the local stack offers under the same names.
 */
export const STACK_OUTPUTS = [
  'BucketName',
  'TableName',
  'MonthlyRunFunctionName',
  'RemindUploadsFunctionName',
  'DeliveryQueueUrl',
  'DeliveryDeadLetterQueueUrl',
  'DeliveryDeadLetterQueueArn',
  'FailedEventsQueueUrl',
  'FailedEventsQueueArn',
  'ScheduleDeadLetterQueueArn',
  'DownloadUrl',
  'AlarmTopicArn',
  'SesConfigurationSetName',
  'UserPoolId',
  'PortalUrl',
] as const;

export type StackOutput = (typeof STACK_OUTPUTS)[number];
