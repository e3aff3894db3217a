/**
 * The portal's app against the local stack (S3, DynamoDB, SQS), with a real verifier: the test makes an
 * RSA key pair, signs RS256 ID tokens with it, and gives aws-jwt-verify a JwksCache that serves the
 * key's JWKS (what the local stack does with its loopback Cognito). Managed login's token endpoint is a
 * small HTTP server here that checks the PKCE verifier against the challenge, as Cognito does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { findJwkInJwks, type Jwks, type JwksCache } from 'aws-jwt-verify/jwk';
import * as z from 'zod';
import { startLocalStack, type LocalStack } from '../../tools/local/stack.ts';
import { portalSettingsSchema, readSettings, type PortalSettings } from '../../lib/config.ts';
import { RECIPIENTS_KEY } from '../../lib/contract/bucket.ts';
import { loadRegionIndex } from '../../lib/domain/regions.ts';
import { bulletinKey } from '../../lib/storage/keys.ts';
import { createPortalApp } from '../../lib/portal/app.ts';
import { createPortalHandler } from '../../lib/handlers/portal.ts';
import { portalDepsFrom, type PortalDeps } from '../../lib/portal/deps.ts';
import { csrfToken, decodeSignInState, SESSION_COOKIE, SIGN_IN_COOKIE } from '../../lib/portal/session.ts';

const PERIOD = '2026-10';
const POOL = 'ap-southeast-3_Lokal';
const CLIENT = 'klien-portal';
const ISSUER = `http://127.0.0.1:9/${POOL}`;
const JWKS_URI = `${ISSUER}/.well-known/jwks.json`;
const KID = 'kunci-uji';
/** What app.request's requests look like to the app (no Host header; proto defaults to https). */
const ORIGIN = 'https://localhost';

const ADMIN = 'admin31@contoh.id';
const OFFICIAL = 'pejabat31@contoh.id';
const OPERATOR = 'operator@contoh.id';
const HOSTILE_NAME = '<script>alert(1)</script> Admin';

let dir: string;
let stack: LocalStack;
let tokenServer: Server;
let deps: PortalDeps;
let app: ReturnType<typeof createPortalApp>;
let settings: PortalSettings;
const challenges = new Map<string, string>();

function keyPair() {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { publicKey, privateKey };
}
const poolKey = keyPair();
const strangerKey = keyPair();
const jwkSchema = z.object({ kty: z.literal('RSA'), n: z.string(), e: z.string() });
const jwks: Jwks = { keys: [{ ...jwkSchema.parse(poolKey.publicKey.export({ format: 'jwk' })), kid: KID, alg: 'RS256', use: 'sig' }] };

/** aws-jwt-verify's cache interface, serving the test pool's JWKS for the pool's URI and nothing else. */
const jwksCache: JwksCache = {
  getCachedJwk(uri, jwt) {
    if (uri !== JWKS_URI) throw new Error(`no JWKS for ${uri}`);
    const jwk = findJwkInJwks(jwks, String(jwt.header.kid ?? ''));
    if (!jwk) throw new Error(`no key ${String(jwt.header.kid)}`);
    return jwk;
  },
  async getJwk(uri, jwt) {
    return jwksCache.getCachedJwk(uri, jwt);
  },
  addJwks() {},
  async getJwks(uri) {
    if (uri !== JWKS_URI) throw new Error(`no JWKS for ${uri}`);
    return jwks;
  },
};

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
function jwt(claims: Record<string, unknown>, key: KeyObject = poolKey.privateKey, kid = KID): string {
  const head = `${b64({ alg: 'RS256', kid, typ: 'JWT' })}.${b64(claims)}`;
  return `${head}.${sign('sha256', Buffer.from(head), key).toString('base64url')}`;
}
function idToken(email: string, overrides: Record<string, unknown> = {}, key?: KeyObject): string {
  const now = Math.floor(Date.now() / 1000);
  return jwt(
    { sub: `sub-${email}`, email, email_verified: true, iss: ISSUER, aud: CLIENT, token_use: 'id', iat: now, auth_time: now, exp: now + 3600, 'cognito:username': email, ...overrides },
    key,
  );
}

