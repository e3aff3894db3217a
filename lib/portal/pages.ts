/**
 * The portal's pages, in Bahasa Indonesia. Every value goes in through hono/html's `html` template, which
 * escapes whatever is interpolated unless it is itself a template: a region name, a file name or a
 * validator's message can never become markup. No inline script or style (the CSP allows neither):
 * behaviour is in /aset/portal.js, driven by data- attributes.
 */
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { displayName, NATIONAL_CODE, type RegionIndex } from '../domain/regions.ts';
import { addMonths, periodNameId } from '../domain/period.ts';
import type { Level, Period } from '../domain/types.ts';
import type { AdminMonth, AdminUpload } from './admin-month.ts';
import type { ArchivedBulletin } from './archive.ts';
import type { OperatorMonth } from './operator-month.ts';
import { ASSETS, assetHref } from './assets.ts';
import type { PortalUser } from './session.ts';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

// ---------------------------------------------------------------------------------------------------
// Formatting

const numberFormat = new Intl.NumberFormat('id-ID');
const dateTimeFormat = new Intl.DateTimeFormat('id-ID', { timeZone: 'Asia/Jakarta', dateStyle: 'long', timeStyle: 'short' });

export const formatNumber = (value: number) => numberFormat.format(value);

/** `12 November 2025 pukul 09.30 WIB`; the text as given when it is not a date. */
export function formatTime(value: string | Date | number): string {
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : `${dateTimeFormat.format(date)} WIB`;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1).replace('.', ',')} MB`;
  if (bytes >= 1024) return `${Math.ceil(bytes / 1024)} KB`;
  return `${bytes} B`;
}

function formatDuration(ms: number | null): string {
  if (ms === null) return '–';
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} detik`;
  return `${Math.floor(seconds / 60)} menit ${seconds % 60} detik`;
}

const LEVEL_NAMES: Record<Level, string> = { nasional: 'Nasional', provinsi: 'Provinsi', kabkota: 'Kabupaten/Kota', kelompok: 'Kelompok' };

/** `Provinsi DKI Jakarta (31)`, `Nasional`. */
export function scopeName(regions: RegionIndex, scope: string): string {
  if (scope === NATIONAL_CODE) return 'Nasional';
  const region = regions.byCode.get(scope);
  return region ? `${displayName(region)} (${scope})` : scope;
}

const q = (params: Record<string, string>) => new URLSearchParams(params).toString();
const enc = encodeURIComponent;

// ---------------------------------------------------------------------------------------------------
// Layout

export interface LayoutOptions {
  title: string;
  user?: PortalUser | undefined;
  /** The session's CSRF token, for the sign-out form; present when signed in. */
  csrf?: string | undefined;
}

export function layout({ title, user, csrf }: LayoutOptions, body: Html): Html {
  return html`<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Portal Buletin UCJ</title>
<link rel="stylesheet" href="${assetHref(ASSETS.css)}">
<script src="${assetHref(ASSETS.js)}" defer></script>
</head>
<body>
<a class="lewati" href="#isi">Lewati ke konten utama</a>
<header class="kepala">
<div class="kepala-isi">
<a class="merek" href="/">Portal Buletin UCJ</a>
${
  user
    ? html`<div class="pengguna"><span>Masuk sebagai <strong>${user.name}</strong></span>
<form method="post" action="/keluar"><input type="hidden" name="csrf" value="${csrf ?? ''}"><button type="submit">Keluar</button></form></div>`
    : ''
}
</div>
</header>
<main id="isi" tabindex="-1">
${body}
</main>
<footer class="kaki">Buletin Universal Coverage Jamsostek (UCJ) · Waktu ditampilkan dalam WIB.</footer>
</body>
</html>`;
}

export function messagePage(options: LayoutOptions & { heading: string; message: string; action?: { href: string; label: string } }): Html {
  return layout(
    options,
    html`<h1>${options.heading}</h1>
<div class="pemberitahuan pemberitahuan-galat" role="alert"><p>${options.message}</p></div>
${options.action ? html`<p><a class="tombol" href="${options.action.href}">${options.action.label}</a></p>` : ''}
<p><a href="/">Kembali ke beranda</a></p>`,
  );
}

// ---------------------------------------------------------------------------------------------------
// Home

export function homeSignedOut(): Html {
  return layout(
    { title: 'Beranda' },
    html`<h1>Portal Buletin UCJ</h1>
<p>Portal ini untuk pejabat, admin data, dan operator buletin bulanan Universal Coverage Jamsostek: unduh buletin, unggah data wilayah, dan pantau pengiriman.</p>
<p><a class="tombol" href="/masuk">Masuk</a></p>
<p class="redup">Akun dibuat oleh operator untuk alamat surel yang terdaftar sebagai penerima.</p>`,
  );
}

