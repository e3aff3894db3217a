/**
 * The portal's stylesheet and script, served from the function itself under /aset/ (no build step, no
 * second origin: the CSP allows 'self' only). Pages link them with a hash of their content, so a deploy
 * that changes them is fetched at once although they are cached as immutable.
 *
 * The script only enhances: every form works without it (the upload form posts to S3, the verdict page
 * says to reload). It never writes HTML: text goes in with textContent, so a file name or an error
 * message from an upload cannot become markup.
 */
import { createHash } from 'node:crypto';

// Colours (on white unless said): text #1b1f24 (16:1), links #0a4d8c (8.6:1), muted #4a5560 (7.4:1);
// badges are dark text on a pale fill of the same hue, each above 7:1. Focus is a 3px outline.
const CSS = `
*,*::before,*::after{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;line-height:1.5;color:#1b1f24;background:#fff;-webkit-text-size-adjust:100%}
body{margin:0}
[hidden]{display:none!important}
a{color:#0a4d8c;text-underline-offset:2px}
a:hover{color:#06335d}
:focus-visible{outline:3px solid #b35c00;outline-offset:2px}
.lewati{position:absolute;left:-9999px;top:0;background:#fff;padding:.5rem 1rem;z-index:10}
.lewati:focus{left:.5rem;top:.5rem}
.tersembunyi{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.kepala{background:#0a3d6b;color:#fff;padding:.75rem 1rem}
.kepala-isi{max-width:68rem;margin:0 auto;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;justify-content:space-between}
.kepala a{color:#fff}
.merek{font-weight:700;font-size:1.125rem;text-decoration:none}
.pengguna{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}
.pengguna form{margin:0}
main{max-width:68rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;line-height:1.25;margin:.5rem 0 1rem}
h2{font-size:1.25rem;margin:2rem 0 .75rem}
h3{font-size:1.05rem;margin:1.25rem 0 .5rem}
p{margin:.5rem 0 1rem}
.redup{color:#4a5560}
.tombol,button{display:inline-block;font:inherit;font-weight:600;padding:.6rem 1.1rem;min-height:44px;border-radius:6px;border:2px solid #0a4d8c;background:#0a4d8c;color:#fff;cursor:pointer;text-decoration:none}
.tombol:hover,button:hover{background:#06335d;border-color:#06335d;color:#fff}
.tombol-kedua{background:#fff;color:#0a4d8c}
.tombol-kedua:hover{background:#e8f0f8;color:#06335d}
.kepala button{background:transparent;border-color:#fff;color:#fff;min-height:36px;padding:.3rem .8rem}
.kepala button:hover{background:#fff;color:#0a3d6b}
button[disabled]{opacity:.7;cursor:progress}
.tabel-bungkus{overflow-x:auto;margin:0 0 1rem}
table{border-collapse:collapse;width:100%;min-width:28rem}
caption{text-align:left;font-weight:600;padding:.25rem 0 .5rem}
th,td{text-align:left;vertical-align:top;padding:.5rem .6rem;border-bottom:1px solid #c9d1d9}
thead th{background:#eef2f6;border-bottom:2px solid #8a96a3}
td.angka,th.angka{text-align:right;font-variant-numeric:tabular-nums}
.lencana{display:inline-block;padding:.1rem .55rem;border-radius:999px;font-size:.875rem;font-weight:600;white-space:nowrap;border:1px solid currentColor}
.lencana-diterima{background:#e3f4e8;color:#14532d}
.lencana-ditolak{background:#fde8e8;color:#7f1d1d}
.lencana-belum{background:#f1f3f5;color:#343a40}
.lencana-proses{background:#fff4db;color:#6b3e00}
.pemberitahuan{border-left:6px solid #0a4d8c;background:#eef4fa;padding:.75rem 1rem;margin:1rem 0}
.pemberitahuan-galat{border-left-color:#a11a1a;background:#fdf0f0}
.pemberitahuan-sukses{border-left-color:#1d6b3a;background:#eef8f1}
.kotak{border:1px solid #c9d1d9;border-radius:8px;padding:1rem;margin:1rem 0}
.daftar-hak{list-style:none;padding:0;margin:0;display:grid;gap:.75rem}
.daftar-hak li{border:1px solid #c9d1d9;border-radius:8px;padding:.75rem 1rem}
.zona-unggah{display:block;border:2px dashed #5b6773;border-radius:8px;padding:1.25rem;text-align:center;margin:.75rem 0;background:#fafbfc}
.zona-unggah.sedang-diseret{border-color:#0a4d8c;background:#e8f0f8}
.zona-unggah input[type=file]{display:block;margin:.75rem auto 0;max-width:100%;font:inherit}
label{font-weight:600}
.kolom-isian{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end;margin:.5rem 0 1rem}
.kolom-isian label{display:block}
input[type=month]{font:inherit;padding:.45rem;min-height:44px;border:2px solid #5b6773;border-radius:6px}
.centang{display:flex;gap:.5rem;align-items:flex-start;font-weight:400;margin:.5rem 0}
.centang input{width:1.25rem;height:1.25rem;margin-top:.15rem;flex:none}
.kirim-ulang{margin:0}
.navigasi-bulan{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;margin:0 0 1rem}
.kaki{max-width:68rem;margin:2rem auto 0;padding:1rem;border-top:1px solid #c9d1d9;color:#4a5560;font-size:.875rem}
@media (max-width:36rem){h1{font-size:1.3rem}main{padding:.75rem}th,td{padding:.45rem .4rem}}
@media (prefers-reduced-motion:reduce){*{transition:none!important;animation:none!important}}
`;

