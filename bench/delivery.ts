/**
 * Issue 6: `send_2000_emails_s` (queueing and sending 2,000 emails through the local SES, target < 30 s)
 * and `ledger_requests_per_email` (DynamoDB requests the ledger costs each email).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_FUNCTIONS, startLocalStack } from '../tools/local/stack.ts';
import { createLocalInvoker } from '../tools/local/invoke.ts';
import type { DeliveryMessage } from '../lib/delivery/message.ts';
import { report } from './report.ts';

const PERIOD = '2026-10';
const EMAILS = 2000;

export async function benchDelivery(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ucj-bench-delivery-'));
  const stack = await startLocalStack(dir, { attach: false });
  try {
    const invoker = await createLocalInvoker(stack);
    // One real-sized bulletin (about 50 kB) that every message attaches.
    const key = `bulletins/${PERIOD}/provinsi/18-lampung.pdf`;
    await invoker.runtime.store.put(key, Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(50_000, 0x20), Buffer.from('\n%%EOF\n')]), 'application/pdf');
    const messages: DeliveryMessage[] = Array.from({ length: EMAILS }, (_, i) => ({
      period: PERIOD,
      email: `pejabat.${i}@ucj.example`,
      name: `Pejabat ${i}`,
      title: 'Kepala Dinas',
      runKey: 'RUN#bench',
      bulletins: [
        { key, fileName: '18-lampung.pdf', regionCode: '18', regionName: 'Lampung', coveragePct: 37.71, targetPct: 45.53, active: 1_141_562, status: 'off_track', revision: 1 },
      ],
    }));
    const dynamoBefore = stack.requests.dynamodb;
    const started = performance.now();
    const batchesBefore = stack.invocations(LOCAL_FUNCTIONS.deliverBulletin);
    await invoker.runtime.queue.send(messages);
    const result = await invoker.drainDeliveries();
    const seconds = (performance.now() - started) / 1000;
    const sent = (await readdir(join(stack.outboxDir, PERIOD))).length;
    if (sent !== EMAILS || result.deadLettered !== 0) throw new Error(`delivery benchmark: ${sent} sent, ${result.deadLettered} dead-lettered`);
    report('send_2000_emails_s', seconds, 's', {
      emails: sent,
      batches: stack.invocations(LOCAL_FUNCTIONS.deliverBulletin) - batchesBefore,
      concurrency: Number(process.env.UCJ_DELIVERY_CONCURRENCY ?? 2),
      target: 30,
    });
    report('ledger_requests_per_email', (stack.requests.dynamodb - dynamoBefore) / EMAILS, 'count', {
      note: 'claim (PutItem) + sent (UpdateItem) + the run record counter (UpdateItem); queueing through SQS costs none',
    });
  } finally {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  }
}
