/**
 * The local Cognito (tools/local/cognito.ts) with real servers: the SDK's CognitoIdentityProviderClient
 * against its user-pool API, managed login driven as a browser would, the code exchanged at /oauth2/token
 * and the ID token verified by aws-jwt-verify, then each Cognito rule the local pool adds on top of
 * cognito-local.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  ListUsersCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { JwtVerifier } from 'aws-jwt-verify';
import { LOCAL_CREDENTIALS } from '../../lib/aws/clients.ts';
import { LOCAL_PORTAL_PASSWORD, PORTAL_PATHS, PORTAL_TOKEN_VALIDITY } from '../../lib/contract/portal.ts';
import { loopbackJwksCache, signInAtLocalLogin, startLocalCognito, type LocalCognito } from '../../tools/local/cognito.ts';
import { refusal } from '../support/refusal.ts';

const REGION = 'ap-southeast-3';
const PORTAL = 'http://127.0.0.1:8787';
const CALLBACK = `${PORTAL}${PORTAL_PATHS.callback}`;
const SIGNED_OUT = `${PORTAL}${PORTAL_PATHS.signedOut}`;
const TEMPORARY_PASSWORD = 'Sementara-Sekali-9';
const NEW_PASSWORD = 'Kata-Sandi-Baru-2025';

const tokenResponseSchema = z.object({
  id_token: z.string(),
  access_token: z.string(),
  refresh_token: z.string().optional(),
  token_type: z.literal('Bearer'),
  expires_in: z.number(),
});
const tokenErrorSchema = z.object({ error: z.string(), error_description: z.string().optional() });
const idClaimsSchema = z.object({ email: z.string(), token_use: z.string(), iss: z.string(), aud: z.string(), exp: z.number(), iat: z.number() });

let dir: string;
let cognito: LocalCognito;
let client: CognitoIdentityProviderClient;
let userCount = 0;

const sdkClient = (endpoint: string) => new CognitoIdentityProviderClient({ region: REGION, endpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeUrl(on: LocalCognito, params: Record<string, string | undefined>): string {
  const url = new URL('/oauth2/authorize', on.loginBaseUrl);
  for (const [name, value] of Object.entries({ client_id: on.clientId, response_type: 'code', redirect_uri: CALLBACK, scope: 'openid email profile', ...params })) {
    if (value !== undefined) url.searchParams.set(name, value);
  }
  return url.toString();
}

/** A user as the portal's user sync makes one (username = email, verified email), with a permanent password unless told otherwise. */
async function createUser(options: { temporaryPassword?: string; permanentPassword?: string; on?: CognitoIdentityProviderClient; poolId?: string } = {}): Promise<string> {
  userCount += 1;
  const email = `pengguna${userCount}.${randomBytes(3).toString('hex')}@ucj.example`;
  const sdk = options.on ?? client;
  const UserPoolId = options.poolId ?? cognito.userPoolId;
  await sdk.send(
    new AdminCreateUserCommand({
      UserPoolId,
      Username: email,
      UserAttributes: [
        { Name: 'email', Value: email },
        { Name: 'email_verified', Value: 'true' },
      ],
      MessageAction: 'SUPPRESS',
      TemporaryPassword: options.temporaryPassword ?? TEMPORARY_PASSWORD,
    }),
  );
  if (options.temporaryPassword === undefined) {
    await sdk.send(new AdminSetUserPasswordCommand({ UserPoolId, Username: email, Password: options.permanentPassword ?? LOCAL_PORTAL_PASSWORD, Permanent: true }));
  }
  return email;
}

async function exchange(on: LocalCognito, fields: Record<string, string>): Promise<Response> {
  return fetch(new URL('/oauth2/token', on.loginBaseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: on.clientId, redirect_uri: CALLBACK, ...fields }),
  });
}

/** Signs in with PKCE; returns the code and its verifier. */
async function codeFor(on: LocalCognito, email: string, password = LOCAL_PORTAL_PASSWORD, options: { newPassword?: string } = {}) {
  const { verifier, challenge } = pkce();
  const callback = await signInAtLocalLogin(authorizeUrl(on, { code_challenge: challenge, code_challenge_method: 'S256', state: 'st' }), email, password, options);
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`no code in ${callback}`);
  return { code, verifier };
}

