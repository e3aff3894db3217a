/**
 * The portal in a real browser (Debian's Chromium, test/support/browser.ts) on the local stack: each
 * person signs in through the local Cognito's managed login, as on AWS, and does what the issue names.
 * An admin downloads the template, uploads a bad file straight to S3 and reads its rows and columns,
 * then a good one and sees it accepted. An official downloads a bulletin and the figures workbook. An
 * operator sees the run. axe-core scans every page for serious and critical violations. With
 * UCJ_SCREENSHOTS=<dir> the pages are also saved as PNGs there (docs/portal-*.png come from it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { startLocalStack, type LocalStack } from '../../tools/local/stack.ts';
import { createLocalInvoker, type LocalInvoker } from '../../tools/local/invoke.ts';
import { ensureLocalPortalUsers } from '../../tools/local/portal-users.ts';
import { generateSampleDataset, sampleUploadKey, type SampleDataset } from '../../tools/sample/index.ts';
import { LOCAL_PORTAL_PASSWORD } from '../../lib/contract/portal.ts';
import { axeViolations, launchBrowser, seriousViolations, type TestBrowser } from '../support/browser.ts';

const PERIOD = '2026-10';
const PREVIOUS = '2026-09';
const ADMIN = 'admin.ucj.18@bpjsketenagakerjaan.example';
const OFFICIAL = 'gubernur.18@pemprov.example';
const OPERATOR = 'operator.ucj@bpjsketenagakerjaan.example';
const screenshots = process.env.UCJ_SCREENSHOTS;

let dir: string;
let stack: LocalStack;
let invoker: LocalInvoker;
let dataset: SampleDataset;
let browser: TestBrowser;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucj-browser-'));
  stack = await startLocalStack(join(dir, 'state'), { attach: false });
  browser = await launchBrowser();
  invoker = await createLocalInvoker(stack);
  dataset = await generateSampleDataset({ lastPeriod: PERIOD, months: 2 });
  await invoker.upload([dataset.recipients, ...dataset.targets, ...dataset.uploads].map((f) => ({ key: f.key, body: f.content })));
  await invoker.runMonth({ period: PREVIOUS, snapshotsOnly: true });
  const summary = await invoker.runMonth({ period: PERIOD });
  expect(summary.outcome).toBe('succeeded');
  await invoker.drainDeliveries();
  await ensureLocalPortalUsers(stack.deployment);
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const portal = (path: string) => new URL(path, stack.endpoints.portal).href;

/** Signs in from the home page through managed login, as a person would; the page ends on the portal's home. */
async function signIn(context: BrowserContext, email: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(portal('/'));
  await page.getByRole('link', { name: 'Masuk' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Kata sandi').fill(LOCAL_PORTAL_PASSWORD);
  await page.getByRole('button', { name: /masuk/i }).click();
  await page.waitForURL((url) => url.href.startsWith(stack.endpoints.portal) && !url.pathname.startsWith('/auth/'));
  await page.getByRole('button', { name: 'Keluar' }).waitFor();
  return page;
}

/** Waits, without a deadline of its own (the test's timeout stops a hang), until the locator shows the text. */
async function showsText(locator: Locator, text: string): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor({ state: 'visible' });
}

async function expectAccessible(page: Page, name: string, { fullPage = true } = {}): Promise<void> {
  expect(seriousViolations(await axeViolations(page)), `${name}: serious or critical axe violations`).toEqual([]);
  if (screenshots) {
    await mkdir(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots, `portal-${name}.png`), fullPage });
  }
}

/** The sample's Lampung regency rows for the month, as the CSV an admin would fill. */
function lampungCsv(): string {
  const lines = dataset.uploads.find((upload) => upload.key === sampleUploadKey(PERIOD))!.content.trim().split(/\r?\n/);
  return [lines[0], ...lines.slice(1).filter((line) => line.startsWith('18.'))].join('\n') + '\n';
}

async function readWorkbook(path: string): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(new Uint8Array(await readFile(path)).buffer);
  return workbook;
}

/** Chooses a file for the upload form and submits it; resolves on the verdict page S3 redirected to. */
async function uploadThroughForm(page: Page, name: string, content: string): Promise<void> {
  const path = join(dir, name);
  await writeFile(path, content);
  await page.locator('input[type=file][name=file]').setInputFiles(path);
  await showsText(page.locator('[data-file-name]'), name);
  await page.getByRole('button', { name: 'Unggah' }).click();
  await page.waitForURL((url) => url.pathname === '/admin/18/unggahan');
}

