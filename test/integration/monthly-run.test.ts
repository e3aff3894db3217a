/**
 * A whole month on the embedded local stack: real S3, DynamoDB and SES protocols on loopback, the real
 * handlers invoked with AWS-shaped events. Asserts what users judge the system by: the numbers kept in
 * history, the bulletins, and who got which email.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { LOCAL_FUNCTIONS, startLocalStack, type LocalStack } from '../../tools/local/stack.ts';
import { createLocalInvoker, type LocalInvoker } from '../../tools/local/invoke.ts';
import { parse as parseCsv } from 'csv-parse/sync';
import { generateSampleDataset, type SampleDataset } from '../../tools/sample/index.ts';
import { displayName, loadRegionIndex } from '../../lib/domain/regions.ts';
import { formatPct } from '../../lib/bulletin/format.ts';
import { bulletinKey } from '../../lib/storage/keys.ts';
import { validateRecipients } from '../../lib/inputs/recipients.ts';
import type { MonthlyRunSummary } from '../../lib/jobs/monthly-run.ts';
import { pdfText } from '../support/pdf-text.ts';
import { createHash } from 'node:crypto';
import { ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { runMonth } from '../../lib/jobs/monthly-run.ts';
import { fanOutRenderer, lambdaRenderInvoker } from '../../lib/jobs/render-fan-out.ts';
import type { BulletinJob } from '../../lib/jobs/render-bulletins.ts';
import { Logger } from '@aws-lambda-powertools/logger';

const PERIOD = '2026-10';
const MAX = 64 * 1024 * 1024;
const PREVIOUS = '2026-09';

let dir: string;
let stack: LocalStack;
let invoker: LocalInvoker;
let dataset: SampleDataset;
let first: MonthlyRunSummary;

async function outbox(period: string): Promise<ParsedMail[]> {
  const folder = join(stack.outboxDir, period);
  const names = await readdir(folder).catch(() => [] as string[]);
  return Promise.all(names.filter((n) => n.endsWith('.eml')).map(async (n) => simpleParser(await readFile(join(folder, n)))));
}

beforeAll(async () => {
  // Prepare: a fresh stack in a temporary folder, two months of sample data, the earlier one as history.
  dir = await mkdtemp(join(tmpdir(), 'ucj-it-'));
  stack = await startLocalStack(dir, { attach: false });
  invoker = await createLocalInvoker(stack);
  dataset = await generateSampleDataset({ lastPeriod: PERIOD, months: 2 });
  const files = [dataset.recipients, ...dataset.targets, ...dataset.uploads].map((f) => ({ key: f.key, body: f.content }));
  const outcomes = await invoker.upload(files);
  expect(outcomes.map((o) => o.status === 'validated' && o.report.ok)).toEqual([true, true]);
  await invoker.runMonth({ period: PREVIOUS, snapshotsOnly: true });
  // Act
  first = await invoker.runMonth({ period: PERIOD });
  await invoker.drainDeliveries();
});

afterAll(async () => {
  await stack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a month on the local stack', () => {
  it('keeps a snapshot per region whose figures match the uploaded rows', async () => {
    const regions = await loadRegionIndex();
    const snapshots = await invoker.runtime.history.monthSnapshots(PERIOD);
    expect(first.outcome).toBe('succeeded');
    expect(snapshots.size).toBe(1 + regions.provinces.length + regions.regencies.length);

    // The uploaded CSV read independently of the application's parser.
    const rowsOf = (period: string) =>
      parseCsv(dataset.uploads.find((u) => u.key.includes(`/${period}/`))!.content, { columns: true }) as Array<Record<string, string>>;
    const sum = (rows: Array<Record<string, string>>, key: 'peserta_aktif' | 'pekerja') => rows.reduce((total, row) => total + Number(row[key]), 0);
    const now = rowsOf(PERIOD);
    const before = rowsOf(PREVIOUS);
    const national = snapshots.get('nasional')!.figures;
    expect(national.active).toBe(sum(now, 'peserta_aktif'));
    expect(national.eligible).toBe(sum(now, 'pekerja'));
    expect(national.coveragePct).toBeCloseTo((100 * sum(now, 'peserta_aktif')) / sum(now, 'pekerja'), 10);
    expect(national.momDeltaActive).toBe(sum(now, 'peserta_aktif') - sum(before, 'peserta_aktif'));

    const lampungRows = now.filter((r) => r.kode_wilayah!.startsWith('18.'));
    const lampung = snapshots.get('18')!.figures;
    expect(lampung.active).toBe(sum(lampungRows, 'peserta_aktif'));
    expect(lampung.eligible).toBe(sum(lampungRows, 'pekerja'));
    expect(lampung.targetActive).toBe(1_436_809);
  });

  it('writes a national and a province bulletin that name their region and show its coverage', async () => {
    const regions = await loadRegionIndex();
    const snapshots = await invoker.runtime.history.monthSnapshots(PERIOD);
    expect(first.bulletins).toHaveLength(1 + 38 + 514); // every region had figures
    for (const region of [regions.national, ...regions.provinces]) {
      const key = bulletinKey(PERIOD, region);
      expect(first.bulletins).toContain(key);
      const pdf = await invoker.runtime.store.get(key, { maxBytes: MAX });
      const { pages, text } = await pdfText(pdf!.body);
      expect(pages).toBeGreaterThan(0);
      expect(text).toContain(displayName(region));
      expect(text).toContain(formatPct(snapshots.get(region.code)!.figures.coveragePct));
      expect(text).toContain('Oktober 2026');
    }
  });

  it('emails each official exactly once, with the bulletin of their region attached', async () => {
    const regions = await loadRegionIndex();
    const recipients = (await validateRecipients(Buffer.from(dataset.recipients.content), 'config/recipients.csv', regions)).recipients;
    const officials = recipients.filter((r) => r.role === 'pejabat');
    const mails = await outbox(PERIOD);
    const addressees = mails.map((m) => (Array.isArray(m.to) ? m.to[0] : m.to)!.value[0]!.address);
    expect(addressees.sort()).toEqual(officials.map((o) => o.email).sort());

    for (const official of officials) {
      const mail = mails.find((m) => (Array.isArray(m.to) ? m.to[0] : m.to)!.value[0]!.address === official.email)!;
      const region = regions.byCode.get(official.scope)!;
      expect(mail.subject).toBe(`Buletin UCJ ${displayName(region)} — Oktober 2026`);
      expect(mail.attachments).toHaveLength(1);
      const attachment = mail.attachments[0]!;
      expect(attachment.contentType).toBe('application/pdf');
      const stored = await invoker.runtime.store.get(bulletinKey(PERIOD, region), { maxBytes: MAX });
      expect(Buffer.compare(attachment.content, stored!.body)).toBe(0);
      expect(mail.text).toContain(formatPct((await invoker.runtime.history.monthSnapshots(PERIOD)).get(region.code)!.figures.coveragePct));
    }
  });

  it('re-running the month writes no new snapshot and sends no second email', async () => {
    const again = await invoker.runMonth({ period: PERIOD });
    const delivery = await invoker.drainDeliveries();
    expect(again.outcome).toBe('succeeded');
    expect(again.snapshotsWritten).toBe(0);
    expect(delivery.deadLettered).toBe(0);
    expect(await outbox(PERIOD)).toHaveLength(39);
    const runs = await invoker.runtime.history.listRuns(PERIOD);
    expect(runs.map((r) => r.outcome)).toEqual(['succeeded', 'succeeded']);
    // Nothing was rendered again: the versioned bucket holds one copy of each unchanged bulletin.
    const versions = await invoker.runtime.clients.s3.send(new ListObjectVersionsCommand({ Bucket: stack.outputs.BucketName, Prefix: `bulletins/${PERIOD}/nasional.pdf` }));
    expect(versions.Versions).toHaveLength(1);
  });

  it('rejects a bad upload: report, quarantine byte for byte, and the admins told', async () => {
    const bad = Buffer.from('kode_wilayah;periode;pekerja;peserta_aktif\r\n18.71;2026-10;1.000;-5\r\n18.99;2026-10;1.000;10\r\n');
    const [outcome] = await invoker.upload([{ key: 'uploads/2026-10/lampung revisi.csv', body: bad }]);
    expect(outcome!.status).toBe('validated');
    if (outcome!.status !== 'validated') return;
    expect(outcome!.report.ok).toBe(false);
    expect(outcome!.report.errors.map((e) => [e.row, e.column, e.code])).toEqual([
      [2, 'peserta_aktif', 'BUKAN_BILANGAN_CACAH'],
      [3, 'kode_wilayah', 'KODE_TIDAK_DIKENAL'],
    ]);
    const quarantined = await invoker.runtime.store.get('quarantine/2026-10/lampung revisi.csv', { maxBytes: MAX });
    expect(Buffer.compare(quarantined!.body, bad)).toBe(0);
    expect(await invoker.runtime.store.get('uploads/2026-10/lampung revisi.csv', { maxBytes: MAX })).toBeUndefined();
    const report = await invoker.runtime.store.get('validation/2026-10/lampung revisi.csv.json', { maxBytes: MAX });
    expect(JSON.parse(report!.body.toString()).ok).toBe(false);
    const adminMail = (await outbox(PERIOD)).filter((m) => m.subject?.startsWith('Unggahan UCJ ditolak'));
    expect(adminMail.map((m) => (Array.isArray(m.to) ? m.to[0] : m.to)!.value[0]!.address)).toEqual(['admin.ucj.18@bpjsketenagakerjaan.example']);
    expect(adminMail[0]!.text).toContain('baris 2, kolom peserta_aktif');
  });

  it('a corrected upload adds a version beside the first, the bulletins say Revisi, and officials get the revision once', async () => {
    const before = (await invoker.runtime.history.monthSnapshots(PERIOD)).get('18.71')!;
    const corrected = before.figures.active! + 25_000;
    const [outcome] = await invoker.upload([
      { key: 'uploads/2026-10/koreksi-bandar-lampung.csv', body: `kode_wilayah;pekerja;peserta_aktif\n18.71;${before.figures.eligible};${corrected}\n` },
    ]);
    expect(outcome!.status === 'validated' && outcome!.report.ok).toBe(true);

    const revised = await invoker.runMonth({ period: PERIOD });
    await invoker.drainDeliveries();
    expect(revised.outcome).toBe('succeeded');
    expect(revised.snapshotsWritten).toBeGreaterThanOrEqual(3); // the city, its province, the nation (ranks may move others)

    const versions = (await invoker.runtime.history.regionSnapshots('18.71')).filter((s) => s.period === PERIOD);
    expect(versions.map((v) => [v.version, v.figures.active])).toEqual([
      [1, before.figures.active],
      [2, corrected],
    ]);
    // Each snapshot names the files its figures came from: the city its correction; its province and the
    // nation that too; a province elsewhere not.
    expect(versions[1]!.sources.map((s) => s.key)).toEqual(['uploads/2026-10/koreksi-bandar-lampung.csv']);
    const latest = await invoker.runtime.history.monthSnapshots(PERIOD);
    for (const code of ['18', 'nasional']) expect(latest.get(code)?.sources.map((s) => s.key), code).toContain('uploads/2026-10/koreksi-bandar-lampung.csv');
    expect(latest.get('11')!.sources.map((s) => s.key)).not.toContain('uploads/2026-10/koreksi-bandar-lampung.csv');
    expect(latest.get('11')!.sources.length).toBeGreaterThan(0);
    expect(versions[1]!.sources.every((s) => s.etag.length > 0 && s.uploadedAt.length > 0)).toBe(true);

    const regions = await loadRegionIndex();
    const lampungPdf = await invoker.runtime.store.get(bulletinKey(PERIOD, regions.byCode.get('18')!), { maxBytes: MAX });
    expect((await pdfText(lampungPdf!.body)).text).toContain('Revisi');

    const lampungMails = (await outbox(PERIOD)).filter((m) => (Array.isArray(m.to) ? m.to[0] : m.to)!.value[0]!.address === 'gubernur.18@pemprov.example');
    expect(lampungMails.map((m) => m.subject)).toEqual(expect.arrayContaining(['Buletin UCJ Lampung — Oktober 2026', 'Buletin UCJ Lampung — Oktober 2026 (Revisi)']));
    expect(lampungMails).toHaveLength(2);

    const count = (await outbox(PERIOD)).length;
    const again = await invoker.runMonth({ period: PERIOD });
    await invoker.drainDeliveries();
    expect(again.snapshotsWritten).toBe(0);
    expect(await outbox(PERIOD)).toHaveLength(count);
  });

  it('fans rendering out to render-bulletins in small batches, many at once, with byte-identical bulletins', async () => {
    const keysAndHashes = async () => {
      const keys = (await invoker.runtime.store.list(`bulletins/${PERIOD}/`)).map((o) => o.key).sort();
      return Promise.all(keys.map(async (key) => [key, createHash('sha256').update((await invoker.runtime.store.get(key, { maxBytes: MAX }))!.body).digest('hex')]));
    };
    const before = await keysAndHashes();
    // Remove them, so that what is compared below was written by the fanned-out run.
    await Promise.all(before.map(([key]) => invoker.runtime.store.delete(key!)));
    const invocationsBefore = stack.invocations(LOCAL_FUNCTIONS.renderBulletins);
    const renderAndStore = fanOutRenderer(lambdaRenderInvoker(invoker.runtime.clients.lambda, invoker.runtime.env.RENDER_FUNCTION_NAME!), {
      batchSize: 150,
      concurrency: 2,
    });
    const { runtime } = invoker;
    const fanned = await runMonth(
      {
        store: runtime.store,
        history: runtime.history,
        queue: runtime.queue,
        renderAndStore,
        mailAccount: runtime.mailAccount,
        sender: runtime.env.SENDER_ADDRESS,
        now: runtime.now,
        logger: new Logger({ serviceName: 'monthly-run' }),
      },
      { period: PERIOD },
    );
    await invoker.drainDeliveries();
    expect(fanned.outcome).toBe('succeeded');
    expect(fanned.bulletins).toHaveLength(before.length);
    expect(stack.invocations(LOCAL_FUNCTIONS.renderBulletins) - invocationsBefore).toBe(Math.ceil(before.length / 150));
    expect(await keysAndHashes()).toEqual(before);
  });

  it('a batch the renderer refuses fails the run with the function\'s own error, after its retries', async () => {
    const invoke = lambdaRenderInvoker(invoker.runtime.clients.lambda, invoker.runtime.env.RENDER_FUNCTION_NAME!);
    const job = { key: 'not-a-bulletin.pdf', input: { period: PERIOD, region: { code: '18', name: 'LAMPUNG' } } } as unknown as BulletinJob;
    const render = fanOutRenderer(invoke, { batchSize: 10, concurrency: 1, attempts: 2 });
    await expect(render([job])).rejects.toThrow(/failed 2 times: ucj-render-bulletins failed \(Unhandled\): .*key must be a bulletin key/s);
  });
});
