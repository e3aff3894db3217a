/**
 * On the local stack, whose Lambda enforces render-bulletins' reserved concurrency (429 past it) and whose
 * Secrets Manager rotates the link key through the real rotate-link-key function (issue 12, items 7 and 9):
 * - a render fan-out wider than the reservation is throttled and still completes, by retrying with the
 *   project's back-off;
 * - download links signed before the link key rotates keep working after it, and new links are signed
 *   with the new key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeSecretCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { LOCAL_FUNCTIONS, startLocalStack, type LocalStack } from '../../tools/local/stack.ts';
import { createLocalInvoker, type LocalInvoker } from '../../tools/local/invoke.ts';
import { fanOutRenderer, lambdaRenderInvoker } from '../../lib/jobs/render-fan-out.ts';
import { linkSignerFor } from '../../lib/runtime.ts';
import { DEFAULT_RENDER_CONCURRENCY } from '../../lib/contract/functions.ts';
import { lampungInput } from '../unit/bulletin-fixtures.ts';

let dir: string;
let stack: LocalStack;
let invoker: LocalInvoker;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucj-lambda-links-'));
  stack = await startLocalStack(dir, { attach: false, deliveries: false });
  invoker = await createLocalInvoker(stack);
});

afterAll(async () => {
  await stack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const jobs = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ key: `bulletins/2025-10/provinsi/18-lampung-${i}.pdf`, input: lampungInput() }));

describe('render-bulletins\' reserved concurrency', () => {
  it('throttles a fan-out wider than the reservation, which retries and renders every batch', async () => {
    const wide = DEFAULT_RENDER_CONCURRENCY + 6;
    const render = fanOutRenderer(lambdaRenderInvoker(invoker.runtime.clients.lambda, LOCAL_FUNCTIONS.renderBulletins), { batchSize: 1, concurrency: wide });
    const throttledBefore = stack.throttles(LOCAL_FUNCTIONS.renderBulletins);
    const outcomes = await render(jobs(wide * 2));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(stack.throttles(LOCAL_FUNCTIONS.renderBulletins) - throttledBefore, 'invocations refused with 429').toBeGreaterThan(0);
    expect((await invoker.runtime.store.list('bulletins/2025-10/provinsi/'))).toHaveLength(wide * 2);
  });
});

describe('download links across a rotation of the link key', () => {
  it('keeps links already sent working, and signs new ones with the new key', async () => {
    const key = jobs(1)[0]!.key;
    const settings = { ...stack.env, AWS_REGION: 'ap-southeast-3' };
    const linkOf = (signer: ReturnType<typeof linkSignerFor>) => signer.link(key).then((url) => new URL(url));
    const tokenVersion = (url: URL): unknown => JSON.parse(Buffer.from(url.searchParams.get('t')!.split('.')[0]!, 'base64url').toString()).v;
    const download = async (url: URL) => {
      const response = await fetch(url);
      return { status: response.status, pdf: Buffer.from(await response.arrayBuffer()).subarray(0, 5).toString() };
    };

    const before = await linkOf(linkSignerFor({ ...settings, DOWNLOAD_URL: stack.endpoints.download, LINK_KEY_SECRET_ARN: stack.env.LINK_KEY_SECRET_ARN! }));
    expect(await download(before)).toEqual({ status: 200, pdf: '%PDF-' });

    const secrets = invoker.runtime.clients.secrets;
    await secrets.send(new RotateSecretCommand({ SecretId: stack.env.LINK_KEY_SECRET_ARN! }));
    const stages = (await secrets.send(new DescribeSecretCommand({ SecretId: stack.env.LINK_KEY_SECRET_ARN! }))).VersionIdsToStages ?? {};
    expect(stages[String(tokenVersion(before))]).toEqual(['AWSPREVIOUS']);
    await secrets.send(new RotateSecretCommand({ SecretId: stack.env.LINK_KEY_SECRET_ARN! }));

    // A deliverer started after the rotations signs with the current key; the link sent before works still.
    const after = await linkOf(linkSignerFor({ ...settings, DOWNLOAD_URL: stack.endpoints.download, LINK_KEY_SECRET_ARN: stack.env.LINK_KEY_SECRET_ARN! }));
    expect(tokenVersion(after)).not.toBe(tokenVersion(before));
    expect(await download(after)).toEqual({ status: 200, pdf: '%PDF-' });
    expect(await download(before)).toEqual({ status: 200, pdf: '%PDF-' });
  });
});
