/**
 * The portal's users follow config/recipients.csv: planUserSync decides what to change, a pure function
 * of the recipients and the pool's users. syncUsers, listPoolUsers and setLocalPassword, which carry the
 * plan out, are tested against the local Cognito in test/integration/user-sync.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Recipient } from '../../lib/inputs/recipients.ts';
import { planUserSync, type PoolUser } from '../../lib/portal/user-sync.ts';

const recipient = (email: string, name: string, role: Recipient['role'] = 'pejabat', scope = 'nasional'): Recipient => ({ email, name, title: '', scope, role });
const user = (email: string, enabled = true, status = 'CONFIRMED'): PoolUser => ({ email, enabled, status });

describe('planUserSync', () => {
  it('creates a user for everyone listed when the pool is empty, operators included', () => {
    const plan = planUserSync([recipient('budi@kemnaker.go.id', 'Budi'), recipient('ani@kemnaker.go.id', 'Ani', 'admin', '18'), recipient('ops@kemnaker.go.id', 'Ops', 'operator')], []);
    expect(plan).toEqual({
      create: [
        { email: 'ani@kemnaker.go.id', name: 'Ani' },
        { email: 'budi@kemnaker.go.id', name: 'Budi' },
        { email: 'ops@kemnaker.go.id', name: 'Ops' },
      ],
      disable: [],
      enable: [],
      unchanged: [],
    });
  });

  it('creates only the newly listed and leaves the rest', () => {
    const plan = planUserSync([recipient('budi@x.id', 'Budi'), recipient('citra@x.id', 'Citra')], [user('budi@x.id')]);
    expect(plan).toEqual({ create: [{ email: 'citra@x.id', name: 'Citra' }], disable: [], enable: [], unchanged: ['budi@x.id'] });
  });

  it('disables a user no longer listed, and leaves one already disabled', () => {
    const plan = planUserSync([recipient('budi@x.id', 'Budi')], [user('budi@x.id'), user('lama@x.id'), user('pensiun@x.id', false)]);
    expect(plan).toEqual({ create: [], disable: ['lama@x.id'], enable: [], unchanged: ['budi@x.id', 'pensiun@x.id'] });
  });

  it('enables a disabled user listed again rather than creating one', () => {
    const plan = planUserSync([recipient('kembali@x.id', 'Kembali')], [user('kembali@x.id', false, 'FORCE_CHANGE_PASSWORD')]);
    expect(plan).toEqual({ create: [], disable: [], enable: ['kembali@x.id'], unchanged: [] });
  });

  it('makes one user of a person listed on several rows, named by the first', () => {
    const rows = [
      recipient('ani@x.id', 'Ani Lampung', 'admin', '18'),
      recipient('ani@x.id', 'Ani Banten', 'admin', '36'),
      recipient('ani@x.id', 'Ani', 'operator'),
      recipient('ani@x.id', 'Ani', 'pejabat', '18'),
    ];
    expect(planUserSync(rows, []).create).toEqual([{ email: 'ani@x.id', name: 'Ani Lampung' }]);
    expect(planUserSync(rows, [user('ani@x.id')])).toEqual({ create: [], disable: [], enable: [], unchanged: ['ani@x.id'] });
  });

  it('compares emails without regard to case, on either side', () => {
    const plan = planUserSync(
      [recipient('Budi@X.id', 'Budi'), recipient('citra@x.id', 'Citra'), recipient('dewi@x.id', 'Dewi')],
      [user('budi@x.id'), user('CITRA@x.ID', false), user('Dewi@x.id'), user('Lama@X.id')],
    );
    expect(plan).toEqual({ create: [], disable: ['lama@x.id'], enable: ['citra@x.id'], unchanged: ['budi@x.id', 'dewi@x.id'] });
  });

  it('treats a person the pool holds twice as one, enabled when either user is', () => {
    const pool = [user('dua@x.id', false), user('DUA@x.id', true)];
    expect(planUserSync([recipient('dua@x.id', 'Dua')], pool)).toEqual({ create: [], disable: [], enable: [], unchanged: ['dua@x.id'] });
    expect(planUserSync([], pool)).toEqual({ create: [], disable: ['dua@x.id'], enable: [], unchanged: [] });
  });

  it('disables everyone for an empty list: the caller, not the plan, refuses that', () => {
    expect(planUserSync([], [user('a@x.id'), user('b@x.id')]).disable).toEqual(['a@x.id', 'b@x.id']);
  });
});