const as = (token: string, extra: Record<string, string> = {}) => ({ headers: { cookie: `${SESSION_COOKIE}=${token}`, ...extra } });
const get = (path: string, token?: string) => app.request(path, token ? as(token) : {});
function post(path: string, token: string, fields: Record<string, string>, origin: string | undefined = ORIGIN) {
  return app.request(path, {
    method: 'POST',
    headers: { cookie: `${SESSION_COOKIE}=${token}`, 'content-type': 'application/x-www-form-urlencoded', ...(origin ? { origin } : {}) },
    body: new URLSearchParams(fields).toString(),
  });
}

/** Managed login's /oauth2/token: a code is good once, for the verifier whose challenge /authorize was given. */
function startTokenServer(): Promise<string> {
  tokenServer = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const code = form.get('code') ?? '';
      const challenge = challenges.get(code);
      const verifier = form.get('code_verifier') ?? '';
      const ok =
        req.method === 'POST' &&
        req.url === '/oauth2/token' &&
        form.get('grant_type') === 'authorization_code' &&
        form.get('client_id') === CLIENT &&
        form.get('redirect_uri') === `${ORIGIN}/auth/callback` &&
        challenge !== undefined &&
        createHash('sha256').update(verifier).digest('base64url') === challenge;
      challenges.delete(code);
      res.writeHead(ok ? 200 : 400, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { id_token: idToken(ADMIN), access_token: 'a', token_type: 'Bearer', expires_in: 3600 } : { error: 'invalid_grant' }));
    });
  });
  return new Promise((resolve, reject) =>
    tokenServer.listen(0, '127.0.0.1', () => {
      const address = tokenServer.address();
      if (address && typeof address === 'object') resolve(`http://127.0.0.1:${address.port}`);
      else reject(new Error('the token server has no port'));
    }),
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucj-portal-'));
  stack = await startLocalStack(dir, { attach: false, deliveries: false });
  const loginBase = await startTokenServer();
  settings = readSettings(portalSettingsSchema, {
    ...stack.env,
    USER_POOL_ID: POOL,
    USER_POOL_CLIENT_ID: CLIENT,
    USER_POOL_ISSUER_URL: ISSUER,
    LOGIN_BASE_URL: loginBase,
  });
  deps = portalDepsFrom(settings, { logger: new Logger({ serviceName: 'portal-test', logLevel: 'SILENT' }), jwksCache });
  const recipients = [
    'email,nama,jabatan,cakupan,peran',
    `${ADMIN},${HOSTILE_NAME},Admin Data,31,admin`,
    `${OFFICIAL},Pejabat Tiga Satu,Kepala Dinas,31,pejabat`,
    `${OPERATOR},Operator Nasional,Operator,nasional,operator`,
  ].join('\r\n');
  await deps.store.put(RECIPIENTS_KEY, `${recipients}\r\n`, 'text/csv');
  const regions = await loadRegionIndex();
  await deps.store.put(bulletinKey(PERIOD, regions.byCode.get('31')!), Buffer.from('%PDF-1.7 uji'), 'application/pdf');
  app = createPortalApp(deps);
});

