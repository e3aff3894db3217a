/**
 * The portal on the local stack, over HTTP to its function URL (so the local Lambda emulator's path is in
 * every figure), signed in for real: GET /masuk, managed login at the local Cognito, the callback with
 * the sign-in cookie, and the session cookie sent back in a Cookie header (Node's fetch keeps no cookies
 * and ignores Secure, so `__Host-` cookies work over the loopback's http).
 *
 * - `portal_page_ms`: a province admin's status page for the sample month (its uploads and run log),
 *   median of 30 after 3 warm-ups.
 * - `portal_upload_to_verdict_s`: a 514-regency xlsx uploaded as the browser does (the page's presigned
 *   form posted to S3, S3's 303 back to the portal, the verdict page, then its status URL polled) until
 *   validate-upload's verdict; median of 5.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { LOCAL_PORTAL_PASSWORD } from '../lib/contract/portal.ts';
import { signInAtLocalLogin } from '../tools/local/cognito.ts';
import { createLocalInvoker } from '../tools/local/invoke.ts';
import { ensureLocalPortalUsers } from '../tools/local/portal-users.ts';
import { announceStack, startLocalStack } from '../tools/local/stack.ts';
import { generateSampleDataset } from '../tools/sample/index.ts';
import { median, report } from './report.ts';
import { regencyWorkbook } from './upload.ts';
import { SESSION_COOKIE, SIGN_IN_COOKIE } from '../lib/portal/session.ts';
import { VERDICT_POLL_DELAYS_MS } from '../lib/portal/assets.ts';

const PERIOD = '2026-10';
const PROVINCE_ADMIN = { email: 'admin.ucj.18@bpjsketenagakerjaan.example', scope: '18' };
const NATIONAL_ADMIN = { email: 'admin.ucj@bpjsketenagakerjaan.example', scope: 'nasional' };
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** `name=value` of a Set-Cookie line for `name`, as a browser would send it back. */
function cookieFrom(response: Response, name: string): string {
  const line = response.headers.getSetCookie().find((value) => value.startsWith(`${name}=`));
  if (!line) throw new Error(`portal benchmark: no ${name} cookie (status ${response.status})`);
  return line.split(';')[0]!;
}

function locationOf(response: Response, base: string): string {
  const location = response.headers.get('location');
  if (response.status < 300 || response.status >= 400 || !location) throw new Error(`portal benchmark: expected a redirect, got ${response.status}`);
  return new URL(location, base).toString();
}

/** Signs in at the portal as a browser does; the session cookie (`__Host-ucj-sesi=…`). */
async function signIn(portal: string, email: string): Promise<string> {
  const start = await fetch(new URL('masuk', portal), { redirect: 'manual' });
  const masuk = cookieFrom(start, SIGN_IN_COOKIE);
  const callback = await signInAtLocalLogin(locationOf(start, portal), email, LOCAL_PORTAL_PASSWORD);
  const back = await fetch(callback, { redirect: 'manual', headers: { cookie: masuk } });
  return cookieFrom(back, SESSION_COOKIE);
}

async function getPage(url: string | URL, cookie: string): Promise<string> {
  const response = await fetch(url, { redirect: 'manual', headers: { cookie } });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`portal benchmark: GET ${url} answered ${response.status}: ${body.slice(0, 300)}`);
  return body;
}

