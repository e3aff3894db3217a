/**
 * A first month on a new SES account (issue 12, item 6): the sender identity still being verified, then
 * the sandbox, then production access. Until SES can send, monthly-run holds the deliveries back (none
 * claimed, none recorded as failed) and says what is missing; a refusal of the account or the sender met
 * while delivering is retried, never recorded against the recipient; a re-run once SES is ready delivers
 * every bulletin, each official exactly once. The local SES enforces the sandbox and identity rules
 * (tools/local/ses-account.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack, type LocalStack } from '../../tools/local/stack.ts';
import { createLocalInvoker, type LocalInvoker } from '../../tools/local/invoke.ts';
import { writeSesAccount } from '../../tools/local/ses-account.ts';
import { generateSampleDataset } from '../../tools/sample/index.ts';
import { loadRegionIndex } from '../../lib/domain/regions.ts';
import { validateRecipients } from '../../lib/inputs/recipients.ts';

const PERIOD = '2026-10';
const SENDER_DOMAIN = 'ucj.example';

let dir: string;
let stack: LocalStack;
let invoker: LocalInvoker;
let officials: string[];

const account = (state: { productionAccessEnabled: boolean; identities: Record<string, 'SUCCESS' | 'PENDING'> }) =>
  writeSesAccount(dir, { sendingEnabled: true, ...state });
const emails = async () => (await readdir(join(stack.outboxDir, PERIOD)).catch(() => [] as string[])).filter((n) => n.endsWith('.eml'));
const emailsTo = async (address: string) => (await emails()).filter((name) => name.startsWith(`${address}-`)).length;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucj-ses-'));
  stack = await startLocalStack(dir, { attach: false });
  invoker = await createLocalInvoker(stack);
  const dataset = await generateSampleDataset({ lastPeriod: PERIOD, months: 1 });
  const regions = await loadRegionIndex();
  const recipients = await validateRecipients(Buffer.from(dataset.recipients.content), 'config/recipients.csv', regions);
  officials = [...new Set(recipients.recipients.filter((r) => r.role === 'pejabat').map((r) => r.email))].sort();
  await invoker.upload([dataset.recipients, ...dataset.targets, ...dataset.uploads].map((f) => ({ key: f.key, body: f.content })));
});

afterAll(async () => {
  await stack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a month on a new SES account', () => {
  it('while the sender is being verified: bulletins made, every delivery held back and unclaimed, the run says why', async () => {
    await account({ productionAccessEnabled: false, identities: { [SENDER_DOMAIN]: 'PENDING' } });
    const run = await invoker.runMonth({ period: PERIOD });
    await invoker.drainDeliveries();
    expect(run.outcome).toBe('succeeded');
    expect(run.bulletins).toHaveLength(553);
    expect(run.deliveriesQueued).toBe(0);
    expect(run.deliveriesHeld).toBe(officials.length);
    expect(run.problems.join('\n')).toMatch(/buletin@ucj\.example belum terverifikasi/);
    expect(await emails()).toEqual([]);
    expect(await invoker.runtime.deliveries.entries(PERIOD, 'claimed')).toEqual([]);
    expect(await invoker.runtime.deliveries.entries(PERIOD, 'failed')).toEqual([]);
  });

  it('in the sandbox: only the verified recipients get theirs, the others are held, none recorded as failed', async () => {
    const verified = officials.slice(0, 2);
    await account({ productionAccessEnabled: false, identities: { [SENDER_DOMAIN]: 'SUCCESS', [verified[0]!]: 'SUCCESS', [verified[1]!]: 'SUCCESS' } });
    const run = await invoker.runMonth({ period: PERIOD });
    await invoker.drainDeliveries();
    expect(run.deliveriesQueued).toBe(2);
    expect(run.deliveriesHeld).toBe(officials.length - 2);
    expect(run.problems.join('\n')).toMatch(/sandbox/);
    for (const address of verified) expect(await emailsTo(address)).toBe(1);
    expect(await emails()).toHaveLength(2);
    expect(await invoker.runtime.deliveries.entries(PERIOD, 'failed')).toEqual([]);
  });

  it('an account refusal met while delivering is retried, never recorded against the recipient', async () => {
    // Queued while SES could send, refused when delivered (the account back in the sandbox meanwhile):
    // the message is retried and rests in the dead-letter queue, the recipient's ledger entry released.
    await account({ productionAccessEnabled: true, identities: { [SENDER_DOMAIN]: 'SUCCESS' } });
    await stack.close();
    stack = await startLocalStack(dir, { attach: false, deliveries: false });
    invoker = await createLocalInvoker(stack);
    const run = await invoker.runMonth({ period: PERIOD });
    expect(run.deliveriesQueued).toBe(officials.length);
    await stack.close();
    await account({ productionAccessEnabled: false, identities: { [SENDER_DOMAIN]: 'SUCCESS' } });
    stack = await startLocalStack(dir, { attach: false });
    invoker = await createLocalInvoker(stack);
    const { deadLettered } = await invoker.drainDeliveries();
    expect(deadLettered).toBe(officials.length - 2);
    expect(await invoker.runtime.deliveries.entries(PERIOD, 'failed')).toEqual([]);
    expect(await invoker.runtime.deliveries.entries(PERIOD, 'claimed')).toEqual([]);
    expect(await emails()).toHaveLength(2);
  });

  it('once SES can send, a re-run delivers everything held, and each official has exactly one email', async () => {
    await account({ productionAccessEnabled: true, identities: { [SENDER_DOMAIN]: 'SUCCESS' } });
    const run = await invoker.runMonth({ period: PERIOD });
    await invoker.drainDeliveries();
    expect(run.deliveriesHeld).toBe(0);
    expect(run.deliveriesQueued).toBe(officials.length);
    for (const address of officials) expect(await emailsTo(address), address).toBe(1);
    expect(await emails()).toHaveLength(officials.length);
  });
});
