/** Delivery messages go to SQS in batches within its limits (lib/delivery/queue.ts). */
import { describe, expect, it } from 'vitest';
import { SQS_LIMITS, sqsBatches } from '../../lib/delivery/queue.ts';
import type { DeliveryMessage } from '../../lib/delivery/message.ts';
import { loadRegionIndex, displayName } from '../../lib/domain/regions.ts';
import { bulletinKey, bulletinFileName } from '../../lib/storage/keys.ts';

const entry = (id: string, bytes: number) => ({ id, body: 'x'.repeat(bytes) });

describe('SQS batches', () => {
  it('hold at most ten messages and 256 KiB in all', () => {
    const batches = sqsBatches([...Array.from({ length: 23 }, (_, i) => entry(`a${i}`, 100)), entry('big1', 200_000), entry('big2', 100_000)]);
    // 23 small ones, then 200 KB joins the last three, and 100 KB more would pass 256 KiB.
    expect(batches.map((b) => b.length)).toEqual([10, 10, 4, 1]);
    for (const batch of batches) {
      expect(batch.length).toBeLessThanOrEqual(SQS_LIMITS.entriesPerBatch);
      expect(batch.reduce((sum, e) => sum + Buffer.byteLength(e.body), 0)).toBeLessThanOrEqual(SQS_LIMITS.maxBatchBytes);
    }
  });

  it('refuse one message over the limit, naming its recipient', () => {
    expect(() => sqsBatches([entry('menteri@kemnaker.example', SQS_LIMITS.maxMessageBytes + 1)])).toThrow(/menteri@kemnaker\.example/);
  });

  it('fit an official whose cakupan names every region of the country in one message', async () => {
    const regions = await loadRegionIndex();
    const all = [regions.national, ...regions.provinces, ...regions.regencies];
    const message: DeliveryMessage = {
      period: '2026-10',
      email: 'menteri@kemnaker.example',
      name: 'N'.repeat(200),
      title: 'T'.repeat(200),
      runKey: `RUN#2026-11-05T00:00:00.000Z#${'0'.repeat(36)}`,
      bulletins: all.map((region) => {
        const key = bulletinKey('2026-10', region);
        return { key, fileName: bulletinFileName(key), regionCode: region.code, regionName: displayName(region), coveragePct: 38.123456789, targetPct: 40.12, active: 12_345_678, status: 'off_track', revision: 12 };
      }),
    };
    const body = JSON.stringify(message);
    expect(Buffer.byteLength(body)).toBeLessThan(SQS_LIMITS.maxMessageBytes);
    expect(sqsBatches([{ id: message.email, body }])).toHaveLength(1);
  });
});
