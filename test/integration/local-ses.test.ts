/**
 * The local SES holds the application to a real SES v2 account's rules (tools/local/ses-account.ts): verified
 * senders, the sandbox's verified recipients, sending paused, the daily quota and the sending rate, and
 * answers for the account and its identities from `<stackDir>/ses-account.json`, which a test or a person
 * can change while it runs. Every call goes through a real SESv2Client, so each refusal is shown to reach
 * the application as the exception class and name that SES's would.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sesModule from 'aws-ses-v2-local';
import {
  AlreadyExistsException,
  CreateEmailIdentityCommand,
  GetAccountCommand,
  GetEmailIdentityCommand,
  ListEmailIdentitiesCommand,
  MessageRejected,
  NotFoundException,
  paginateListEmailIdentities,
  SendEmailCommand,
  SendingPausedException,
  SESv2Client,
  SESv2ServiceException,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { LOCAL_CREDENTIALS } from '../../lib/aws/clients.ts';
import { sesMailer } from '../../lib/delivery/mailer.ts';
import { buildMime } from '../../lib/delivery/mime.ts';
import { readSesAccount, sesAccountPath, sesAccountSchema, writeSesAccount, type SesAccount } from '../../tools/local/ses-account.ts';
import { startSesOutboxProxy } from '../../tools/local/ses-outbox.ts';

const REGION = 'ap-southeast-3';
const SENDER = 'buletin@ucj.example';
const PERIOD = '2026-10';
const HOUR = 60 * 60 * 1000;

// As tools/local/stack.ts starts it: a CommonJS module whose `exports.default` is the server factory.
type StartSes = (config: { host: string; port: number }) => Promise<Server>;
const startSesEmulator = ((sesModule as unknown as { default?: StartSes }).default ?? sesModule) as StartSes;

let dir: string;
let outboxDir: string;
let emulator: Server;
let proxy: Server;
let ses: SESv2Client;
let endpoint: string;
// The proxy counts the quotas in this time: a test moves it instead of waiting.
let now = Date.parse('2026-11-02T01:00:00Z');

const closeServer = (server: Server | undefined) => new Promise<void>((done) => (server ? server.close(() => done()) : done()));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucj-local-ses-'));
  outboxDir = join(dir, 'outbox');
  emulator = await startSesEmulator({ host: '127.0.0.1', port: 0 });
  proxy = await startSesOutboxProxy({ host: '127.0.0.1', port: (emulator.address() as AddressInfo).port }, outboxDir, { clock: () => now });
  endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  ses = new SESv2Client({ endpoint, region: REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
});

afterAll(async () => {
  ses?.destroy();
  await Promise.all([closeServer(proxy), closeServer(emulator)]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

// A day later for every test: the previous tests' sends are out of its quotas.
beforeEach(() => {
  now += 25 * HOUR;
});

/** The state file with these changes to the defaults (production access, sending on, ucj.example verified). */
const setAccount = (changes: Partial<SesAccount>) => writeSesAccount(dir, { ...sesAccountSchema.parse({}), ...changes });

const bulletinMime = (from: string, to: string) => buildMime({ from, to, subject: 'Buletin UCJ Oktober 2026', text: 'Buletin terlampir.', period: PERIOD });

/** Sends raw MIME as the application does (lib/delivery/mailer.ts), with Cc and Bcc when a test needs them. */
async function send(options: { from?: string; to: string; cc?: string[]; bcc?: string[] }) {
  const raw = await bulletinMime(options.from ?? SENDER, options.to);
  if (!options.cc && !options.bcc) return sesMailer(ses).sendRaw(raw, options.to);
  const sent = await ses.send(
    new SendEmailCommand({
      Destination: { ToAddresses: [options.to], CcAddresses: options.cc, BccAddresses: options.bcc },
      Content: { Raw: { Data: raw } },
    }),
  );
  return sent.MessageId;
}

