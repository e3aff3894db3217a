import { describe, expect, it } from 'vitest';
import { INPUT_HASH_METADATA, bulletinInputHash, renderAndStore, type BulletinJob } from '../../lib/jobs/render-bulletins.ts';
import type { BulletinInput } from '../../lib/bulletin/definition.ts';
import type { BulletinResult } from '../../lib/bulletin/checked.ts';
import type { ObjectStore, ObjectSummary } from '../../lib/storage/object-store.ts';
import { lampungInput } from './bulletin-fixtures.ts';

/** The port's contract in memory, recording which calls the job makes (no AWS client is involved). */
function memoryStore(): { store: ObjectStore; calls: string[] } {
  const objects = new Map<string, { body: Uint8Array; metadata: Record<string, string> }>();
  const calls: string[] = [];
  const summary = (key: string): ObjectSummary | undefined => {
    const object = objects.get(key);
    return object ? { key, etag: 'e', size: object.body.length, lastModified: new Date(0), metadata: object.metadata } : undefined;
  };
  const store: ObjectStore = {
    async get() {
      throw new Error('renderAndStore reads no object whole');
    },
    async put(key, body, _type, metadata = {}) {
      calls.push(`put ${key}`);
      objects.set(key, { body: typeof body === 'string' ? Buffer.from(body) : body, metadata });
      return { etag: 'e' };
    },
    async head(key) {
      calls.push(`head ${key}`);
      return summary(key);
    },
    async list(prefix) {
      calls.push(`list ${prefix}`);
      return [...objects.keys()].filter((key) => key.startsWith(prefix)).flatMap((key) => summary(key) ?? []);
    },
    async copy() {
      throw new Error('not used');
    },
    async delete() {
      throw new Error('not used');
    },
  };
  return { store, calls };
}

const base = lampungInput();
const input = (code: string, coverage: number): BulletinInput => ({ ...base, region: { ...base.region, code, coveragePct: coverage } });
const jobs = (coverage: number): BulletinJob[] =>
  ['11', '12', '13'].map((code) => ({ key: `bulletins/2026-10/provinsi/${code}.pdf`, input: input(code, coverage) }));

/** A renderer that makes a PDF-sized buffer per input and counts what it was asked. */
function countingRenderer() {
  const rendered: string[] = [];
  const renderBulletins = async (inputs: readonly BulletinInput[]): Promise<BulletinResult[]> => {
    rendered.push(...inputs.map((i) => i.region.code));
    return inputs.map((i) => ({ ok: true, pdf: Buffer.from(`%PDF ${i.region.code}`) }));
  };
  return { rendered, renderBulletins };
}

describe('renderAndStore', () => {
  it("on a month's first run lists the month folder once and asks S3 nothing per bulletin before rendering", async () => {
    const { store, calls } = memoryStore();
    const renderer = countingRenderer();
    const outcomes = await renderAndStore({ store, renderBulletins: renderer.renderBulletins }, jobs(50));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(renderer.rendered).toEqual(['11', '12', '13']);
    expect(calls.filter((c) => !c.startsWith('put'))).toEqual(['list bulletins/2026-10/']);
    expect(calls.filter((c) => c.startsWith('put')).sort()).toEqual(jobs(50).map((j) => `put ${j.key}`));
  });

  it('renders again only the bulletins whose figures changed, judged by the hash stored with each', async () => {
    const { store, calls } = memoryStore();
    await renderAndStore({ store, renderBulletins: countingRenderer().renderBulletins }, jobs(50));
    const changed = jobs(50).map((job, index) => (index === 1 ? { ...job, input: input('12', 51) } : job));
    calls.length = 0;
    const renderer = countingRenderer();
    await renderAndStore({ store, renderBulletins: renderer.renderBulletins }, changed);
    expect(renderer.rendered).toEqual(['12']);
    expect(calls.filter((c) => c.startsWith('put'))).toEqual(['put bulletins/2026-10/provinsi/12.pdf']);
    const stored = await store.head('bulletins/2026-10/provinsi/12.pdf');
    expect(stored?.metadata?.[INPUT_HASH_METADATA]).toBe(bulletinInputHash(changed[1]!.input));
  });
});
