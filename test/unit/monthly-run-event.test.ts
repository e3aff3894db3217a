import { describe, expect, it } from 'vitest';
import { monthlyRunEventSchema, periodOfEvent } from '../../lib/jobs/monthly-run.ts';

describe('the month a run reports on', () => {
  const now = new Date('2026-11-22T03:00:00Z');

  it('is the one asked for, whatever the schedule says', () => {
    expect(periodOfEvent(monthlyRunEventSchema.parse({ period: '2025-12', scheduledTime: '2026-11-05T00:00:00Z' }), now)).toBe('2025-12');
  });

  it('is the month before the scheduled time in Jakarta, not before the time the retry ran', () => {
    // Due 5 November 07:00 WIB; retried on 2 December: still October.
    const event = monthlyRunEventSchema.parse({ scheduledTime: '2026-11-05T00:00:00Z' });
    expect(periodOfEvent(event, new Date('2026-12-02T01:00:00Z'))).toBe('2026-10');
    // 31 October 17:30 UTC is already 1 November 00:30 in Jakarta: the month before is October.
    expect(periodOfEvent(monthlyRunEventSchema.parse({ scheduledTime: '2026-10-31T17:30:00Z' }), now)).toBe('2026-10');
  });

  it('falls back to now, and rejects what is not a month or a time', () => {
    expect(periodOfEvent(monthlyRunEventSchema.parse({}), now)).toBe('2026-10');
    expect(monthlyRunEventSchema.safeParse({ period: '2026-13' }).success).toBe(false);
    expect(monthlyRunEventSchema.safeParse({ scheduledTime: 'kemarin' }).success).toBe(false);
  });
});
