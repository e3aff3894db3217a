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

  it('loses only the bulletins a dying worker held, and renders the rest', async () => {
    // Prepare: one worker holding two bulletins at a time. When it dies on the fatal one it holds at most
    // one other, sent before it or right after it; every later one goes to the worker that replaces it.
    const fatal: BulletinInput = { ...regencyInput(), region: { ...regencyInput().region, name: 'MATI' } };
    const inputs = [regencyInput(), lampungInput(), fatal, regencyInput(), lampungInput(), regencyInput()];
    // Act
    const results = await renderBulletins(inputs, { workers: 1, workerEntry: new URL('../fixtures/pool/dies-on-marked.mjs', import.meta.url) });
    // Assess
    const failed = results.flatMap((result, index) => (result.ok ? [] : [{ index, reason: result.reason }]));
    expect(failed).toContainEqual({ index: 2, reason: expect.stringMatching(/^worker failed while rendering: worker killed/) });
    expect(failed.length).toBeLessThanOrEqual(2);
    for (const { index, reason } of failed) {
      expect([1, 2, 3]).toContain(index);
      expect(reason).toMatch(/^worker failed while rendering/);
    }
    for (const i of [4, 5]) expect(results[i]!.ok && results[i]!.pdf.equals(await renderBulletinPdf(inputs[i]!))).toBe(true);
  });

  it('renders in this thread when no worker can start, with the same results', async () => {
    const inputs = [regencyInput(), lampungInput()];
    const results = await renderBulletins(inputs, { workers: 2, workerEntry: new URL('../fixtures/pool/cannot-start.mjs', import.meta.url) });
    for (const i of [0, 1]) expect(results[i]!.ok && results[i]!.pdf.equals(await renderBulletinPdf(inputs[i]!))).toBe(true);
  });
});
