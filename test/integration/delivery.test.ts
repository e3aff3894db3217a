/**
 * Delivery on the local stack, as officials judge it: exactly one email each, to the right people, even
 * when the delivering process is killed midway, SES refuses an address, or the bulletins are too large.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { announceStack, startLocalStack, type LocalStack, type LocalStackOptions } from '../../tools/local/stack.ts';
import { createLocalInvoker, type LocalInvoker } from '../../tools/local/invoke.ts';
import { generateSampleDataset } from '../../tools/sample/index.ts';
import type { MonthlyRunSummary } from '../../lib/jobs/monthly-run.ts';
import { deliverBulletin, NoTimeToSend, SEND_WINDOW_MS } from '../../lib/jobs/deliver-bulletin.ts';
import { deliveryLedgerKey, type DeliveryMessage } from '../../lib/delivery/message.ts';
import { loadRegionIndex } from '../../lib/domain/regions.ts';
import { bulletinKey } from '../../lib/storage/keys.ts';

const PERIOD = '2026-10';
const UCJ = join(import.meta.dirname, '..', '..', 'bin', 'ucj.js');
const REFUSED = 'ditolak@pemprov.example';
const WIDE = 'kepala.wilayah.barat@bpjsketenagakerjaan.example';
const WIDE_SCOPES = ['11', '12', '13', '14', '15', '16', '17', '18', '19', '21'];

let dir: string;
let stack: LocalStack;
let invoker: LocalInvoker;
let officials: string[];
let run: MonthlyRunSummary;
/**
 * The handlers' attachment cap: 200 kB (one bulletin is about 50 kB, ten are over it). Given to the stacks
 * this process starts and, through their environment, to the `ucj` processes below.
 */
const SETTINGS = { MAX_ATTACHMENT_BYTES: '200000' };

const addressOf = (mail: ParsedMail) => (Array.isArray(mail.to) ? mail.to[0] : mail.to)!.value[0]!.address!;
async function outbox(): Promise<ParsedMail[]> {
  const folder = join(stack.outboxDir, PERIOD);
  const names = (await readdir(folder).catch(() => [] as string[])).filter((n) => n.endsWith('.eml'));
  return Promise.all(names.map(async (n) => simpleParser(await readFile(join(folder, n)))));
}

/** Starts this process's stack on the folder (the servers, the handlers and the delivery event source). */
async function start(options: Pick<LocalStackOptions, 'deliveries' | 'faults'> = {}) {
  stack = await startLocalStack(dir, { attach: false, settings: SETTINGS, ...options });
  await announceStack(stack); // so `ucj` child processes below use these servers
  invoker = await createLocalInvoker(stack);
}

beforeAll(async () => {
  // Prepare: handlers with the attachment cap and an SES that refuses one address. The event source is
  // off, so the month's deliveries stay queued for the process the first test kills.
  dir = await mkdtemp(join(tmpdir(), 'ucj-delivery-'));
  await start({ deliveries: false, faults: { sesRejectTo: [REFUSED] } });
  const dataset = await generateSampleDataset({ lastPeriod: PERIOD, months: 1 });
  const extra = [
    `${REFUSED},Tono,Kepala Dinas,51,pejabat`,
    ...WIDE_SCOPES.map((scope) => `${WIDE},Rina,Kepala Kantor Wilayah Sumatera,${scope},pejabat`),
  ];
  const recipients = `${dataset.recipients.content.trimEnd()}\n${extra.join('\n')}\n`;
  officials = [...new Set(recipients.split('\n').filter((l) => l.includes(',pejabat')).map((l) => l.split(',')[0]!))];
  await invoker.upload([{ key: 'config/recipients.csv', body: recipients }, ...[...dataset.targets, ...dataset.uploads].map((f) => ({ key: f.key, body: f.content }))]);
  run = await invoker.runMonth({ period: PERIOD });
  expect(run.deliveriesQueued).toBe(officials.length);
  await stack.close();
});

afterAll(async () => {
  await stack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** `ucj <args>` in its own process, on this test's folder; resolves with how it ended and what it printed. */
function ucj(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [UCJ, ...args], { env: { ...process.env, ...SETTINGS, UCJ_LOCAL_DIR: dir, ...env } }, (_error, stdout) => {
      resolve({ code: child.exitCode, signal: child.signalCode, stdout });
    });
  });
}

