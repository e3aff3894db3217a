/**
 * What a month's run leaves behind, as users and the next month see it, and a way to remove it so the
 * month can be run again from the same uploads (bulletins show the uploads' times, so a comparison of
 * bulletin bytes needs the very same uploaded objects).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { DeleteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { bulletinsPrefix } from '../../lib/storage/keys.ts';
import { inParallel } from '../../lib/util/concurrency.ts';
import type { LocalStack } from '../../tools/local/stack.ts';
import type { Runtime } from '../../lib/runtime.ts';
import type { RunWithDeliveries, Snapshot } from '../../lib/history/store.ts';

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export interface Mail {
  subject: string;
  attachments: string[];
}

export interface MonthState {
  snapshots: Map<string, Pick<Snapshot, 'version' | 'contentHash' | 'figures' | 'sources'>>;
  /** Bulletin key → sha256 of its bytes. */
  bulletins: Map<string, string>;
  /** Recipient address → the emails they got (subject, attachment hashes). */
  mails: Map<string, Mail[]>;
  inDoubt: string[];
  runs: RunWithDeliveries[];
}

export async function observeMonth(runtime: Runtime, stack: LocalStack, period: string): Promise<MonthState> {
  const snapshots = new Map(
    [...(await runtime.history.monthSnapshots(period))].map(([code, s]) => [code, { version: s.version, contentHash: s.contentHash, figures: s.figures, sources: s.sources }]),
  );
  const bulletins = new Map<string, string>();
  await inParallel(await runtime.store.list(bulletinsPrefix(period)), 16, async ({ key }) => {
    bulletins.set(key, sha256((await runtime.store.get(key, { maxBytes: 64 * 1024 * 1024 }))!.body));
  });
  const mails = new Map<string, Mail[]>();
  const folder = join(stack.outboxDir, period);
  for (const name of (await readdir(folder).catch(() => [] as string[])).filter((n) => n.endsWith('.eml')).sort()) {
    const mail = await simpleParser(await readFile(join(folder, name)));
    const to = (Array.isArray(mail.to) ? mail.to[0] : mail.to)!.value[0]!.address!;
    const entry = { subject: mail.subject ?? '', attachments: mail.attachments.map((a) => sha256(a.content)).sort() };
    mails.set(to, [...(mails.get(to) ?? []), entry]);
  }
  const inDoubt = (await runtime.deliveries.entries(period, 'claimed')).map((d) => d.recipientKey);
  return { snapshots, bulletins, mails, inDoubt, runs: await runtime.history.listRuns(period) };
}

/** Removes everything the month's runs made (snapshots, run records, lease, ledgers, bulletins, emails, queued deliveries); the uploads stay. */
export async function wipeMonth(runtime: Runtime, stack: LocalStack, period: string): Promise<void> {
  const { dynamo } = runtime.clients;
  const TableName = runtime.env.TABLE_NAME;
  const doomed: Array<{ pk: string; sk: string }> = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const out = await dynamo.send(new ScanCommand({ TableName, ExclusiveStartKey, ProjectionExpression: 'pk, sk, gsi1pk' }));
    for (const item of out.Items ?? []) {
      if (item.pk === `PERIOD#${period}` || item.pk === `DELIVERY#${period}` || item.pk === `REMINDER#${period}` || item.gsi1pk === `PERIOD#${period}`) doomed.push({ pk: item.pk, sk: item.sk });
    }
    ExclusiveStartKey = out.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  await inParallel(doomed, 16, async (Key) => {
    await dynamo.send(new DeleteCommand({ TableName, Key }));
  });
  await inParallel(await runtime.store.list(bulletinsPrefix(period)), 16, (object) => runtime.store.delete(object.key));
  await rm(join(stack.outboxDir, period), { recursive: true, force: true });
  await purgeQueue(runtime);
}

/** Empties the delivery queue (PurgeQueue allows one a minute, so messages are received and deleted). */
async function purgeQueue(runtime: Runtime): Promise<void> {
  for (;;) {
    const out = await runtime.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: runtime.env.DELIVERY_QUEUE_URL, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }));
    if (!out.Messages?.length) return;
    await Promise.all(out.Messages.map((m) => runtime.clients.sqs.send(new DeleteMessageCommand({ QueueUrl: runtime.env.DELIVERY_QUEUE_URL, ReceiptHandle: m.ReceiptHandle }))));
  }
}
