/**
 * The portal's routes: sign-in (session.ts), then one page family per role. Each route checks, in this
 * order: signed in (else to /masuk, or 401 for JSON), registered in recipients.csv (else 403), the scope
 * is a real region (else 404), the user holds the role over it (else 403), the request names only what
 * that scope covers (else 403). Every POST has passed the CSRF check first (csrfMiddleware).
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import * as z from 'zod';
import { isPeriod, periodNameId, previousPeriodInJakarta } from '../domain/period.ts';
import type { RegionIndex } from '../domain/regions.ts';
import type { Period } from '../domain/types.ts';
import { bulletinFileName } from '../storage/keys.ts';
import { createUploadCredential, uploadScopeOfKey } from '../storage/upload-credential.ts';
import { uploadTemplate, templateFileName } from '../inputs/template.ts';
import { resendDeliveries } from '../delivery/resend.ts';
import { adminMonth, uploadVerdict } from './admin-month.ts';
import { officialArchive } from './archive.ts';
import { regionFiguresWorkbook } from './figures-workbook.ts';
import { operatorMonth } from './operator-month.ts';
import { scopeCovers } from '../domain/scope.ts';
import { hasGrant, isOperator, mayReadBulletins, userFromRecipients } from './access.ts';
import { ASSET_CACHE_CONTROL, ASSETS } from './assets.ts';
import type { PortalDeps } from './deps.ts';
import { adminPage, homeSignedIn, homeSignedOut, messagePage, officialPage, operatorPage, scopeName, verdictPage, type Html } from './pages.ts';
import { csrfMiddleware, csrfToken, registerSessionRoutes, sessionMiddleware, type PortalEnv, type PortalUser } from './session.ts';

type C = Context<PortalEnv>;

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** POST bodies here are a few short fields; anything bigger is not a form of ours. */
const MAX_FORM_BYTES = 16 * 1024;

/**
 * The Content-Security-Policy of every response: nothing but this origin's own script and style, and
 * forms only to this origin, managed login (form-action also governs the redirects after a submission,
 * and signing out redirects there) and the S3 endpoint the upload form posts to.
 */
export function contentSecurityPolicy(loginOrigin: string, formActionOrigin: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    `form-action 'self' ${loginOrigin} ${formActionOrigin}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Where the upload form posts when no page has said: the bucket's endpoint, as createPresignedPost
 * builds it (path-style under the local S3 endpoint; the bucket's regional host on AWS). A page with an
 * upload form sets the exact origin of its credential.
 */
export function defaultS3FormOrigin(settings: PortalDeps['settings']): string {
  if (settings.S3_ENDPOINT) return new URL(settings.S3_ENDPOINT).origin;
  return `https://${settings.BUCKET_NAME}.s3.${settings.AWS_REGION}.amazonaws.com`;
}

const statusKeySchema = z.object({ key: z.string().min(1).max(1024) });
const verdictQuerySchema = z.object({ key: z.string().min(1).max(1024), bulan: z.string().optional(), etag: z.string().optional(), bucket: z.string().optional() });
const resendFormSchema = z.object({
  csrf: z.string(),
  bulan: z.string().refine(isPeriod),
  status: z.enum(['claimed', 'failed']),
  email: z.email(),
  diperiksa: z.literal('ya').optional(),
});
const resentNoticeSchema = z.coerce.number().int().nonnegative();

