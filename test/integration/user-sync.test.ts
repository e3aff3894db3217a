/**
 * The portal's users brought in line with config/recipients.csv (lib/portal/user-sync.ts) against the
 * local Cognito (tools/local/cognito.ts): the SDK's own client, SigV4-signed for the region, talking to a
 * real user-pool API on loopback, and managed login driven as a browser would to see who can sign in.
 * Then `ucj users` as the CLI runs it (syncUsersOn) on the local stack, reading recipients.csv from its bucket.
 *
 * syncUsers disables everyone a list leaves out, so each test gets a pool of its own.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-cognito-identity-provider';
import { LOCAL_CREDENTIALS } from '../../lib/aws/clients.ts';
import { LOCAL_PORTAL_PASSWORD, PORTAL_PATHS } from '../../lib/contract/portal.ts';
import { validateRecipients, type Recipient } from '../../lib/inputs/recipients.ts';
import { loadRegionIndex } from '../../lib/domain/regions.ts';
import { RECIPIENTS_KEY } from '../../lib/storage/keys.ts';
import { listPoolUsers, setLocalPassword, syncUsers } from '../../lib/portal/user-sync.ts';
import { signInAtLocalLogin, startLocalCognito, type LocalCognito } from '../../tools/local/cognito.ts';
import { startLocalStack, type LocalStack } from '../../tools/local/stack.ts';
import { syncUsersOn, uploadFiles } from '../../tools/cli/operations.ts';
import { generateSampleDataset } from '../../tools/sample/index.ts';
import { refusal } from '../support/refusal.ts';

const REGION = 'ap-southeast-3';
const PORTAL = 'http://127.0.0.1:8787';
const CALLBACK = `${PORTAL}${PORTAL_PATHS.callback}`;
const SIGNED_OUT = `${PORTAL}${PORTAL_PATHS.signedOut}`;

const recipient = (email: string, name: string, role: Recipient['role'] = 'pejabat', scope = 'nasional'): Recipient => ({ email, name, title: '', scope, role });

interface Pool {
  cognito: LocalCognito;
  client: CognitoIdentityProviderClient;
  id: string;
}

let root: string;
let opened: Pool[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ucj-user-sync-'));
});

afterEach(async () => {
  const pools = opened;
  opened = [];
  for (const pool of pools) {
    pool.client.destroy();
    await pool.cognito.close();
  }
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const sdkClient = (endpoint: string) => new CognitoIdentityProviderClient({ region: REGION, endpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });

/** A new, empty local pool, closed after the test. */
async function freshPool(): Promise<Pool> {
  const cognito = await startLocalCognito({ dir: await mkdtemp(join(root, 'pool-')), region: REGION, callbackUrls: [CALLBACK], logoutUrls: [SIGNED_OUT] });
  const pool = { cognito, client: sdkClient(cognito.endpoint), id: cognito.userPoolId };
  opened.push(pool);
  return pool;
}

const attributesOf = (user: { UserAttributes?: Array<{ Name?: string; Value?: string }> }) => Object.fromEntries((user.UserAttributes ?? []).map((a) => [a.Name, a.Value]));

async function getUser(pool: Pool, email: string) {
  const user = await pool.client.send(new AdminGetUserCommand({ UserPoolId: pool.id, Username: email }));
  return { enabled: user.Enabled, status: user.UserStatus, attributes: attributesOf(user) };
}

function authorizeUrl(cognito: LocalCognito): string {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: cognito.clientId,
    redirect_uri: CALLBACK,
    scope: 'openid email profile',
    state: 's',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  return `${cognito.loginBaseUrl}/oauth2/authorize?${query}`;
}

/** Signs in at managed login; the callback URL it redirects to. */
const signIn = (pool: Pool, email: string, password: string, options: { newPassword?: string } = {}) => signInAtLocalLogin(authorizeUrl(pool.cognito), email, password, options);

