/**
 * Amazon Cognito on loopback for the local stack: the portal's user pool, its public app client and
 * managed login (authorization code with PKCE). Local tooling only, never deployed.
 *
 * cognito-local (5.3.0) runs in-process: its user-pool model, its JSON API targets (Router) and its token
 * generator, which signs with the fixed key it ships (kid `CognitoLocal`, RS256) and sets
 * `iss` = `<TokenConfig.IssuerDomain>/<userPoolId>`. Its own server factory (createDefaultServer) keeps
 * its data in `./.cognito` under the working directory and prints every message it "sends", so the parts
 * are put together here instead: the pool's files live in `<dir>/db`, messages are dropped, and one
 * loopback server answers everything, so IssuerDomain is that server's origin and `issuerUrl` is
 * `http://127.0.0.1:<port>/<userPoolId>`, exactly the ID token's `iss`. The port is picked at each start
 * (port 0), so the issuer changes from one start to the next: tokens from an earlier run no longer verify.
 *
 * What cognito-local serves natively and is kept: the JSON API operations, the JWKS (its one public key),
 * the user records (FORCE_CHANGE_PASSWORD after AdminCreateUser, CONFIRMED after a permanent
 * AdminSetUserPassword, Enabled flags, email as the username attribute, with a generated username).
 *
 * Cognito's rules enforced here, where cognito-local is laxer (checked against its source):
 * - Managed login is served here, not by cognito-local: its form is English, reflects every value
 *   unescaped (state, redirect_uri...), has no anti-forgery token, hands a code to a disabled user and to
 *   an invited user signing in with the temporary password (no new password asked for).
 *   Here the form is in Bahasa Indonesia, every reflected value is HTML-escaped, the authorize request is
 *   kept server-side and the form carries only an anti-forgery token bound to a browser cookie (a POST
 *   without both, or from another origin, gets 403).
 * - /oauth2/authorize: client_id must be the app client and redirect_uri exactly one of its callback URLs,
 *   else 400 and no redirect. Then, redirected to the callback with `error=` (and the state):
 *   response_type must be `code` (`token` → unauthorized_client, anything else →
 *   unsupported_response_type); code_challenge is required and code_challenge_method must be S256
 *   (invalid_request: stricter than Cognito, which honours PKCE when sent but cannot be told to require
 *   it; the portal always sends it, and a local portal that forgot would fail here, not silently pass);
 *   every requested scope must be one of the client's (invalid_scope).
 * - Sign-in: a wrong email or password, an unconfirmed user, one whose password must be reset and a
 *   disabled user get no code. A user in FORCE_CHANGE_PASSWORD must enter a new password meeting
 *   PORTAL_PASSWORD_POLICY first, within authCodeMinutes (the client's AuthSessionValidity); a temporary
 *   password older than its validity days is refused.
 * - /oauth2/token: form-encoded only; the code is single-use (consumed by the first attempt, right or
 *   wrong) and lapses after PORTAL_TOKEN_VALIDITY.authCodeMinutes; client_id and redirect_uri must match the
 *   authorize request; code_verifier must be a valid verifier whose S256 is the challenge; a user disabled
 *   since gets no tokens. The refresh_token grant checks the refresh token's expiry and the user's Enabled.
 *   The tokens are cognito-local's own, with the client's validity (ID and access tokens an hour).
 * - /logout (cognito-local has none): client_id must be the app client and logout_uri exactly one of its
 *   sign-out URLs, else 400; then 302 to logout_uri.
 * - JSON API: ListUsers returns at most 60 users a page (Limit 0–60, else InvalidParameterException) with a
 *   PaginationToken (cognito-local returns every user at once). AdminCreateUser's TemporaryPassword,
 *   AdminSetUserPassword's Password, a NEW_PASSWORD challenge response, ChangePassword, SignUp and
 *   ConfirmForgotPassword must meet PORTAL_PASSWORD_POLICY (InvalidPasswordException; cognito-local
 *   checks no policy); without a TemporaryPassword AdminCreateUser gets one meeting the policy (cognito-local
 *   makes up six characters). InitiateAuth/AdminInitiateAuth only with a flow the client allows (its
 *   ExplicitAuthFlows: refresh only, as the client is for managed login), and no refresh for a disabled
 *   user. Requests must be SigV4-signed for this region and `cognito-idp`, except the operations AWS
 *   serves unsigned (InitiateAuth, SignUp...).
 *
 * Not emulated: a managed-login session (every authorize shows the form, so /logout has nothing to end),
 * `nonce` in the ID token, the requested scopes in the access token (cognito-local always writes
 * `aws.cognito.signin.user.admin`), MFA, federation, invitation emails (dropped: invited users locally need
 * a TemporaryPassword from the caller or AdminSetUserPassword), AttributesToGet.
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { SimpleJwksCache, type JwksCache } from 'aws-jwt-verify/jwk';
import type { Fetcher } from 'aws-jwt-verify/https';
import * as z from 'zod';
import { Router } from 'cognito-local/lib/server/Router.js';
import { DefaultConfig } from 'cognito-local/lib/server/config.js';
import { CognitoError, UnsupportedError } from 'cognito-local/lib/errors.js';
import { CognitoServiceFactoryImpl, type CognitoService } from 'cognito-local/lib/services/cognitoService.js';
import { UserPoolServiceFactoryImpl, type User, type UserPoolService } from 'cognito-local/lib/services/userPoolService.js';
import { StormDBDataStoreFactory } from 'cognito-local/lib/services/dataStore/stormDb.js';
import { JwtTokenGenerator } from 'cognito-local/lib/services/tokenGenerator.js';
import { newId } from 'cognito-local/lib/services/appClient.js';
import { otp } from 'cognito-local/lib/services/otp.js';
import type { AppClient } from 'cognito-local/lib/services/appClient.js';
import type { Services } from 'cognito-local/lib/services/index.js';
import type { Context } from 'cognito-local/lib/services/context.js';
import type { LogService } from 'cognito-local/lib/services/LogService.js';
import type { Triggers } from 'cognito-local/lib/services/triggers/triggers.js';
import type { Messages } from 'cognito-local/lib/services/messages.js';
import { COGNITO_PASSWORD_POLICY, PORTAL_OAUTH_SCOPES, PORTAL_PASSWORD_POLICY, PORTAL_TOKEN_VALIDITY } from '../../lib/contract/portal.ts';
import { AwsServiceError, closeServer, listenOnLoopback, readJsonBody, signedScope } from './aws-json.ts';
import { readBody } from './http.ts';

export interface LocalCognito {
  /** The user-pool JSON API (for CognitoIdentityProviderClient's endpoint): http://127.0.0.1:<port>. */
  endpoint: string;
  /** Stable across restarts on the same dir. */
  userPoolId: string;
  /** The public app client (no secret), stable across restarts. */
  clientId: string;
  /** Equals the ID token's `iss`; the JWKS is at `${issuerUrl}/.well-known/jwks.json`. */
  issuerUrl: string;
  /** Managed login's base: `${loginBaseUrl}/oauth2/authorize`, `/oauth2/token`, `/logout`. */
  loginBaseUrl: string;
  /** Replaces the app client's callback and sign-out URLs (as UpdateUserPoolClient would). */
  setRedirectUrls(urls: { callbackUrls: string[]; logoutUrls: string[] }): Promise<void>;
  close(): Promise<void>;
}