/**
 * When the verdict page asks for its upload's status, in ms after the previous answer: soon at first
 * (validation of a month's file takes a fraction of a second), then once a second. bench/portal.ts
 * polls on the same schedule, so its figure is what a person waits.
 */
export const VERDICT_POLL_DELAYS_MS = [250, 250, 500, 1000] as const;

const JS = `
(function () {
  'use strict';

  function formatSize(bytes) {
    if (bytes >= 1048576) return (bytes / 1048576).toFixed(1).replace('.', ',') + ' MB';
    if (bytes >= 1024) return Math.ceil(bytes / 1024) + ' KB';
    return bytes + ' B';
  }

  // The upload form: a drop zone around the file input, a size check before the browser sends a file S3
  // would refuse, and a fresh credential when this page's has lapsed.
  document.querySelectorAll('form[data-upload]').forEach(function (form) {
    var zone = form.querySelector('[data-dropzone]');
    var input = form.querySelector('input[type=file]');
    var chosen = form.querySelector('[data-file-name]');
    var problem = form.querySelector('[data-upload-error]');
    var button = form.querySelector('button[type=submit]');
    var contentType = form.querySelector('[data-content-type]');
    var maxBytes = Number(form.getAttribute('data-max-bytes'));
    var expiresAt = Date.parse(form.getAttribute('data-expires-at') || '');
    if (!zone || !input || !chosen || !problem || !button) return;

    function say(message) {
      problem.textContent = message;
      problem.hidden = message === '';
    }
    function check() {
      var file = input.files && input.files[0];
      chosen.textContent = file ? file.name + ' (' + formatSize(file.size) + ')' : 'Belum ada berkas dipilih.';
      // The policy lets any type through (validate-upload judges the bytes); the object keeps the file's.
      if (contentType) contentType.value = file && file.type ? file.type : '';
      if (file && maxBytes > 0 && file.size > maxBytes) {
        say('Berkas ' + file.name + ' berukuran ' + formatSize(file.size) + ', melebihi batas ' + formatSize(maxBytes) + '.');
        return false;
      }
      say('');
      return Boolean(file);
    }
    input.addEventListener('change', check);
    zone.addEventListener('dragover', function (event) {
      event.preventDefault();
      zone.classList.add('sedang-diseret');
    });
    zone.addEventListener('dragleave', function () {
      zone.classList.remove('sedang-diseret');
    });
    zone.addEventListener('drop', function (event) {
      event.preventDefault();
      zone.classList.remove('sedang-diseret');
      if (event.dataTransfer && event.dataTransfer.files.length > 0) {
        input.files = event.dataTransfer.files;
        check();
      }
    });
    form.addEventListener('submit', function (event) {
      if (!check()) {
        event.preventDefault();
        if (!(input.files && input.files[0])) say('Pilih berkas terlebih dahulu.');
        return;
      }
      if (!isNaN(expiresAt) && Date.now() > expiresAt - 5000) {
        event.preventDefault();
        say('Formulir unggah sudah kedaluwarsa; halaman dimuat ulang. Pilih berkas sekali lagi.');
        window.location.reload();
        return;
      }
      button.disabled = true;
      button.textContent = 'Mengunggah…';
    });
  });

  // The verdict page: ask every second until the validator has judged the file, then show its verdict.
  var box = document.querySelector('[data-status-url]');
  if (box) {
    var url = box.getAttribute('data-status-url');
    var live = box.querySelector('[data-status-text]');
    var result = document.querySelector('[data-verdict]');
    var tries = 0;
    var MAX_TRIES = 600;
    var DELAYS = ${JSON.stringify(VERDICT_POLL_DELAYS_MS)};
    function delay() {
      return DELAYS[Math.min(tries, DELAYS.length - 1)];
    }

    function element(tag, className, text) {
      var node = document.createElement(tag);
      if (className) node.className = className;
      if (text !== undefined) node.textContent = text;
      return node;
    }
    function issuesTable(caption, issues) {
      var wrap = element('div', 'tabel-bungkus');
      // As the server's tables (pages.ts): a scrollable box must be reachable by keyboard.
      wrap.tabIndex = 0;
      wrap.setAttribute('role', 'region');
      wrap.setAttribute('aria-label', 'Tabel (dapat digeser ke samping)');
      var table = element('table');
      table.appendChild(element('caption', '', caption));
      var head = element('thead');
      var row = element('tr');
      ['Baris', 'Kolom', 'Pesan'].forEach(function (name) {
        var th = element('th', '', name);
        th.setAttribute('scope', 'col');
        row.appendChild(th);
      });
      head.appendChild(row);
      table.appendChild(head);
      var body = element('tbody');
      issues.forEach(function (issue) {
        var tr = element('tr');
        tr.appendChild(element('td', 'angka', issue.row === null ? '–' : String(issue.row)));
        tr.appendChild(element('td', '', issue.column === null ? '–' : String(issue.column)));
        tr.appendChild(element('td', '', String(issue.message)));
        body.appendChild(tr);
      });
      table.appendChild(body);
      wrap.appendChild(table);
      return wrap;
    }
    function show(upload) {
      if (!result) return;
      while (result.firstChild) result.removeChild(result.firstChild);
      var accepted = upload.state === 'accepted';
      var notice = element('div', 'pemberitahuan ' + (accepted ? 'pemberitahuan-sukses' : 'pemberitahuan-galat'));
      var title = accepted ? 'Diterima' : upload.state === 'too-large' ? 'Ditolak: berkas terlalu besar' : 'Ditolak';
      notice.appendChild(element('h2', '', title));
      var summary = accepted
        ? 'Berkas ' + upload.fileName + ' lolos validasi' + (upload.rowCount === null ? '' : ' (' + upload.rowCount + ' baris)') + '.'
        : 'Berkas ' + upload.fileName + ' tidak dipakai. Perbaiki kesalahan berikut lalu unggah kembali.';
      notice.appendChild(element('p', '', summary));
      result.appendChild(notice);
      if (upload.errors && upload.errors.length > 0) result.appendChild(issuesTable('Kesalahan (' + upload.errors.length + ')', upload.errors));
      if (upload.warnings && upload.warnings.length > 0) result.appendChild(issuesTable('Peringatan (' + upload.warnings.length + ')', upload.warnings));
      result.hidden = false;
      box.hidden = true;
      var heading = result.querySelector('h2');
      if (heading) {
        heading.setAttribute('tabindex', '-1');
        heading.focus();
      }
    }
    function poll() {
      tries += 1;
      fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' }, cache: 'no-store' })
        .then(function (response) {
          if (response.status === 401) throw new Error('Sesi Anda telah berakhir. Muat ulang halaman untuk masuk kembali.');
          if (response.status === 404) return undefined;
          if (!response.ok) throw new Error('Status unggahan tidak dapat dibaca (' + response.status + ').');
          return response.json();
        })
        .then(function (upload) {
          if (upload && upload.state && upload.state !== 'pending') return show(upload);
          if (tries >= MAX_TRIES) {
            if (live) live.textContent = 'Validasi belum selesai. Muat ulang halaman ini beberapa saat lagi.';
            return;
          }
          window.setTimeout(poll, delay());
        })
        .catch(function (error) {
          if (live) live.textContent = error.message;
        });
    }
    window.setTimeout(poll, delay());
  }
})();
`;

const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

export const ASSETS = {
  css: { path: '/aset/portal.css', body: CSS, contentType: 'text/css; charset=utf-8', version: hash(CSS) },
  js: { path: '/aset/portal.js', body: JS, contentType: 'text/javascript; charset=utf-8', version: hash(JS) },
} as const;

/** A year, immutable: the links carry the content hash, so a changed file has a new address. */
export const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';

export const assetHref = (asset: (typeof ASSETS)[keyof typeof ASSETS]) => `${asset.path}?v=${asset.version}`;
