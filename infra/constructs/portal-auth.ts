import { Aws, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnManagedLoginBranding,
  CfnUserPoolClient,
  FeaturePlan,
  ManagedLoginVersion,
  Mfa,
  StandardThreatProtectionMode,
  UserPool,
  UserPoolDomain,
  VerificationEmailStyle,
} from 'aws-cdk-lib/aws-cognito';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import type { UpdateUserPoolClientRequest } from '@aws-sdk/client-cognito-identity-provider';
import { Construct } from 'constructs';
import { PORTAL_OAUTH_SCOPES, PORTAL_PASSWORD_POLICY, PORTAL_PATHS, PORTAL_TOKEN_VALIDITY } from '../../lib/contract/portal.ts';
import { acknowledge } from '../nag.ts';

/**
 * What the app client is, in UpdateUserPoolClient's own shape: the CloudFormation client is built from
 * it and the custom resource that sets the real URLs sends it whole (see `PortalAuth.setPortalUrl`), so
 * the two cannot drift apart (test/infra compares them).
 */
type ClientSettings = Required<
  Pick<
    UpdateUserPoolClientRequest,
    | 'ClientName'
    | 'RefreshTokenValidity'
    | 'AccessTokenValidity'
    | 'IdTokenValidity'
    | 'TokenValidityUnits'
    | 'ReadAttributes'
    | 'WriteAttributes'
    | 'ExplicitAuthFlows'
    | 'SupportedIdentityProviders'
    | 'AllowedOAuthFlows'
    | 'AllowedOAuthScopes'
    | 'AllowedOAuthFlowsUserPoolClient'
    | 'PreventUserExistenceErrors'
    | 'EnableTokenRevocation'
    | 'EnablePropagateAdditionalUserContextData'
    | 'AuthSessionValidity'
  >
>;

const CLIENT_SETTINGS: ClientSettings = {
  ClientName: 'portal',
  RefreshTokenValidity: PORTAL_TOKEN_VALIDITY.refreshTokenDays,
  AccessTokenValidity: PORTAL_TOKEN_VALIDITY.accessTokenMinutes,
  IdTokenValidity: PORTAL_TOKEN_VALIDITY.idTokenMinutes,
  TokenValidityUnits: { RefreshToken: 'days', AccessToken: 'minutes', IdToken: 'minutes' },
  // The ID token carries the email the portal matches against recipients.csv; users change nothing.
  ReadAttributes: ['email', 'email_verified', 'name'],
  WriteAttributes: [],
  // Sign-in happens on managed login (the authorize endpoint), never through this client's
  // InitiateAuth: only refreshing tokens is allowed, so a public client id lets nobody try passwords by API.
  ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
  SupportedIdentityProviders: ['COGNITO'],
  // Authorization code only: no implicit grant (tokens in the URL), no client credentials (no secret).
  AllowedOAuthFlows: ['code'],
  AllowedOAuthScopes: [...PORTAL_OAUTH_SCOPES],
  AllowedOAuthFlowsUserPoolClient: true,
  // "User does not exist" and "wrong password" read the same: who has an account stays private.
  PreventUserExistenceErrors: 'ENABLED',
  EnableTokenRevocation: true,
  // Cognito allows it only for clients with a secret; managed login sends the context data itself.
  EnablePropagateAdditionalUserContextData: false,
  AuthSessionValidity: PORTAL_TOKEN_VALIDITY.authCodeMinutes,
};

/**
 * The client is created with this as its callback and sign-out URL, a name that can never resolve
 * (RFC 2606), and the custom resource replaces it with the portal's own in the same deploy.
 */
export const PLACEHOLDER_PORTAL_URL = 'https://portal-url-not-set.invalid';

export interface PortalAuthProps {
  /** A Cognito prefix domain for managed login; default: `ucj-` and the stack's id, unique to the stack. */
  domainPrefix?: string | undefined;
}

/**
 * Who may sign in to the portal: an invite-only Cognito user pool (the `ucj users` command creates its
 * users from config/recipients.csv; nobody signs up), managed login (v2) on a Cognito prefix domain, and
 * one public app client (no secret: the portal is a browser flow) for the authorization code grant.
 *
 * PKCE: Cognito honours `code_challenge` (S256) on any authorization request and then requires the
 * matching `code_verifier` at the token endpoint, but has no client setting that makes it mandatory;
 * the portal always sends one (lib/portal), which is what keeps an intercepted code useless.
 */
