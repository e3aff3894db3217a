/**
 * Sign-in with the user pool's managed login (authorization code + PKCE, a public client), the session
 * cookie, and the CSRF rule for every POST.
 *
 * The session is the ID token itself, in an HttpOnly cookie, verified on every request: nothing is kept
 * server-side, so any Lambda instance serves any request, and a session ends when the token does (an
 * hour, PORTAL_TOKEN_VALIDITY). Who may do what is not in the token but in recipients.csv (access.ts).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { CookieOptions } from 'hono/utils/cookie';
import { JwtVerifier } from 'aws-jwt-verify';
import type { JwksCache } from 'aws-jwt-verify/jwk';
import { FetchError, JwksValidationError } from 'aws-jwt-verify/error';
import * as z from 'zod';
import type { PortalSettings } from '../config.ts';
import { PORTAL_OAUTH_SCOPES, PORTAL_PATHS } from '../contract/portal.ts';
import type { Recipient } from '../inputs/recipients.ts';
import type { SignedOutSessions } from '../history/signed-out.ts';

// ---------------------------------------------------------------------------------------------------
// Names and attributes

/** `__Host-`: the browser only keeps it if Secure, Path=/ and host-only, so no sibling subdomain can plant or read it. */
export const SESSION_COOKIE = '__Host-ucj-sesi';
export const SIGN_IN_COOKIE = '__Host-ucj-masuk';
/** Ten minutes to get through managed login: longer than anyone takes, short enough to be useless if left behind. */
export const SIGN_IN_COOKIE_SECONDS = 600;

/**
 * Secure even on the local stack's plain http: browsers treat 127.0.0.1 and localhost as potentially
 * trustworthy and keep Secure cookies there. Lax, not Strict: the callback is a top-level redirect from
 * the login domain, which must carry the sign-in cookie; POSTs are covered by the CSRF token.
 */
const BASE_COOKIE = { httpOnly: true, secure: true, sameSite: 'Lax', path: '/' } as const satisfies CookieOptions;

export const sessionCookieOptions = (maxAgeSeconds: number): CookieOptions => ({ ...BASE_COOKIE, maxAge: Math.max(0, Math.floor(maxAgeSeconds)) });
export const signInCookieOptions = (): CookieOptions => ({ ...BASE_COOKIE, maxAge: SIGN_IN_COOKIE_SECONDS });

// ---------------------------------------------------------------------------------------------------
// PKCE, state, CSRF

const base64url = (bytes: Buffer) => bytes.toString('base64url');

/** 32 random bytes, base64url: 43 characters, within RFC 7636's 43–128 for a verifier. */
export const randomToken = (bytes = 32) => base64url(randomBytes(bytes));

/** RFC 7636 §4.2, S256: BASE64URL(SHA256(ASCII(code_verifier))). */
export const pkceChallenge = (verifier: string) => base64url(createHash('sha256').update(verifier, 'ascii').digest());

/**
 * The CSRF token of a session: a keyed hash of its ID token. Stateless (every instance derives the same
 * token from the cookie), and unguessable because the ID token is: it never leaves the HttpOnly cookie.
 * The label keeps this hash from being any other use's hash of the same token.
 */
const CSRF_LABEL = 'ucj-portal/csrf/v1';
export const csrfToken = (idToken: string) => createHmac('sha256', CSRF_LABEL).update(idToken).digest('base64url');

