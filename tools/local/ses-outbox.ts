/**
 * A loopback proxy in front of aws-ses-v2-local. It holds the local SES to a real account's rules (the state
 * and rules of ses-account.ts: verified senders, the sandbox, sending paused, the daily quota and the sending
 * rate), reading `<stackDir>/ses-account.json` on each request, and keeps the raw MIME of every email the
 * local SES accepts as `outbox/<YYYY-MM>/<…>.eml`, the month being the one the email is about (its
 * X-UCJ-Period header). The emulator itself keeps emails only in memory and re-encodes them; the .eml files
 * are the bytes the application actually sent, for a person or a test to open.
 *
 * The proxy answers the account's operations itself, as SES v2 does: the emulator answers GetAccount only
 * from an environment variable and has no identities at all. They are GetAccount, ListEmailIdentities (both
 * the documented `GET /v2/email/identities` and the `POST /v2/email/list-identities` that the current SDK
 * sends), GetEmailIdentity and CreateEmailIdentity. SendEmail is checked before the emulator sees it: a
 * refused email is answered with SES's error, never forwarded, counted or kept. Everything else is forwarded.
 */
import { createServer, request, type IncomingMessage, type OutgoingHttpHeaders, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import addressparser from 'nodemailer/lib/addressparser';
import * as z from 'zod';
import { periodInJakarta } from '../../lib/domain/period.ts';
import { readBody } from './http.ts';
import {
  accountResponse,
  assertSendable,
  createdIdentityResponse,
  emailIdentityResponse,
  identityListingSchema,
  listEmailIdentitiesResponse,
  readSesAccount,
  SendingMeter,
  sendQuotaOf,
  SesApiError,
  sesErrors,
  updateSesAccount,
  withNewIdentity,
  type IdentityListing,
  type OutgoingEmail,
} from './ses-account.ts';
import { parseJsonOrUndefined } from '../../lib/util/json.ts';

/** A header's value from the MIME header block (first match, unfolded). */
export function mimeHeader(raw: Buffer, name: string): string | undefined {
  const head = raw.subarray(0, Math.min(raw.length, 64 * 1024)).toString('latin1').split(/\r?\n\r?\n/)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const match = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(unfolded);
  return match?.[1]?.trim();
}

const safe = (text: string) => text.replace(/[^A-Za-z0-9@._-]+/g, '_').slice(0, 120);

export interface SesProxyOptions {
  /** The folder of ses-account.json: the stack's folder, which by default is the outbox's parent (stackPaths). */
  accountDir?: string;
  /** The time the quotas are counted in; tests move it instead of waiting. */
  clock?: () => number;
}

interface Reply {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer | string;
}

/** The emulator's answer, passed on as it came. */
interface ForwardedReply extends Reply {
  body: Buffer;
}

const sendEmailRequestSchema = z.object({
  FromEmailAddress: z.string().optional(),
  FeedbackForwardingEmailAddress: z.string().optional(),
  Destination: z
    .object({
      ToAddresses: z.array(z.string()).optional(),
      CcAddresses: z.array(z.string()).optional(),
      BccAddresses: z.array(z.string()).optional(),
    })
    .optional(),
  Content: z.object({ Raw: z.object({ Data: z.string() }).optional() }),
});
type SendEmailRequest = z.infer<typeof sendEmailRequestSchema>;

const createEmailIdentityRequestSchema = z.object({ EmailIdentity: z.string().min(1) });
const sendEmailResponseSchema = z.object({ MessageId: z.string() });

export async function startSesOutboxProxy(
  target: { host: string; port: number },
  outboxDir: string,
  options: SesProxyOptions = {},
): Promise<Server> {
  const accountDir = options.accountDir ?? dirname(outboxDir);
  const meter = new SendingMeter(options.clock);

  const forward = (req: IncomingMessage, body: Buffer) =>
    new Promise<ForwardedReply>((resolve, reject) => {
      const upstream = request(
        { host: target.host, port: target.port, method: req.method, path: req.url, headers: req.headers },
        async (response) => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: await readBody(response) }),
      );
      upstream.on('error', reject);
      upstream.end(body);
    });

  const listIdentities = async (listing: IdentityListing) => jsonReply(listEmailIdentitiesResponse(await readSesAccount(accountDir), listing));

  async function sendEmail(req: IncomingMessage, body: Buffer): Promise<Reply> {
    const parsed = sendEmailRequestSchema.safeParse(parseJson(body));
    // The emulator answers a malformed request its own way.
    if (!parsed.success) return forward(req, body);
    const email = outgoingEmail(parsed.data);
    const account = await readSesAccount(accountDir);
    assertSendable(account, email, signingRegion(req));
    const admission = meter.admit(sendQuotaOf(account), email.recipients.length);
    const upstream = await forward(req, body).catch((error: unknown) => {
      admission.release();
      throw error;
    });
    if (upstream.status !== 200) {
      admission.release();
      return upstream;
    }
    await keepRawEmail(parsed.data, upstream.body, outboxDir);
    return upstream;
  }

  async function answer(req: IncomingMessage, body: Buffer): Promise<Reply> {
    const url = new URL(req.url ?? '/', 'http://ses.local');
    const identityPath = /^\/v2\/email\/identities\/([^/]+)$/.exec(url.pathname);
    switch (`${req.method} ${url.pathname}`) {
      case 'GET /v2/email/account':
        return jsonReply(accountResponse(await readSesAccount(accountDir), meter.sentLast24Hours()));
      case 'GET /v2/email/identities':
        return listIdentities(parseRequest(identityListingSchema, Object.fromEntries(url.searchParams)));
      case 'POST /v2/email/list-identities':
        return listIdentities(parseRequest(identityListingSchema, parseJson(body)));
      case 'POST /v2/email/identities': {
        const { EmailIdentity } = parseRequest(createEmailIdentityRequestSchema, parseJson(body));
        await updateSesAccount(accountDir, (account) => withNewIdentity(account, EmailIdentity));
        return jsonReply(createdIdentityResponse(EmailIdentity));
      }
      case 'POST /v2/email/outbound-emails':
        return sendEmail(req, body);
    }
    if (req.method === 'GET' && identityPath?.[1]) {
      return jsonReply(emailIdentityResponse(await readSesAccount(accountDir), decodeURIComponent(identityPath[1])));
    }
    return forward(req, body);
  }

  const server = createServer(async (req, res) => {
    let reply: Reply;
    try {
      reply = await answer(req, await readBody(req));
    } catch (error) {
      reply =
        error instanceof SesApiError
          ? sesErrorReply(error)
          : {
              status: 502,
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ message: `local SES proxy: ${error instanceof Error ? error.message : String(error)}` }),
            };
    }
    res.writeHead(reply.status, reply.headers);
    res.end(reply.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const jsonReply = (body: unknown): Reply => ({
  status: 200,
  headers: { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() },
  body: JSON.stringify(body),
});

/** An error as SES v2's REST-JSON protocol returns it: the SDK takes its exception's name from x-amzn-ErrorType. */
const sesErrorReply = (error: SesApiError): Reply => ({
  status: error.status,
  headers: { 'content-type': 'application/json', 'x-amzn-errortype': error.name, 'x-amzn-requestid': randomUUID() },
  body: JSON.stringify({ message: error.message }),
});

/** An empty body is an empty request (SES's GET-like calls send none). */
const parseJson = (body: Buffer): unknown => (body.length === 0 ? {} : parseJsonOrUndefined(body));

function parseRequest<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (!result.success) throw sesErrors.badRequest(z.prettifyError(result.error));
  return result.data;
}

