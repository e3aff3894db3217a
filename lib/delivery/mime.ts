/**
 * Every email the system sends, as raw MIME built by nodemailer's composer: SES v2 takes it as Raw
 * content (the local SES drops attachments of Simple content), and the local outbox files it under the
 * month in its X-UCJ-Period header.
 */
import MailComposer from 'nodemailer/lib/mail-composer';

export interface MimeMessage {
  from: string;
  to: string;
  replyTo?: string;
  subject: string;
  text: string;
  html?: string;
  /** The month the email is about. */
  period: string;
  attachments?: Array<{ fileName: string; content: Buffer; contentType: string }>;
}

export function buildMime(message: MimeMessage): Promise<Buffer> {
  return new MailComposer({
    from: message.from,
    to: message.to,
    replyTo: message.replyTo,
    subject: message.subject,
    text: message.text,
    html: message.html,
    headers: { 'X-UCJ-Period': message.period },
    // Content comes only from the buffers given here, never from a path or URL.
    disableFileAccess: true,
    disableUrlAccess: true,
    attachments: (message.attachments ?? []).map((a) => ({ filename: a.fileName, content: a.content, contentType: a.contentType })),
  })
    .compile()
    .build();
}
