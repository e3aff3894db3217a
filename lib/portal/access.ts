/**
 * Who a signed-in user is to the portal: every recipients.csv row with their (verified) email. The pool
 * says who someone is; recipients.csv alone says what they may see, so removing a row takes a grant away
 * within the recipients cache's life (deps.ts) without touching the pool.
 */
import type { Recipient } from '../inputs/recipients.ts';
import { NATIONAL_CODE } from '../domain/regions.ts';
import { scopeCovers } from '../domain/scope.ts';
import type { Identity, PortalUser } from './session.ts';

export type Role = Recipient['role'];

/** Undefined when the address has no row: signed in, but not someone the portal serves. */
export function userFromRecipients(identity: Pick<Identity, 'email'>, recipients: readonly Recipient[]): PortalUser | undefined {
  const email = identity.email.toLowerCase();
  const rows = recipients.filter((recipient) => recipient.email.toLowerCase() === email);
  if (rows.length === 0) return undefined;
  const grants: PortalUser['grants'] = [];
  for (const row of rows) {
    if (!grants.some((grant) => grant.role === row.role && grant.scope === row.scope)) grants.push({ role: row.role, scope: row.scope });
  }
  return { email, name: rows[0]!.name, grants };
}

/** Whether the user holds `role` over a scope that covers `code` (a national grant covers every region). */
export function hasGrant(user: PortalUser, role: Role, code: string): boolean {
  return user.grants.some((grant) => grant.role === role && scopeCovers(grant.scope, code));
}

/** The bulletin pages: officials of the scope, and the national operator, who answers for every delivery. */
export function mayReadBulletins(user: PortalUser, code: string): boolean {
  return hasGrant(user, 'pejabat', code) || hasGrant(user, 'operator', code);
}

export function isOperator(user: PortalUser): boolean {
  return user.grants.some((grant) => grant.role === 'operator' && grant.scope === NATIONAL_CODE);
}
