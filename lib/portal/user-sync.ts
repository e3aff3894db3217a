/**
 * The portal's users follow `config/recipients.csv`, the one list of who may sign in: everyone listed
 * (official, admin or operator) has a user in the Cognito pool, and everyone else's user is disabled.
 * Users are never deleted, so a person taken off the list and put back later is the same user, and what
 * the pool records about them stays.
 */
import {
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminSetUserPasswordCommand,
  ListUsersCommand,
  type CognitoIdentityProviderClient,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Recipient } from '../inputs/recipients.ts';

export interface PoolUser {
  /** Lower-case: the key a recipient is matched by. */
  email: string;
  enabled: boolean;
  /** Cognito's UserStatus (`FORCE_CHANGE_PASSWORD` until an invited user first signs in, then `CONFIRMED`). */
  status: string;
  /**
   * The pool's own username, when listed from the pool: a pool that signs in by email keeps a generated
   * one, and a user made by hand may have any. Absent, the email is used, as for the users made here.
   */
  username?: string;
}

export interface UserToCreate {
  email: string;
  name: string;
}

export interface UserSyncPlan {
  /** Listed, with no user yet. */
  create: UserToCreate[];
  /** An enabled user no longer listed. */
  disable: string[];
  /** A disabled user listed again. */
  enable: string[];
  /** Users already as the list wants them: listed and enabled, or not listed and disabled. */
  unchanged: string[];
}

const byEmail = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * What to change so the pool matches the recipients. One user per person: an email listed on several rows
 * (an admin of two regions, an official who is also an operator) is one user, named by its first row.
 * Emails are compared lower-case: the recipients' reader lowers them, but a user made by hand in the
 * console may keep its capitals, and the person is the same. Each list is sorted by email, so a plan reads the same every run.
 */
export function planUserSync(recipients: readonly Recipient[], poolUsers: readonly PoolUser[]): UserSyncPlan {
  const listed = new Map<string, string>();
  for (const recipient of recipients) {
    const email = recipient.email.toLowerCase();
    if (!listed.has(email)) listed.set(email, recipient.name);
  }
  // A pool should hold one user per email; if it holds two, the person counts as enabled when either is,
  // so a listed person is not enabled twice over and an unlisted one has every user disabled.
  const pool = new Map<string, boolean>();
  for (const user of poolUsers) {
    const email = user.email.toLowerCase();
    pool.set(email, (pool.get(email) ?? false) || user.enabled);
  }
  const plan: UserSyncPlan = { create: [], disable: [], enable: [], unchanged: [] };
  for (const [email, name] of listed) {
    const enabled = pool.get(email);
    if (enabled === undefined) plan.create.push({ email, name });
    else (enabled ? plan.unchanged : plan.enable).push(email);
  }
  for (const [email, enabled] of pool) {
    if (listed.has(email)) continue;
    (enabled ? plan.disable : plan.unchanged).push(email);
  }
  plan.create.sort((a, b) => byEmail(a.email, b.email));
  plan.disable.sort(byEmail);
  plan.enable.sort(byEmail);
  plan.unchanged.sort(byEmail);
  return plan;
}

/** ListUsers' largest page. */
const LIST_LIMIT = 60;

/** Every user in the pool, page by page. */
export async function listPoolUsers(client: CognitoIdentityProviderClient, userPoolId: string): Promise<PoolUser[]> {
  const users: PoolUser[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListUsersCommand({ UserPoolId: userPoolId, Limit: LIST_LIMIT, ...(token ? { PaginationToken: token } : {}) }));
    for (const user of page.Users ?? []) {
      const pooled = poolUserOf(user);
      if (pooled) users.push(pooled);
    }
    token = page.PaginationToken;
  } while (token);
  return users;
}

function poolUserOf(user: UserType): PoolUser | undefined {
  const email = user.Attributes?.find((a) => a.Name === 'email')?.Value ?? user.Username;
  if (!email) return undefined; // nothing to match by, and no name to call it by: not ours to manage
  return {
    email: email.toLowerCase(),
    // Cognito leaves Enabled out of some answers; a user is enabled unless disabled.
    enabled: user.Enabled ?? true,
    status: user.UserStatus ?? 'UNKNOWN',
    ...(user.Username ? { username: user.Username } : {}),
  };
}