export function homeSignedIn(user: PortalUser, csrf: string, regions: RegionIndex): Html {
  const items = user.grants.map((grant) => {
    const name = scopeName(regions, grant.scope);
    if (grant.role === 'admin') {
      return html`<li><strong>Admin data</strong> · ${name}<br><a href="/admin/${enc(grant.scope)}">Unggah data dan lihat hasil validasi</a></li>`;
    }
    if (grant.role === 'pejabat') {
      return html`<li><strong>Pejabat</strong> · ${name}<br><a href="/pejabat/${enc(grant.scope)}">Buletin bulanan</a></li>`;
    }
    return html`<li><strong>Operator</strong> · ${name}<br><a href="/operator">Proses bulanan dan pengiriman</a> · <a href="/pejabat/${enc(NATIONAL_CODE)}">Semua buletin</a></li>`;
  });
  return layout(
    { title: 'Beranda', user, csrf },
    html`<h1>Selamat datang, ${user.name}</h1>
<h2>Akses Anda</h2>
<ul class="daftar-hak">${items}</ul>`,
  );
}

// ---------------------------------------------------------------------------------------------------
// Month navigation

function monthPicker(action: string, period: Period): Html {
  return html`<form class="kolom-isian" method="get" action="${action}">
<div><label for="bulan">Bulan data</label><input id="bulan" name="bulan" type="month" value="${period}" required></div>
<button type="submit" class="tombol-kedua">Tampilkan</button>
</form>
<nav class="navigasi-bulan" aria-label="Bulan lain">
<a href="${action}?${q({ bulan: addMonths(period, -1) })}">← ${periodNameId(addMonths(period, -1))}</a>
<a href="${action}?${q({ bulan: addMonths(period, 1) })}">${periodNameId(addMonths(period, 1))} →</a>
</nav>`;
}

/** A run's outcome (lib/history/records.ts) as the pages say it; anything else as it is. */
const OUTCOME_NAMES: Record<string, string> = { succeeded: 'berhasil', partial: 'sebagian', failed: 'gagal' };
const outcomeName = (outcome: string) => OUTCOME_NAMES[outcome] ?? outcome;

// ---------------------------------------------------------------------------------------------------
// Admin

const REGION_STATE: Record<AdminMonth['regions'][number]['state'], Html> = {
  accepted: html`<span class="lencana lencana-diterima">Diterima</span>`,
  aggregated: html`<span class="lencana lencana-diterima">Dijumlah dari kab./kota</span>`,
  rejected: html`<span class="lencana lencana-ditolak">Ditolak</span>`,
  missing: html`<span class="lencana lencana-belum">Belum diunggah</span>`,
};

const UPLOAD_STATE: Record<AdminUpload['state'], Html> = {
  accepted: html`<span class="lencana lencana-diterima">Diterima</span>`,
  rejected: html`<span class="lencana lencana-ditolak">Ditolak</span>`,
  pending: html`<span class="lencana lencana-proses">Sedang divalidasi</span>`,
  'too-large': html`<span class="lencana lencana-ditolak">Ditolak: terlalu besar</span>`,
};

/** What the upload form needs of a presigned POST (lib/storage/upload-credential.ts). */
export interface UploadForm {
  url: string;
  fields: Record<string, string>;
  maxBytes: number;
  expiresAt: string | number | Date;
}

export interface AdminPageData {
  user: PortalUser;
  csrf: string;
  scope: string;
  scopeLabel: string;
  month: AdminMonth;
  form: UploadForm;
}

