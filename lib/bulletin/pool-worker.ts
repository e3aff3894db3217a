/**
 * The worker side of pool.ts, as piscina runs it: the fonts are loaded once when the worker starts (the
 * top-level await finishes before piscina reports it ready); then each task renders and checks one
 * bulletin, and the PDF's bytes are moved back to the pool, not copied.
 */
import { Piscina } from 'piscina';
import { renderCheckedBulletinResult } from './checked.ts';
import type { BulletinInput } from './definition.ts';
import { warmUp } from './render.ts';

/** The PDF's bytes, or why it failed. piscina moves only a top-level value, so the bytes are the reply. */
export type WorkerReply = Uint8Array | { reason: string };

await warmUp();

export default async function renderInWorker(input: BulletinInput): Promise<WorkerReply> {
  const result = await renderCheckedBulletinResult(input);
  if (!result.ok) return { reason: result.reason };
  // A Buffer may be a view on a shared pool: move a buffer of its own.
  const pdf = result.pdf;
  const bytes = pdf.byteOffset === 0 && pdf.byteLength === pdf.buffer.byteLength ? new Uint8Array(pdf.buffer, 0, pdf.byteLength) : new Uint8Array(pdf);
  // piscina types move() by what it may be given, not by what it returns: the same view, marked to move.
  return Piscina.move(bytes) as Uint8Array;
}