export interface SyncOptions {
  /** Plan only: read the pool, change nothing. */
  dryRun?: boolean;
  /**
   * The invited users' first password; Cognito makes one up when absent. Its invitation email carries
   * it either way.
   */
  temporaryPassword?: string;
  /** After each change: `done` of `total`, for a progress line (a first sync invites hundreds). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Brings the pool in line with the recipients and returns what it did (or, dry, would do). New users
 * are created with a verified email, so they can sign in and reset their password by it, and Cognito
 * emails each their invitation. A re-run after a failure finishes the job: a user that exists already
 * counts as created. Changes are made one at a time: the admin API's quotas are a few dozen a second and
 * the client's retries pace throttled calls.
 */
export async function syncUsers(
  client: CognitoIdentityProviderClient,
  userPoolId: string,
  recipients: readonly Recipient[],
  options: SyncOptions = {},
): Promise<UserSyncPlan> {
  const poolUsers = await listPoolUsers(client, userPoolId);
  const plan = planUserSync(recipients, poolUsers);
  if (options.dryRun) return plan;
  const usernames = new Map(poolUsers.map((user) => [user.email, user.username ?? user.email]));
  const username = (email: string) => usernames.get(email) ?? email;
  const total = plan.create.length + plan.disable.length + plan.enable.length;
  let done = 0;
  const step = async (what: string, email: string, call: () => Promise<unknown>) => {
    try {
      await call();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`${what} ${email} failed after ${done} of ${total} changes: ${reason}. Running the sync again finishes the rest.`, { cause: error });
    }
    done += 1;
    options.onProgress?.(done, total);
  };
  for (const user of plan.create) {
    await step('creating', user.email, () => createUser(client, userPoolId, user, options.temporaryPassword));
  }
  for (const email of plan.disable) {
    await step('disabling', email, () => disableUser(client, userPoolId, username(email)));
  }
  for (const email of plan.enable) {
    await step('enabling', email, () => client.send(new AdminEnableUserCommand({ UserPoolId: userPoolId, Username: username(email) })));
  }
  return plan;
}

const errorNamed = (error: unknown, name: string) => error instanceof Error && error.name === name;

async function createUser(client: CognitoIdentityProviderClient, userPoolId: string, user: UserToCreate, temporaryPassword: string | undefined): Promise<void> {
  try {
    await client.send(
      new AdminCreateUserCommand({
        UserPoolId: userPoolId,
        Username: user.email,
        UserAttributes: [
          { Name: 'email', Value: user.email },
          // The address comes from the ministry's own list: asking each person to confirm it adds nothing.
          { Name: 'email_verified', Value: 'true' },
          { Name: 'name', Value: user.name },
        ],
        DesiredDeliveryMediums: ['EMAIL'],
        ...(temporaryPassword ? { TemporaryPassword: temporaryPassword } : {}),
      }),
    );
  } catch (error) {
    // Made by an earlier run that stopped before listing it, or by hand: the person has a user, as wanted.
    if (!errorNamed(error, 'UsernameExistsException')) throw error;
  }
}

async function disableUser(client: CognitoIdentityProviderClient, userPoolId: string, username: string): Promise<void> {
  try {
    await client.send(new AdminDisableUserCommand({ UserPoolId: userPoolId, Username: username }));
  } catch (error) {
    // Deleted by hand since the listing: it cannot sign in, which is all disabling was for.
    if (!errorNamed(error, 'UserNotFoundException')) throw error;
  }
}

/** Local stack only: makes a user's password permanent so a person can sign in at once (AdminSetUserPassword Permanent). */
export async function setLocalPassword(client: CognitoIdentityProviderClient, userPoolId: string, email: string, password: string): Promise<void> {
  await client.send(new AdminSetUserPasswordCommand({ UserPoolId: userPoolId, Username: email.toLowerCase(), Password: password, Permanent: true }));
}
