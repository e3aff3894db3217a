import { ConfigurationSet, EmailIdentity, EmailSendingEvent, EventDestination, Identity } from 'aws-cdk-lib/aws-ses';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { OperatorAlerts } from './alarms.ts';
import type { EmailSender } from './function.ts';

export type SesIdentityType = 'domain' | 'address';

export interface MailProps {
  senderAddress: string;
  replyToAddress?: string | undefined;
  /** Verify the sender's whole domain (DKIM records to publish) or the address alone (a link to click). */
  identityType: SesIdentityType;
  /** The configuration set's name; CloudFormation generates one when absent. */
  configurationSetName?: string | undefined;
  alerts: OperatorAlerts;
  operatorEmails: readonly string[];
}

/** The events an operator must act on: an official's address that bounces or complains is a recipients.csv fix. */
export const RECORDED_MAIL_EVENTS = [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT, EmailSendingEvent.REJECT] as const;

/**
 * SES: the sender's identity and the configuration set every email goes through. Bounces, complaints
 * and rejects are published to an encrypted SNS topic the operators are subscribed to, and the set keeps
 * SES's reputation metrics (bounce and complaint rates) in CloudWatch.
 */
export class Mail extends Construct {
  readonly identity: EmailIdentity;
  readonly configurationSet: ConfigurationSet;
  readonly eventsTopic: Topic;
  /** What the functions send as: pass to `UcjFunction.allowSendEmail`. */
  readonly sender: EmailSender;

  constructor(scope: Construct, id: string, props: MailProps) {
    super(scope, id);
    const domain = props.senderAddress.slice(props.senderAddress.lastIndexOf('@') + 1);
    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', {
      ...(props.configurationSetName ? { configurationSetName: props.configurationSetName } : {}),
      reputationMetrics: true,
    });
    this.identity = new EmailIdentity(this, 'Identity', {
      identity: props.identityType === 'domain' ? Identity.domain(domain) : Identity.email(props.senderAddress),
      configurationSet: this.configurationSet,
    });
    this.eventsTopic = props.alerts.newTopic('Events', 'ucj-bulletin bounces and complaints', this);
    for (const email of props.operatorEmails) this.eventsTopic.addSubscription(new EmailSubscription(email));
    this.configurationSet.addEventDestination('BouncesAndComplaints', {
      destination: EventDestination.snsTopic(this.eventsTopic),
      events: [...RECORDED_MAIL_EVENTS],
    });
    this.sender = {
      senderAddress: props.senderAddress,
      replyToAddress: props.replyToAddress,
      sesConfigurationSet: this.configurationSet.configurationSetName,
    };
  }
}