export interface LocalCognitoOptions {
  /** Where the pool persists (created when missing). */
  dir: string;
  /** The region requests must be signed for; the pool id is `<region>_<9 characters>`, as on AWS. */
  region: string;
  callbackUrls: string[];
  logoutUrls: string[];
  /** The clock codes, temporary passwords and tokens are timed by (tests move it; the wall clock otherwise). */
  now?: () => Date;
}

const POOL_NAME = 'ucj-portal';
// As the deployed client is named (infra/constructs/portal-auth.ts): how a restart finds it again.
const CLIENT_NAME = 'portal';
const ACCOUNT = '000000000000';
const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
const LIST_USERS_LIMIT = 60;
const BROWSER_COOKIE = 'cognito-local-browser';
/** How long a login form stays usable (a local choice: AWS does not state it). */
const LOGIN_TRANSACTION_MS = 30 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
/** The JSON API operations AWS serves without SigV4 (the user's own, or before there is a user). */
const UNSIGNED_OPERATIONS = new Set([
  'InitiateAuth',
  'RespondToAuthChallenge',
  'SignUp',
  'ConfirmSignUp',
  'ResendConfirmationCode',
  'ForgotPassword',
  'ConfirmForgotPassword',
  'GetUser',
  'ChangePassword',
  'UpdateUserAttributes',
  'DeleteUser',
  'DeleteUserAttributes',
  'VerifyUserAttribute',
  'GetUserAttributeVerificationCode',
  'GlobalSignOut',
  'RevokeToken',
  'AssociateSoftwareToken',
  'VerifySoftwareToken',
  'SetUserMFAPreference',
]);
/** Where each operation carries a password that must meet the pool's policy. */
const PASSWORD_FIELDS: Record<string, readonly string[]> = {
  AdminCreateUser: ['TemporaryPassword'],
  AdminSetUserPassword: ['Password'],
  RespondToAuthChallenge: ['ChallengeResponses', 'NEW_PASSWORD'],
  AdminRespondToAuthChallenge: ['ChallengeResponses', 'NEW_PASSWORD'],
  ChangePassword: ['ProposedPassword'],
  SignUp: ['Password'],
  ConfirmForgotPassword: ['Password'],
};
/** The client's sign-in flows as ExplicitAuthFlows names them, by InitiateAuth's AuthFlow. */
const AUTH_FLOW_SETTING: Record<string, string> = {
  USER_PASSWORD_AUTH: 'ALLOW_USER_PASSWORD_AUTH',
  ADMIN_USER_PASSWORD_AUTH: 'ALLOW_ADMIN_USER_PASSWORD_AUTH',
  ADMIN_NO_SRP_AUTH: 'ALLOW_ADMIN_USER_PASSWORD_AUTH',
  USER_SRP_AUTH: 'ALLOW_USER_SRP_AUTH',
  CUSTOM_AUTH: 'ALLOW_CUSTOM_AUTH',
  USER_AUTH: 'ALLOW_USER_AUTH',
  REFRESH_TOKEN_AUTH: 'ALLOW_REFRESH_TOKEN_AUTH',
  REFRESH_TOKEN: 'ALLOW_REFRESH_TOKEN_AUTH',
};
/** Managed login only: the client signs nobody in through the API, it only refreshes (as the CDK client). */
const CLIENT_AUTH_FLOWS = ['ALLOW_REFRESH_TOKEN_AUTH'];

// ---------------------------------------------------------------------------------------------------
// The password policy, as Cognito words its refusals

const SYMBOLS = '^$*.[]{}()?"!@#%&/\\,><\':;|_~`=+-';

/** Why a password fails PORTAL_PASSWORD_POLICY (Cognito's wording), or undefined when it meets it. */
export function passwordPolicyProblem(password: string): string | undefined {
  const policy = PORTAL_PASSWORD_POLICY;
  if (password.length < policy.minLength) return 'Password not long enough';
  if (policy.requireLowercase && !/[a-z]/.test(password)) return 'Password must have lowercase characters';
  if (policy.requireUppercase && !/[A-Z]/.test(password)) return 'Password must have uppercase characters';
  if (policy.requireDigits && !/[0-9]/.test(password)) return 'Password must have numeric characters';
  if (policy.requireSymbols && ![...password].some((c) => SYMBOLS.includes(c))) return 'Password must have symbol characters';
  return undefined;
}

/** The policy, as the new-password form tells the user. */
const POLICY_TEXT = [
  `minimal ${PORTAL_PASSWORD_POLICY.minLength} karakter`,
  ...(PORTAL_PASSWORD_POLICY.requireLowercase ? ['huruf kecil'] : []),
  ...(PORTAL_PASSWORD_POLICY.requireUppercase ? ['huruf besar'] : []),
  ...(PORTAL_PASSWORD_POLICY.requireDigits ? ['angka'] : []),
  ...(PORTAL_PASSWORD_POLICY.requireSymbols ? ['simbol'] : []),
].join(', ');

