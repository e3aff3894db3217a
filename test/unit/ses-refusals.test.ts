/** Which SES refusals are the recipient's, and which the account's or sender's (lib/delivery/ses-errors.ts, ses-readiness.ts). */
import { describe, expect, it } from 'vitest';
import { classifySendError } from '../../lib/delivery/ses-errors.ts';
import { canReach, isVerified, senderBlocked, type MailReadiness } from '../../lib/delivery/ses-readiness.ts';

const refusal = (name: string, message = '') => Object.assign(new Error(message), { name });

describe('an SES refusal', () => {
  it('is the recipient\'s only when this address or message is refused', () => {
    expect(classifySendError(refusal('MessageRejected', 'Address blacklisted.'))).toBe('recipient');
    expect(classifySendError(refusal('BadRequestException', 'Missing final \'@domain\''))).toBe('recipient');
  });

  it('is the account\'s or the sender\'s when SES cannot send for anyone yet, so nothing is recorded against the recipient', () => {
    const sandbox = 'Email address is not verified. The following identities failed the check in region AP-SOUTHEAST-3: bupati.1871@pemkab.example';
    for (const error of [
      refusal('MessageRejected', sandbox),
      refusal('MessageRejected', 'Email address is not verified. The following identities failed the check in region AP-SOUTHEAST-3: buletin@ucj.example'),
      refusal('MailFromDomainNotVerifiedException'),
      refusal('SendingPausedException'),
      refusal('AccountSuspendedException'),
      refusal('NotFoundException', 'Configuration set <ucj> does not exist.'),
      refusal('TooManyRequestsException', 'Daily message quota exceeded.'),
    ]) {
      expect(classifySendError(error), error.message || error.name).toBe('account');
    }
  });

  it('is transient for throttling by the second, server errors and the network', () => {
    for (const error of [refusal('TooManyRequestsException', 'Maximum sending rate exceeded.'), refusal('InternalFailure'), refusal('TimeoutError')]) {
      expect(classifySendError(error)).toBe('transient');
    }
  });
});

describe('SES readiness', () => {
  const ready = (productionAccess: boolean, verified: string[], sendingEnabled = true): MailReadiness => ({ productionAccess, sendingEnabled, verified: new Set(verified) });

  it('verifies an address as itself, through its domain or a parent domain, domains without case', () => {
    const r = ready(false, ['ucj.example', 'Kepala@bpjs.example']);
    expect(isVerified(r, 'buletin@ucj.example')).toBe(true);
    expect(isVerified(r, 'buletin@mail.UCJ.example')).toBe(true);
    expect(isVerified(r, 'Kepala@BPJS.example')).toBe(true);
    expect(isVerified(r, 'kepala@bpjs.example')).toBe(false);
    expect(isVerified(r, 'buletin@ucj.example.org')).toBe(false);
  });

  it('blocks everything while the sender is unverified or sending is paused, and says what to do', () => {
    expect(senderBlocked(ready(true, ['ucj.example']), 'buletin@ucj.example')).toBeUndefined();
    expect(senderBlocked(ready(true, []), 'buletin@ucj.example')).toMatch(/buletin@ucj\.example belum terverifikasi/);
    expect(senderBlocked(ready(true, ['ucj.example'], false), 'buletin@ucj.example')).toMatch(/dihentikan/);
  });

  it('reaches anyone with production access, only verified recipients in the sandbox', () => {
    expect(canReach(ready(true, ['ucj.example']), 'gubernur@pemprov.example')).toBe(true);
    expect(canReach(ready(false, ['ucj.example']), 'gubernur@pemprov.example')).toBe(false);
    expect(canReach(ready(false, ['ucj.example', 'pemprov.example']), 'gubernur@pemprov.example')).toBe(true);
  });
});
