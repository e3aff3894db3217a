/**
 * Render and check one bulletin, in whichever thread runs it: the unit of work of pool.ts, and what a
 * caller without a pool uses. A bulletin that cannot be rendered or fails its check is a result, not an
 * exception, so one bad region never stops a month's run.
 */
import { displayName } from '../domain/regions.ts';
import { checkBulletinPdf } from './check.ts';
import type { BulletinInput } from './definition.ts';
import { formatPct } from './format.ts';
import { renderBulletinPdf } from './render.ts';

export type BulletinResult = { ok: true; pdf: Buffer } | { ok: false; reason: string };

/** What the check looks for in a bulletin's text: the region's name and its coverage as shown. */
export function bulletinExpectation(input: BulletinInput): { name: string; coverageText: string } {
  return { name: displayName(input.region), coverageText: formatPct(input.region.coveragePct) };
}

export async function renderCheckedBulletinResult(input: BulletinInput): Promise<BulletinResult> {
  let pdf: Buffer;
  try {
    pdf = await renderBulletinPdf(input);
  } catch (error) {
    return { ok: false, reason: `rendering failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  const check = checkBulletinPdf(pdf, bulletinExpectation(input));
  return check.ok ? { ok: true, pdf } : { ok: false, reason: `check failed: ${check.reason}` };
}