async function verifiedIdToken(on: LocalCognito, idToken: string) {
  const verifier = JwtVerifier.create(
    { issuer: on.issuerUrl, audience: on.clientId, jwksUri: `${on.issuerUrl}/.well-known/jwks.json` },
    { jwksCache: loopbackJwksCache() },
  );
  return idClaimsSchema.parse(await verifier.verify(idToken));
}

async function tokenError(response: Response): Promise<string> {
  expect(response.status).toBe(400);
  return tokenErrorSchema.parse(await response.json()).error;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucj-cognito-'));
  cognito = await startLocalCognito({ dir, region: REGION, callbackUrls: [CALLBACK], logoutUrls: [SIGNED_OUT] });
  client = sdkClient(cognito.endpoint);
});

afterAll(async () => {
  client?.destroy();
  await cognito?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('sign-in through managed login', () => {
  it('gives a code for the callback, and the token endpoint an ID token aws-jwt-verify accepts', async () => {
    const email = await createUser();
    const { verifier, challenge } = pkce();
    const callback = await signInAtLocalLogin(authorizeUrl(cognito, { code_challenge: challenge, code_challenge_method: 'S256', state: 'abc123' }), email, LOCAL_PORTAL_PASSWORD);
    expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACK);
    expect(callback.searchParams.get('state')).toBe('abc123');
    const response = await exchange(cognito, { code: callback.searchParams.get('code') ?? '', code_verifier: verifier });
    expect(response.status).toBe(200);
    const tokens = tokenResponseSchema.parse(await response.json());
    expect(tokens.expires_in).toBe(PORTAL_TOKEN_VALIDITY.accessTokenMinutes * 60);
    const claims = await verifiedIdToken(cognito, tokens.id_token);
    expect(claims).toMatchObject({ email, token_use: 'id', iss: cognito.issuerUrl, aud: cognito.clientId });
    expect(claims.exp - claims.iat).toBe(PORTAL_TOKEN_VALIDITY.idTokenMinutes * 60);
    expect(cognito.issuerUrl).toBe(`${cognito.endpoint}/${cognito.userPoolId}`);
  });

  it('publishes an OpenID configuration naming the same issuer and endpoints', async () => {
    const config = z
      .object({ issuer: z.string(), jwks_uri: z.string(), authorization_endpoint: z.string(), token_endpoint: z.string() })
      .parse(await (await fetch(`${cognito.issuerUrl}/.well-known/openid-configuration`)).json());
    expect(config).toEqual({
      issuer: cognito.issuerUrl,
      jwks_uri: `${cognito.issuerUrl}/.well-known/jwks.json`,
      authorization_endpoint: `${cognito.loginBaseUrl}/oauth2/authorize`,
      token_endpoint: `${cognito.loginBaseUrl}/oauth2/token`,
    });
  });

  it('refreshes with the refresh token', async () => {
    const email = await createUser();
    const { code, verifier } = await codeFor(cognito, email);
    const first = tokenResponseSchema.parse(await (await exchange(cognito, { code, code_verifier: verifier })).json());
    const response = await fetch(new URL('/oauth2/token', cognito.loginBaseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: cognito.clientId, refresh_token: first.refresh_token ?? '' }),
    });
    expect(response.status).toBe(200);
    const claims = await verifiedIdToken(cognito, tokenResponseSchema.parse(await response.json()).id_token);
    expect(claims.email).toBe(email);
  });

  it('refuses a wrong password with the form error', async () => {
    const email = await createUser();
    const { challenge } = pkce();
    await expect(signInAtLocalLogin(authorizeUrl(cognito, { code_challenge: challenge, code_challenge_method: 'S256' }), email, 'Salah-Sekali-123')).rejects.toThrow('Email atau kata sandi salah.');
  });
});