afterAll(async () => {
  await new Promise<void>((resolve) => (tokenServer ? tokenServer.close(() => resolve()) : resolve()));
  await stack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const isSignInRedirect = (response: Response) => response.status === 302 && new URL(response.headers.get('location') ?? '', ORIGIN).pathname === '/masuk';

describe('signed out', () => {
  it('the home page offers sign-in; every other page sends to /masuk, JSON answers 401', async () => {
    const home = await get('/');
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('href="/masuk"');
    expect(isSignInRedirect(await get('/admin/31'))).toBe(true);
    expect(isSignInRedirect(await get('/operator'))).toBe(true);
    expect((await get(`/admin/31/status?key=uploads/${PERIOD}/31/x.csv`)).status).toBe(401);
  });

  it('a signed-out session stays signed out, even replayed from a copied cookie', async () => {
    // Its own token (a distinct iat), so no other test's session is the one ended here.
    const session = idToken(ADMIN, { iat: Math.floor(Date.now() / 1000) - 7 });
    expect((await get(`/admin/31?bulan=${PERIOD}`, session)).status).toBe(200);
    const out = await post('/keluar', session, { csrf: csrfToken(session) });
    expect(out.status).toBe(303);
    expect(new URL(out.headers.get('location') ?? '').pathname).toBe('/logout');
    expect(isSignInRedirect(await get(`/admin/31?bulan=${PERIOD}`, session))).toBe(true);
    // Another session of the same person is not touched.
    expect((await get(`/admin/31?bulan=${PERIOD}`, idToken(ADMIN, { iat: Math.floor(Date.now() / 1000) - 8 }))).status).toBe(200);
  });

  it('a tampered, expired, foreign or non-ID token is no session', async () => {
    const good = idToken(ADMIN);
    const [head, payload, signature] = good.split('.');
    const widened = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')), email: OPERATOR })).toString('base64url');
    const bad = [
      `${head}.${widened}.${signature}`,
      idToken(ADMIN, { exp: Math.floor(Date.now() / 1000) - 60 }),
      idToken(ADMIN, { iss: 'http://127.0.0.1:9/pool-lain' }),
      idToken(ADMIN, { aud: 'klien-lain' }),
      idToken(ADMIN, { token_use: 'access' }),
      idToken(ADMIN, { email_verified: false }),
      idToken(ADMIN, {}, strangerKey.privateKey),
      'bukan.sebuah.token',
    ];
    for (const token of bad) expect(isSignInRedirect(await get('/admin/31', token)), token).toBe(true);
    expect((await get('/admin/31', good)).status).toBe(200);
  });

  it('signs in through managed login with PKCE and lands where it started', async () => {
    const start = await app.request('/masuk?kembali=%2Fadmin%2F31');
    const location = new URL(start.headers.get('location') ?? '');
    expect(location.pathname).toBe('/oauth2/authorize');
    challenges.set('kode-uji', location.searchParams.get('code_challenge') ?? '');
    const cookie = start.headers.getSetCookie().find((line) => line.startsWith(`${SIGN_IN_COOKIE}=`))!.split(';')[0]!;
    const state = decodeSignInState(decodeURIComponent(cookie.slice(SIGN_IN_COOKIE.length + 1)))!.state;
    expect(location.searchParams.get('state')).toBe(state);

    const back = await app.request(`/auth/callback?code=kode-uji&state=${encodeURIComponent(state)}`, { headers: { cookie } });
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toBe('/admin/31');
    const session = back.headers.getSetCookie().find((line) => line.startsWith(`${SESSION_COOKIE}=`))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/Secure/);
    expect(session).toMatch(/SameSite=Lax/);
    const token = session.split(';')[0]!.slice(SESSION_COOKIE.length + 1);
    expect((await get('/admin/31', token)).status).toBe(200);

    // The same code a second time: the token endpoint refuses it, and no session is made.
    const again = await app.request(`/auth/callback?code=kode-uji&state=${encodeURIComponent(state)}`, { headers: { cookie } });
    expect(again.status).toBe(502);
    expect(again.headers.getSetCookie().some((line) => line.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
  });
});

describe('an admin of 31', () => {
  const token = () => idToken(ADMIN);

  it('sees 31: its regions, the template link, and an upload form limited to its folder', async () => {
    const response = await get(`/admin/31?bulan=${PERIOD}`, token());
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('31.71');
    expect(page).toContain('Belum diunggah');
    expect(page).toContain(`/admin/31/templat.xlsx?bulan=${PERIOD}`);
    const policy = /name="Policy" value="([^"]+)"/.exec(page)?.[1];
    expect(policy).toBeDefined();
    const conditions = z.object({ conditions: z.array(z.unknown()) }).parse(JSON.parse(Buffer.from(policy!, 'base64').toString('utf8'))).conditions;
    expect(conditions).toContainEqual(['starts-with', '$key', `uploads/${PERIOD}/31/`]);
    expect(page).toContain(`name="key" value="uploads/${PERIOD}/31/\${filename}"`);
    // The form may post to the S3 endpoint the credential names, and nowhere else but here and managed
    // login (signing out redirects there, and form-action governs a submission's redirects too).
    const action = /<form method="post" action="([^"]+)"[^>]*data-upload/.exec(page)?.[1];
    const formAction = /form-action ([^;]+)/.exec(response.headers.get('content-security-policy') ?? '')?.[1]?.split(' ');
    expect(formAction).toEqual(["'self'", new URL(settings.LOGIN_BASE_URL).origin, new URL(action!).origin]);
  });

  it('gets the template as an attachment', async () => {
    const response = await get(`/admin/31/templat.xlsx?bulan=${PERIOD}`, token());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="templat-unggah-kabkota-31-2026-10\.xlsx"$/);
    expect(Buffer.from(await response.arrayBuffer()).subarray(0, 2).toString()).toBe('PK');
  });

  it('is refused 32 everywhere, and upload keys outside 31’s folder', async () => {
    expect((await get(`/admin/32?bulan=${PERIOD}`, token())).status).toBe(403);
    expect((await get(`/admin/32/templat.xlsx?bulan=${PERIOD}`, token())).status).toBe(403);
    expect((await get(`/admin/32/status?key=uploads/${PERIOD}/32/x.csv`, token())).status).toBe(403);
    expect((await get(`/admin/31/status?key=uploads/${PERIOD}/32/x.csv`, token())).status).toBe(403);
    expect((await get(`/admin/31/unggahan?bulan=${PERIOD}&key=uploads/${PERIOD}/32/x.csv`, token())).status).toBe(403);
    expect((await get(`/pejabat/31`, token())).status).toBe(403);
    expect((await get(`/operator`, token())).status).toBe(403);
  });

  it('gets 404 for a scope that is no region', async () => {
    expect((await get('/admin/99', token())).status).toBe(404);
    expect((await get('/admin/..%2F31', token())).status).toBe(404);
  });

  it('sees an upload of 31 that is not judged yet as being validated, and polls its status', async () => {
    const key = `uploads/${PERIOD}/31/data-31.csv`;
    await deps.store.put(key, 'kode_wilayah,peserta_aktif\r\n31,1\r\n', 'text/csv');
    const page = await get(`/admin/31/unggahan?bulan=${PERIOD}&key=${encodeURIComponent(key)}&etag=x&bucket=${settings.BUCKET_NAME}`, token());
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain('data-status-url="/admin/31/status?key=uploads%2F2026-10%2F31%2Fdata-31.csv"');
    const status = await get(`/admin/31/status?key=${encodeURIComponent(key)}`, token());
    expect(status.status).toBe(200);
    expect(z.object({ key: z.string(), state: z.string() }).parse(await status.json())).toMatchObject({ key });
  });

  it('sees its name escaped, never as markup', async () => {
    const page = await (await get('/', token())).text();
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Admin');
    expect(page).not.toContain('<script>alert');
  });

  it('cannot POST as an operator even with a good token', async () => {
    // One session for the whole test: token() signs a new one each second, whose CSRF token differs.
    const session = token();
    const response = await post('/operator/kirim-ulang', session, { csrf: csrfToken(session), bulan: PERIOD, status: 'failed', email: OPERATOR, diperiksa: 'ya' });
    expect(response.status).toBe(403);
  });
});