export function adminPage({ user, csrf, scope, scopeLabel, month, form }: AdminPageData): Html {
  const base = `/admin/${enc(scope)}`;
  const period = month.period;
  const counts = { accepted: 0, rejected: 0, missing: 0 };
  for (const region of month.regions) counts[region.state === 'aggregated' ? 'accepted' : region.state] += 1;
  const expiresAt = new Date(form.expiresAt);
  const regionRows = month.regions.map(
    (region) => html`<tr><td>${region.code}</td><td>${displayName(region)}</td><td>${LEVEL_NAMES[region.level]}</td><td>${REGION_STATE[region.state]}</td></tr>`,
  );
  const uploadRows = month.uploads.map(
    (upload) => html`<tr>
<td>${upload.fileName}</td>
<td>${formatTime(upload.uploadedAt)}</td>
<td class="angka">${formatBytes(upload.size)}</td>
<td>${UPLOAD_STATE[upload.state]}</td>
<td class="angka">${upload.rowCount === null ? '–' : formatNumber(upload.rowCount)}</td>
<td><a href="${base}/unggahan?${q({ bulan: period, key: upload.key })}">Rincian<span class="tersembunyi"> ${upload.fileName}</span></a></td>
</tr>`,
  );
  return layout(
    { title: `Admin ${scopeLabel}`, user, csrf },
    html`<h1>Data ${scopeLabel}: ${periodNameId(period)}</h1>
${monthPicker(base, period)}
<p>${formatNumber(counts.accepted)} wilayah diterima, ${formatNumber(counts.rejected)} ditolak, ${formatNumber(counts.missing)} belum diunggah.
${
  month.lastRun
    ? html`Proses bulanan terakhir dimulai ${formatTime(month.lastRun.startedAt)}${month.lastRun.finishedAt ? html`, selesai ${formatTime(month.lastRun.finishedAt)}` : ', belum selesai'} (${outcomeName(month.lastRun.outcome)}).`
    : 'Proses bulanan untuk bulan ini belum dijalankan.'
}</p>

<section class="kotak" aria-labelledby="judul-unggah">
<h2 id="judul-unggah">Unggah data</h2>
<p><a class="tombol tombol-kedua" href="${base}/templat.xlsx?${q({ bulan: period })}" download>Unduh templat (.xlsx)</a></p>
<p>Isi templat, lalu unggah berkas .xlsx atau .csv. Ukuran berkas paling besar <strong>${formatBytes(form.maxBytes)}</strong>. Formulir ini berlaku sampai ${formatTime(expiresAt)}; muat ulang halaman bila sudah lewat.</p>
<form method="post" action="${form.url}" enctype="multipart/form-data" data-upload data-max-bytes="${form.maxBytes}" data-expires-at="${expiresAt.toISOString()}">
${Object.entries(form.fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<input type="hidden" name="Content-Type" value="" data-content-type>
<label class="zona-unggah" data-dropzone for="berkas">
Pilih berkas atau seret ke sini
<input id="berkas" type="file" name="file" accept=".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv" required aria-describedby="berkas-terpilih berkas-galat">
</label>
<p id="berkas-terpilih" data-file-name aria-live="polite" class="redup">Belum ada berkas dipilih.</p>
<p id="berkas-galat" class="pemberitahuan pemberitahuan-galat" data-upload-error role="alert" hidden></p>
<button type="submit">Unggah</button>
</form>
</section>

<h2>Unggahan ${periodNameId(period)}</h2>
${
  month.uploads.length === 0
    ? html`<p>Belum ada unggahan untuk bulan ini.</p>`
    : html`<div class="tabel-bungkus" tabindex="0" role="region" aria-label="Tabel (dapat digeser ke samping)"><table>
<caption>Berkas yang diunggah dan hasil validasinya</caption>
<thead><tr><th scope="col">Berkas</th><th scope="col">Diunggah</th><th scope="col" class="angka">Ukuran</th><th scope="col">Status</th><th scope="col" class="angka">Baris</th><th scope="col">Rincian</th></tr></thead>
<tbody>${uploadRows}</tbody>
</table></div>`
}

<h2>Wilayah</h2>
<div class="tabel-bungkus" tabindex="0" role="region" aria-label="Tabel (dapat digeser ke samping)"><table>
<caption>Status data setiap wilayah ${scopeLabel}, ${periodNameId(period)}</caption>
<thead><tr><th scope="col">Kode</th><th scope="col">Wilayah</th><th scope="col">Tingkat</th><th scope="col">Status</th></tr></thead>
<tbody>${regionRows}</tbody>
</table></div>`,
  );
}

function issuesTable(caption: string, issues: AdminUpload['errors']): Html {
  return html`<div class="tabel-bungkus" tabindex="0" role="region" aria-label="Tabel (dapat digeser ke samping)"><table>
<caption>${caption}</caption>
<thead><tr><th scope="col" class="angka">Baris</th><th scope="col">Kolom</th><th scope="col">Pesan</th></tr></thead>
<tbody>${issues.map((issue) => html`<tr><td class="angka">${issue.row === null ? '–' : issue.row}</td><td>${issue.column ?? '–'}</td><td>${issue.message}</td></tr>`)}</tbody>
</table></div>`;
}