describe('the portal in a browser', () => {
  it('an admin signs in, downloads the template, and sees a bad upload rejected by row and column and a good one accepted', async () => {
    const context = await browser.newContext();
    try {
      const page = await signIn(context, ADMIN);
      await expectAccessible(page, 'beranda');
      await page.goto(portal(`/admin/18?bulan=${PERIOD}`));
      await showsText(page.getByRole('heading', { level: 1 }), 'Lampung');
      await expectAccessible(page, 'admin');

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /Unduh templat/ }).click()]);
      const templatePath = join(dir, download.suggestedFilename());
      await download.saveAs(templatePath);
      const template = await readWorkbook(templatePath);
      const codes: string[] = [];
      template.worksheets[0]!.eachRow((row, index) => {
        if (index > 1) codes.push(String(row.getCell(1).value));
      });
      expect(codes.length).toBeGreaterThan(10);
      expect(codes.every((code) => code.startsWith('18.'))).toBe(true);

      // A negative count and a Jakarta row: both named by row and column on the verdict page.
      const [header, first, ...rest] = lampungCsv().trim().split('\n');
      const columns = header!.split(',');
      const badFirst = first!.split(',').map((cell, index) => (columns[index] === 'peserta_aktif' ? '-5' : cell)).join(',');
      const jakarta = first!.replace(/^18\.\d+/, '31.71');
      await uploadThroughForm(page, 'lampung-salah.csv', [header, badFirst, ...rest, jakarta].join('\n') + '\n');
      const verdict = page.locator('[data-verdict]');
      await showsText(verdict, 'Ditolak');
      await showsText(verdict, 'peserta_aktif');
      await showsText(verdict, '31.71');
      // Baris, Kolom, Pesan: the header is row 1, so the first data row is 2 and the appended Jakarta row comes after the rest.
      const rows = await verdict.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
      expect(rows).toContainEqual(['2', 'peserta_aktif', expect.any(String)]);
      expect(rows).toContainEqual(['' + (rest.length + 3), 'kode_wilayah', expect.stringContaining('di luar cakupan')]);
      await expectAccessible(page, 'ditolak');

      await page.goto(portal(`/admin/18?bulan=${PERIOD}`));
      await uploadThroughForm(page, 'lampung.csv', lampungCsv());
      await showsText(page.locator('[data-verdict]'), 'Diterima');
      await expectAccessible(page, 'diterima');

      // Another province's page is refused, in the browser as in the API.
      const refused = await page.goto(portal(`/admin/31?bulan=${PERIOD}`));
      expect(refused?.status()).toBe(403);
    } finally {
      await context.close();
    }
  });

  it('an official downloads a bulletin and the figures workbook', async () => {
    const context = await browser.newContext();
    try {
      const page = await signIn(context, OFFICIAL);
      await page.goto(portal('/pejabat/18'));
      await expectAccessible(page, 'pejabat');
      const section = page.locator(`section[aria-labelledby="bulan-${PERIOD}"]`);
      const [pdf] = await Promise.all([page.waitForEvent('download'), section.getByRole('link', { name: /PDF/ }).first().click()]);
      const pdfPath = join(dir, pdf.suggestedFilename());
      await pdf.saveAs(pdfPath);
      expect(pdf.suggestedFilename()).toMatch(/\.pdf$/);
      expect((await readFile(pdfPath)).subarray(0, 5).toString('latin1')).toBe('%PDF-');

      const [xlsx] = await Promise.all([page.waitForEvent('download'), section.getByRole('link', { name: /xlsx|Angka/i }).first().click()]);
      const xlsxPath = join(dir, xlsx.suggestedFilename());
      await xlsx.saveAs(xlsxPath);
      const workbook = await readWorkbook(xlsxPath);
      expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['Wilayah', 'Riwayat']);
      expect(workbook.getWorksheet('Riwayat')!.rowCount).toBeGreaterThanOrEqual(3);
    } finally {
      await context.close();
    }
  });

  it('an operator sees the run and its deliveries, and the pages fit a phone', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    try {
      const page = await signIn(context, OPERATOR);
      await page.goto(portal(`/operator?bulan=${PERIOD}`));
      await page.getByRole('heading', { level: 1 }).waitFor();
      await showsText(page.locator('main'), '553');
      // The phone's first screen only: the deliveries below run to dozens of rows.
      await expectAccessible(page, 'operator', { fullPage: false });
      const fits = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
      expect(fits).toBe(true);

      // Signing out ends the session: the operator page asks for a sign-in again.
      await page.getByRole('button', { name: 'Keluar' }).click();
      await page.waitForURL((url) => url.href === stack.endpoints.portal);
      await page.goto(portal(`/operator?bulan=${PERIOD}`));
      expect(new URL(page.url()).pathname).not.toBe('/operator');
    } finally {
      await context.close();
    }
  });
});
