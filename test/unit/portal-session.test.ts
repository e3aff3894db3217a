/**
 * The portal's sign-in pieces on their own (lib/portal/session.ts): PKCE, the CSRF token, the public
 * origin, and the cookies /masuk, /auth/callback and /keluar set. The token exchange and the verifier are
 * functions the test provides here; portal-app.test.ts runs them for real.
 */
import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { Logger } from '@aws-lambda-powertools/logger';
import {
  appOrigin,
  authorizeUrl,
  csrfMatches,
  csrfMiddleware,
  csrfToken,
  decodeSignInState,
  pkceChallenge,
  randomToken,
  registerSessionRoutes,
  safeReturnPath,
  sessionMiddleware,
  SESSION_COOKIE,
  SIGN_IN_COOKIE,
  type Identity,
  type PortalEnv,
  type TokenExchanger,
} from '../../lib/portal/session.ts';

const settings = { LOGIN_BASE_URL: 'https://masuk.contoh.id', USER_POOL_CLIENT_ID: 'klien-uji' };
const NOW = new Date('2026-11-05T03:00:00Z');

describe('PKCE', () => {
  it('derives the S256 challenge of RFC 7636 appendix B', () => {
    expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('makes verifiers of 43 base64url characters, never the same twice', () => {
    const tokens = new Set(Array.from({ length: 50 }, () => randomToken()));
    expect(tokens.size).toBe(50);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('asks managed login for a code with the challenge, the scopes and the callback on our origin', () => {
    const url = new URL(authorizeUrl(settings, 'https://portal.contoh.id', 'keadaan', 'tantangan'));
    expect(`${url.origin}${url.pathname}`).toBe('https://masuk.contoh.id/oauth2/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'klien-uji',
      redirect_uri: 'https://portal.contoh.id/auth/callback',
      scope: 'openid email profile',
      state: 'keadaan',
      code_challenge: 'tantangan',
      code_challenge_method: 'S256',
    });
  });
});

describe('CSRF token', () => {
  it('is the same for the same session on any instance, and differs between sessions', () => {
    expect(csrfToken('a.b.c')).toBe(csrfToken('a.b.c'));
    expect(csrfToken('a.b.c')).not.toBe(csrfToken('a.b.d'));
    expect(csrfToken('a.b.c')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('matches only its own session', () => {
    expect(csrfMatches('a.b.c', csrfToken('a.b.c'))).toBe(true);
    expect(csrfMatches('a.b.c', csrfToken('a.b.d'))).toBe(false);
    expect(csrfMatches('a.b.c', undefined)).toBe(false);
    expect(csrfMatches('a.b.c', '')).toBe(false);
    expect(csrfMatches('a.b.c', `${csrfToken('a.b.c')}x`)).toBe(false);
  });
});

describe('the public origin', () => {
  const headers = (values: Record<string, string>) => new Headers(values);

  it("is CloudFront's forwarded host over https", () => {
    expect(appOrigin(headers({ host: 'abc.lambda-url.ap-southeast-3.on.aws', 'x-forwarded-host': 'portal.contoh.id', 'x-forwarded-proto': 'https' }), 'https://abc.lambda-url.ap-southeast-3.on.aws/')).toBe(
      'https://portal.contoh.id',
    );
  });

  it("is the local emulator's loopback host over http", () => {
    expect(appOrigin(headers({ host: '127.0.0.1:43210', 'x-forwarded-proto': 'http' }), 'https://x.lambda-url.ap-southeast-3.on.aws/')).toBe('http://127.0.0.1:43210');
  });

  it('defaults to https, takes the first of a list, and falls back to the request URL', () => {
    expect(appOrigin(headers({ host: 'portal.contoh.id' }), 'http://ignored/')).toBe('https://portal.contoh.id');
    expect(appOrigin(headers({ host: 'portal.contoh.id', 'x-forwarded-proto': 'https, http' }), 'http://ignored/')).toBe('https://portal.contoh.id');
    expect(appOrigin(headers({}), 'http://localhost/admin')).toBe('https://localhost');
  });

  it('never echoes a host that is not a plain host[:port]', () => {
    expect(appOrigin(headers({ 'x-forwarded-host': 'evil.example/@x', host: 'portal.contoh.id' }), 'http://localhost/')).toBe('https://portal.contoh.id');
    expect(appOrigin(headers({ 'x-forwarded-proto': 'javascript' }), 'http://localhost/')).toBe('https://localhost');
  });
});

describe('return paths', () => {
  it('stay on this origin', () => {
    expect(safeReturnPath('/admin/31?bulan=2026-10')).toBe('/admin/31?bulan=2026-10');
    for (const bad of [undefined, '', 'https://evil.example', '//evil.example', '/\\evil.example', 'admin', '/a b']) expect(safeReturnPath(bad)).toBe('/');
  });
});

/** The session routes alone, with a verifier that knows one token and an exchanger that hands it out. */
function sessionApp(exchange: TokenExchanger) {
  const identities = new Map<string, Identity>([['token-sah', { email: 'a@contoh.id', name: undefined, sub: 's', exp: NOW.getTime() / 1000 + 3600 }]]);
  // The sign-out record as a set: the DynamoDB one is exercised in portal-app.test.ts.
  const ended = new Set<string>();
  const signedOut = { record: async (token: string) => void ended.add(token), isSignedOut: async (token: string) => ended.has(token) };
  const app = new Hono<PortalEnv>();
  app.use('*', sessionMiddleware(async (token) => identities.get(token), signedOut));
  app.use('*', csrfMiddleware((c) => c.text('ditolak', 403)));
  registerSessionRoutes(
    app,
    { settings, identity: async (token) => identities.get(token), tokens: exchange, signedOut, now: () => NOW, logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }) },
    { signInFailed: (c, status) => c.text('gagal', status) },
  );
  return app;
}

/** `name=value; A; B=c` → { value, attributes } with attribute names lower-cased. */
function cookieOf(response: Response, name: string) {
  const line = response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${name}=`));
  if (!line) return undefined;
  const [pair, ...attributes] = line.split(';').map((part) => part.trim());
  return {
    value: decodeURIComponent(pair!.slice(name.length + 1)),
    attributes: Object.fromEntries(attributes.map((attribute) => {
      const [key, value = ''] = attribute.split('=');
      return [key!.toLowerCase(), value];
    })),
  };
}

describe('the sign-in cookies', () => {
  it('/masuk keeps state and verifier in a short-lived __Host- cookie and redirects with their challenge', async () => {
    const app = sessionApp(async () => ({ idToken: 'token-sah' }));
    const response = await app.request('/masuk?kembali=%2Fadmin%2F31', { headers: { host: 'portal.contoh.id' } });
    expect(response.status).toBe(302);
    const cookie = cookieOf(response, SIGN_IN_COOKIE);
    expect(cookie?.attributes).toEqual({ 'max-age': '600', path: '/', httponly: '', secure: '', samesite: 'Lax' });
    const saved = decodeSignInState(cookie?.value);
    expect(saved?.next).toBe('/admin/31');
    const location = new URL(response.headers.get('location') ?? '');
    expect(location.searchParams.get('state')).toBe(saved?.state);
    expect(location.searchParams.get('code_challenge')).toBe(pkceChallenge(saved?.verifier ?? ''));
    expect(location.searchParams.get('redirect_uri')).toBe('https://portal.contoh.id/auth/callback');
  });

  it('/auth/callback refuses a state that is not the cookie’s, and exchanges the code with the verifier when it is', async () => {
    const exchanged: Array<Parameters<TokenExchanger>[0]> = [];
    const app = sessionApp(async (request) => {
      exchanged.push(request);
      return { idToken: 'token-sah' };
    });
    const start = await app.request('/masuk?kembali=%2Foperator', { headers: { host: 'portal.contoh.id' } });
    const signIn = cookieOf(start, SIGN_IN_COOKIE)!;
    const state = decodeSignInState(signIn.value)!;
    const cookieHeader = `${SIGN_IN_COOKIE}=${encodeURIComponent(signIn.value)}`;

    const wrong = await app.request('/auth/callback?code=k&state=bukan-itu', { headers: { host: 'portal.contoh.id', cookie: cookieHeader } });
    expect(wrong.status).toBe(400);
    const noCookie = await app.request(`/auth/callback?code=k&state=${state.state}`, { headers: { host: 'portal.contoh.id' } });
    expect(noCookie.status).toBe(400);
    expect(exchanged).toEqual([]);

    const right = await app.request(`/auth/callback?code=kode&state=${state.state}`, { headers: { host: 'portal.contoh.id', cookie: cookieHeader } });
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toBe('/operator');
    expect(exchanged).toEqual([{ code: 'kode', codeVerifier: state.verifier, redirectUri: 'https://portal.contoh.id/auth/callback' }]);
    const session = cookieOf(right, SESSION_COOKIE);
    expect(session?.value).toBe('token-sah');
    expect(session?.attributes).toEqual({ 'max-age': '3600', path: '/', httponly: '', secure: '', samesite: 'Lax' });
    // The sign-in cookie is spent.
    expect(cookieOf(right, SIGN_IN_COOKIE)?.attributes['max-age']).toBe('0');
  });

  it('/keluar needs the session’s CSRF token and our Origin, then clears the cookies and signs out of managed login', async () => {
    const app = sessionApp(async () => ({ idToken: 'token-sah' }));
    const post = (body: Record<string, string>, origin?: string) =>
      app.request('/keluar', {
        method: 'POST',
        headers: { host: 'portal.contoh.id', cookie: `${SESSION_COOKIE}=token-sah`, 'content-type': 'application/x-www-form-urlencoded', ...(origin ? { origin } : {}) },
        body: new URLSearchParams(body).toString(),
      });
    expect((await post({})).status).toBe(403);
    expect((await post({ csrf: csrfToken('token-lain') })).status).toBe(403);
    expect((await post({ csrf: csrfToken('token-sah') }, 'https://evil.example')).status).toBe(403);
    const out = await post({ csrf: csrfToken('token-sah') }, 'https://portal.contoh.id');
    expect(out.status).toBe(303);
    const location = new URL(out.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe('https://masuk.contoh.id/logout');
    expect(Object.fromEntries(location.searchParams)).toEqual({ client_id: 'klien-uji', logout_uri: 'https://portal.contoh.id/' });
    expect(cookieOf(out, SESSION_COOKIE)?.attributes['max-age']).toBe('0');
  });
});
