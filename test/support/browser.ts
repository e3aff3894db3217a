/**
 * Debian's Chromium, driven with playwright-core, for the portal's browser tests (test/browser/). `.ci/run`
 * installs the package when /usr/bin/chromium is missing; a test fails, never skips, without it.
 *
 * Each launch gets a fresh profile and no network beyond what the page asks for: the flags turn off
 * Chromium's own background traffic (updates, sync, field trials), which on a machine without internet
 * would only add waits.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import * as z from 'zod';

export const CHROMIUM_PATH = process.env.UCJ_CHROMIUM ?? '/usr/bin/chromium';

export interface TestBrowser {
  browser: Browser;
  /** A new context (its own cookies), as a second person on another machine. */
  newContext(options?: { viewport?: { width: number; height: number } }): Promise<BrowserContext>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  // Playwright gives each launch a fresh, temporary profile of its own.
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-features=Translate,MediaRouter,OptimizationHints',
    ],
  });
  return {
    browser,
    async newContext(options) {
      const context = await browser.newContext({ acceptDownloads: true, locale: 'id-ID', timezoneId: 'Asia/Jakarta', ...(options ?? {}) });
      // No deadlines of Playwright's own: a wait lasts until its condition holds, and only the test's
      // timeout stops a hang, so a busy machine slows the tests without failing them.
      context.setDefaultTimeout(0);
      context.setDefaultNavigationTimeout(0);
      return context;
    },
    async close() {
      await browser.close();
    },
  };
}

const axeResultsSchema = z.object({
  violations: z.array(
    z.object({
      id: z.string(),
      impact: z.string().nullable().optional(),
      help: z.string(),
      nodes: z.array(z.object({ target: z.array(z.unknown()), html: z.string() })),
    }),
  ),
});
export type AxeViolation = z.infer<typeof axeResultsSchema>['violations'][number];

let axeSource: string | undefined;

/** axe-core's scan of the page as it is now (WCAG 2.1 A and AA rules); its violations. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  // Evaluated through the DevTools protocol, which the page's CSP (script-src 'self') does not govern; a
  // script tag would be refused by the very policy the scan runs under.
  await page.evaluate(axeSource);
  const results: unknown = await page.evaluate(async () => {
    // axe is the global the script tag just defined.
    const axe = (globalThis as unknown as { axe: { run(context: Document, options: unknown): Promise<unknown> } }).axe;
    return axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
  });
  return axeResultsSchema.parse(results).violations;
}

/** The serious and critical ones, as `id: help (targets)` lines, for an assertion that shows what failed. */
export function seriousViolations(violations: readonly AxeViolation[]): string[] {
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id}: ${violation.help} (${violation.nodes.map((node) => JSON.stringify(node.target)).join(', ')})`);
}