async function expectCode(callback: Promise<URL>): Promise<void> {
  const url = await callback;
  expect(`${url.origin}${url.pathname}`).toBe(CALLBACK);
  expect(url.searchParams.get('error')).toBeNull();
  expect(url.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
  expect(url.searchParams.get('state')).toBe('s');
}

const emailsOf = (users: ReadonlyArray<{ email: string }>) => users.map((u) => u.email).sort();

describe('listPoolUsers and syncUsers against the local Cognito', () => {
  it('reads every page of a pool larger than one ListUsers page', async () => {
    const pool = await freshPool();
    const people = Array.from({ length: 130 }, (_, i) => recipient(`orang${String(i).padStart(3, '0')}@x.id`, `Orang ${i}`));
    const created = await syncUsers(pool.client, pool.id, people);
    expect(created.create).toHaveLength(130);

    // The server cuts pages at 60: a single ListUsers does not see everyone.
    const first = await pool.client.send(new ListUsersCommand({ UserPoolId: pool.id, Limit: 60 }));
    expect(first.Users).toHaveLength(60);
    expect(first.PaginationToken).toBeTruthy();

    const listed = await listPoolUsers(pool.client, pool.id);
    expect(listed).toHaveLength(130);
    expect(emailsOf(listed)).toEqual(people.map((p) => p.email).sort());
    expect(listed.every((u) => u.enabled && u.status === 'FORCE_CHANGE_PASSWORD')).toBe(true);
    // A second run reads all three pages too, and finds nothing to do.
    expect(await syncUsers(pool.client, pool.id, people)).toEqual({ create: [], disable: [], enable: [], unchanged: people.map((p) => p.email).sort() });
  });

  it('creates with a verified email and the name, disables the unlisted, enables the re-listed, and never deletes', async () => {
    const pool = await freshPool();
    await syncUsers(pool.client, pool.id, [recipient('tetap@x.id', 'Tetap'), recipient('lama@x.id', 'Lama'), recipient('kembali@x.id', 'Kembali')]);
    expect(await syncUsers(pool.client, pool.id, [recipient('tetap@x.id', 'Tetap'), recipient('lama@x.id', 'Lama')])).toMatchObject({ disable: ['kembali@x.id'] });
    expect((await getUser(pool, 'kembali@x.id')).enabled).toBe(false);

    const recipients = [recipient('tetap@x.id', 'Tetap'), recipient('baru@x.id', 'Baru Sekali', 'admin', '18'), recipient('kembali@x.id', 'Kembali')];
    const progress: string[] = [];
    const plan = await syncUsers(pool.client, pool.id, recipients, { onProgress: (done, total) => progress.push(`${done}/${total}`) });
    expect(plan).toEqual({ create: [{ email: 'baru@x.id', name: 'Baru Sekali' }], disable: ['lama@x.id'], enable: ['kembali@x.id'], unchanged: ['tetap@x.id'] });
    expect(progress).toEqual(['1/3', '2/3', '3/3']);

    expect(await getUser(pool, 'baru@x.id')).toMatchObject({
      enabled: true,
      status: 'FORCE_CHANGE_PASSWORD',
      attributes: { email: 'baru@x.id', email_verified: 'true', name: 'Baru Sekali' },
    });
    // Disabled, not deleted: the pool still finds the user, with what it recorded.
    expect(await getUser(pool, 'lama@x.id')).toMatchObject({ enabled: false, attributes: { email: 'lama@x.id', name: 'Lama' } });
    expect(await getUser(pool, 'kembali@x.id')).toMatchObject({ enabled: true, attributes: { name: 'Kembali' } });

    const listed = await listPoolUsers(pool.client, pool.id);
    expect(emailsOf(listed)).toEqual(['baru@x.id', 'kembali@x.id', 'lama@x.id', 'tetap@x.id']);
    // The pool signs in by email and keeps a generated username: the sync addressed users by it.
    for (const user of listed) expect(user.username).not.toBe(user.email);

    // A second run finds nothing to do: the unlisted user is already disabled.
    expect(await syncUsers(pool.client, pool.id, recipients)).toEqual({ create: [], disable: [], enable: [], unchanged: ['baru@x.id', 'kembali@x.id', 'lama@x.id', 'tetap@x.id'] });
  });

  it('changes nothing on a dry run', async () => {
    const pool = await freshPool();
    await syncUsers(pool.client, pool.id, [recipient('lama@x.id', 'Lama')]);
    const before = await listPoolUsers(pool.client, pool.id);
    const plan = await syncUsers(pool.client, pool.id, [recipient('baru@x.id', 'Baru')], { dryRun: true });
    expect(plan).toEqual({ create: [{ email: 'baru@x.id', name: 'Baru' }], disable: ['lama@x.id'], enable: [], unchanged: [] });
    expect(await listPoolUsers(pool.client, pool.id)).toEqual(before);
    expect((await getUser(pool, 'lama@x.id')).enabled).toBe(true);
  });

  it('gives the invited users the temporary password when one is given', async () => {
    const pool = await freshPool();
    await syncUsers(pool.client, pool.id, [recipient('undangan@x.id', 'Undangan')], { temporaryPassword: 'Sementara-2024!' });
    await expect(signIn(pool, 'undangan@x.id', 'Sementara-2024!')).rejects.toThrow('asks for a new password');
    await expectCode(signIn(pool, 'undangan@x.id', 'Sementara-2024!', { newPassword: 'Kata-Sandi-Baru-2025' }));
    expect((await getUser(pool, 'undangan@x.id')).status).toBe('CONFIRMED');
  });

  it('counts a user made by another writer between its listing and its creating as created', async () => {
    const pool = await freshPool();
    const other = sdkClient(pool.cognito.endpoint);
    // The race made deterministic: when this client is about to create b@x.id, another client (a second
    // `ucj users`, or someone in the console) has just created it, for real, in the same pool; the
    // local Cognito then answers this client's AdminCreateUser with its own UsernameExistsException.
    pool.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'AdminCreateUserCommand' && JSON.stringify(args.input).includes('"b@x.id"')) {
          await other.send(
            new AdminCreateUserCommand({
              UserPoolId: pool.id,
              Username: 'b@x.id',
              UserAttributes: [{ Name: 'email', Value: 'b@x.id' }, { Name: 'email_verified', Value: 'true' }],
              MessageAction: 'SUPPRESS',
            }),
          );
        }
        return next(args);
      },
      { step: 'initialize', priority: 'high', name: 'otherWriter' },
    );
    try {
      const plan = await syncUsers(pool.client, pool.id, [recipient('a@x.id', 'A'), recipient('b@x.id', 'B')]);
      expect(plan.create).toEqual([
        { email: 'a@x.id', name: 'A' },
        { email: 'b@x.id', name: 'B' },
      ]);
    } finally {
      other.destroy();
    }
    // One user each, b@x.id as the other writer made it.
    expect(emailsOf(await listPoolUsers(pool.client, pool.id))).toEqual(['a@x.id', 'b@x.id']);
    expect((await getUser(pool, 'b@x.id')).attributes.name).toBeUndefined();
  });

  it('names the change that failed and how far it got, and a second run finishes the rest', async () => {
    const pool = await freshPool();
    const missing = await refusal(syncUsers(pool.client, `${REGION}_lainnya12`, [recipient('a@x.id', 'A')]), 'Cognito');
    expect(missing.name).toBe('ResourceNotFoundException');

    await syncUsers(pool.client, pool.id, [recipient('lama@x.id', 'Lama')]);
    // Throttling is a fault no local server produces on demand: a middleware on the real client makes
    // AWS's TooManyRequestsException for AdminDisableUser, in front of the real local Cognito (every other
    // call reaches it). Added at initialize, before the client's retries, so it fails at once.
    const broken = sdkClient(pool.cognito.endpoint);
    broken.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'AdminDisableUserCommand') throw new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} });
        return next(args);
      },
      { step: 'initialize', priority: 'high', name: 'throttledDisable' },
    );
    try {
      await expect(syncUsers(broken, pool.id, [recipient('a@x.id', 'A')])).rejects.toThrow(
        'disabling lama@x.id failed after 1 of 2 changes: Rate exceeded. Running the sync again finishes the rest.',
      );
    } finally {
      broken.destroy();
    }
    // The creation before it was made, the disabling not.
    expect(await getUser(pool, 'a@x.id')).toMatchObject({ enabled: true, attributes: { name: 'A' } });
    expect((await getUser(pool, 'lama@x.id')).enabled).toBe(true);
    expect(await syncUsers(pool.client, pool.id, [recipient('a@x.id', 'A')])).toEqual({ create: [], disable: ['lama@x.id'], enable: [], unchanged: ['a@x.id'] });
    expect((await getUser(pool, 'lama@x.id')).enabled).toBe(false);
  });
});