const decodeHtml = (value: string) =>
  value.replace(/&(amp|lt|gt|quot|#39);/g, (_, entity: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[entity] ?? '');
const attributeOf = (tag: string, name: string) => {
  const match = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return match ? decodeHtml(match[1]!) : undefined;
};

/** The admin page's upload form: its action and the hidden fields in the page's order (lib/portal/pages.ts). */
function uploadFormOf(html: string): { action: string; hidden: Array<[string, string]> } {
  const form = /<form\b[^>]*\bdata-upload\b[^>]*>([\s\S]*?)<\/form>/.exec(html);
  if (!form) throw new Error('portal benchmark: the admin page has no upload form');
  const action = attributeOf(form[0].slice(0, form[0].indexOf('>') + 1), 'action');
  if (!action) throw new Error('portal benchmark: the upload form has no action');
  const hidden: Array<[string, string]> = [];
  for (const input of form[1]!.matchAll(/<input\b[^>]*>/g)) {
    const name = attributeOf(input[0], 'name');
    if (name !== undefined && attributeOf(input[0], 'type') === 'hidden') hidden.push([name, attributeOf(input[0], 'value') ?? '']);
  }
  return { action, hidden };
}

const verdictSchema = z.object({ state: z.enum(['accepted', 'rejected', 'pending', 'too-large']), rowCount: z.number().nullable(), errors: z.array(z.unknown()) });

/** One upload as the browser makes it; seconds from the POST's start to the verdict. */
async function uploadThroughPortal(portal: string, cookie: string, file: Buffer, fileName: string): Promise<number> {
  const adminUrl = new URL(`admin/${NATIONAL_ADMIN.scope}?bulan=${PERIOD}`, portal);
  const { action, hidden } = uploadFormOf(await getPage(adminUrl, cookie));
  const form = new FormData();
  for (const [name, value] of hidden) form.append(name, name === 'Content-Type' ? XLSX_TYPE : value);
  form.append('file', new Blob([new Uint8Array(file)], { type: XLSX_TYPE }), fileName);

  const started = performance.now();
  const posted = await fetch(action, { method: 'POST', body: form, redirect: 'manual' });
  if (posted.status !== 303) throw new Error(`portal benchmark: S3 answered the form with ${posted.status}: ${(await posted.text()).slice(0, 300)}`);
  await posted.arrayBuffer();
  const verdictUrl = new URL(locationOf(posted, action));
  const key = verdictUrl.searchParams.get('key');
  if (verdictUrl.origin !== new URL(portal).origin || !key) throw new Error(`portal benchmark: S3 redirected to ${verdictUrl}`);
  const page = await getPage(verdictUrl, cookie);
  const given = /data-status-url="([^"]*)"/.exec(page);
  const statusUrl = new URL(given ? decodeHtml(given[1]!) : `/admin/${NATIONAL_ADMIN.scope}/status?${new URLSearchParams({ key })}`, portal);
  for (let tries = 0; ; tries += 1) {
    // As the page's script: wait, then ask (lib/portal/assets.ts), so the figure is when the page shows it.
    await new Promise((resolve) => setTimeout(resolve, VERDICT_POLL_DELAYS_MS[Math.min(tries, VERDICT_POLL_DELAYS_MS.length - 1)]));
    const response = await fetch(statusUrl, { headers: { cookie } });
    const body: unknown = await response.json();
    if (response.status === 200) {
      const verdict = verdictSchema.parse(body);
      if (verdict.state !== 'pending') {
        const seconds = (performance.now() - started) / 1000;
        if (verdict.state !== 'accepted' || verdict.rowCount !== 514) throw new Error(`portal benchmark: unexpected verdict for ${key}: ${JSON.stringify(body).slice(0, 500)}`);
        return seconds;
      }
    } else if (response.status !== 404) {
      throw new Error(`portal benchmark: the status URL answered ${response.status}: ${JSON.stringify(body)}`);
    }
  }
}

export async function benchPortal(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ucj-bench-portal-'));
  const stack = await startLocalStack(join(dir, 'state'), { attach: false });
  try {
    await announceStack(stack);
    const portal = stack.endpoints.portal;
    const invoker = await createLocalInvoker(stack);
    const dataset = await generateSampleDataset({ lastPeriod: PERIOD, months: 1 });
    // The month's inputs, so the admin page has uploads with verdicts to show; no run is needed for it.
    await invoker.upload([dataset.recipients, ...dataset.targets, ...dataset.uploads].map((f) => ({ key: f.key, body: f.content })));
    await ensureLocalPortalUsers(stack.deployment);

    // ---- portal_page_ms ------------------------------------------------------------------------
    const provinceCookie = await signIn(portal, PROVINCE_ADMIN.email);
    const pageUrl = new URL(`admin/${PROVINCE_ADMIN.scope}?bulan=${PERIOD}`, portal);
    const first = await getPage(pageUrl, provinceCookie);
    if (!first.includes('data-upload') || !first.includes('ucj-2026-10-nasional.csv')) throw new Error('portal benchmark: the admin page lacks the form or the sample upload');
    for (let i = 0; i < 2; i += 1) await getPage(pageUrl, provinceCookie);
    const pageMs: number[] = [];
    for (let i = 0; i < 30; i += 1) {
      const started = performance.now();
      await getPage(pageUrl, provinceCookie);
      pageMs.push(performance.now() - started);
    }
    report('portal_page_ms', median(pageMs), 'ms', {
      p90: Number([...pageMs].sort((a, b) => a - b)[Math.floor(pageMs.length * 0.9)]!.toFixed(1)),
      requests: pageMs.length,
      note: `GET /admin/${PROVINCE_ADMIN.scope}?bulan=${PERIOD} signed in, over HTTP to the local function URL (Lambda emulator included), after 3 warm-ups`,
      target: 150,
    });

    // ---- portal_upload_to_verdict_s ------------------------------------------------------------
    const nationalCookie = await signIn(portal, NATIONAL_ADMIN.email);
    const file = await regencyWorkbook(dataset);
    const seconds: number[] = [];
    for (let i = 0; i < 5; i += 1) seconds.push(await uploadThroughPortal(portal, nationalCookie, file, `nasional-kabkota-${i}.xlsx`));
    report('portal_upload_to_verdict_s', median(seconds), 's', {
      runs: seconds.map((s) => Number(s.toFixed(2))),
      bytes: file.length,
      note: 'from the form POST to S3 (presigned policy) through the 303, the verdict page and status polled on the schedule of the page script until accepted (514 rows): when the page shows it',
      target: 5,
    });
  } finally {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  }
}