describe('the authorize request', () => {
  it('answers 400, redirecting nowhere, for a redirect_uri that is not exactly a registered callback', async () => {
    const { challenge } = pkce();
    for (const redirect of [`${CALLBACK}/`, `${CALLBACK}?x=1`, 'http://127.0.0.1:8788/auth/callback', 'https://evil.example/auth/callback']) {
      const response = await fetch(authorizeUrl(cognito, { redirect_uri: redirect, code_challenge: challenge, code_challenge_method: 'S256' }), { redirect: 'manual' });
      expect(response.status, redirect).toBe(400);
      expect(response.headers.get('location')).toBeNull();
    }
    const unknownClient = await fetch(authorizeUrl(cognito, { client_id: 'nobody', code_challenge: challenge, code_challenge_method: 'S256' }), { redirect: 'manual' });
    expect(unknownClient.status).toBe(400);
  });

  it('requires PKCE with S256 and the code flow, reporting to the callback with the state', async () => {
    const { challenge } = pkce();
    const cases: Array<[Record<string, string | undefined>, string]> = [
      [{ code_challenge: undefined, code_challenge_method: undefined }, 'invalid_request'],
      [{ code_challenge: challenge, code_challenge_method: undefined }, 'invalid_request'],
      [{ code_challenge: challenge, code_challenge_method: 'plain' }, 'invalid_request'],
      [{ code_challenge: 'short', code_challenge_method: 'S256' }, 'invalid_request'],
      [{ code_challenge: challenge, code_challenge_method: 'S256', response_type: 'token' }, 'unauthorized_client'],
      [{ code_challenge: challenge, code_challenge_method: 'S256', response_type: 'id_token' }, 'unsupported_response_type'],
      [{ code_challenge: challenge, code_challenge_method: 'S256', scope: 'openid aws.cognito.signin.user.admin' }, 'invalid_scope'],
    ];
    for (const [params, error] of cases) {
      const response = await fetch(authorizeUrl(cognito, { state: 's-1', ...params }), { redirect: 'manual' });
      expect(response.status, JSON.stringify(params)).toBe(302);
      const location = new URL(response.headers.get('location') ?? '');
      expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
      expect(location.searchParams.get('error'), JSON.stringify(params)).toBe(error);
      expect(location.searchParams.get('state')).toBe('s-1');
      expect(location.searchParams.get('code')).toBeNull();
    }
  });

  it('escapes what it reflects: the state never reaches the page, a typed email comes back escaped, and the state returns intact', async () => {
    const hostile = '"><script>alert(1)</script>&<img src=x onerror=alert(2)>';
    const { challenge, verifier } = pkce();
    const url = authorizeUrl(cognito, { code_challenge: challenge, code_challenge_method: 'S256', state: hostile });
    const form = await fetch(url);
    const html = await form.text();
    expect(html).toContain('lang="id"');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const cookie = (form.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
    const failed = await fetch(new URL('/login', cognito.loginBaseUrl), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({ _csrf: csrf, username: hostile, password: 'x' }),
    });
    const page = await failed.text();
    expect(page).toContain('Email atau kata sandi salah.');
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('<img');
    expect(page).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;&lt;img');

    const email = await createUser();
    const callback = await signInAtLocalLogin(url, email, LOCAL_PORTAL_PASSWORD);
    expect(callback.searchParams.get('state')).toBe(hostile);
    expect((await exchange(cognito, { code: callback.searchParams.get('code') ?? '', code_verifier: verifier })).status).toBe(200);
  });

  it('refuses a login POST without the anti-forgery token, without its cookie, or from another origin', async () => {
    const email = await createUser();
    const { challenge } = pkce();
    const form = await fetch(authorizeUrl(cognito, { code_challenge: challenge, code_challenge_method: 'S256' }));
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
    const cookie = (form.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
    const post = (fields: Record<string, string>, headers: Record<string, string>) =>
      fetch(new URL('/login', cognito.loginBaseUrl), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ username: email, password: LOCAL_PORTAL_PASSWORD, ...fields }),
      });
    expect((await post({ _csrf: 'forged' }, { cookie })).status).toBe(403);
    expect((await post({ _csrf: csrf }, {})).status).toBe(403);
    expect((await post({ _csrf: csrf }, { cookie: 'cognito-local-browser=someone-else' })).status).toBe(403);
    expect((await post({ _csrf: csrf }, { cookie, origin: 'https://evil.example' })).status).toBe(403);
    // The same form, submitted properly, still works: the refusals changed nothing.
    const done = await post({ _csrf: csrf }, { cookie });
    expect(done.status).toBe(302);
    expect(new URL(done.headers.get('location') ?? '').searchParams.get('code')).toBeTruthy();
  });
});