/** The error SES refused with; fails the test if it accepted. */
async function refusal(sending: Promise<unknown>): Promise<SESv2ServiceException> {
  try {
    await sending;
  } catch (error) {
    if (error instanceof SESv2ServiceException) return error;
    throw error;
  }
  throw new Error('SES accepted what it should have refused');
}

const notVerified = (...identities: string[]) =>
  `Email address is not verified. The following identities failed the check in region AP-SOUTHEAST-3: ${identities.join(', ')}`;

async function outbox(): Promise<string[]> {
  const names = await readdir(outboxDir, { recursive: true }).catch(() => [] as string[]);
  return names.filter((name) => name.endsWith('.eml')).sort();
}

const sentLast24Hours = async () => (await ses.send(new GetAccountCommand({}))).SendQuota?.SentLast24Hours;

describe('the local SES, as an SES v2 account', () => {
  it('sends from the local sender when there is no account file, as the local stack always has', async () => {
    await rm(sesAccountPath(dir), { force: true });
    const before = await outbox();

    const messageId = await send({ to: 'kepala.dinas@pemprov.example' });

    expect(messageId).toMatch(/^ses-/);
    const kept = (await outbox()).filter((name) => !before.includes(name));
    expect(kept).toEqual([join(PERIOD, `kepala.dinas@pemprov.example-${messageId}.eml`)]);
    const account = await ses.send(new GetAccountCommand({}));
    expect(account).toMatchObject({
      ProductionAccessEnabled: true,
      SendingEnabled: true,
      EnforcementStatus: 'HEALTHY',
      SendQuota: { Max24HourSend: -1, MaxSendRate: -1, SentLast24Hours: 1 },
    });
  });

  it('refuses an unverified sender with MessageRejected naming it, and nothing reaches the outbox', async () => {
    await setAccount({});
    const before = await outbox();

    const error = await refusal(send({ from: 'humas@kemnaker.example', to: 'kepala.dinas@pemprov.example' }));

    expect(error).toBeInstanceOf(MessageRejected);
    expect(error.name).toBe('MessageRejected');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe(notVerified('humas@kemnaker.example'));
    expect(await outbox()).toEqual(before);
    expect(await sentLast24Hours()).toBe(0);
  });

  it.each(['PENDING', 'FAILED', 'TEMPORARY_FAILURE', 'NOT_STARTED'] as const)('refuses the sender while its domain is %s', async (status) => {
    await setAccount({ identities: { 'ucj.example': status } });

    const error = await refusal(send({ to: 'kepala.dinas@pemprov.example' }));

    expect(error).toBeInstanceOf(MessageRejected);
    expect(error.message).toBe(notVerified(SENDER));
  });

  it('sends from any address of a verified domain or its subdomains, and from a verified address alone', async () => {
    await setAccount({ identities: { 'ucj.example': 'SUCCESS', 'pusdatin@kemnaker.example': 'SUCCESS' } });

    for (const from of ['laporan@ucj.example', 'noreply@buletin.ucj.example', 'pusdatin@kemnaker.example']) {
      expect(await send({ from, to: 'kepala.dinas@pemprov.example' })).toMatch(/^ses-/);
    }
    // The address is verified, not its domain.
    const error = await refusal(send({ from: 'humas@kemnaker.example', to: 'kepala.dinas@pemprov.example' }));
    expect(error.message).toBe(notVerified('humas@kemnaker.example'));
  });

  it('in the sandbox, delivers to a verified recipient and refuses an unverified one, naming only the unverified', async () => {
    await setAccount({
      productionAccessEnabled: false,
      identities: { 'ucj.example': 'SUCCESS', 'kepala.dinas@pemprov.example': 'SUCCESS', 'bps.example': 'SUCCESS' },
      sendQuota: { max24HourSend: 200, maxSendRate: -1 },
    });
    const before = await outbox();

    const delivered = await send({ to: 'kepala.dinas@pemprov.example' });
    const refused = await refusal(send({ to: 'staf.dinas@pemprov.example' }));
    const refusedCopies = await refusal(
      send({ to: 'kepala.dinas@pemprov.example', cc: ['kasubag@pemkab.example', 'data@bps.example'], bcc: ['arsip@pemkab.example'] }),
    );

    expect((await outbox()).filter((name) => !before.includes(name))).toEqual([join(PERIOD, `kepala.dinas@pemprov.example-${delivered}.eml`)]);
    expect(refused).toBeInstanceOf(MessageRejected);
    expect(refused.message).toBe(notVerified('staf.dinas@pemprov.example'));
    // Every unverified recipient, To, Cc or Bcc; the ones verified by address or domain are not named.
    expect(refusedCopies.message).toBe(notVerified('kasubag@pemkab.example', 'arsip@pemkab.example'));
    // The mailbox simulator's inboxes need no verification.
    expect(await send({ to: 'success@simulator.amazonses.com' })).toMatch(/^ses-/);

    // With production access the same recipient is sent to: it was the sandbox that refused it.
    await setAccount({ productionAccessEnabled: true });
    expect(await send({ to: 'staf.dinas@pemprov.example' })).toMatch(/^ses-/);
  });

  it('refuses every email with SendingPausedException while sending is disabled', async () => {
    await setAccount({ sendingEnabled: false });
    const before = await outbox();

    const error = await refusal(send({ to: 'kepala.dinas@pemprov.example' }));

    expect(error).toBeInstanceOf(SendingPausedException);
    expect(error.name).toBe('SendingPausedException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(await outbox()).toEqual(before);
  });

  it('stops at the daily quota with TooManyRequestsException, counting recipients, until 24 hours have passed', async () => {
    await setAccount({
      productionAccessEnabled: false,
      identities: { 'ucj.example': 'SUCCESS', 'pemprov.example': 'SUCCESS' },
      sendQuota: { max24HourSend: 3, maxSendRate: -1 },
    });

    await send({ to: 'kepala.dinas@pemprov.example' });
    // Two recipients: SES lets an email through while any of the quota is left, and counts both.
    await send({ to: 'sekretaris@pemprov.example', cc: ['kasubag@pemprov.example'] });
    expect(await sentLast24Hours()).toBe(3);
    const before = await outbox();
    const error = await refusal(send({ to: 'staf@pemprov.example' }));

    expect(error).toBeInstanceOf(TooManyRequestsException);
    expect(error.name).toBe('TooManyRequestsException');
    expect(error.$metadata.httpStatusCode).toBe(429);
    expect(error.message).toBe('Daily message quota exceeded.');
    expect(await outbox()).toEqual(before);
    expect(await sentLast24Hours()).toBe(3);

    now += 24 * HOUR;
    expect(await sentLast24Hours()).toBe(0);
    expect(await send({ to: 'staf@pemprov.example' })).toMatch(/^ses-/);
    expect(await sentLast24Hours()).toBe(1);
  });

  it("holds the sandbox to SES's 200 emails a day at one a second", async () => {
    await setAccount({ productionAccessEnabled: false, identities: { 'ucj.example': 'SUCCESS', 'pemprov.example': 'SUCCESS' } });

    expect((await ses.send(new GetAccountCommand({}))).SendQuota).toEqual({ Max24HourSend: 200, MaxSendRate: 1, SentLast24Hours: 0 });
    await send({ to: 'kepala.dinas@pemprov.example' });
    const error = await refusal(send({ to: 'sekretaris@pemprov.example' }));

    expect(error).toBeInstanceOf(TooManyRequestsException);
    expect(error.message).toBe('Maximum sending rate exceeded.');
    now += 1000;
    expect(await send({ to: 'sekretaris@pemprov.example' })).toMatch(/^ses-/);
    expect(await sentLast24Hours()).toBe(2);
  });

  it('answers GetAccount from the state file, following a change made by another process while it runs', async () => {
    await setAccount({ productionAccessEnabled: false });
    const sandbox = await ses.send(new GetAccountCommand({}));
    expect(sandbox).toMatchObject({ ProductionAccessEnabled: false, SendingEnabled: true, EnforcementStatus: 'HEALTHY' });
    expect(sandbox.Details).toBeUndefined();

    const state = { productionAccessEnabled: true, sendingEnabled: false, identities: { 'ucj.example': 'SUCCESS' } };
    const accountModule = join(import.meta.dirname, '..', '..', 'tools', 'local', 'ses-account.ts');
    await promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import { writeSesAccount } from ${JSON.stringify(accountModule)}; await writeSesAccount(${JSON.stringify(dir)}, ${JSON.stringify(state)});`,
    ]);

    const switched = await ses.send(new GetAccountCommand({}));
    expect(switched).toMatchObject({
      ProductionAccessEnabled: true,
      SendingEnabled: false,
      SendQuota: { Max24HourSend: -1, MaxSendRate: -1 },
      Details: { ReviewDetails: { Status: 'GRANTED' } },
    });
  });

  it('lists identities a page at a time with ListEmailIdentities, as the state file has them', async () => {
    const identities = {
      'ucj.example': 'SUCCESS',
      'pemprov.example': 'PENDING',
      'kepala.dinas@pemkab.example': 'SUCCESS',
      'staf@pemkab.example': 'FAILED',
      'bps.example': 'NOT_STARTED',
    } as const;
    await setAccount({ identities });

    const first = await ses.send(new ListEmailIdentitiesCommand({ PageSize: 2 }));
    expect(first.EmailIdentities).toHaveLength(2);
    expect(first.NextToken).toBeDefined();
    const pages = [];
    for await (const page of paginateListEmailIdentities({ client: ses, pageSize: 2 }, {})) pages.push(page.EmailIdentities ?? []);
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    const listed = pages.flat();
    expect(listed.map((identity) => identity.IdentityName)).toEqual(Object.keys(identities).sort());
    expect(listed.find((identity) => identity.IdentityName === 'kepala.dinas@pemkab.example')).toEqual({
      IdentityType: 'EMAIL_ADDRESS',
      IdentityName: 'kepala.dinas@pemkab.example',
      SendingEnabled: true,
      VerificationStatus: 'SUCCESS',
    });
    expect(listed.find((identity) => identity.IdentityName === 'pemprov.example')).toEqual({
      IdentityType: 'DOMAIN',
      IdentityName: 'pemprov.example',
      SendingEnabled: false,
      VerificationStatus: 'PENDING',
    });
    const verified = await ses.send(new ListEmailIdentitiesCommand({ Filter: { VERIFICATION_STATUS: 'SUCCESS' } }));
    expect(verified.EmailIdentities?.map((identity) => identity.IdentityName)).toEqual(['kepala.dinas@pemkab.example', 'ucj.example']);

    // The documented REST form, GET /v2/email/identities, pages the same way (today's SDK POSTs instead).
    const viaGet = async (query: string) => JSON.parse(await (await fetch(`${endpoint}/v2/email/identities?${query}`)).text());
    const firstByGet = await viaGet('PageSize=3');
    const restByGet = await viaGet(`PageSize=3&NextToken=${encodeURIComponent(firstByGet.NextToken)}`);
    expect([...firstByGet.EmailIdentities, ...restByGet.EmailIdentities].map((identity: { IdentityName: string }) => identity.IdentityName)).toEqual(
      Object.keys(identities).sort(),
    );
    expect(restByGet.NextToken).toBeUndefined();

    // A change to the file while the proxy runs is in the next answer.
    await setAccount({ identities: { ...identities, 'pemprov.example': 'SUCCESS' } });
    const after = await ses.send(new ListEmailIdentitiesCommand({ Filter: { VERIFICATION_STATUS: 'SUCCESS' } }));
    expect(after.EmailIdentities?.map((identity) => identity.IdentityName)).toEqual(['kepala.dinas@pemkab.example', 'pemprov.example', 'ucj.example']);
  });

  it('describes an identity with GetEmailIdentity, and refuses an unknown one with NotFoundException', async () => {
    await setAccount({ identities: { 'ucj.example': 'SUCCESS', 'pusdatin@kemnaker.example': 'PENDING' } });

    const domain = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: 'ucj.example' }));
    expect(domain).toMatchObject({
      IdentityType: 'DOMAIN',
      VerifiedForSendingStatus: true,
      VerificationStatus: 'SUCCESS',
      DkimAttributes: { SigningEnabled: true, Status: 'SUCCESS', SigningAttributesOrigin: 'AWS_SES' },
    });
    expect(domain.DkimAttributes?.Tokens).toHaveLength(3);
    const address = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: 'pusdatin@kemnaker.example' }));
    expect(address).toMatchObject({ IdentityType: 'EMAIL_ADDRESS', VerifiedForSendingStatus: false, VerificationStatus: 'PENDING' });

    const unknown = await refusal(ses.send(new GetEmailIdentityCommand({ EmailIdentity: 'bps.example' })));
    expect(unknown).toBeInstanceOf(NotFoundException);
    expect(unknown.name).toBe('NotFoundException');
    expect(unknown.$metadata.httpStatusCode).toBe(404);

    // The address is verified (its link clicked) while the proxy runs: SES says so, and it sends.
    await setAccount({ identities: { 'ucj.example': 'SUCCESS', 'pusdatin@kemnaker.example': 'SUCCESS' } });
    const verified = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: 'pusdatin@kemnaker.example' }));
    expect(verified).toMatchObject({ VerifiedForSendingStatus: true, VerificationStatus: 'SUCCESS' });
    expect(await send({ from: 'pusdatin@kemnaker.example', to: 'kepala.dinas@pemprov.example' })).toMatch(/^ses-/);
  });

  it('adds a PENDING identity with CreateEmailIdentity, which can send once it is verified', async () => {
    await setAccount({ identities: {} });

    const created = await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'ucj.example' }));
    expect(created).toMatchObject({ IdentityType: 'DOMAIN', VerifiedForSendingStatus: false, DkimAttributes: { Status: 'PENDING' } });
    expect(created.DkimAttributes?.Tokens).toHaveLength(3);
    expect(await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'pusdatin@kemnaker.example' }))).toMatchObject({
      IdentityType: 'EMAIL_ADDRESS',
      VerifiedForSendingStatus: false,
    });
    expect(JSON.parse(await readFile(sesAccountPath(dir), 'utf8')).identities).toEqual({
      'ucj.example': 'PENDING',
      'pusdatin@kemnaker.example': 'PENDING',
    });
    expect((await ses.send(new GetEmailIdentityCommand({ EmailIdentity: 'ucj.example' }))).VerificationStatus).toBe('PENDING');
    expect((await refusal(send({ to: 'kepala.dinas@pemprov.example' }))).message).toBe(notVerified(SENDER));

    const again = await refusal(ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'ucj.example' })));
    expect(again).toBeInstanceOf(AlreadyExistsException);
    expect(again.name).toBe('AlreadyExistsException');

    // The DKIM records are published: a person or a test flips the status, as SES would.
    const account = await readSesAccount(dir);
    await writeSesAccount(dir, { ...account, identities: { ...account.identities, 'ucj.example': 'SUCCESS' } });
    expect(await send({ to: 'kepala.dinas@pemprov.example' })).toMatch(/^ses-/);
  });

  it('fills a partial state file with the defaults, and names a broken one in the error the application sees', async () => {
    await writeFile(sesAccountPath(dir), JSON.stringify({ productionAccessEnabled: false }));
    expect(await readSesAccount(dir)).toEqual({ productionAccessEnabled: false, sendingEnabled: true, identities: { 'ucj.example': 'SUCCESS' } });

    await writeFile(sesAccountPath(dir), JSON.stringify({ productionAccessEnabled: 'no' }));
    await expect(readSesAccount(dir)).rejects.toThrow(/ses-account\.json is not a valid SES account state/);
    const error = await refusal(send({ to: 'kepala.dinas@pemprov.example' }));
    expect(error.message).toContain('ses-account.json is not a valid SES account state');
    // @ts-expect-error -- a state the schema refuses is never written
    await expect(writeSesAccount(dir, { productionAccessEnabled: 'no', sendingEnabled: true, identities: {} })).rejects.toThrow();
  });
});