export function csrfMatches(idToken: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const expected = Buffer.from(csrfToken(idToken));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

// ---------------------------------------------------------------------------------------------------
// The app's public origin

interface HeaderSource {
  get(name: string): string | null | undefined;
}

const HOST_PATTERN = /^[A-Za-z0-9.-]+(?::\d{1,5})?$/;
const firstValue = (value: string | null | undefined) => value?.split(',')[0]?.trim() || undefined;

/**
 * Where the browser sees the portal. Behind CloudFront the Host header is the function URL's domain, so
 * CloudFront's viewer-request function passes the viewer's host as x-forwarded-host; the local
 * function-URL emulator passes the loopback Host and `x-forwarded-proto: http`. A direct call (tests,
 * app.request) has neither header and falls back to the request URL's host. A host that is not a plain
 * host[:port] is ignored rather than echoed into a redirect.
 */
export function appOrigin(headers: HeaderSource, requestUrl: string): string {
  const proto = firstValue(headers.get('x-forwarded-proto'));
  const scheme = proto === 'http' || proto === 'https' ? proto : 'https';
  const candidates = [firstValue(headers.get('x-forwarded-host')), firstValue(headers.get('host')), new URL(requestUrl).host];
  const host = candidates.find((value) => value !== undefined && HOST_PATTERN.test(value)) ?? 'localhost';
  return `${scheme}://${host}`;
}

// ---------------------------------------------------------------------------------------------------
// The ID token

export interface Identity {
  email: string;
  /** The pool's `name` attribute, when it has one (recipients.csv's name is what pages show). */
  name: string | undefined;
  sub: string;
  /** Seconds since the epoch. */
  exp: number;
}

/** Undefined for any token that is not a valid, current ID token of this pool and client: the caller is signed out. */
export type IdentityVerifier = (token: string) => Promise<Identity | undefined>;

const identityClaimsSchema = z.object({
  sub: z.string().min(1),
  email: z.string().min(3),
  // An unverified address is not proof of who this is: a user able to change their own email attribute
  // would otherwise take on another recipient's grants.
  email_verified: z.union([z.literal(true), z.literal('true')]),
  exp: z.number(),
  name: z.string().optional(),
});

class NotAnIdToken extends Error {
  override readonly name = 'NotAnIdToken';
}

/**
 * aws-jwt-verify's JwtVerifier with the pool's issuer, client and JWKS: signature (RS256 from the pool's
 * keys), `iss`, `aud`, `exp`/`nbf`, and `token_use: id`. Not CognitoJwtVerifier, which insists on an
 * issuer under cognito-idp.amazonaws.com that the local pool cannot have; with the pool's real issuer
 * this is the same check.
 */
export function idTokenVerifier(settings: Pick<PortalSettings, 'USER_POOL_ISSUER_URL' | 'USER_POOL_CLIENT_ID'>, jwksCache?: JwksCache): IdentityVerifier {
  const issuer = settings.USER_POOL_ISSUER_URL.replace(/\/+$/, '');
  const verifier = JwtVerifier.create(
    {
      issuer,
      audience: settings.USER_POOL_CLIENT_ID,
      jwksUri: `${issuer}/.well-known/jwks.json`,
      customJwtCheck: ({ payload }) => {
        if (payload.token_use !== 'id') throw new NotAnIdToken('token_use is not id');
      },
    },
    jwksCache ? { jwksCache } : undefined,
  );
  return async (token) => {
    let payload: unknown;
    try {
      payload = await verifier.verify(token);
    } catch (error) {
      // The keys could not be fetched: that is an outage to report, not a reason to send the user round
      // the sign-in loop again.
      if (error instanceof FetchError || error instanceof JwksValidationError) throw error;
      return undefined;
    }
    const claims = identityClaimsSchema.safeParse(payload);
    if (!claims.success) return undefined;
    return { email: claims.data.email.toLowerCase(), name: claims.data.name, sub: claims.data.sub, exp: claims.data.exp };
  };
}

// ---------------------------------------------------------------------------------------------------
// The code exchange

export type TokenExchanger = (request: { code: string; codeVerifier: string; redirectUri: string }) => Promise<{ idToken: string }>;

const tokenResponseSchema = z.object({ id_token: z.string().min(1) });

export class TokenExchangeFailed extends Error {
  override readonly name = 'TokenExchangeFailed';
}

/** POST `${LOGIN_BASE_URL}/oauth2/token` (RFC 6749 §4.1.3 with the PKCE verifier; a public client sends no secret). */
export function cognitoTokenExchanger(settings: Pick<PortalSettings, 'LOGIN_BASE_URL' | 'USER_POOL_CLIENT_ID'>, fetchImpl: typeof fetch = fetch): TokenExchanger {
  const endpoint = `${settings.LOGIN_BASE_URL.replace(/\/+$/, '')}/oauth2/token`;
  return async ({ code, codeVerifier, redirectUri }) => {
    const body = new URLSearchParams({ grant_type: 'authorization_code', client_id: settings.USER_POOL_CLIENT_ID, code, redirect_uri: redirectUri, code_verifier: codeVerifier });
    const response = await fetchImpl(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (!response.ok) throw new TokenExchangeFailed(`token endpoint answered ${response.status}: ${text.slice(0, 200)}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new TokenExchangeFailed('token endpoint answered something other than JSON');
    }
    const parsed = tokenResponseSchema.safeParse(json);
    if (!parsed.success) throw new TokenExchangeFailed('token endpoint answered without an id_token');
    return { idToken: parsed.data.id_token };
  };
}

// ---------------------------------------------------------------------------------------------------
// The sign-in cookie

const signInStateSchema = z.object({
  state: z.string().min(16),
  verifier: z.string().min(43).max(128),
  /** Where to go after signing in: a path on this origin only. */
  next: z.string(),
});
export type SignInState = z.infer<typeof signInStateSchema>;

export const encodeSignInState = (value: SignInState) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

export function decodeSignInState(cookie: string | undefined): SignInState | undefined {
  if (!cookie) return undefined;
  try {
    const parsed = signInStateSchema.safeParse(JSON.parse(Buffer.from(cookie, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A return path that stays on this origin: `/x`, never `//evil`, `/\evil` or a scheme. */
export function safeReturnPath(value: string | undefined): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || /[\\\s]/.test(value)) return '/';
  return value;
}

export function authorizeUrl(settings: Pick<PortalSettings, 'LOGIN_BASE_URL' | 'USER_POOL_CLIENT_ID'>, origin: string, state: string, challenge: string): string {
  const url = new URL(`${settings.LOGIN_BASE_URL.replace(/\/+$/, '')}/oauth2/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: settings.USER_POOL_CLIENT_ID,
    redirect_uri: `${origin}${PORTAL_PATHS.callback}`,
    scope: PORTAL_OAUTH_SCOPES.join(' '),
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  return url.toString();
}

export function logoutUrl(settings: Pick<PortalSettings, 'LOGIN_BASE_URL' | 'USER_POOL_CLIENT_ID'>, origin: string): string {
  const url = new URL(`${settings.LOGIN_BASE_URL.replace(/\/+$/, '')}/logout`);
  url.search = new URLSearchParams({ client_id: settings.USER_POOL_CLIENT_ID, logout_uri: `${origin}${PORTAL_PATHS.signedOut}` }).toString();
  return url.toString();
}

// ---------------------------------------------------------------------------------------------------
// Per-request state

/** A signed-in user as recipients.csv knows them (access.ts fills it in). */
export interface PortalUser {
  email: string;
  name: string;
  grants: Array<{ role: Recipient['role']; scope: string }>;
}

export interface PortalEnv {
  Variables: {
    origin: string;
    /** The verified ID token and what it says; absent when signed out. */
    session?: { token: string; identity: Identity };
    user?: PortalUser;
    /** An extra form-action origin for this page's CSP (the S3 endpoint an upload form posts to). */
    formActionOrigin?: string;
  };
}

/**
 * Sets `origin` and, when the session cookie holds a valid ID token that was not signed out, `session`.
 * Runs on every request.
 */
export function sessionMiddleware(verify: IdentityVerifier, signedOut: Pick<SignedOutSessions, 'isSignedOut'>): MiddlewareHandler<PortalEnv> {
  return async (c, next) => {
    c.set('origin', appOrigin(c.req.raw.headers, c.req.url));
    const token = getCookie(c, SESSION_COOKIE);
    if (token) {
      const identity = await verify(token);
      if (identity && !(await signedOut.isSignedOut(token))) c.set('session', { token, identity });
    }
    await next();
  };
}

/**
 * Why a POST is refused, or undefined: its Origin header, when the browser sent one, must be this app's
 * origin, and its `csrf` field the token of the session cookie it came with.
 */
export function csrfRejection(c: Context<PortalEnv>, givenToken: string | undefined, sessionToken: string | undefined): 'origin' | 'token' | undefined {
  const origin = c.req.header('origin');
  if (origin !== undefined && origin !== c.get('origin')) return 'origin';
  if (sessionToken === undefined || !csrfMatches(sessionToken, givenToken)) return 'token';
  return undefined;
}

const csrfFieldSchema = z.object({ csrf: z.string().max(128).optional() });

/**
 * Every POST, before its route: the token is derived from the session cookie as it is, valid or lapsed
 * (a user whose hour is up can still sign out; only someone holding the cookie can make the token). The
 * body is parsed here once; Hono caches it for the route.
 */
export function csrfMiddleware(forbidden: (c: Context<PortalEnv>) => Response | Promise<Response>): MiddlewareHandler<PortalEnv> {
  return async (c, next) => {
    if (c.req.method !== 'POST') return next();
    const raw = getCookie(c, SESSION_COOKIE);
    // Signing out without a session changes nothing: /keluar just goes home.
    if (raw === undefined && c.req.path === '/keluar') return next();
    const form = csrfFieldSchema.safeParse(await c.req.parseBody());
    const rejection = csrfRejection(c, form.success ? form.data.csrf : undefined, raw);
    if (rejection) return forbidden(c);
    return next();
  };
}

// ---------------------------------------------------------------------------------------------------
// Routes

export interface SessionRouteDeps {
  settings: Pick<PortalSettings, 'LOGIN_BASE_URL' | 'USER_POOL_CLIENT_ID'>;
  identity: IdentityVerifier;
  tokens: TokenExchanger;
  signedOut: SignedOutSessions;
  now: () => Date;
  logger: Pick<Logger, 'warn'>;
}

export interface SessionPages {
  /** A page for a sign-in that could not complete (status, Indonesian message). */
  signInFailed(c: Context<PortalEnv>, status: 400 | 403 | 502, message: string): Response | Promise<Response>;
}

const callbackQuerySchema = z.union([
  z.object({ error: z.string(), error_description: z.string().optional() }),
  z.object({ code: z.string().min(1).max(2048), state: z.string().min(1).max(512) }),
]);

export function registerSessionRoutes(app: Hono<PortalEnv>, deps: SessionRouteDeps, pages: SessionPages): void {
  app.get('/masuk', (c) => {
    const state = randomToken();
    const verifier = randomToken();
    const next = safeReturnPath(c.req.query('kembali'));
    setCookie(c, SIGN_IN_COOKIE, encodeSignInState({ state, verifier, next }), signInCookieOptions());
    return c.redirect(authorizeUrl(deps.settings, c.get('origin'), state, pkceChallenge(verifier)), 302);
  });

  app.get(PORTAL_PATHS.callback, async (c) => {
    const saved = decodeSignInState(getCookie(c, SIGN_IN_COOKIE));
    // The sign-in cookie is single-use, whatever happens next.
    deleteCookie(c, SIGN_IN_COOKIE, { ...BASE_COOKIE });
    const query = callbackQuerySchema.safeParse(c.req.query());
    if (!query.success) return pages.signInFailed(c, 400, 'Tautan masuk tidak lengkap. Silakan masuk kembali.');
    if ('error' in query.data) return pages.signInFailed(c, 400, 'Proses masuk dibatalkan atau ditolak. Silakan coba lagi.');
    if (!saved) return pages.signInFailed(c, 400, 'Sesi masuk sudah kedaluwarsa atau dibuka di peramban lain. Silakan masuk kembali.');
    const given = Buffer.from(query.data.state);
    const expected = Buffer.from(saved.state);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return pages.signInFailed(c, 400, 'Sesi masuk tidak cocok. Silakan masuk kembali.');
    }
    let idToken: string;
    try {
      ({ idToken } = await deps.tokens({ code: query.data.code, codeVerifier: saved.verifier, redirectUri: `${c.get('origin')}${PORTAL_PATHS.callback}` }));
    } catch (error) {
      deps.logger.warn('code exchange failed', { error: error instanceof Error ? error.message : String(error) });
      return pages.signInFailed(c, 502, 'Layanan masuk tidak dapat dihubungi. Silakan coba beberapa saat lagi.');
    }
    const identity = await deps.identity(idToken);
    if (!identity) return pages.signInFailed(c, 403, 'Token masuk tidak sah. Silakan masuk kembali.');
    setCookie(c, SESSION_COOKIE, idToken, sessionCookieOptions(identity.exp - deps.now().getTime() / 1000));
    return c.redirect(saved.next, 303);
  });

  // The CSRF middleware (csrfMiddleware) has checked this POST before it gets here.
  app.post('/keluar', async (c) => {
    const raw = getCookie(c, SESSION_COOKIE);
    if (!raw) return c.redirect(PORTAL_PATHS.signedOut, 303);
    // The token would verify until it expires: recorded, it is refused from now on, wherever it is replayed.
    const session = c.get('session');
    if (session) await deps.signedOut.record(session.token, session.identity.exp);
    deleteCookie(c, SESSION_COOKIE, { ...BASE_COOKIE });
    deleteCookie(c, SIGN_IN_COOKIE, { ...BASE_COOKIE });
    return c.redirect(logoutUrl(deps.settings, c.get('origin')), 303);
  });
}