export function createPortalApp(deps: PortalDeps): Hono<PortalEnv> {
  const app = new Hono<PortalEnv>();
  const { settings } = deps;
  const s3FormOrigin = defaultS3FormOrigin(settings);
  const loginOrigin = new URL(settings.LOGIN_BASE_URL).origin;
  const linkSeconds = settings.PORTAL_LINK_SECONDS;

  // ---- Helpers that render a page for the current user -------------------------------------------

  const sessionToken = (c: C) => c.get('session')?.token;
  const csrfOf = (c: C) => {
    const token = sessionToken(c);
    return token ? csrfToken(token) : undefined;
  };
  const page = async (c: C, body: Html, status: 200 | 400 | 403 | 404 | 500 | 502 | 503 = 200) => c.html(await body, status);
  const message = (c: C, status: 400 | 403 | 404 | 500 | 502 | 503, heading: string, text: string, action?: { href: string; label: string }) =>
    page(c, messagePage({ title: heading, heading, message: text, user: c.get('user'), csrf: csrfOf(c), ...(action ? { action } : {}) }), status);
  const forbidden = (c: C, text = 'Anda tidak memiliki akses ke halaman ini.') => message(c, 403, 'Akses ditolak', text);
  const notFound = (c: C, text = 'Halaman yang Anda cari tidak ada.') => message(c, 404, 'Tidak ditemukan', text);
  const wantsJson = (c: C) => c.req.path.endsWith('/status');
  const jsonError = (c: C, status: 401 | 403 | 404, error: string) => c.json({ error }, status);

  /** The month a page shows: `?bulan=YYYY-MM`, else the month the monthly run reports on by default (the one before, in WIB). */
  const periodOf = (c: C): Period | undefined => {
    const given = c.req.query('bulan');
    if (given === undefined || given === '') return previousPeriodInJakarta(deps.now());
    return isPeriod(given) ? given : undefined;
  };
  const badPeriod = (c: C) => message(c, 400, 'Bulan tidak sah', 'Bulan harus berformat YYYY-MM, mis. 2025-10.');

  // byCode holds the nation (`nasional`), the provinces and the regencies: every scope there is.
  const knownScope = (regions: RegionIndex, scope: string) => regions.byCode.has(scope);

  // ---- Every response ----------------------------------------------------------------------------

  app.use('*', async (c, next) => {
    await next();
    const headers = c.res.headers;
    headers.set('Content-Security-Policy', contentSecurityPolicy(loginOrigin, c.get('formActionOrigin') ?? s3FormOrigin));
    headers.set('X-Content-Type-Options', 'nosniff');
    // Not no-referrer: under it a browser sends `Origin: null` with a form POST, which the CSRF check must
    // refuse. same-origin still keeps page addresses (their keys and months) from S3 and everyone else.
    headers.set('Referrer-Policy', 'same-origin');
    headers.set('X-Frame-Options', 'DENY');
    headers.set('Cross-Origin-Opener-Policy', 'same-origin');
    // Pages are per user and change by the minute; only the assets say otherwise.
    if (!headers.has('Cache-Control')) headers.set('Cache-Control', 'no-store');
    if (new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https') {
      headers.set('Strict-Transport-Security', 'max-age=31536000');
    }
  });

  app.onError(async (error, c) => {
    deps.logger.error('portal request failed', { path: c.req.path, error });
    if (wantsJson(c)) return c.json({ error: 'internal' }, 500);
    return message(c, 500, 'Terjadi kesalahan', 'Permintaan Anda tidak dapat diproses. Silakan coba lagi beberapa saat lagi.');
  });
  app.notFound((c) => notFound(c));

  // ---- Before any session work: health and assets -----------------------------------------------

  app.get('/healthz', (c) => c.text('ok'));
  for (const asset of Object.values(ASSETS)) {
    app.get(asset.path, (c) => c.body(asset.body, 200, { 'Content-Type': asset.contentType, 'Cache-Control': ASSET_CACHE_CONTROL }));
  }

  // ---- Session ------------------------------------------------------------------------------------

  app.use('*', sessionMiddleware(deps.identity, deps.signedOut));
  app.post('*', bodyLimit({ maxSize: MAX_FORM_BYTES, onError: (c) => c.text('Permintaan terlalu besar.', 413) }));
  app.use('*', csrfMiddleware((c) => forbidden(c, 'Permintaan ditolak karena tidak berasal dari halaman portal ini. Muat ulang halaman lalu coba lagi.')));
  registerSessionRoutes(app, deps, {
    signInFailed: (c, status, text) => message(c, status, 'Gagal masuk', text, { href: '/masuk', label: 'Masuk kembali' }),
  });

  /**
   * The signed-in, registered user, or the response that says why not. recipients.csv is re-read at most
   * once a minute (deps.ts), so a removed row locks its user out soon after.
   */
  const requireUser = async (c: C): Promise<PortalUser | Response> => {
    const session = c.get('session');
    if (!session) {
      if (wantsJson(c)) return jsonError(c, 401, 'signed-out');
      if (c.req.method !== 'GET') return forbidden(c);
      return c.redirect(`/masuk?${new URLSearchParams({ kembali: c.req.path + (new URL(c.req.url).search || '') })}`, 302);
    }
    const recipients = await deps.recipients();
    if (!recipients) {
      return message(c, 503, 'Portal belum dapat dipakai', 'Daftar penerima (config/recipients.csv) tidak ada atau tidak sah. Hubungi operator.');
    }
    const user = userFromRecipients(session.identity, recipients);
    if (!user) {
      // Shown with the sign-out button, so they can switch to the account that is registered.
      c.set('user', { email: session.identity.email, name: session.identity.email, grants: [] });
      if (wantsJson(c)) return jsonError(c, 403, 'not-registered');
      return message(c, 403, 'Akun tidak terdaftar', 'Akun Anda tidak terdaftar sebagai penerima buletin UCJ. Hubungi operator bila Anda seharusnya memiliki akses.');
    }
    c.set('user', user);
    return user;
  };

  /** A scope route's user and regions, or the response (404 unknown scope, 403 not held). */
  const requireScope = async (c: C, scope: string, allowed: (user: PortalUser, scope: string) => boolean) => {
    const user = await requireUser(c);
    if (user instanceof Response) return user;
    const regions = await deps.regions();
    if (!knownScope(regions, scope)) return wantsJson(c) ? jsonError(c, 404, 'unknown-scope') : notFound(c, 'Cakupan wilayah ini tidak dikenal.');
    if (!allowed(user, scope)) return wantsJson(c) ? jsonError(c, 403, 'forbidden') : forbidden(c, `Anda tidak memiliki akses ke ${scopeName(regions, scope)}.`);
    return { user, regions };
  };
  const asAdmin = (user: PortalUser, scope: string) => hasGrant(user, 'admin', scope);

  // ---- Home ---------------------------------------------------------------------------------------

  app.get('/', async (c) => {
    if (!c.get('session')) return page(c, homeSignedOut());
    const user = await requireUser(c);
    if (user instanceof Response) return user;
    return page(c, homeSignedIn(user, csrfOf(c) ?? '', await deps.regions()));
  });

  // ---- Admin --------------------------------------------------------------------------------------

  app.get('/admin/:scope', async (c) => {
    const scope = c.req.param('scope');
    const allowed = await requireScope(c, scope, asAdmin);
    if (allowed instanceof Response) return allowed;
    const { user, regions } = allowed;
    const period = periodOf(c);
    if (!period) return badPeriod(c);
    const [month, credential] = await Promise.all([
      adminMonth({ store: deps.store, runs: deps.runs, regions }, period, scope),
      // One per page view, living PORTAL_LINK_SECONDS: a form left open longer asks for a reload.
      createUploadCredential(deps.s3, settings.BUCKET_NAME, {
        period,
        scope,
        expiresInSeconds: linkSeconds,
        successRedirect: `${c.get('origin')}/admin/${encodeURIComponent(scope)}/unggahan?${new URLSearchParams({ bulan: period })}`,
      }),
    ]);
    c.set('formActionOrigin', new URL(credential.url).origin);
    return page(c, adminPage({ user, csrf: csrfOf(c) ?? '', scope, scopeLabel: scopeName(regions, scope), month, form: credential }));
  });

  app.get('/admin/:scope/templat.xlsx', async (c) => {
    const scope = c.req.param('scope');
    const allowed = await requireScope(c, scope, asAdmin);
    if (allowed instanceof Response) return allowed;
    const period = periodOf(c);
    if (!period) return badPeriod(c);
    // Regency rows for every scope: a province's or the nation's admins report their regencies, a
    // regency's admin its own row (uploadTemplate narrows the rows to the scope).
    const options = { level: 'kabkota', format: 'xlsx', period, scope, regions: allowed.regions } as const;
    const body = await uploadTemplate(options);
    return c.body(new Uint8Array(body), 200, {
      'Content-Type': XLSX_TYPE,
      'Content-Disposition': `attachment; filename="${templateFileName(options)}"`,
    });
  });

  /** The upload key's scope folder must be this very scope: an admin of 31 reads 31's folder through /admin/31 only. */
  const keyInScope = (key: string, scope: string) => {
    const parsed = uploadScopeOfKey(key);
    return parsed && parsed.scope === scope ? parsed : undefined;
  };

  app.get('/admin/:scope/unggahan', async (c) => {
    const scope = c.req.param('scope');
    const allowed = await requireScope(c, scope, asAdmin);
    if (allowed instanceof Response) return allowed;
    const query = verdictQuerySchema.safeParse(c.req.query());
    if (!query.success) return message(c, 400, 'Tautan tidak lengkap', 'Tautan hasil unggahan ini tidak menyebut berkasnya.');
    const parsed = keyInScope(query.data.key, scope);
    if (!parsed) return forbidden(c, 'Berkas ini bukan unggahan cakupan Anda.');
    const upload = await uploadVerdict(deps.store, query.data.key);
    return page(
      c,
      verdictPage({
        user: allowed.user,
        csrf: csrfOf(c) ?? '',
        scope,
        scopeLabel: scopeName(allowed.regions, scope),
        period: parsed.period,
        fileName: parsed.fileName,
        upload,
        statusUrl: `/admin/${encodeURIComponent(scope)}/status?${new URLSearchParams({ key: query.data.key })}`,
      }),
    );
  });

  app.get('/admin/:scope/status', async (c) => {
    const scope = c.req.param('scope');
    const allowed = await requireScope(c, scope, asAdmin);
    if (allowed instanceof Response) return allowed;
    const query = statusKeySchema.safeParse(c.req.query());
    if (!query.success) return c.json({ error: 'key' }, 400);
    if (!keyInScope(query.data.key, scope)) return jsonError(c, 403, 'forbidden');
    const upload = await uploadVerdict(deps.store, query.data.key);
    if (!upload) return jsonError(c, 404, 'not-found');
    return c.json(upload);
  });

  // ---- Officials ----------------------------------------------------------------------------------

  app.get('/pejabat/:scope', async (c) => {
    const scope = c.req.param('scope');
    const allowed = await requireScope(c, scope, mayReadBulletins);
    if (allowed instanceof Response) return allowed;
    const bulletins = await officialArchive(deps.store, allowed.regions, scope);
    return page(c, officialPage({ user: allowed.user, csrf: csrfOf(c) ?? '', scope, scopeLabel: scopeName(allowed.regions, scope), bulletins }));
  });

  /** A bulletin route's period and region code, once the scope covers the code. */
  const bulletinTarget = async (c: C) => {
    const scope = c.req.param('scope') ?? '';
    const allowed = await requireScope(c, scope, mayReadBulletins);
    if (allowed instanceof Response) return allowed;
    const period = c.req.param('period') ?? '';
    const code = c.req.param('code') ?? '';
    if (!scopeCovers(scope, code)) return forbidden(c, 'Wilayah ini di luar cakupan Anda.');
    if (!isPeriod(period) || !allowed.regions.byCode.has(code)) return notFound(c, 'Buletin ini tidak ada.');
    return { ...allowed, scope, period, code };
  };

  app.get('/pejabat/:scope/buletin/:period/:code', async (c) => {
    const target = await bulletinTarget(c);
    if (target instanceof Response) return target;
    // The archive is what the page lists: only a bulletin it would show gets a link.
    const archive = await officialArchive(deps.store, target.regions, target.code);
    const bulletin = archive.find((entry) => entry.period === target.period && entry.code === target.code);
    if (!bulletin) return notFound(c, `Buletin ${periodNameId(target.period)} untuk wilayah ini belum ada.`);
    // Signed now, on the click, living minutes: a link copied out of the page is worth little.
    const url = await deps.presigner(bulletin.key, { expiresInSeconds: linkSeconds, downloadName: bulletinFileName(bulletin.key) });
    return c.redirect(url, 302);
  });

  app.get('/pejabat/:scope/angka/:period/:code', async (c) => {
    const target = await bulletinTarget(c);
    if (target instanceof Response) return target;
    const workbook = await regionFiguresWorkbook({ snapshots: deps.snapshots, regions: target.regions }, target.code, target.period);
    if (!workbook) return notFound(c, `Angka ${periodNameId(target.period)} untuk wilayah ini belum ada.`);
    const fileName = `angka-${target.code}-${target.period}.xlsx`;
    return c.body(new Uint8Array(workbook), 200, { 'Content-Type': XLSX_TYPE, 'Content-Disposition': `attachment; filename="${fileName}"` });
  });

  // ---- Operator -----------------------------------------------------------------------------------

  app.get('/operator', async (c) => {
    const user = await requireUser(c);
    if (user instanceof Response) return user;
    if (!isOperator(user)) return forbidden(c, 'Halaman ini hanya untuk operator.');
    const period = periodOf(c);
    if (!period) return badPeriod(c);
    const month = await operatorMonth({ runs: deps.runs, deliveries: deps.deliveries }, period);
    const resent = resentNoticeSchema.safeParse(c.req.query('dikirim'));
    const notice = c.req.query('dikirim') !== undefined && resent.success
      ? resent.data === 0
        ? 'Tidak ada pengiriman yang dikirim ulang: statusnya sudah berubah. Periksa tabel di bawah.'
        : `${resent.data} pengiriman dimasukkan kembali ke antrean.`
      : undefined;
    return page(c, operatorPage({ user, csrf: csrfOf(c) ?? '', month, notice }));
  });

  app.post('/operator/kirim-ulang', async (c) => {
    const user = await requireUser(c);
    if (user instanceof Response) return user;
    if (!isOperator(user)) return forbidden(c, 'Halaman ini hanya untuk operator.');
    const form = resendFormSchema.safeParse(await c.req.parseBody());
    if (!form.success) return message(c, 400, 'Permintaan tidak sah', 'Formulir kirim ulang tidak lengkap. Kembali ke halaman operator lalu coba lagi.', { href: '/operator', label: 'Halaman operator' });
    const { bulan, status, email, diperiksa } = form.data;
    if (diperiksa !== 'ya') {
      return message(c, 400, 'Belum diperiksa', 'Centang pernyataan bahwa Anda sudah memeriksa pengiriman ini sebelum mengirim ulang.', {
        href: `/operator?${new URLSearchParams({ bulan })}`,
        label: 'Kembali',
      });
    }
    const requeued = await resendDeliveries({ deliveries: deps.deliveries, queue: deps.queue }, bulan, status, [email]);
    deps.logger.info('deliveries requeued from the portal', { period: bulan, status, operator: user.email, requeued: requeued.length });
    return c.redirect(`/operator?${new URLSearchParams({ bulan, dikirim: String(requeued.length) })}`, 303);
  });

  return app;
}