describe('setLocalPassword and signing in', () => {
  it('confirms an invited user, who then signs in; disabled by the sync, the user cannot; listed again, can', async () => {
    const pool = await freshPool();
    await syncUsers(pool.client, pool.id, [recipient('pejabat@x.id', 'Pejabat'), recipient('lain@x.id', 'Lain')]);
    expect((await getUser(pool, 'pejabat@x.id')).status).toBe('FORCE_CHANGE_PASSWORD');

    await setLocalPassword(pool.client, pool.id, 'Pejabat@X.id', LOCAL_PORTAL_PASSWORD);
    expect(await getUser(pool, 'pejabat@x.id')).toMatchObject({ enabled: true, status: 'CONFIRMED' });
    await expectCode(signIn(pool, 'pejabat@x.id', LOCAL_PORTAL_PASSWORD));

    expect(await syncUsers(pool.client, pool.id, [recipient('lain@x.id', 'Lain')])).toMatchObject({ disable: ['pejabat@x.id'] });
    // Managed login answers a disabled user with its form error, and signInAtLocalLogin throws it: no code.
    await expect(signIn(pool, 'pejabat@x.id', LOCAL_PORTAL_PASSWORD)).rejects.toThrow('Pengguna ini dinonaktifkan');

    // Listed again, the same user, password and all.
    expect(await syncUsers(pool.client, pool.id, [recipient('lain@x.id', 'Lain'), recipient('pejabat@x.id', 'Pejabat')])).toMatchObject({ enable: ['pejabat@x.id'] });
    await expectCode(signIn(pool, 'pejabat@x.id', LOCAL_PORTAL_PASSWORD));
  });

  it('refuses a password the pool policy does not allow', async () => {
    const pool = await freshPool();
    await syncUsers(pool.client, pool.id, [recipient('a@x.id', 'A')]);
    const refused = await refusal(setLocalPassword(pool.client, pool.id, 'a@x.id', 'pendek'), 'Cognito');
    expect(refused.name).toBe('InvalidPasswordException');
    expect((await getUser(pool, 'a@x.id')).status).toBe('FORCE_CHANGE_PASSWORD');
  });
});