export function verdictBody(upload: AdminUpload): Html {
  const accepted = upload.state === 'accepted';
  const title = accepted ? 'Diterima' : upload.state === 'too-large' ? 'Ditolak: berkas terlalu besar' : 'Ditolak';
  return html`<div class="pemberitahuan ${accepted ? 'pemberitahuan-sukses' : 'pemberitahuan-galat'}">
<h2>${title}</h2>
<p>${
    accepted
      ? html`Berkas ${upload.fileName} lolos validasi${upload.rowCount === null ? '' : html` (${formatNumber(upload.rowCount)} baris)`}.`
      : html`Berkas ${upload.fileName} tidak dipakai. Perbaiki kesalahan berikut lalu unggah kembali.`
  }</p>
</div>
${upload.errors.length > 0 ? issuesTable(`Kesalahan (${upload.errors.length})`, upload.errors) : ''}
${upload.warnings.length > 0 ? issuesTable(`Peringatan (${upload.warnings.length})`, upload.warnings) : ''}`;
}

export interface VerdictPageData {
  user: PortalUser;
  csrf: string;
  scope: string;
  scopeLabel: string;
  period: Period;
  fileName: string;
  /** Undefined or pending: the page polls statusUrl. */
  upload: AdminUpload | undefined;
  statusUrl: string;
}

export function verdictPage(data: VerdictPageData): Html {
  const known = data.upload !== undefined && data.upload.state !== 'pending';
  return layout(
    { title: `Unggahan ${data.fileName}`, user: data.user, csrf: data.csrf },
    html`<h1>Unggahan ${data.fileName}</h1>
<p class="redup">${data.scopeLabel} · ${periodNameId(data.period)}</p>
${
  known && data.upload
    ? html`<div data-verdict>${verdictBody(data.upload)}</div>`
    : html`<div class="pemberitahuan" data-status-url="${data.statusUrl}">
<p data-status-text role="status" aria-live="polite">Sedang divalidasi… Halaman ini akan menampilkan hasilnya begitu selesai.</p>
<noscript><p>Muat ulang halaman ini beberapa saat lagi untuk melihat hasilnya.</p></noscript>
</div>
<div data-verdict aria-live="polite" hidden></div>`
}
<p><a href="/admin/${enc(data.scope)}?${q({ bulan: data.period })}">Kembali ke data ${data.scopeLabel}</a></p>`,
  );
}

// ---------------------------------------------------------------------------------------------------
// Official

export interface OfficialPageData {
  user: PortalUser;
  csrf: string;
  scope: string;
  scopeLabel: string;
  bulletins: readonly ArchivedBulletin[];
}

export function officialPage({ user, csrf, scope, scopeLabel, bulletins }: OfficialPageData): Html {
  const months = new Map<string, ArchivedBulletin[]>();
  for (const bulletin of bulletins) months.set(bulletin.period, [...(months.get(bulletin.period) ?? []), bulletin]);
  const base = `/pejabat/${enc(scope)}`;
  const sections = [...months].map(
    ([period, list]) => html`<section aria-labelledby="bulan-${period}">
<h2 id="bulan-${period}">${periodNameId(period)}</h2>
<div class="tabel-bungkus" tabindex="0" role="region" aria-label="Tabel (dapat digeser ke samping)"><table>
<caption>Buletin ${periodNameId(period)}</caption>
<thead><tr><th scope="col">Wilayah</th><th scope="col">Tingkat</th><th scope="col" class="angka">Ukuran</th><th scope="col">Unduh</th></tr></thead>
<tbody>${list.map(
      (b) => html`<tr><td>${displayName(b)} (${b.code})</td><td>${LEVEL_NAMES[b.level]}</td><td class="angka">${formatBytes(b.size)}</td>
<td><a href="${base}/buletin/${enc(b.period)}/${enc(b.code)}">Buletin (PDF)<span class="tersembunyi"> ${displayName(b)} ${periodNameId(b.period)}</span></a> ·
<a href="${base}/angka/${enc(b.period)}/${enc(b.code)}">Angka (XLSX)<span class="tersembunyi"> ${displayName(b)} ${periodNameId(b.period)}</span></a></td></tr>`,
    )}</tbody>
</table></div>
</section>`,
  );
  return layout(
    { title: `Buletin ${scopeLabel}`, user, csrf },
    html`<h1>Buletin ${scopeLabel}</h1>
<p>Tautan unduhan dibuat saat Anda mengekliknya dan hanya berlaku beberapa menit.</p>
${sections.length === 0 ? html`<p>Belum ada buletin untuk cakupan ini.</p>` : sections}`,
  );
}

// ---------------------------------------------------------------------------------------------------
// Operator

