/**
 * download-bulletin: a link from an email (lib/delivery/links.ts) → the bulletin. Checks the link's
 * token, then redirects to a presigned S3 URL of a few minutes, signed by this function's own role,
 * which may read bulletins/ and nothing else. A person who opens a bad or old link gets a short page
 * in Bahasa Indonesia saying what to do.
 */
import { bulletinFileName } from '../storage/keys.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import type { Presigner } from '../storage/presign.ts';
import { checkDownloadToken, REDIRECT_LIFETIME_SECONDS, type LinkKeys } from '../delivery/links.ts';

export interface DownloadDeps {
  store: Pick<ObjectStore, 'head'>;
  presign: Presigner;
  keys: Pick<LinkKeys, 'byId'>;
  now: () => Date;
}

export interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
};

function page(statusCode: number, title: string, text: string): HttpAnswer {
  const body = [
    '<!doctype html><html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${title}</title><style>body{font-family:sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}</style></head>`,
    `<body><h1>${title}</h1><p>${text}</p></body></html>`,
  ].join('');
  return { statusCode, headers: PAGE_HEADERS, body };
}

export async function downloadBulletin(deps: DownloadDeps, token: string | undefined): Promise<HttpAnswer> {
  if (!token) return page(400, 'Tautan tidak lengkap', 'Tautan ini tidak lengkap. Buka tautan dari surel buletin UCJ persis seperti yang dikirim.');
  const check = await checkDownloadToken(token, deps.keys, deps.now());
  if (!check.ok) {
    return check.reason === 'expired'
      ? page(410, 'Tautan sudah kedaluwarsa', 'Tautan unduhan buletin berlaku 7 hari dan sudah lewat. Mintalah operator UCJ mengirim ulang buletin Anda.')
      : page(403, 'Tautan tidak sah', 'Tautan ini tidak sah atau telah diubah. Buka tautan dari surel buletin UCJ persis seperti yang dikirim.');
  }
  if (!(await deps.store.head(check.bulletinKey))) {
    return page(404, 'Buletin tidak ditemukan', 'Buletin ini tidak ada lagi di arsip. Hubungi operator UCJ.');
  }
  const location = await deps.presign(check.bulletinKey, { expiresInSeconds: REDIRECT_LIFETIME_SECONDS, downloadName: bulletinFileName(check.bulletinKey) });
  return { statusCode: 302, headers: { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }, body: '' };
}