/** A temporary password meeting the policy, as Cognito makes one up for AdminCreateUser. */
function generatedPassword(): string {
  const sets = ['abcdefghijkmnopqrstuvwxyz', 'ABCDEFGHJKLMNPQRSTUVWXYZ', '23456789', '!#%+-=?@_'];
  const all = sets.join('');
  const chars = sets.map((set) => set[randomInt(set.length)]!);
  while (chars.length < Math.max(PORTAL_PASSWORD_POLICY.minLength, 16)) chars.push(all[randomInt(all.length)]!);
  for (let i = chars.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

// ---------------------------------------------------------------------------------------------------
// Small helpers

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const sameSecret = (a: string, b: string) => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

const base64url = (bytes: Buffer) => bytes.toString('base64url');
const s256 = (verifier: string) => base64url(createHash('sha256').update(verifier).digest());
/** RFC 7636 §4.1: 43–128 unreserved characters. */
const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** An S256 challenge: 32 bytes, base64url without padding. */
const S256_CHALLENGE = /^[A-Za-z0-9\-_]{43}$/;

function cookiesOf(req: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) cookies.set(part.slice(0, at).trim(), decodeURIComponent(part.slice(at + 1).trim()));
  }
  return cookies;
}

const silentLogger: LogService = {
  child: () => silentLogger,
  debug: () => undefined,
  error: () => undefined,
  info: () => undefined,
  warn: () => undefined,
};
const ctx: Context = { logger: silentLogger };

// The pool has no Lambda triggers locally: enabled() says so, and the targets call none of them.
const noTrigger = async (): Promise<never> => {
  throw new Error('the local user pool has no Lambda triggers');
};
const noTriggers: Triggers = {
  enabled: () => false,
  customMessage: noTrigger,
  customEmailSender: noTrigger,
  postAuthentication: noTrigger,
  postConfirmation: noTrigger,
  preSignUp: noTrigger,
  preTokenGeneration: noTrigger,
  userMigration: noTrigger,
};
// Invitations and codes would be emails; cognito-local's sender prints them to the console.
const droppedMessages: Messages = { deliver: async () => undefined };

const publicKeySchema = z.object({
  jwk: z.object({ kty: z.string(), e: z.string(), use: z.string(), kid: z.string(), alg: z.string(), n: z.string() }),
});

async function cognitoLocalPublicJwk(): Promise<z.infer<typeof publicKeySchema>['jwk']> {
  const require = createRequire(import.meta.url);
  const file = require.resolve('cognito-local/lib/keys/cognitoLocal.public.json');
  return publicKeySchema.parse(JSON.parse(await readFile(file, 'utf8'))).jwk;
}

/** Dates as the JSON protocol carries them (epoch seconds), as cognito-local's server writes them. */
function awsJson(output: unknown): string {
  return JSON.stringify(output ?? {}, function (this: unknown, key: string, value: unknown) {
    const original: unknown = this !== null && typeof this === 'object' ? Reflect.get(this, key) : undefined;
    return original instanceof Date ? Math.floor(original.getTime() / 1000) : value;
  });
}

const listUsersInput = z.object({
  UserPoolId: z.string(),
  Limit: z.number().int().optional(),
  PaginationToken: z.string().optional(),
  Filter: z.string().optional(),
});
const listUsersOutput = z.object({ Users: z.array(z.object({ Username: z.string() }).loose()) });
const paginationTokenSchema = z.object({ after: z.string() });
const initiateAuthInput = z.object({
  ClientId: z.string(),
  AuthFlow: z.string(),
  AuthParameters: z.record(z.string(), z.string()).optional(),
});
const jwtPayloadSchema = z.object({ exp: z.number() });

const invalidParameter = (message: string) => new AwsServiceError('InvalidParameterException', message);

function decodePaginationToken(token: string): string {
  try {
    return paginationTokenSchema.parse(JSON.parse(Buffer.from(token, 'base64url').toString('utf8'))).after;
  } catch {
    throw invalidParameter('Invalid pagination token.');
  }
}

/** The value at `path` in a JSON input, when it is a string. */
function stringAt(input: unknown, path: readonly string[]): string | undefined {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = Reflect.get(value, key);
  }
  return typeof value === 'string' ? value : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Managed login's state (in memory: a restart ends pending sign-ins and unused codes, as they are short-lived)

interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  state: string | undefined;
  codeChallenge: string;
  scopes: string[];
}

interface LoginTransaction extends AuthorizeRequest {
  /** The browser cookie the form was served to: a POST must come with it (login CSRF). */
  browser: string;
  expiresAt: number;
  /** Set once the temporary password was right: the user (cognito-local's Username) must now choose one. */
  newPasswordFor?: string;
}

interface IssuedCode extends AuthorizeRequest {
  username: string;
  expiresAt: number;
}

// ---------------------------------------------------------------------------------------------------

