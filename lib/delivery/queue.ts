/**
 * Where monthly-run puts one delivery message per recipient. On AWS an SQS queue; on the local stack,
 * which has no SQS emulator, a spool folder of JSON files that the stack's driver hands to
 * deliver-bulletin as SQS-shaped batches. Both survive a crash of the run that queued them.
 */
import { mkdir, readdir, readFile, rm, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeliveryMessage } from './message.ts';

export interface DeliveryQueue {
  send(messages: readonly DeliveryMessage[]): Promise<void>;
}

export function sqsDeliveryQueue(sqs: SQSClient, queueUrl: string): DeliveryQueue {
  return {
    async send(messages) {
      for (let start = 0; start < messages.length; start += 10) {
        const chunk = messages.slice(start, start + 10);
        const out = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map((message, index) => ({ Id: String(index), MessageBody: JSON.stringify(message) })),
          }),
        );
        if (out.Failed && out.Failed.length > 0) {
          throw new Error(`SQS refused ${out.Failed.length} delivery messages: ${out.Failed.map((f) => f.Message).join('; ')}`);
        }
      }
    },
  };
}

export interface SpooledMessage {
  id: string;
  path: string;
  body: string;
}

/** The local stand-in for SQS: one file per message, named by content so re-queueing the same message is a no-op. */
export function spoolDeliveryQueue(dir: string): DeliveryQueue & {
  pending(): Promise<SpooledMessage[]>;
  acknowledge(message: SpooledMessage): Promise<void>;
} {
  return {
    async send(messages) {
      await mkdir(dir, { recursive: true });
      for (const message of messages) {
        const body = JSON.stringify(message);
        const id = createHash('sha256').update(body).digest('hex').slice(0, 32);
        const target = join(dir, `${message.period}-${id}.json`);
        // Write then rename, so the driver never reads half a message.
        await writeFile(`${target}.tmp`, body);
        await rename(`${target}.tmp`, target);
      }
    },
    async pending() {
      let names: string[];
      try {
        names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
      } catch {
        return [];
      }
      return Promise.all(
        names.map(async (name) => ({ id: name.replace(/\.json$/, ''), path: join(dir, name), body: await readFile(join(dir, name), 'utf8') })),
      );
    },
    async acknowledge(message) {
      await rm(message.path, { force: true });
    },
  };
}

/** `file:///path` selects the spool; anything else is an SQS queue URL. */
export function spoolDirOf(queueUrl: string): string | undefined {
  return queueUrl.startsWith('file://') ? fileURLToPath(queueUrl) : undefined;
}