describe('the token endpoint', () => {
  it('refuses a wrong code_verifier, and the code is then spent', async () => {
    const email = await createUser();
    const { code, verifier } = await codeFor(cognito, email);
    expect(await tokenError(await exchange(cognito, { code, code_verifier: pkce().verifier }))).toBe('invalid_grant');
    expect(await tokenError(await exchange(cognito, { code, code_verifier: verifier }))).toBe('invalid_grant');
  });

  it('refuses a missing verifier and a mismatched redirect_uri or client', async () => {
    const email = await createUser();
    const variants: Array<Record<string, string>> = [{}, { redirect_uri: `${CALLBACK}/` }, { client_id: 'someone-else' }];
    for (const fields of variants) {
      const { code, verifier } = await codeFor(cognito, email);
      const response = await exchange(cognito, { code, ...('redirect_uri' in fields || 'client_id' in fields ? { code_verifier: verifier } : {}), ...fields });
      expect(['invalid_grant', 'invalid_client']).toContain(await tokenError(response));
    }
  });

  it('takes a code once', async () => {
    const email = await createUser();
    const { code, verifier } = await codeFor(cognito, email);
    expect((await exchange(cognito, { code, code_verifier: verifier })).status).toBe(200);
    expect(await tokenError(await exchange(cognito, { code, code_verifier: verifier }))).toBe('invalid_grant');
  });

  it('takes form posts only, and only the code and refresh grants', async () => {
    const json = await fetch(new URL('/oauth2/token', cognito.loginBaseUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(await tokenError(json)).toBe('invalid_request');
    expect(await tokenError(await exchange(cognito, { grant_type: 'client_credentials' }))).toBe('unsupported_grant_type');
  });
});

describe('users who may not simply sign in', () => {
  it('gives a disabled user no code', async () => {
    const email = await createUser();
    await client.send(new AdminDisableUserCommand({ UserPoolId: cognito.userPoolId, Username: email }));
    const { challenge } = pkce();
    await expect(signInAtLocalLogin(authorizeUrl(cognito, { code_challenge: challenge, code_challenge_method: 'S256' }), email, LOCAL_PORTAL_PASSWORD)).rejects.toThrow('dinonaktifkan');
  });

  it('has an invited user set a new password meeting the policy before giving a code', async () => {
    const email = await createUser({ temporaryPassword: TEMPORARY_PASSWORD });
    const { challenge } = pkce();
    const url = () => authorizeUrl(cognito, { code_challenge: challenge, code_challenge_method: 'S256' });
    await expect(signInAtLocalLogin(url(), email, TEMPORARY_PASSWORD)).rejects.toThrow('new password');
    await expect(signInAtLocalLogin(url(), email, 'Bukan-Sementara-1')).rejects.toThrow('Email atau kata sandi salah.');
    for (const weak of ['Pendek-1', 'semuakecil-12345', 'SEMUABESAR-12345', 'Tanpa-Angka-Sama', 'TanpaSimbol12345']) {
      await expect(signInAtLocalLogin(url(), email, TEMPORARY_PASSWORD, { newPassword: weak }), weak).rejects.toThrow('Kata sandi tidak memenuhi aturan');
    }
    const user = await client.send(new AdminGetUserCommand({ UserPoolId: cognito.userPoolId, Username: email }));
    expect(user.UserStatus).toBe('FORCE_CHANGE_PASSWORD');

    const callback = await signInAtLocalLogin(url(), email, TEMPORARY_PASSWORD, { newPassword: NEW_PASSWORD });
    expect(callback.searchParams.get('code')).toBeTruthy();
    expect((await client.send(new AdminGetUserCommand({ UserPoolId: cognito.userPoolId, Username: email }))).UserStatus).toBe('CONFIRMED');
    await expect(signInAtLocalLogin(url(), email, TEMPORARY_PASSWORD)).rejects.toThrow('Email atau kata sandi salah.');
    expect((await signInAtLocalLogin(url(), email, NEW_PASSWORD)).searchParams.get('code')).toBeTruthy();
  });
});

describe('the user-pool API', () => {
  it('refuses passwords that do not meet the policy in AdminCreateUser and AdminSetUserPassword', async () => {
    const create = await refusal(
      client.send(new AdminCreateUserCommand({ UserPoolId: cognito.userPoolId, Username: 'lemah@ucj.example', TemporaryPassword: 'abc123', MessageAction: 'SUPPRESS' })),
      'Cognito',
    );
    expect(create.name).toBe('InvalidPasswordException');
    await expect(client.send(new AdminGetUserCommand({ UserPoolId: cognito.userPoolId, Username: 'lemah@ucj.example' }))).rejects.toThrow();
    const email = await createUser();
    const set = await refusal(client.send(new AdminSetUserPasswordCommand({ UserPoolId: cognito.userPoolId, Username: email, Password: 'password', Permanent: true })), 'Cognito');
    expect(set.name).toBe('InvalidPasswordException');
  });

  it('makes up a temporary password meeting the policy when AdminCreateUser is given none', async () => {
    const created = await client.send(
      new AdminCreateUserCommand({ UserPoolId: cognito.userPoolId, Username: 'tanpa-sandi@ucj.example', UserAttributes: [{ Name: 'email', Value: 'tanpa-sandi@ucj.example' }], MessageAction: 'SUPPRESS' }),
    );
    expect(created.User?.UserStatus).toBe('FORCE_CHANGE_PASSWORD');
  });

  it('signs nobody in through InitiateAuth: the client allows managed login only', async () => {
    const email = await createUser();
    const error = await refusal(
      client.send(new InitiateAuthCommand({ ClientId: cognito.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: LOCAL_PORTAL_PASSWORD } })),
      'Cognito',
    );
    expect(error.name).toBe('InvalidParameterException');
  });

  it('refuses a request signed for another region', async () => {
    const elsewhere = new CognitoIdentityProviderClient({ region: 'us-east-1', endpoint: cognito.endpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    const error = await refusal(elsewhere.send(new ListUsersCommand({ UserPoolId: cognito.userPoolId })), 'Cognito');
    expect(error.name).toBe('InvalidSignatureException');
    elsewhere.destroy();
  });

  it('lists users 60 a page with a PaginationToken, and refuses a Limit over 60', async () => {
    const made = new Set<string>();
    for (let i = 0; i < 61; i += 1) made.add(await createUser());
    const first = await client.send(new ListUsersCommand({ UserPoolId: cognito.userPoolId }));
    expect(first.Users).toHaveLength(60);
    expect(first.PaginationToken).toBeTruthy();
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListUsersCommand({ UserPoolId: cognito.userPoolId, Limit: 60, ...(token ? { PaginationToken: token } : {}) }));
      expect((page.Users ?? []).length).toBeLessThanOrEqual(60);
      for (const user of page.Users ?? []) seen.push(user.Attributes?.find((a) => a.Name === 'email')?.Value ?? '');
      token = page.PaginationToken;
    } while (token);
    expect(new Set(seen).size).toBe(seen.length);
    for (const email of made) expect(seen).toContain(email);
    const small = await client.send(new ListUsersCommand({ UserPoolId: cognito.userPoolId, Limit: 5 }));
    expect(small.Users).toHaveLength(5);
    const over = await refusal(client.send(new ListUsersCommand({ UserPoolId: cognito.userPoolId, Limit: 61 })), 'Cognito');
    expect(over.name).toBe('InvalidParameterException');
    const badToken = await refusal(client.send(new ListUsersCommand({ UserPoolId: cognito.userPoolId, PaginationToken: 'bukan-token' })), 'Cognito');
    expect(badToken.name).toBe('InvalidParameterException');
  });
});

describe('sign-out', () => {
  it('redirects only to a registered logout_uri of the client, else 400', async () => {
    const logout = (params: Record<string, string>) => fetch(`${cognito.loginBaseUrl}/logout?${new URLSearchParams(params)}`, { redirect: 'manual' });
    const ok = await logout({ client_id: cognito.clientId, logout_uri: SIGNED_OUT });
    expect(ok.status).toBe(302);
    expect(ok.headers.get('location')).toBe(SIGNED_OUT);
    const refusedParams: Array<Record<string, string>> = [
      { client_id: cognito.clientId, logout_uri: 'https://evil.example/' },
      { client_id: cognito.clientId, logout_uri: `${SIGNED_OUT}x` },
      { client_id: cognito.clientId },
      { client_id: 'someone-else', logout_uri: SIGNED_OUT },
      { logout_uri: SIGNED_OUT },
    ];
    for (const params of refusedParams) {
      const refused = await logout(params);
      expect(refused.status, JSON.stringify(params)).toBe(400);
      expect(refused.headers.get('location')).toBeNull();
    }
  });
});

describe('loopbackJwksCache', () => {
  it('refuses to fetch from anywhere but loopback', async () => {
    const cache = loopbackJwksCache();
    await expect(cache.getJwks('https://cognito-idp.ap-southeast-3.amazonaws.com/x/.well-known/jwks.json')).rejects.toThrow('loopback');
    await expect(cache.getJwks('http://10.0.0.1/x/.well-known/jwks.json')).rejects.toThrow('loopback');
    const jwks = await cache.getJwks(`${cognito.issuerUrl}/.well-known/jwks.json`);
    expect(jwks.keys.length).toBe(1);
  });
});

describe('time', () => {
  let timedDir: string;
  let timed: LocalCognito;
  let timedClient: CognitoIdentityProviderClient;
  let offsetMs = 0;

  beforeAll(async () => {
    timedDir = await mkdtemp(join(tmpdir(), 'ucj-cognito-time-'));
    timed = await startLocalCognito({ dir: timedDir, region: REGION, callbackUrls: [CALLBACK], logoutUrls: [SIGNED_OUT], now: () => new Date(Date.now() + offsetMs) });
    timedClient = sdkClient(timed.endpoint);
  });
  afterAll(async () => {
    timedClient?.destroy();
    await timed?.close();
    await rm(timedDir, { recursive: true, force: true });
  });

  it('lets a code lapse after PORTAL_TOKEN_VALIDITY.authCodeMinutes', async () => {
    const email = await createUser({ on: timedClient, poolId: timed.userPoolId });
    const early = await codeFor(timed, email);
    offsetMs += (PORTAL_TOKEN_VALIDITY.authCodeMinutes * 60 - 5) * 1000;
    expect((await exchange(timed, { code: early.code, code_verifier: early.verifier })).status).toBe(200);
    const late = await codeFor(timed, email);
    offsetMs += PORTAL_TOKEN_VALIDITY.authCodeMinutes * 60 * 1000 + 1000;
    expect(await tokenError(await exchange(timed, { code: late.code, code_verifier: late.verifier }))).toBe('invalid_grant');
  });

  it('refuses a temporary password older than the policy allows', async () => {
    const email = await createUser({ on: timedClient, poolId: timed.userPoolId, temporaryPassword: TEMPORARY_PASSWORD });
    offsetMs += 8 * 24 * 60 * 60 * 1000;
    const { challenge } = pkce();
    await expect(
      signInAtLocalLogin(authorizeUrl(timed, { code_challenge: challenge, code_challenge_method: 'S256' }), email, TEMPORARY_PASSWORD, { newPassword: NEW_PASSWORD }),
    ).rejects.toThrow('kedaluwarsa');
  });
});

describe('restart', () => {
  it('keeps the pool, the client and the users on the same folder', async () => {
    const email = await createUser();
    const before = { userPoolId: cognito.userPoolId, clientId: cognito.clientId };
    client.destroy();
    await cognito.close();
    cognito = await startLocalCognito({ dir, region: REGION, callbackUrls: [CALLBACK], logoutUrls: [SIGNED_OUT] });
    client = sdkClient(cognito.endpoint);
    expect({ userPoolId: cognito.userPoolId, clientId: cognito.clientId }).toEqual(before);
    expect(cognito.issuerUrl).toBe(`${cognito.endpoint}/${cognito.userPoolId}`);
    const user = await client.send(new AdminGetUserCommand({ UserPoolId: cognito.userPoolId, Username: email }));
    expect(user.UserStatus).toBe('CONFIRMED');
    const { code, verifier } = await codeFor(cognito, email);
    const tokens = tokenResponseSchema.parse(await (await exchange(cognito, { code, code_verifier: verifier })).json());
    expect((await verifiedIdToken(cognito, tokens.id_token)).email).toBe(email);
  });
});