export async function startLocalCognito(options: LocalCognitoOptions): Promise<LocalCognito> {
  const dir = resolve(options.dir);
  const dataDir = join(dir, 'db');
  await mkdir(dataDir, { recursive: true });
  const now = options.now ?? (() => new Date());
  const clock = { get: now };

  const server: Server = createServer((req, res) => void handle(req, res));
  const origin = await listenOnLoopback(server);

  const dataStores = new StormDBDataStoreFactory(dataDir);
  const cognito: CognitoService = await new CognitoServiceFactoryImpl(dataDir, dataStores, new UserPoolServiceFactoryImpl(clock, dataStores)).create(ctx, {
    UsernameAttributes: ['email'],
  });
  const tokenGenerator = new JwtTokenGenerator(clock, noTriggers, { IssuerDomain: origin });
  const services: Services = {
    clock,
    cognito,
    config: { ...DefaultConfig, TokenConfig: { IssuerDomain: origin } },
    messages: droppedMessages,
    otp,
    tokenGenerator,
    triggers: noTriggers,
  };
  const route = Router(services);
  const jwk = await cognitoLocalPublicJwk();

  // cognito-local's files are rewritten whole on every change (not atomically): one operation at a time,
  // so two writes never interleave and a read-check-write (AdminCreateUser's "exists?") sees the last write.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };

  const pool = await serial(() => ensurePool(cognito, options.region));
  const userPoolId = pool.options.Id;
  let client = await serial(() => ensureClient(cognito, pool, options));
  const issuerUrl = `${origin}/${userPoolId}`;

  const transactions = new Map<string, LoginTransaction>();
  const codes = new Map<string, IssuedCode>();
  const prune = () => {
    const at = now().getTime();
    for (const [key, value] of transactions) if (value.expiresAt <= at) transactions.delete(key);
    for (const [key, value] of codes) if (value.expiresAt <= at) codes.delete(key);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', origin);
      if (req.method === 'POST' && url.pathname === '/') return await jsonApi(req, res);
      if (req.method === 'GET' && url.pathname === `/${userPoolId}/.well-known/jwks.json`) return sendJson(res, 200, { keys: [jwk] });
      if (req.method === 'GET' && url.pathname === `/${userPoolId}/.well-known/openid-configuration`) return sendJson(res, 200, openIdConfiguration());
      if (req.method === 'GET' && url.pathname === '/oauth2/authorize') return await authorize(req, res, url);
      if (req.method === 'POST' && url.pathname === '/login') return await login(req, res);
      if (req.method === 'POST' && url.pathname === '/oauth2/token') return await token(req, res);
      if (req.method === 'GET' && url.pathname === '/logout') return await logout(res, url);
      sendPage(res, 404, 'Tidak ditemukan', '<p>Halaman ini tidak ada.</p>');
    } catch (error) {
      if (res.headersSent) return void res.destroy();
      sendPage(res, 500, 'Kesalahan', `<p>${escapeHtml(error instanceof Error ? error.message : String(error))}</p>`);
    }
  }

  const openIdConfiguration = () => ({
    issuer: issuerUrl,
    jwks_uri: `${issuerUrl}/.well-known/jwks.json`,
    authorization_endpoint: `${origin}/oauth2/authorize`,
    token_endpoint: `${origin}/oauth2/token`,
    end_session_endpoint: `${origin}/logout`,
    response_types_supported: ['code'],
    scopes_supported: [...PORTAL_OAUTH_SCOPES],
    subject_types_supported: ['public'],
    token_endpoint_auth_methods_supported: ['none'],
    code_challenge_methods_supported: ['S256'],
    id_token_signing_alg_values_supported: ['RS256'],
  });

  // -------------------------------------------------------------------------------------------------
  // The JSON API

  async function jsonApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomBytes(16).toString('hex');
    try {
      const target = req.headers['x-amz-target'];
      const operation = typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
      if (!operation) throw new AwsServiceError('UnknownOperationException', `Unknown operation ${String(target)}.`);
      if (req.headers.authorization !== undefined || !UNSIGNED_OPERATIONS.has(operation)) signedScope(req.headers.authorization, options.region, 'cognito-idp');
      if (!String(req.headers['content-type'] ?? '').startsWith(JSON_CONTENT_TYPE)) throw new AwsServiceError('SerializationException', `Expected Content-Type ${JSON_CONTENT_TYPE}.`);
      const input = await readJsonBody(req);
      const output = await serial(() => operate(operation, input));
      res.writeHead(200, { 'content-type': JSON_CONTENT_TYPE, 'x-amzn-requestid': requestId });
      res.end(awsJson(output));
    } catch (error) {
      const reported =
        error instanceof AwsServiceError
          ? error
          : error instanceof CognitoError
            ? new AwsServiceError(error.code, error.message)
            : error instanceof UnsupportedError
              ? new AwsServiceError('CognitoLocal#Unsupported', `Cognito Local unsupported feature: ${error.message}`, { statusCode: 500 })
              : new AwsServiceError('InternalErrorException', error instanceof Error ? error.message : String(error), { statusCode: 500 });
      res.writeHead(reported.statusCode, { 'content-type': JSON_CONTENT_TYPE, 'x-amzn-requestid': requestId, 'x-amzn-errortype': reported.code });
      res.end(JSON.stringify({ __type: reported.code, message: reported.message }));
    }
  }

  async function operate(operation: string, input: unknown): Promise<unknown> {
    const passwordPath = PASSWORD_FIELDS[operation];
    if (passwordPath) {
      const password = stringAt(input, passwordPath);
      const problem = password === undefined ? undefined : passwordPolicyProblem(password);
      if (problem) throw new AwsServiceError('InvalidPasswordException', `Password did not conform with policy: ${problem}`);
    }
    if (operation === 'AdminCreateUser' && input !== null && typeof input === 'object' && stringAt(input, ['TemporaryPassword']) === undefined) {
      input = { ...input, TemporaryPassword: generatedPassword() };
    }
    if (operation === 'ListUsers') return listUsers(input);
    if (operation === 'InitiateAuth' || operation === 'AdminInitiateAuth') await checkAuthFlow(input);
    return route(operation)(ctx, input);
  }

  async function listUsers(input: unknown): Promise<unknown> {
    const parsed = listUsersInput.safeParse(input);
    if (!parsed.success) throw invalidParameter('1 validation error detected: UserPoolId must not be null');
    const { UserPoolId, Limit, PaginationToken, Filter } = parsed.data;
    if (Limit !== undefined && (Limit < 0 || Limit > LIST_USERS_LIMIT)) {
      throw invalidParameter(`1 validation error detected: Value '${Limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to ${LIST_USERS_LIMIT}`);
    }
    const pageSize = Limit === undefined || Limit === 0 ? LIST_USERS_LIMIT : Limit;
    const after = PaginationToken === undefined ? undefined : decodePaginationToken(PaginationToken);
    const all = await route('ListUsers')(ctx, { UserPoolId, ...(Filter === undefined ? {} : { Filter }) });
    const users = listUsersOutput.parse(all).Users;
    // cognito-local lists in insertion order; pages are cut in username order so a token stays valid as users are added.
    const sorted = [...users].sort((a, b) => (a.Username < b.Username ? -1 : a.Username > b.Username ? 1 : 0));
    const rest = after === undefined ? sorted : sorted.filter((user) => user.Username > after);
    const page = rest.slice(0, pageSize);
    const last = page.at(-1);
    return {
      Users: page,
      ...(rest.length > pageSize && last ? { PaginationToken: Buffer.from(JSON.stringify({ after: last.Username })).toString('base64url') } : {}),
    };
  }

  async function checkAuthFlow(input: unknown): Promise<void> {
    const parsed = initiateAuthInput.safeParse(input);
    if (!parsed.success) return; // cognito-local reports the malformed request itself
    const appClient = await cognito.getAppClient(ctx, parsed.data.ClientId);
    if (!appClient) throw new AwsServiceError('ResourceNotFoundException', 'User pool client does not exist.');
    const setting = AUTH_FLOW_SETTING[parsed.data.AuthFlow];
    if (!setting || !(appClient.ExplicitAuthFlows ?? []).includes(setting)) {
      throw invalidParameter(`${parsed.data.AuthFlow} flow not enabled for this client`);
    }
    const refreshToken = parsed.data.AuthParameters?.REFRESH_TOKEN;
    if (setting === 'ALLOW_REFRESH_TOKEN_AUTH' && refreshToken !== undefined) {
      const userPool = await cognito.getUserPoolForClientId(ctx, appClient.ClientId);
      const user = await userPool.getUserByRefreshToken(ctx, refreshToken);
      if (user && !user.Enabled) throw new AwsServiceError('NotAuthorizedException', 'User is disabled.');
      if (refreshTokenExpired(refreshToken)) throw new AwsServiceError('NotAuthorizedException', 'Refresh Token has expired');
    }
  }

  const refreshTokenExpired = (refreshToken: string): boolean => {
    try {
      const payload = jwtPayloadSchema.parse(JSON.parse(Buffer.from(refreshToken.split('.')[1] ?? '', 'base64url').toString('utf8')));
      return payload.exp * 1000 <= now().getTime();
    } catch {
      return true;
    }
  };

  // -------------------------------------------------------------------------------------------------
  // Managed login

  /** Validates client_id and redirect_uri; on failure answers 400 (never redirecting to an unregistered URL). */
  async function registeredClient(res: ServerResponse, clientId: string | null, redirectUri: string | null): Promise<AppClient | undefined> {
    const appClient = clientId ? await cognito.getAppClient(ctx, clientId) : null;
    if (!appClient || !(appClient.AllowedOAuthFlows ?? []).includes('code')) {
      sendPage(res, 400, 'Permintaan tidak sah', '<p>Aplikasi (client_id) tidak dikenal.</p>');
      return undefined;
    }
    if (!redirectUri || !(appClient.CallbackURLs ?? []).includes(redirectUri)) {
      sendPage(res, 400, 'Permintaan tidak sah', '<p>Alamat kembali (redirect_uri) tidak terdaftar untuk aplikasi ini.</p>');
      return undefined;
    }
    return appClient;
  }

  const redirectWithError = (res: ServerResponse, redirectUri: string, error: string, description: string, state: string | null) => {
    const target = new URL(redirectUri);
    target.searchParams.set('error', error);
    target.searchParams.set('error_description', description);
    if (state !== null) target.searchParams.set('state', state);
    res.writeHead(302, { location: target.toString(), 'cache-control': 'no-store' });
    res.end();
  };

  async function authorize(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const query = url.searchParams;
    const state = query.get('state');
    const appClient = await registeredClient(res, query.get('client_id'), query.get('redirect_uri'));
    if (!appClient) return;
    const redirectUri = query.get('redirect_uri') ?? '';
    const responseType = query.get('response_type');
    if (responseType !== 'code') {
      return responseType === 'token'
        ? redirectWithError(res, redirectUri, 'unauthorized_client', 'The client may only use the authorization code grant.', state)
        : redirectWithError(res, redirectUri, 'unsupported_response_type', 'response_type must be code.', state);
    }
    const allowedScopes = appClient.AllowedOAuthScopes ?? [];
    const requested = (query.get('scope') ?? '').split(' ').filter((scope) => scope.length > 0);
    if (requested.some((scope) => !allowedScopes.includes(scope))) return redirectWithError(res, redirectUri, 'invalid_scope', 'A requested scope is not allowed for this client.', state);
    const codeChallenge = query.get('code_challenge');
    if (codeChallenge === null || !S256_CHALLENGE.test(codeChallenge)) return redirectWithError(res, redirectUri, 'invalid_request', 'code_challenge is required (PKCE).', state);
    if (query.get('code_challenge_method') !== 'S256') return redirectWithError(res, redirectUri, 'invalid_request', 'code_challenge_method must be S256.', state);

    prune();
    const browser = cookiesOf(req).get(BROWSER_COOKIE) ?? base64url(randomBytes(24));
    const csrf = base64url(randomBytes(32));
    transactions.set(csrf, {
      clientId: appClient.ClientId,
      redirectUri,
      state: state ?? undefined,
      codeChallenge,
      scopes: requested.length > 0 ? requested : allowedScopes,
      browser,
      expiresAt: now().getTime() + LOGIN_TRANSACTION_MS,
    });
    sendPage(res, 200, 'Masuk', signInForm(csrf, '', undefined), browserCookie(browser), redirectUri);
  }

  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestOrigin = req.headers.origin;
    const form = new URLSearchParams((await readBody(req)).toString('utf8'));
    const csrf = form.get('_csrf') ?? '';
    prune();
    const transaction = transactions.get(csrf);
    const browser = cookiesOf(req).get(BROWSER_COOKIE);
    if (
      !transaction ||
      !String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') ||
      (requestOrigin !== undefined && requestOrigin !== origin) ||
      browser === undefined ||
      !sameSecret(browser, transaction.browser)
    ) {
      return sendPage(res, 403, 'Sesi tidak berlaku', '<p>Formulir masuk ini tidak berlaku lagi. Buka portal dan masuk lagi dari sana.</p>');
    }
    const userPool = await cognito.getUserPoolForClientId(ctx, transaction.clientId);

    if (transaction.newPasswordFor !== undefined) {
      const newPassword = form.get('new_password') ?? '';
      const retry = (message: string) => sendPage(res, 200, 'Kata sandi baru', newPasswordForm(csrf, message), undefined, transaction.redirectUri);
      if (newPassword !== (form.get('confirm_password') ?? '')) return retry('Kedua kata sandi tidak sama.');
      if (passwordPolicyProblem(newPassword)) return retry(`Kata sandi tidak memenuhi aturan: ${POLICY_TEXT}.`);
      const username = transaction.newPasswordFor;
      const changed = await serial(async () => {
        const user = await userPool.getUserByUsername(ctx, username);
        if (!user || !user.Enabled || user.UserStatus !== 'FORCE_CHANGE_PASSWORD') return undefined;
        const updated: User = { ...user, Password: newPassword, UserStatus: 'CONFIRMED', UserLastModifiedDate: now() };
        await userPool.saveUser(ctx, updated);
        return updated;
      });
      if (!changed) {
        transactions.delete(csrf);
        return sendPage(res, 403, 'Sesi tidak berlaku', '<p>Akun ini tidak dapat masuk. Hubungi administrator.</p>');
      }
      return issueCode(res, csrf, transaction, changed);
    }

    const email = (form.get('username') ?? '').trim();
    const password = form.get('password') ?? '';
    const retry = (message: string) => sendPage(res, 200, 'Masuk', signInForm(csrf, email, message), undefined, transaction.redirectUri);
    const user = email === '' ? null : ((await userPool.getUserByUsername(ctx, email)) ?? (await userPool.getUserByUsername(ctx, email.toLowerCase())));
    // The password first: whether an account exists or is disabled is not told to someone without it.
    if (!user || !sameSecret(user.Password, password)) return retry('Email atau kata sandi salah.');
    if (!user.Enabled) return retry('Pengguna ini dinonaktifkan. Hubungi administrator.');
    if (user.UserStatus === 'UNCONFIRMED') return retry('Pengguna ini belum dikonfirmasi.');
    if (user.UserStatus === 'RESET_REQUIRED') return retry('Kata sandi Anda harus diatur ulang. Hubungi administrator.');
    if (user.UserStatus === 'FORCE_CHANGE_PASSWORD') {
      const issued = user.UserLastModifiedDate.getTime();
      if (now().getTime() - issued > PORTAL_PASSWORD_POLICY.temporaryPasswordValidityDays * DAY_MS) {
        return retry('Kata sandi sementara sudah kedaluwarsa dan harus diatur ulang oleh administrator.');
      }
      transaction.newPasswordFor = user.Username;
      // The challenge lasts the client's AuthSessionValidity (the contract's authCodeMinutes), as on AWS.
      transaction.expiresAt = now().getTime() + PORTAL_TOKEN_VALIDITY.authCodeMinutes * 60 * 1000;
      return sendPage(res, 200, 'Kata sandi baru', newPasswordForm(csrf, undefined), undefined, transaction.redirectUri);
    }
    return issueCode(res, csrf, transaction, user);
  }

  function issueCode(res: ServerResponse, csrf: string, transaction: LoginTransaction, user: User): void {
    transactions.delete(csrf);
    const code = base64url(randomBytes(32));
    codes.set(code, {
      clientId: transaction.clientId,
      redirectUri: transaction.redirectUri,
      state: transaction.state,
      codeChallenge: transaction.codeChallenge,
      scopes: transaction.scopes,
      username: user.Username,
      expiresAt: now().getTime() + PORTAL_TOKEN_VALIDITY.authCodeMinutes * 60 * 1000,
    });
    const target = new URL(transaction.redirectUri);
    target.searchParams.set('code', code);
    if (transaction.state !== undefined) target.searchParams.set('state', transaction.state);
    res.writeHead(302, { location: target.toString(), 'cache-control': 'no-store' });
    res.end();
  }

  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const fail = (status: number, error: string, description: string) => sendJson(res, status, { error, error_description: description });
    if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return fail(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded.');
    }
    const form = new URLSearchParams((await readBody(req)).toString('utf8'));
    const clientId = form.get('client_id');
    const appClient = clientId ? await cognito.getAppClient(ctx, clientId) : null;
    if (!appClient) return fail(400, 'invalid_client', 'Unknown client.');
    const userPool = await cognito.getUserPoolForClientId(ctx, appClient.ClientId);
    const grantType = form.get('grant_type');

    if (grantType === 'authorization_code') {
      const code = form.get('code');
      const redirectUri = form.get('redirect_uri');
      if (!code || !redirectUri) return fail(400, 'invalid_request', 'code and redirect_uri are required.');
      prune();
      const issued = codes.get(code);
      // Single use: the first attempt consumes the code, whether or not the rest of it is right.
      codes.delete(code);
      if (!issued || issued.expiresAt <= now().getTime()) return fail(400, 'invalid_grant', 'The authorization code is invalid or has expired.');
      if (issued.clientId !== appClient.ClientId || issued.redirectUri !== redirectUri) return fail(400, 'invalid_grant', 'client_id or redirect_uri does not match the authorization request.');
      const verifier = form.get('code_verifier') ?? '';
      if (!CODE_VERIFIER.test(verifier) || !sameSecret(s256(verifier), issued.codeChallenge)) return fail(400, 'invalid_grant', 'code_verifier does not match the code_challenge.');
      const tokens = await serial(async () => {
        const user = await userPool.getUserByUsername(ctx, issued.username);
        if (!user || !user.Enabled) return undefined;
        const generated = await tokenGenerator.generate(ctx, user, await userPool.listUserGroupMembership(ctx, user), appClient, undefined, 'HostedAuth');
        await userPool.storeRefreshToken(ctx, generated.RefreshToken, user);
        return generated;
      });
      if (!tokens) return fail(400, 'invalid_grant', 'User is disabled.');
      return sendJson(res, 200, {
        id_token: tokens.IdToken,
        access_token: tokens.AccessToken,
        refresh_token: tokens.RefreshToken,
        token_type: 'Bearer',
        expires_in: PORTAL_TOKEN_VALIDITY.accessTokenMinutes * 60,
      });
    }

    if (grantType === 'refresh_token') {
      const refreshToken = form.get('refresh_token');
      if (!refreshToken) return fail(400, 'invalid_request', 'refresh_token is required.');
      const tokens = await serial(async () => {
        const user = await userPool.getUserByRefreshToken(ctx, refreshToken);
        if (!user || !user.Enabled || refreshTokenExpired(refreshToken)) return undefined;
        return tokenGenerator.generate(ctx, user, await userPool.listUserGroupMembership(ctx, user), appClient, undefined, 'RefreshTokens');
      });
      if (!tokens) return fail(400, 'invalid_grant', 'The refresh token is invalid or has expired.');
      return sendJson(res, 200, { id_token: tokens.IdToken, access_token: tokens.AccessToken, token_type: 'Bearer', expires_in: PORTAL_TOKEN_VALIDITY.accessTokenMinutes * 60 });
    }

    return fail(400, 'unsupported_grant_type', 'grant_type must be authorization_code or refresh_token.');
  }

  async function logout(res: ServerResponse, url: URL): Promise<void> {
    const clientId = url.searchParams.get('client_id');
    const logoutUri = url.searchParams.get('logout_uri');
    const appClient = clientId ? await cognito.getAppClient(ctx, clientId) : null;
    if (!appClient) return sendPage(res, 400, 'Permintaan tidak sah', '<p>Aplikasi (client_id) tidak dikenal.</p>');
    if (!logoutUri || !(appClient.LogoutURLs ?? []).includes(logoutUri)) {
      return sendPage(res, 400, 'Permintaan tidak sah', '<p>Alamat keluar (logout_uri) tidak terdaftar untuk aplikasi ini.</p>');
    }
    res.writeHead(302, { location: logoutUri, 'cache-control': 'no-store', 'set-cookie': `${BROWSER_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0` });
    res.end();
  }

  return {
    endpoint: origin,
    userPoolId,
    get clientId() {
      return client.ClientId;
    },
    issuerUrl,
    loginBaseUrl: origin,
    async setRedirectUrls(urls) {
      client = await serial(() => ensureClient(cognito, pool, { ...options, ...urls }));
    },
    async close() {
      await closeServer(server);
      await queue;
    },
  };
}

