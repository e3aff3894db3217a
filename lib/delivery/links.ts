/**
 * Download links for bulletins too large to attach, valid 7 days, with no long-term AWS credentials.
 *
 * deliver-bulletin puts a signed, expiring token in the link; download-bulletin (a function URL) checks
 * it and answers with a redirect to a presigned S3 URL that its own role signs and that lives minutes.
 * A token says which bulletin, until when, and which version of the link-key secret signed it, so
 * rotating the secret (a new version) leaves every link already sent working until it expires: the
 * checker reads the key by the version the token names.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';

/** Seven days: how long a link in an email works. */
export const LINK_LIFETIME_SECONDS = 7 * 24 * 3600;
/** How long the presigned S3 URL a link redirects to lives: the browser follows it at once. */
export const REDIRECT_LIFETIME_SECONDS = 300;

export interface LinkKey {
  /** The secret version holding the key. */
  id: string;
  key: Buffer;
}

export interface LinkKeys {
  /** The key new links are signed with. */
  current(): Promise<LinkKey>;
  /** The key of a given secret version, to check a link signed with it; undefined when there is none. */
  byId(id: string): Promise<Buffer | undefined>;
}

/** The secret's value: `{ "linkKey": "<at least 32 random bytes, base64>" }`. */
export const linkKeySecretSchema = z.object({ linkKey: z.string().min(43) });

/**
 * The keys in a Secrets Manager secret. The current version is cached for a few minutes (a rotation
 * reaches new links soon); a version, once read, never changes and is cached for good.
 */
export function secretsManagerLinkKeys(secrets: SecretsManagerClient, secretId: string, now: () => Date = () => new Date()): LinkKeys {
  const CURRENT_CACHE_MS = 5 * 60_000;
  const byVersion = new Map<string, Promise<Buffer | undefined>>();
  let current: { key: Promise<LinkKey>; readAt: number } | undefined;
  const read = async (versionId?: string): Promise<LinkKey | undefined> => {
    try {
      const out = await secrets.send(new GetSecretValueCommand({ SecretId: secretId, ...(versionId ? { VersionId: versionId } : {}) }));
      if (!out.VersionId || !out.SecretString) return undefined;
      const { linkKey } = linkKeySecretSchema.parse(JSON.parse(out.SecretString));
      return { id: out.VersionId, key: Buffer.from(linkKey, 'base64') };
    } catch (error) {
      // An unknown version: the token is forged, or older than any version Secrets Manager keeps.
      if (versionId && error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  };
  return {
    current() {
      if (!current || now().getTime() - current.readAt > CURRENT_CACHE_MS) {
        const key = read().then((found) => {
          if (!found) throw new Error(`the link-key secret ${secretId} has no current value`);
          return found;
        });
        current = { key, readAt: now().getTime() };
        key.catch(() => {
          current = undefined; // not cached: the next link tries again
        });
      }
      return current.key;
    },
    byId(id) {
      if (!byVersion.has(id)) {
        const key = read(id).then((found) => found?.key);
        byVersion.set(id, key);
        key.catch(() => byVersion.delete(id));
      }
      return byVersion.get(id)!;
    },
  };
}

const tokenPayloadSchema = z.object({
  /** The bulletin's key. */
  k: z.string().regex(/^bulletins\/\d{4}-\d{2}\/[A-Za-z0-9._/-]+\.pdf$/),
  /** Expiry, seconds since the epoch. */
  e: z.number().int().positive(),
  /** The secret version whose key signed this. */
  v: z.string().min(1).max(64),
});

const base64url = (bytes: Buffer) => bytes.toString('base64url');
const mac = (key: Buffer, payload: string) => createHmac('sha256', key).update(payload).digest();

export function signDownloadToken(bulletinKey: string, expiresAt: Date, key: LinkKey): string {
  const payload = base64url(Buffer.from(JSON.stringify({ k: bulletinKey, e: Math.floor(expiresAt.getTime() / 1000), v: key.id })));
  return `${payload}.${base64url(mac(key.key, payload))}`;
}

export type TokenCheck =
  | { ok: true; bulletinKey: string }
  | { ok: false; reason: 'malformed' | 'expired' | 'forged' };

/** Checks a token's signature (by the key version it names) and its expiry. */
export async function checkDownloadToken(token: string, keys: Pick<LinkKeys, 'byId'>, now: Date): Promise<TokenCheck> {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined || payload.length > 2048) return { ok: false, reason: 'malformed' };
  let claims: z.infer<typeof tokenPayloadSchema>;
  try {
    const parsed = tokenPayloadSchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    if (!parsed.success) return { ok: false, reason: 'malformed' };
    claims = parsed.data;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const key = await keys.byId(claims.v);
  const given = Buffer.from(signature, 'base64url');
  const expected = key ? mac(key, payload) : undefined;
  if (!expected || given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'forged' };
  // Checked after the signature, so an expired link is only called expired when it is genuine.
  if (claims.e * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, bulletinKey: claims.k };
}

/** What deliver-bulletin puts in an email in place of an attachment. */
export interface LinkSigner {
  link(bulletinKey: string): Promise<string>;
}

export function downloadLinks(downloadUrl: string, keys: Pick<LinkKeys, 'current'>, now: () => Date = () => new Date()): LinkSigner {
  return {
    async link(bulletinKey) {
      const token = signDownloadToken(bulletinKey, new Date(now().getTime() + LINK_LIFETIME_SECONDS * 1000), await keys.current());
      const url = new URL(downloadUrl);
      url.searchParams.set('t', token);
      return url.href;
    },
  };
}