describe('an official of 31', () => {
  const token = () => idToken(OFFICIAL);

  it('sees 31’s archive and downloads its bulletin through a short-lived link', async () => {
    const page = await get('/pejabat/31', token());
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`/pejabat/31/buletin/${PERIOD}/31`);
    const download = await get(`/pejabat/31/buletin/${PERIOD}/31`, token());
    expect(download.status).toBe(302);
    const link = new URL(download.headers.get('location') ?? '');
    expect(link.searchParams.get('X-Amz-Expires')).toBe(String(settings.PORTAL_LINK_SECONDS));
    expect(link.searchParams.get('X-Amz-Signature')).toBeTruthy();
  });

  it('is refused another scope’s bulletins and regions its scope does not cover', async () => {
    expect((await get(`/pejabat/32`, token())).status).toBe(403);
    expect((await get(`/pejabat/32/buletin/${PERIOD}/32`, token())).status).toBe(403);
    expect((await get(`/pejabat/31/buletin/${PERIOD}/32`, token())).status).toBe(403);
    expect((await get(`/pejabat/31/angka/${PERIOD}/32.01`, token())).status).toBe(403);
    expect((await get(`/admin/31`, token())).status).toBe(403);
  });
});

describe('the operator', () => {
  const token = () => idToken(OPERATOR);

  it('sees the month', async () => {
    const response = await get(`/operator?bulan=${PERIOD}`, token());
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Oktober 2026');
  });

  it('resends only with the session’s CSRF token, from our origin, with the check ticked', async () => {
    // One session for the whole test: token() signs a new one each second, whose CSRF token differs.
    const session = token();
    const fields = { csrf: csrfToken(session), bulan: PERIOD, status: 'failed', email: 'pejabat31@contoh.id', diperiksa: 'ya' };
    expect((await post('/operator/kirim-ulang', session, { ...fields, csrf: '' })).status).toBe(403);
    expect((await post('/operator/kirim-ulang', session, { ...fields, csrf: csrfToken(idToken(ADMIN)) })).status).toBe(403);
    expect((await post('/operator/kirim-ulang', session, fields, 'https://jahat.example')).status).toBe(403);
    const { diperiksa: _, ...unticked } = fields;
    expect((await post('/operator/kirim-ulang', session, unticked)).status).toBe(400);
    const done = await post('/operator/kirim-ulang', session, fields);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`/operator?bulan=${PERIOD}&dikirim=0`);
    // No Origin header (an older browser, a same-origin form some agents send without it): the token alone decides.
    expect((await post('/operator/kirim-ulang', session, fields, undefined)).status).toBe(303);
  });
});