async function ensurePool(cognito: CognitoService, region: string): Promise<UserPoolService> {
  const existing = (await cognito.listUserPools(ctx)).find((pool) => pool.Name === POOL_NAME);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const id = existing?.Id ?? `${region}_${Array.from({ length: 9 }, () => alphabet[randomInt(alphabet.length)]).join('')}`;
  if (!existing) {
    const at = new Date();
    await cognito.createUserPool(ctx, {
      Id: id,
      Name: POOL_NAME,
      Arn: `arn:aws:cognito-idp:${region}:${ACCOUNT}:userpool/${id}`,
      CreationDate: at,
      LastModifiedDate: at,
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
      MfaConfiguration: 'OFF',
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    });
  }
  const pool = await cognito.getUserPool(ctx, id);
  // The policy follows the contract at every start, so a pool made by an older checkout gets today's rule.
  await pool.updateOptions(ctx, {
    ...pool.options,
    Policies: { PasswordPolicy: { ...COGNITO_PASSWORD_POLICY } },
  });
  return pool;
}

/** The app client, made once and brought to the contract's settings (and these URLs) at every start. */
async function ensureClient(cognito: CognitoService, pool: UserPoolService, urls: { callbackUrls: string[]; logoutUrls: string[] }): Promise<AppClient> {
  const existing = (await cognito.listAppClients(ctx, pool.options.Id)).find((client) => client.ClientName === CLIENT_NAME);
  const at = new Date();
  const client: AppClient = {
    UserPoolId: pool.options.Id,
    ClientName: CLIENT_NAME,
    // AWS client ids are 26 lower-case letters and digits.
    ClientId: existing?.ClientId ?? newId().toLowerCase().replace(/[^a-z0-9]/g, '').padEnd(26, '0').slice(0, 26),
    CreationDate: existing?.CreationDate ?? at,
    LastModifiedDate: at,
    IdTokenValidity: PORTAL_TOKEN_VALIDITY.idTokenMinutes,
    AccessTokenValidity: PORTAL_TOKEN_VALIDITY.accessTokenMinutes,
    RefreshTokenValidity: PORTAL_TOKEN_VALIDITY.refreshTokenDays,
    TokenValidityUnits: { IdToken: 'minutes', AccessToken: 'minutes', RefreshToken: 'days' },
    ExplicitAuthFlows: CLIENT_AUTH_FLOWS,
    SupportedIdentityProviders: ['COGNITO'],
    ReadAttributes: ['email', 'email_verified', 'name'],
    WriteAttributes: [],
    CallbackURLs: [...urls.callbackUrls],
    LogoutURLs: [...urls.logoutUrls],
    AllowedOAuthFlows: ['code'],
    AllowedOAuthScopes: [...PORTAL_OAUTH_SCOPES],
    AllowedOAuthFlowsUserPoolClient: true,
    PreventUserExistenceErrors: 'ENABLED',
    EnableTokenRevocation: true,
  };
  await pool.saveAppClient(ctx, client);
  return client;
}

