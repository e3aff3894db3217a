/** Download links: a signed, expiring token checked by the key version that signed it (lib/delivery/links.ts). */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkDownloadToken, downloadLinks, LINK_LIFETIME_SECONDS, signDownloadToken, type LinkKey } from '../../lib/delivery/links.ts';
import { downloadBulletin } from '../../lib/jobs/download-bulletin.ts';

const KEY = 'bulletins/2026-10/provinsi/18-lampung.pdf';
const v1: LinkKey = { id: 'version-1', key: randomBytes(32) };
const v2: LinkKey = { id: 'version-2', key: randomBytes(32) };
const keys = { byId: async (id: string) => [v1, v2].find((k) => k.id === id)?.key };
const now = new Date('2026-11-05T00:00:00Z');
const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);

describe('download tokens', () => {
  it('name the bulletin and hold for seven days, no more', async () => {
    const token = signDownloadToken(KEY, later(LINK_LIFETIME_SECONDS), v1);
    expect(await checkDownloadToken(token, keys, later(LINK_LIFETIME_SECONDS - 1))).toEqual({ ok: true, bulletinKey: KEY });
    expect(await checkDownloadToken(token, keys, later(LINK_LIFETIME_SECONDS))).toEqual({ ok: false, reason: 'expired' });
  });

  it('keep working after the key rotates: each is checked with the version that signed it', async () => {
    const before = signDownloadToken(KEY, later(3600), v1);
    const after = signDownloadToken(KEY, later(3600), v2);
    expect((await checkDownloadToken(before, keys, now)).ok).toBe(true);
    expect((await checkDownloadToken(after, keys, now)).ok).toBe(true);
  });

  it('are refused when changed in any part, signed with another key, or naming what is not a bulletin', async () => {
    const token = signDownloadToken(KEY, later(3600), v1);
    const [payload, signature] = token.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const reencoded = (changed: object) => Buffer.from(JSON.stringify({ ...claims, ...changed })).toString('base64url');
    const forgeries = [
      `${reencoded({ k: 'bulletins/2026-10/provinsi/31-dki-jakarta.pdf' })}.${signature}`,
      `${reencoded({ e: claims.e + 86_400 * 30 })}.${signature}`,
      `${reencoded({ v: 'version-2' })}.${signature}`,
      `${payload}.${Buffer.from(randomBytes(32)).toString('base64url')}`,
      signDownloadToken(KEY, later(3600), { id: 'version-1', key: randomBytes(32) }),
      signDownloadToken(KEY, later(3600), { id: 'unknown-version', key: v1.key }),
    ];
    for (const forged of forgeries) expect(await checkDownloadToken(forged, keys, now)).toEqual({ ok: false, reason: 'forged' });
    const notABulletin = signDownloadToken('config/recipients.csv', later(3600), v1);
    for (const malformed of [notABulletin, '', 'abc', `${payload}.${signature}.x`, `!!!.${signature}`]) {
      expect(await checkDownloadToken(malformed, keys, now)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('go in a link to the download function', async () => {
    const url = new URL(await downloadLinks('https://abc.lambda-url.ap-southeast-3.on.aws/', { current: async () => v1 }, () => now).link(KEY));
    expect(url.origin).toBe('https://abc.lambda-url.ap-southeast-3.on.aws');
    expect(await checkDownloadToken(url.searchParams.get('t')!, keys, now)).toEqual({ ok: true, bulletinKey: KEY });
  });
});

describe('download-bulletin', () => {
  const deps = (exists: boolean) => ({
    store: { head: async (key: string) => (exists ? { key, etag: 'e', size: 1, lastModified: now } : undefined) },
    presign: async (key: string, options: { expiresInSeconds: number; downloadName: string }) => `https://s3.example/${key}?expires=${options.expiresInSeconds}&name=${options.downloadName}`,
    keys,
    now: () => now,
  });

  it('redirects a good link to a presigned URL of minutes, under the bulletin\'s own name', async () => {
    const answer = await downloadBulletin(deps(true), signDownloadToken('bulletins/2026-10/nasional.pdf', later(60), v2));
    expect(answer.statusCode).toBe(302);
    expect(answer.headers.location).toBe('https://s3.example/bulletins/2026-10/nasional.pdf?expires=300&name=nasional-2026-10.pdf');
    expect(answer.headers['cache-control']).toBe('no-store');
  });

  it('tells a person, in Bahasa Indonesia, what is wrong with a bad, old or dangling link', async () => {
    const cases: Array<[string | undefined, boolean, number, RegExp]> = [
      [undefined, true, 400, /tidak lengkap/],
      ['garbage', true, 403, /tidak sah/],
      [signDownloadToken(KEY, later(-1), v1), true, 410, /kedaluwarsa/],
      [signDownloadToken(KEY, later(60), v1), false, 404, /tidak ditemukan/],
    ];
    for (const [token, exists, status, text] of cases) {
      const answer = await downloadBulletin(deps(exists), token);
      expect(answer.statusCode).toBe(status);
      expect(answer.headers['content-type']).toMatch(/^text\/html/);
      expect(answer.body).toMatch(text);
      expect(answer.body).toContain('lang="id"');
    }
  });
});
