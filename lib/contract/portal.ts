/**
 * The portal's sign-in contract, which the CDK app deploys (infra/constructs/portal-auth.ts) and the
 * local Cognito enforces (tools/local/cognito.ts): one place, so a local sign-in follows the rules a
 * deployed one does.
 */

/** Where managed login sends the browser back with the code, and where sign-out lands (paths on the portal's origin). */
export const PORTAL_PATHS = {
  callback: '/auth/callback',
  signedOut: '/',
} as const;

/** The OAuth scopes the app client allows and the portal asks for: the ID token needs `openid` and `email`. */
export const PORTAL_OAUTH_SCOPES = ['openid', 'email', 'profile'] as const;

/** The pool's password rule (Cognito's defaults, stated so both sides enforce the same). */
export const PORTAL_PASSWORD_POLICY = {
  minLength: 12,
  requireLowercase: true,
  requireUppercase: true,
  requireDigits: true,
  requireSymbols: true,
  /** An invited user's temporary password lapses after this many days (AdminCreateUser). */
  temporaryPasswordValidityDays: 7,
} as const;

/** The policy in Cognito's own shape (the user-pool API and CloudFormation's UserPool Policies). */
export const COGNITO_PASSWORD_POLICY = {
  MinimumLength: PORTAL_PASSWORD_POLICY.minLength,
  RequireLowercase: PORTAL_PASSWORD_POLICY.requireLowercase,
  RequireUppercase: PORTAL_PASSWORD_POLICY.requireUppercase,
  RequireNumbers: PORTAL_PASSWORD_POLICY.requireDigits,
  RequireSymbols: PORTAL_PASSWORD_POLICY.requireSymbols,
  TemporaryPasswordValidityDays: PORTAL_PASSWORD_POLICY.temporaryPasswordValidityDays,
} as const;

/** Token lifetimes on the app client: the portal's session is the ID token's life, an hour. */
export const PORTAL_TOKEN_VALIDITY = {
  idTokenMinutes: 60,
  accessTokenMinutes: 60,
  refreshTokenDays: 1,
  authCodeMinutes: 3,
} as const;

/** The sample's local users sign in with this password (the local stack only; it meets the policy above). */
export const LOCAL_PORTAL_PASSWORD = 'Kata-Sandi-Lokal-2024';
