/** Sending raw MIME through SES v2. */
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';

export interface Mailer {
  /** Returns SES's message id. */
  sendRaw(raw: Buffer, destination: string): Promise<string>;
}

export function sesMailer(ses: SESv2Client, configurationSet?: string): Mailer {
  return {
    async sendRaw(raw, destination) {
      const out = await ses.send(
        new SendEmailCommand({
          Destination: { ToAddresses: [destination] },
          Content: { Raw: { Data: raw } },
          ...(configurationSet ? { ConfigurationSetName: configurationSet } : {}),
        }),
      );
      if (!out.MessageId) throw new Error('SES accepted the email but returned no message id');
      return out.MessageId;
    },
  };
}