/** The region the request was signed for (its SigV4 credential scope), which SES names in its errors. */
function signingRegion(req: IncomingMessage): string {
  return /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? 'us-east-1';
}

const addressesIn = (field: string | undefined) => (field ? addressparser(field, { flatten: true }).map((mailbox) => mailbox.address) : []);

/**
 * Who an email is sent as and to. For Raw content without a Destination, SES takes the recipients from the
 * To, Cc and Bcc headers; with one, the Destination is who receives it.
 */
function outgoingEmail(sent: SendEmailRequest): OutgoingEmail {
  const raw = sent.Content.Raw ? Buffer.from(sent.Content.Raw.Data, 'base64') : undefined;
  const inHeader = (name: string) => (raw ? addressesIn(mimeHeader(raw, name)) : []);
  const destination = sent.Destination;
  return {
    senders: [...addressesIn(sent.FromEmailAddress), ...inHeader('From'), ...inHeader('Sender'), ...addressesIn(sent.FeedbackForwardingEmailAddress)],
    recipients: destination
      ? [...(destination.ToAddresses ?? []), ...(destination.CcAddresses ?? []), ...(destination.BccAddresses ?? [])].flatMap(addressesIn)
      : ['To', 'Cc', 'Bcc'].flatMap(inHeader),
  };
}

const madeDirs = new Set<string>();

async function keepRawEmail(sent: SendEmailRequest, responseBody: Buffer, outboxDir: string): Promise<void> {
  const data = sent.Content.Raw?.Data;
  if (!data) return;
  const raw = Buffer.from(data, 'base64');
  const { MessageId } = sendEmailResponseSchema.parse(parseJson(responseBody));
  const period = mimeHeader(raw, 'X-UCJ-Period') ?? periodInJakarta(new Date());
  const to = sent.Destination?.ToAddresses?.[0] ?? mimeHeader(raw, 'To') ?? 'unknown';
  const dir = join(outboxDir, safe(period));
  const file = join(dir, `${safe(to)}-${safe(MessageId)}.eml`);
  if (!madeDirs.has(dir)) {
    await mkdir(dir, { recursive: true });
    madeDirs.add(dir);
  }
  try {
    await writeFile(file, raw);
  } catch (error) {
    // The folder was removed while the stack ran (a person or a test clearing the outbox): make it again.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(dir, { recursive: true });
    await writeFile(file, raw);
  }
}