const DELIVERY_STATE: Record<OperatorMonth['deliveries'][number]['status'], Html> = {
  sent: html`<span class="lencana lencana-diterima">Terkirim</span>`,
  failed: html`<span class="lencana lencana-ditolak">Gagal</span>`,
  claimed: html`<span class="lencana lencana-proses">Belum pasti</span>`,
};

export interface OperatorPageData {
  user: PortalUser;
  csrf: string;
  month: OperatorMonth;
  notice: string | undefined;
}

export function operatorPage({ user, csrf, month, notice }: OperatorPageData): Html {
  const period = month.period;
  const runs = month.runs.map(
    (run) => html`<tr>
<td>${formatTime(run.startedAt)}<br><span class="redup">${run.runId}</span></td>
<td>${outcomeName(run.outcome)}</td>
<td class="angka">${formatNumber(run.regions)}</td>
<td class="angka">${formatNumber(run.bulletins)}</td>
<td class="angka">${formatNumber(run.delivered.sent)} / ${formatNumber(run.delivered.failed)}</td>
<td>${formatDuration(run.durationMs)}${run.finishedAt ? '' : ' (berjalan)'}</td>
<td>${run.problems.length === 0 ? '–' : html`<ul>${run.problems.map((problem) => html`<li>${problem}</li>`)}</ul>`}</td>
</tr>`,
  );
  const deliveries = month.deliveries.map((delivery, index) => {
    const resendable = delivery.status === 'failed' || delivery.status === 'claimed';
    const checkId = `periksa-${index}`;
    return html`<tr>
<td>${delivery.email}<br><span class="redup">${delivery.recipientKey}</span></td>
<td>${DELIVERY_STATE[delivery.status]}</td>
<td>${formatTime(delivery.at)}</td>
<td>${delivery.reason ?? '–'}</td>
<td>${
      resendable
        ? html`<form class="kirim-ulang" method="post" action="/operator/kirim-ulang">
<input type="hidden" name="csrf" value="${csrf}">
<input type="hidden" name="bulan" value="${period}">
<input type="hidden" name="status" value="${delivery.status}">
<input type="hidden" name="email" value="${delivery.email}">
<label class="centang" for="${checkId}"><input id="${checkId}" type="checkbox" name="diperiksa" value="ya" required>
${delivery.status === 'claimed' ? 'Saya sudah memeriksa bahwa surel ini belum diterima.' : 'Saya sudah memeriksa dan memperbaiki penyebab kegagalannya.'}</label>
<button type="submit" class="tombol-kedua">Kirim ulang<span class="tersembunyi"> ke ${delivery.email}</span></button>
</form>`
        : '–'
    }</td>
</tr>`;
  });
  return layout(
    { title: 'Operator', user, csrf },
    html`<h1>Operator: ${periodNameId(period)}</h1>
${notice ? html`<div class="pemberitahuan pemberitahuan-sukses" role="status"><p>${notice}</p></div>` : ''}
${monthPicker('/operator', period)}
<h2>Proses bulanan</h2>
${
  month.runs.length === 0
    ? html`<p>Belum ada proses untuk bulan ini.</p>`
    : html`<div class="tabel-bungkus" tabindex="0" role="region" aria-label="Tabel (dapat digeser ke samping)"><table>
<caption>Setiap proses bulan ${periodNameId(period)}</caption>
<thead><tr><th scope="col">Mulai</th><th scope="col">Hasil</th><th scope="col" class="angka">Wilayah</th><th scope="col" class="angka">Buletin</th><th scope="col" class="angka">Terkirim / gagal</th><th scope="col">Durasi</th><th scope="col">Masalah</th></tr></thead>
<tbody>${runs}</tbody>
</table></div>`
}
<h2>Pengiriman</h2>
<p>${formatNumber(month.counts.sent)} terkirim, ${formatNumber(month.counts.failed)} gagal, ${formatNumber(month.counts.inDoubt)} belum pasti (proses terhenti di tengah pengiriman: periksa dulu apakah surel sudah sampai sebelum mengirim ulang).</p>
${
  month.deliveries.length === 0
    ? html`<p>Belum ada pengiriman untuk bulan ini.</p>`
    : html`<div class="tabel-bungkus" tabindex="0" role="region" aria-label="Tabel (dapat digeser ke samping)"><table>
<caption>Pengiriman buletin ${periodNameId(period)}</caption>
<thead><tr><th scope="col">Penerima</th><th scope="col">Status</th><th scope="col">Waktu</th><th scope="col">Alasan</th><th scope="col">Tindakan</th></tr></thead>
<tbody>${deliveries}</tbody>
</table></div>`
}`,
  );
}
