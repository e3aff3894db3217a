/**
 * The local stack's portal users: everyone in the bucket's config/recipients.csv gets a Cognito user
 * with the one local password (LOCAL_PORTAL_PASSWORD), so a person can sign in at once, without the
 * invitation email a deployed pool would send. With no recipients.csv yet, the sample's is put in first,
 * as `npm start` would.
 */
import { RECIPIENTS_KEY } from '../../lib/contract/bucket.ts';
import { LOCAL_PORTAL_PASSWORD } from '../../lib/contract/portal.ts';
import { previousPeriodInJakarta } from '../../lib/domain/period.ts';
import { NATIONAL_CODE } from '../../lib/domain/regions.ts';
import type { Recipient } from '../../lib/inputs/recipients.ts';
import { setLocalPassword } from '../../lib/portal/user-sync.ts';
import { syncUsersOn, uploadFiles } from '../cli/operations.ts';
import type { Deployment } from '../cli/deployment.ts';
import { generateSampleDataset } from '../sample/index.ts';

export interface LocalSignIn {
  role: Recipient['role'];
  email: string;
  name: string;
  scope: string;
  password: string;
}

/** Syncs the local pool from recipients.csv and sets every listed user's local password; returns one sign-in per role. */
export async function ensureLocalPortalUsers(deployment: Deployment): Promise<LocalSignIn[]> {
  let synced = await syncUsersOn(deployment, { temporaryPassword: LOCAL_PORTAL_PASSWORD });
  if (synced.outcome === 'refused' && !(await deployment.store.head(RECIPIENTS_KEY))) {
    const dataset = await generateSampleDataset({ lastPeriod: previousPeriodInJakarta(new Date()), months: 1 });
    await uploadFiles(deployment, [{ key: dataset.recipients.key, body: Buffer.from(dataset.recipients.content) }]);
    synced = await syncUsersOn(deployment, { temporaryPassword: LOCAL_PORTAL_PASSWORD });
  }
  if (synced.outcome !== 'synced') {
    throw new Error(synced.outcome === 'refused' ? synced.reason : `${synced.fileName} is not valid: no local portal user was made`);
  }
  const { userPoolId, recipients } = synced;
  const emails = [...new Set(recipients.map((recipient) => recipient.email))];
  for (const email of emails) await setLocalPassword(deployment.cognito, userPoolId, email, LOCAL_PORTAL_PASSWORD);
  // One of each role, preferring a province's admin and official: their pages show a scope's limits.
  const pick = (role: Recipient['role']) =>
    recipients.find((recipient) => recipient.role === role && recipient.scope !== NATIONAL_CODE) ?? recipients.find((recipient) => recipient.role === role);
  return (['admin', 'pejabat', 'operator'] as const).flatMap((role) => {
    const recipient = pick(role);
    return recipient ? [{ role, email: recipient.email, name: recipient.name, scope: recipient.scope, password: LOCAL_PORTAL_PASSWORD }] : [];
  });
}

/** `admin (18)  admin.ucj.18@…  Kata-Sandi-…` lines for the terminal. */
export function signInLines(signIns: readonly LocalSignIn[]): string[] {
  return signIns.map((signIn) => `    ${`${signIn.role} (${signIn.scope})`.padEnd(20)} ${signIn.email.padEnd(44)} ${signIn.password}`);
}