export class PortalAuth extends Construct {
  readonly userPool: UserPool;
  readonly client: CfnUserPoolClient;
  readonly domain: UserPoolDomain;
  private urlSetter: AwsCustomResource | undefined;

  constructor(scope: Construct, id: string, props: PortalAuthProps = {}) {
    super(scope, id);

    this.userPool = new UserPool(this, 'UserPool', {
      // Invite-only: users are created by an operator (`ucj users`), from the recipients they already know.
      selfSignUpEnabled: false,
      signInAliases: { email: true, username: false },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: PORTAL_PASSWORD_POLICY.minLength,
        requireLowercase: PORTAL_PASSWORD_POLICY.requireLowercase,
        requireUppercase: PORTAL_PASSWORD_POLICY.requireUppercase,
        requireDigits: PORTAL_PASSWORD_POLICY.requireDigits,
        requireSymbols: PORTAL_PASSWORD_POLICY.requireSymbols,
        tempPasswordValidity: Duration.days(PORTAL_PASSWORD_POLICY.temporaryPasswordValidityDays),
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Optional TOTP: officials sign in a few times a month, often from shared office machines without
      // an authenticator at hand; threat protection (below) asks for more when a sign-in looks risky.
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false, email: false },
      // Plus: threat protection that blocks compromised credentials and challenges risky sign-ins.
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      // What account recovery (forgotten password) and an email change send.
      userVerification: {
        emailStyle: VerificationEmailStyle.CODE,
        emailSubject: 'Kode verifikasi portal buletin UCJ',
        emailBody: 'Kode verifikasi Anda untuk portal buletin UCJ: {####}',
      },
      // The invitation cannot name the portal's address: the pool would then depend on the distribution,
      // which depends on the function, which needs the pool's id. The operator sends it (docs/deploy.md).
      userInvitation: {
        emailSubject: 'Akun portal buletin UCJ Anda',
        emailBody:
          'Akun Anda untuk portal buletin UCJ telah dibuat.<br><br>Email: {username}<br>Kata sandi sementara: {####}<br><br>' +
          'Alamat portal dikirim terpisah oleh operator. Kata sandi sementara berlaku ' +
          `${PORTAL_PASSWORD_POLICY.temporaryPasswordValidityDays} hari; Anda akan diminta menggantinya saat masuk pertama kali.`,
      },
      // The users and their MFA devices outlive the stack: recreating them would mean new invitations.
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
    });
    acknowledge(
      this.userPool,
      'AwsSolutions-COG2',
      'MFA is optional (TOTP), not required: officials sign in rarely, often without an authenticator app; Plus threat protection (ENFORCED) blocks compromised credentials and challenges risky sign-ins.',
    );

