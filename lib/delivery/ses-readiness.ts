/**
 * Whether SES will send what monthly-run is about to queue. A new account starts in the SES sandbox (it
 * may send only to verified identities) and a sender identity takes hours or days to verify; every
 * email sent meanwhile is refused, and a refusal of the account or the sender is not the recipient's
 * fault. So before queueing, the run asks SES, and holds back (leaves unclaimed) what cannot go yet,
 * saying what is missing; a re-run once it is fixed delivers them in full.
 */
import { GetAccountCommand, ListEmailIdentitiesCommand, type SESv2Client } from '@aws-sdk/client-sesv2';

export interface MailReadiness {
  /** Production access: false in the sandbox, where only verified recipients can be sent to. */
  productionAccess: boolean;
  sendingEnabled: boolean;
  /** Identities (addresses and domains) verified for sending, domains lower-cased (normalizeIdentity). */
  verified: ReadonlySet<string>;
}

export interface MailAccount {
  readiness(): Promise<MailReadiness>;
}

export function sesMailAccount(ses: SESv2Client): MailAccount {
  return {
    async readiness() {
      const account = await ses.send(new GetAccountCommand({}));
      const verified = new Set<string>();
      // Domains compare without case; an address identity's local part is kept as SES keeps it.
      let NextToken: string | undefined;
      do {
        const page = await ses.send(new ListEmailIdentitiesCommand({ PageSize: 1000, NextToken }));
        for (const identity of page.EmailIdentities ?? []) {
          if (identity.IdentityName && identity.VerificationStatus === 'SUCCESS' && identity.SendingEnabled !== false) {
            verified.add(normalizeIdentity(identity.IdentityName));
          }
        }
        NextToken = page.NextToken;
      } while (NextToken);
      return { productionAccess: account.ProductionAccessEnabled === true, sendingEnabled: account.SendingEnabled !== false, verified };
    },
  };
}

/** An address identity with its domain lower-cased; a domain identity lower-cased. */
function normalizeIdentity(identity: string): string {
  const at = identity.lastIndexOf('@');
  return at < 0 ? identity.toLowerCase() : `${identity.slice(0, at)}@${identity.slice(at + 1).toLowerCase()}`;
}

/** An address is verified as itself, or through its domain or any parent domain of it (as SES allows). */
export function isVerified(readiness: MailReadiness, address: string): boolean {
  const normalized = normalizeIdentity(address);
  if (readiness.verified.has(normalized)) return true;
  const labels = normalized.slice(normalized.lastIndexOf('@') + 1).split('.');
  return labels.some((_, index) => index < labels.length - 1 && readiness.verified.has(labels.slice(index).join('.')));
}

/** Why nothing can be sent at all, or undefined when the sender can send. */
export function senderBlocked(readiness: MailReadiness, sender: string): string | undefined {
  if (!readiness.sendingEnabled) return 'pengiriman surel akun SES sedang dihentikan (SendingEnabled = false): aktifkan kembali di konsol SES';
  if (!isVerified(readiness, sender)) {
    return `identitas pengirim ${sender} belum terverifikasi di SES: selesaikan verifikasi domain (DKIM) atau alamatnya (docs/deploy.md, "SES")`;
  }
  return undefined;
}

/** Whether this recipient can be sent to: anyone with production access, only verified ones in the sandbox. */
export const canReach = (readiness: MailReadiness, recipient: string) => readiness.productionAccess || isVerified(readiness, recipient);
