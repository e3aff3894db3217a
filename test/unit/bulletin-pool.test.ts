import { describe, expect, it } from 'vitest';
import { checkBulletinPdf } from '../../lib/bulletin/check.ts';
import { bulletinExpectation } from '../../lib/bulletin/checked.ts';
import type { BulletinInput } from '../../lib/bulletin/definition.ts';
import { renderBulletins } from '../../lib/bulletin/pool.ts';
import { renderBulletinPdf } from '../../lib/bulletin/render.ts';
import { lampungInput, regencyInput } from './bulletin-fixtures.ts';

describe('bulletin pool', () => {
  it('renders and checks several bulletins on worker threads, one result per input, in order', async () => {
    // Prepare
    const broken: BulletinInput = { ...regencyInput(), generatedAt: 'kemarin' };
    // Not plain data: it cannot cross to a worker, and fails alone.
    const unsendable = { ...regencyInput(), sources: [{ key: 'a', uploadedAt: '2025-11-03T02:41:00Z', toString: () => 'x' }] } as BulletinInput;
    const inputs = [lampungInput(), broken, regencyInput(), lampungInput({ withMissing: true, revision: true }), unsendable];
    // Act
    const results = await renderBulletins(inputs, { workers: 2 });
    // Assess
    expect(results).toHaveLength(5);
    expect(results[1]).toEqual({ ok: false, reason: 'rendering failed: not an ISO 8601 instant with offset: "kemarin"' });
    expect(results[4]).toMatchObject({ ok: false, reason: expect.stringMatching(/^could not be sent to a worker/) });
    for (const i of [0, 2, 3]) {
      const result = results[i]!;
      if (!result.ok) throw new Error(`bulletin ${i} failed: ${result.reason}`);
      expect(checkBulletinPdf(result.pdf, bulletinExpectation(inputs[i]!))).toEqual({ ok: true });
      // Workers and this thread make the same bytes.
      expect(result.pdf.equals(await renderBulletinPdf(inputs[i]!))).toBe(true);
    }
  });

  it('renders in this thread when asked for no workers, with the same results', async () => {
    const inputs = [regencyInput(), { ...regencyInput(), generatedAt: 'kemarin' }];
    const results = await renderBulletins(inputs, { workers: 0 });
    expect(results[0]!.ok && results[0]!.pdf.equals(await renderBulletinPdf(inputs[0]!))).toBe(true);
    expect(results[1]).toMatchObject({ ok: false, reason: expect.stringMatching(/^rendering failed/) });
    expect(await renderBulletins([])).toEqual([]);
  });
});