// ---------------------------------------------------------------------------------------------------
// Pages

const browserCookie = (browser: string) => `${BROWSER_COOKIE}=${encodeURIComponent(browser)}; Path=/; HttpOnly; SameSite=Lax`;

/**
 * `redirectsTo`: the callback a sign-in form's POST ends at. CSP's form-action also governs the redirects
 * after a form's submission, so a login page must allow the app's origin, as managed login's does.
 */
function sendPage(res: ServerResponse, status: number, title: string, body: string, cookie?: string, redirectsTo?: string): void {
  const html = `<!DOCTYPE html>
<html lang="id">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · Portal Buletin UCJ</title></head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>`;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action 'self'${redirectsTo ? ` ${new URL(redirectsTo).origin}` : ''}; frame-ancestors 'none'`,
    ...(cookie ? { 'set-cookie': cookie } : {}),
  });
  res.end(html);
}

const errorBlock = (message: string | undefined) => (message === undefined ? '' : `<p role="alert" id="kesalahan">${escapeHtml(message)}</p>\n`);

function signInForm(csrf: string, email: string, error: string | undefined): string {
  return `${errorBlock(error)}<form method="post" action="/login">
<input type="hidden" name="_csrf" value="${escapeHtml(csrf)}">
<p><label for="username">Email</label><br><input id="username" name="username" type="email" autocomplete="username" required value="${escapeHtml(email)}"></p>
<p><label for="password">Kata sandi</label><br><input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Masuk</button></p>
</form>`;
}

function newPasswordForm(csrf: string, error: string | undefined): string {
  return `${errorBlock(error)}<p>Anda masuk dengan kata sandi sementara. Buat kata sandi baru: ${escapeHtml(POLICY_TEXT)}.</p>
<form method="post" action="/login">
<input type="hidden" name="_csrf" value="${escapeHtml(csrf)}">
<p><label for="new_password">Kata sandi baru</label><br><input id="new_password" name="new_password" type="password" autocomplete="new-password" required></p>
<p><label for="confirm_password">Ulangi kata sandi baru</label><br><input id="confirm_password" name="confirm_password" type="password" autocomplete="new-password" required></p>
<p><button type="submit">Simpan dan masuk</button></p>
</form>`;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', 'cache-control': 'no-store', pragma: 'no-cache' });
  res.end(JSON.stringify(body));
}

// ---------------------------------------------------------------------------------------------------
// Verifying tokens against the local pool

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** A Fetcher for aws-jwt-verify that reads http(s) from loopback only (its own fetcher refuses http). */
const loopbackFetcher: Fetcher = {
  async fetch(uri) {
    const url = new URL(uri);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !LOOPBACK_HOSTS.has(url.hostname)) {
      throw new Error(`refusing to fetch a JWKS from ${url.origin}: only loopback addresses are allowed locally`);
    }
    const response = await fetch(url, { redirect: 'error' });
    if (!response.ok) throw new Error(`fetching ${uri} failed: HTTP ${response.status}`);
    return response.arrayBuffer();
  },
};

/** aws-jwt-verify's JwksCache, fetching JWKS over http from 127.0.0.1/localhost only. */
export function loopbackJwksCache(): JwksCache {
  return new SimpleJwksCache({ fetcher: loopbackFetcher });
}

// ---------------------------------------------------------------------------------------------------
// Driving the login form as a browser would (tests and benches)

const decodeHtml = (value: string) =>
  value.replace(/&(amp|lt|gt|quot|#39);/g, (_, entity: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[entity] ?? '');

function attributeOf(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return match ? decodeHtml(match[1]!) : undefined;
}

interface ParsedForm {
  action: string;
  hidden: Array<[string, string]>;
  fields: Set<string>;
}

function formOf(html: string): ParsedForm | undefined {
  const form = /<form\b[^>]*>/.exec(html);
  if (!form) return undefined;
  const hidden: Array<[string, string]> = [];
  const fields = new Set<string>();
  for (const input of html.matchAll(/<input\b[^>]*>/g)) {
    const name = attributeOf(input[0], 'name');
    if (name === undefined) continue;
    fields.add(name);
    if (attributeOf(input[0], 'type') === 'hidden') hidden.push([name, attributeOf(input[0], 'value') ?? '']);
  }
  return { action: attributeOf(form[0], 'action') ?? '', hidden, fields };
}

const pageMessage = (html: string) => {
  const alert = /<p role="alert" id="kesalahan">([\s\S]*?)<\/p>/.exec(html) ?? /<main>[\s\S]*?<p>([\s\S]*?)<\/p>/.exec(html);
  return alert ? decodeHtml(alert[1]!) : html.slice(0, 200);
};

/**
 * Drives the local login form with plain fetch, as a browser would: GET the authorize URL, submit the
 * email and password (and the new password when the user must change it), and return the URL managed
 * login redirects to (the callback with ?code=&state=, or with ?error=). Throws with the page's message
 * when it answers with a form error or refuses the request.
 */
export async function signInAtLocalLogin(authorizeUrl: string, email: string, password: string, options: { newPassword?: string } = {}): Promise<URL> {
  const cookies = new Map<string, string>();
  const remember = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair?.indexOf('=') ?? -1;
      if (pair && at > 0) cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
  };
  const cookieHeader = () => [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  const redirectOf = (response: Response, base: string): URL | undefined => {
    const location = response.headers.get('location');
    return response.status >= 300 && response.status < 400 && location ? new URL(location, base) : undefined;
  };

  let page = await fetch(authorizeUrl, { redirect: 'manual' });
  remember(page);
  let pageUrl = authorizeUrl;
  const early = redirectOf(page, pageUrl);
  if (early) return early;
  const submit = async (form: ParsedForm, fields: Record<string, string>) => {
    const body = new URLSearchParams([...form.hidden, ...Object.entries(fields)]);
    const target = new URL(form.action, pageUrl);
    const response = await fetch(target, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(), origin: target.origin },
      body,
    });
    remember(response);
    pageUrl = target.toString();
    return response;
  };

  for (let step = 0; step < 3; step += 1) {
    const html = await page.text();
    if (page.status !== 200) throw new Error(`managed login answered ${page.status}: ${pageMessage(html)}`);
    const form = formOf(html);
    if (!form) throw new Error(`managed login served no form: ${pageMessage(html)}`);
    if (step > 0 && html.includes('id="kesalahan"')) throw new Error(pageMessage(html));
    if (form.fields.has('new_password')) {
      if (options.newPassword === undefined) throw new Error('managed login asks for a new password (the user has a temporary one)');
      page = await submit(form, { new_password: options.newPassword, confirm_password: options.newPassword });
    } else if (step === 0) {
      page = await submit(form, { username: email, password });
    } else {
      throw new Error(pageMessage(html));
    }
    const done = redirectOf(page, pageUrl);
    if (done) return done;
  }
  throw new Error('managed login did not redirect');
}