describe('every response', () => {
  it('carries the security headers; pages are not cached, assets are', async () => {
    for (const response of [await get('/'), await get('/admin/31', idToken(ADMIN)), await get('/admin/32', idToken(ADMIN))]) {
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("base-uri 'none'");
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('same-origin');
      expect(response.headers.get('cache-control')).toBe('no-store');
    }
    const css = await get('/aset/portal.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(css.headers.get('cache-control')).toContain('immutable');
    const js = await get('/aset/portal.js');
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await js.text()).not.toContain('innerHTML');
    expect(await (await get('/healthz')).text()).toBe('ok');
  });

  it('a verified address not in recipients.csv is signed in but refused', async () => {
    const response = await get('/', idToken('orang.lain@contoh.id'));
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('tidak terdaftar');
  });
});

describe('the Lambda handler', () => {
  /** What the function URL sends behind CloudFront (payload format 2.0), trimmed to what matters. */
  const event = (rawPath: string, rawQueryString = '', cookies?: string[]) => ({
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers: { host: 'abc.lambda-url.ap-southeast-3.on.aws', 'x-forwarded-host': 'portal.contoh.id', 'x-forwarded-proto': 'https' },
    isBase64Encoded: false,
    requestContext: { domainName: 'abc.lambda-url.ap-southeast-3.on.aws', http: { method: 'GET', path: rawPath }, requestId: 'r', timeEpoch: 0 },
  });
  const resultSchema = z.object({ statusCode: z.number(), headers: z.record(z.string(), z.string()), cookies: z.array(z.string()).optional(), body: z.string() });

  it('serves the app from a function URL event, on the viewer’s origin, with cookies as Lambda returns them', async () => {
    const handler = createPortalHandler(settings, { jwksCache });
    const signIn = resultSchema.parse(await handler(event('/masuk')));
    expect(signIn.statusCode).toBe(302);
    expect(new URL(signIn.headers.location ?? '').searchParams.get('redirect_uri')).toBe('https://portal.contoh.id/auth/callback');
    expect(signIn.cookies?.[0]).toMatch(/^__Host-ucj-masuk=/);
    const page = resultSchema.parse(await handler(event('/admin/31', `bulan=${PERIOD}`, [`${SESSION_COOKIE}=${idToken(ADMIN)}`])));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('31.71');
  });

  it('answers 400 to an event that is not a function URL’s', async () => {
    const handler = createPortalHandler(settings, { jwksCache });
    expect(resultSchema.parse(await handler({ hello: 'world' })).statusCode).toBe(400);
  });
});
