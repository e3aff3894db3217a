/**
 * The worker side of pool.ts: loads the fonts once, then renders and checks each bulletin it is sent and
 * posts the result back (the PDF's bytes are transferred, not copied).
 */
import { parentPort } from 'node:worker_threads';
import { renderCheckedBulletinResult } from './checked.ts';
import type { BulletinInput } from './definition.ts';
import { warmUp } from './render.ts';

export interface WorkerTask {
  id: number;
  input: BulletinInput;
}

export type WorkerReply = { id: number; ok: true; pdf: Uint8Array } | { id: number; ok: false; reason: string } | { ready: true };

const port = parentPort;
if (port === null) throw new Error('pool-worker.ts runs only as a worker thread');

await warmUp();
port.postMessage({ ready: true } satisfies WorkerReply);

port.on('message', (task: WorkerTask) => {
  void renderCheckedBulletinResult(task.input).then(
    (result) => {
      if (!result.ok) {
        port.postMessage({ id: task.id, ok: false, reason: result.reason } satisfies WorkerReply);
        return;
      }
      // A Buffer may be a view on a shared pool: transfer a buffer of its own.
      const pdf = result.pdf;
      const bytes =
        pdf.byteOffset === 0 && pdf.byteLength === pdf.buffer.byteLength ? new Uint8Array(pdf.buffer as ArrayBuffer) : new Uint8Array(pdf);
      port.postMessage({ id: task.id, ok: true, pdf: bytes } satisfies WorkerReply, [bytes.buffer]);
    },
    (error: unknown) => {
      port.postMessage({ id: task.id, ok: false, reason: `worker error: ${error instanceof Error ? error.message : String(error)}` } satisfies WorkerReply);
    },
  );
});