describe('`ucj users` on the local stack (syncUsersOn)', () => {
  let dir: string;
  let stack: LocalStack;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ucj-users-stack-'));
    stack = await startLocalStack(dir, { attach: false });
  });

  afterAll(async () => {
    await stack?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const putRecipients = (content: string) => uploadFiles(stack.deployment, [{ key: RECIPIENTS_KEY, body: Buffer.from(content) }]);

  it("creates a user for everyone in the bucket's recipients.csv, and refuses a file with an invalid row, changing nothing", async () => {
    const userPoolId = stack.outputs.UserPoolId;
    if (!userPoolId) throw new Error('the local stack has no UserPoolId output');
    expect(userPoolId).toBe(stack.env.USER_POOL_ID);
    const dataset = await generateSampleDataset({ lastPeriod: '2026-09', months: 1 });
    // The sample's people, as the project's own reader reads them (titles hold commas, so quoted cells).
    const sample = await validateRecipients(Buffer.from(dataset.recipients.content), RECIPIENTS_KEY, await loadRegionIndex());
    expect(sample.ok).toBe(true);
    const emails = [...new Set(sample.recipients.map((r) => r.email))].sort();
    expect(sample.recipients.filter((r) => r.role === 'admin').length).toBeGreaterThanOrEqual(2);
    expect(sample.recipients.filter((r) => r.role === 'pejabat').length).toBeGreaterThan(1);
    const operators = sample.recipients.filter((r) => r.role === 'operator');
    expect(operators).toHaveLength(1);

    const missing = await syncUsersOn(stack.deployment);
    expect(missing).toMatchObject({ outcome: 'refused', reason: expect.stringContaining('is not in') });

    expect(dataset.recipients.key).toBe(RECIPIENTS_KEY);
    await putRecipients(dataset.recipients.content);
    const dry = await syncUsersOn(stack.deployment, { dryRun: true });
    expect(dry).toMatchObject({ outcome: 'synced', userPoolId });
    expect(await listPoolUsers(stack.deployment.cognito, userPoolId)).toEqual([]);

    const synced = await syncUsersOn(stack.deployment);
    if (synced.outcome !== 'synced') throw new Error(`expected a sync, got ${JSON.stringify(synced)}`);
    expect(synced.userPoolId).toBe(userPoolId);
    expect(synced.plan.create.map((u) => u.email)).toEqual(emails);
    const pooled = await listPoolUsers(stack.deployment.cognito, userPoolId);
    expect(emailsOf(pooled)).toEqual(emails);
    expect(pooled.every((u) => u.enabled)).toBe(true);
    // Through the stack's own client, as the deployment addresses it (COGNITO_ENDPOINT).
    const operator = operators[0]!;
    const admin = await stack.deployment.cognito.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: 'admin.ucj.18@bpjsketenagakerjaan.example' }));
    expect(attributesOf(admin)).toMatchObject({ email_verified: 'true' });
    expect(attributesOf(await stack.deployment.cognito.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: operator.email })))).toMatchObject({ name: operator.name });

    // One bad row, in a list that would otherwise disable nearly everyone: refused as a whole.
    await putRecipients(`email,nama,jabatan,cakupan,peran\n${operator.email},${operator.name},Operator,nasional,operator\nbukan-email,Seseorang,Pejabat,nasional,pejabat\n`);
    const invalid = await syncUsersOn(stack.deployment);
    if (invalid.outcome !== 'invalid') throw new Error(`expected the file refused, got ${JSON.stringify(invalid)}`);
    expect(invalid.fileName).toBe(RECIPIENTS_KEY);
    expect(invalid.validation.errors).toEqual([expect.objectContaining({ row: 3, column: 'email' })]);
    expect(await listPoolUsers(stack.deployment.cognito, userPoolId)).toEqual(pooled);
  });
});