describe('delivery', () => {
  it('a process killed in the middle of delivery, then a re-run, gives every official exactly one email', async () => {
    // Act: a separate `ucj deliver` owns the stack (its event source delivers the queued month) and kills
    // itself, servers and all, right after SES accepted its fifth email, before the ledger could record
    // it: the one window that cannot be closed. One deliverer at a time, so the window holds exactly one
    // delivery (with N concurrent deliverers a crash can leave N in doubt).
    const crashed = await ucj(['deliver', '--period', PERIOD], {
      UCJ_DELIVERY_CONCURRENCY: '1',
      UCJ_FAULTS: JSON.stringify({ sesRejectTo: [REFUSED], crashAfterSesSends: 5 }),
    });
    expect(crashed.signal).toBe('SIGKILL');
    expect(await outbox()).toHaveLength(5);

    // Started again: what was in flight when the process died is received again and delivered.
    await start({ faults: { sesRejectTo: [REFUSED] } });
    await invoker.drainDeliveries();
    // Assess: every official but the refused one has exactly one email; nobody has two.
    const addresses = (await outbox()).map(addressOf).sort();
    expect(addresses).toEqual(officials.filter((o) => o !== REFUSED).sort());
    // The fifth, accepted by SES but never recorded, is left in doubt for an operator, not sent twice.
    const inDoubt = await invoker.runtime.deliveries.entries(PERIOD, 'claimed');
    expect(inDoubt).toHaveLength(1);
    expect(addresses).toContain(inDoubt[0]!.recipientKey.replace(/#v\d+$/, ''));
  });

  it('records the address SES refused with its reason, and counts sent and refused in the run', async () => {
    const state = await invoker.runtime.deliveries.state(PERIOD, `${REFUSED}#v1`);
    expect(state).toMatchObject({ status: 'failed' });
    expect(state?.status === 'failed' && state.reason).toContain('MessageRejected');
    const [record] = (await invoker.runtime.history.listRuns(PERIOD)).filter((r) => r.runId === run.runId);
    // One email went out in the crashed process without being counted: the window, in doubt.
    expect(record!.delivered).toEqual({ sent: officials.length - 2, failed: 1 });
  });

  it('sends bulletins over the size cap as links to the download function, which redirect to the PDF for minutes', async () => {
    const mails = await outbox();
    const wide = mails.find((m) => addressOf(m) === WIDE)!;
    expect(wide.attachments).toHaveLength(0);
    const links = [...(wide.text ?? '').matchAll(/^- (\S+\.pdf): (http\S+)$/gm)];
    expect(links).toHaveLength(WIDE_SCOPES.length);
    const link = new URL(links[0]![2]!);
    // No AWS credentials in the link: a token the download function checks.
    expect(link.origin).toBe(new URL(stack.endpoints.download).origin);
    expect([...link.searchParams.keys()]).toEqual(['t']);
    const redirect = await fetch(link, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const presigned = new URL(redirect.headers.get('location')!);
    expect(presigned.searchParams.get('X-Amz-Expires')).toBe('300');
    const response = await fetch(link);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toContain(links[0]![1]!);
    expect(Buffer.from(await response.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
    // A link that was tampered with leads nowhere.
    link.searchParams.set('t', `${link.searchParams.get('t')!.slice(0, -2)}AA`);
    expect((await fetch(link)).status).toBe(403);
    const governor = mails.find((m) => addressOf(m) === 'gubernur.18@pemprov.example')!;
    expect(governor.attachments.map((a) => a.filename)).toEqual(['18-lampung.pdf']);
  });

  it('an operator can resend a delivery left in doubt, from the message the claim kept', async () => {
    const [entry] = await invoker.runtime.deliveries.entries(PERIOD, 'claimed');
    const email = entry!.recipientKey.replace(/#v\d+$/, '');
    const resent = await ucj(['deliver', '--period', PERIOD, '--resend-in-doubt']);
    expect(resent.stdout).toContain(`queued again: ${entry!.recipientKey}`);
    expect(resent.code).toBe(0);
    expect((await outbox()).filter((m) => addressOf(m) === email)).toHaveLength(2); // the operator's call: it had arrived
    expect(await invoker.runtime.deliveries.entries(PERIOD, 'claimed')).toEqual([]);
  });

  it('an operator can resend a delivery SES refused, once the cause is fixed', async () => {
    // The refusal is fixed (the address taken off SES's suppression list, say): new handlers without it.
    await stack.close();
    await start();
    const listed = await ucj(['deliver', '--period', PERIOD]);
    expect(listed.stdout).toContain(`refused: ${REFUSED}#v1`);
    expect((await outbox()).filter((m) => addressOf(m) === REFUSED)).toHaveLength(0);
    const resent = await ucj(['deliver', '--period', PERIOD, '--resend-failed', '--email', REFUSED]);
    expect(resent.stdout).toContain(`queued again: ${REFUSED}#v1`);
    expect((await outbox()).filter((m) => addressOf(m) === REFUSED)).toHaveLength(1);
    expect(await invoker.runtime.deliveries.state(PERIOD, `${REFUSED}#v1`)).toMatchObject({ status: 'sent' });
  });

  it('a month run twice sends nothing the second time', async () => {
    const before = (await outbox()).length;
    await invoker.runMonth({ period: PERIOD });
    await invoker.drainDeliveries();
    expect(await outbox()).toHaveLength(before);
  });

  it('does not claim a delivery without the time an SES send may need, and sends it on the next delivery', async () => {
    const regions = await loadRegionIndex();
    const bali = regions.byCode.get('51')!;
    const message: DeliveryMessage = {
      period: PERIOD,
      email: 'kepala.baru@pemprov.example',
      name: 'Made',
      title: 'Kepala Dinas',
      runKey: run.runId,
      bulletins: [
        { key: bulletinKey(PERIOD, bali), fileName: 'bali.pdf', regionCode: '51', regionName: 'Bali', coveragePct: 50, targetPct: 60, active: 1, status: 'at_risk', revision: 1 },
      ],
    };
    const { runtime } = invoker;
    const links = { link: async (key: string) => `https://links.example/${key}` };
    const deps = { store: runtime.store, history: runtime.history, ledger: runtime.deliveries, mailer: runtime.mailer, links, sender: runtime.env.SENDER_ADDRESS, now: runtime.now };
    // A Lambda about to time out: the record is handed back to SQS, nothing is claimed.
    await expect(deliverBulletin({ ...deps, remainingMs: () => SEND_WINDOW_MS - 1 }, message)).rejects.toThrow(NoTimeToSend);
    expect(await runtime.deliveries.state(PERIOD, deliveryLedgerKey(message))).toBeUndefined();
    // Redelivered to a fresh invocation: sent once.
    expect((await deliverBulletin({ ...deps, remainingMs: () => 120_000 }, message)).status).toBe('sent');
    expect((await outbox()).filter((m) => addressOf(m) === message.email)).toHaveLength(1);
  });
});