    const prefix = props.domainPrefix ?? Fn.join('-', ['ucj', Fn.select(2, Fn.split('/', Aws.STACK_ID))]);
    this.domain = this.userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: prefix },
      managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });

    // CallbackURLs and LogoutURLs are the placeholder until `setPortalUrl` runs (see there).
    this.client = new CfnUserPoolClient(this, 'Client', {
      userPoolId: this.userPool.userPoolId,
      generateSecret: false,
      clientName: CLIENT_SETTINGS.ClientName,
      refreshTokenValidity: CLIENT_SETTINGS.RefreshTokenValidity,
      accessTokenValidity: CLIENT_SETTINGS.AccessTokenValidity,
      idTokenValidity: CLIENT_SETTINGS.IdTokenValidity,
      tokenValidityUnits: {
        refreshToken: CLIENT_SETTINGS.TokenValidityUnits.RefreshToken,
        accessToken: CLIENT_SETTINGS.TokenValidityUnits.AccessToken,
        idToken: CLIENT_SETTINGS.TokenValidityUnits.IdToken,
      },
      readAttributes: CLIENT_SETTINGS.ReadAttributes,
      writeAttributes: CLIENT_SETTINGS.WriteAttributes,
      explicitAuthFlows: CLIENT_SETTINGS.ExplicitAuthFlows,
      supportedIdentityProviders: CLIENT_SETTINGS.SupportedIdentityProviders,
      allowedOAuthFlows: CLIENT_SETTINGS.AllowedOAuthFlows,
      allowedOAuthScopes: CLIENT_SETTINGS.AllowedOAuthScopes,
      allowedOAuthFlowsUserPoolClient: CLIENT_SETTINGS.AllowedOAuthFlowsUserPoolClient,
      preventUserExistenceErrors: CLIENT_SETTINGS.PreventUserExistenceErrors,
      enableTokenRevocation: CLIENT_SETTINGS.EnableTokenRevocation,
      enablePropagateAdditionalUserContextData: CLIENT_SETTINGS.EnablePropagateAdditionalUserContextData,
      authSessionValidity: CLIENT_SETTINGS.AuthSessionValidity,
      ...portalUrls(PLACEHOLDER_PORTAL_URL),
    });

    // Managed login v2 shows its pages for a client only once the client has a style: Cognito's own.
    const branding = new CfnManagedLoginBranding(this, 'Branding', {
      userPoolId: this.userPool.userPoolId,
      clientId: this.client.ref,
      useCognitoProvidedValues: true,
    });
    branding.node.addDependency(this.domain);
  }

  get clientId(): string {
    return this.client.ref;
  }

  /** Managed login's base URL: `/oauth2/authorize`, `/oauth2/token` and `/logout` are under it. */
  get loginBaseUrl(): string {
    return this.domain.baseUrl();
  }

  /** The ID tokens' `iss`: `https://cognito-idp.<region>.amazonaws.com/<pool id>`. */
  get issuerUrl(): string {
    return this.userPool.userPoolProviderUrl;
  }

  /**
   * Points the client's callback and sign-out URLs at the portal, once the portal's URL exists.
   *
   * Why a custom resource: the portal function needs the client id (and the pool, and the login URL),
   * the distribution needs the function's URL, and the client's callback needs the distribution's
   * domain: a cycle CloudFormation cannot order. So the client is created with a placeholder URL and,
   * after the distribution exists, this calls UpdateUserPoolClient with the real URLs.
   *
   * UpdateUserPoolClient resets every setting it is not given, so it is given every setting: the same
   * `CLIENT_SETTINGS` the client is built from. That also keeps the two in step on later deploys: any
   * change to the client's settings changes this resource's parameters too, so when CloudFormation
   * updates the client (back to the placeholder URLs), this runs again right after it and puts the
   * portal's URLs back. A replaced client has a new id, which changes the parameters as well.
   */
  setPortalUrl(portalUrl: string): AwsCustomResource {
    if (this.urlSetter) throw new Error('PortalAuth: the portal URL is already set');
    const stack = Stack.of(this);
    const call = {
      service: 'CognitoIdentityServiceProvider',
      action: 'updateUserPoolClient',
      parameters: {
        UserPoolId: this.userPool.userPoolId,
        ClientId: this.client.ref,
        ...CLIENT_SETTINGS,
        CallbackURLs: [`${portalUrl}${PORTAL_PATHS.callback}`],
        LogoutURLs: [`${portalUrl}${PORTAL_PATHS.signedOut}`],
      } satisfies UpdateUserPoolClientRequest,
      physicalResourceId: PhysicalResourceId.of(this.client.ref),
    };
    this.urlSetter = new AwsCustomResource(this, 'SetPortalUrl', {
      onCreate: call,
      onUpdate: call,
      // Deleting it leaves the client as it is: the client goes with the stack, the pool stays.
      policy: AwsCustomResourcePolicy.fromSdkCalls({ resources: [this.userPool.userPoolArn] }),
      // The SDK in the runtime has UpdateUserPoolClient; no download from npm at deploy time.
      installLatestAwsSdk: false,
      timeout: Duration.minutes(2),
    });
    // CDK's singleton Lambda behind every AwsCustomResource in the stack: its role and managed policy.
    const provider = stack.node.tryFindChild(`AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`);
    for (const target of [this.urlSetter, ...(provider ? [provider] : [])]) {
      acknowledge(
        target,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        "CDK's AwsCustomResource provider (not ours to configure): the managed policy only lets it write its logs.",
      );
    }
    return this.urlSetter;
  }
}

function portalUrls(portalUrl: string): { callbackUrLs: string[]; logoutUrLs: string[] } {
  return { callbackUrLs: [`${portalUrl}${PORTAL_PATHS.callback}`], logoutUrLs: [`${portalUrl}${PORTAL_PATHS.signedOut}`] };
}

export { CLIENT_SETTINGS as PORTAL_CLIENT_SETTINGS };
