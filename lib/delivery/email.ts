/** The bulletin email, built as raw MIME by nodemailer's composer (the local SES drops attachments of Simple content). */
import { buildMime } from './mime.ts';
import { periodNameId } from '../domain/period.ts';
import { isRevision, type DeliveryMessage } from './message.ts';
import { formatCount, formatPct, statusLabel } from '../bulletin/format.ts';

export interface EmailAttachment {
  fileName: string;
  content: Buffer;
}

export interface ComposeOptions {
  from: string;
  replyTo?: string;
  /** Bulletins too large to attach, as download links. */
  links?: Array<{ fileName: string; url: string }>;
  /** The header the local outbox files the email under, and a person can filter on. */
  period: string;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function bulletinSubject(message: DeliveryMessage): string {
  const regions = message.bulletins.map((b) => b.regionName).join(', ');
  return `Buletin UCJ ${regions} — ${periodNameId(message.period)}${isRevision(message) ? ' (Revisi)' : ''}`;
}

export function composeBulletinEmail(message: DeliveryMessage, attachments: EmailAttachment[], options: ComposeOptions): Promise<Buffer> {
  const month = periodNameId(message.period);
  const lines = message.bulletins.map(
    (b) =>
      `${b.regionName}: cakupan ${formatPct(b.coveragePct)} dari target ${formatPct(b.targetPct)}, ${formatCount(b.active)} peserta aktif, status ${statusLabel(b.status)}.`,
  );
  const greeting = `Yth. ${message.name}${message.title ? `, ${message.title}` : ''},`;
  const intro = isRevision(message)
    ? `Terlampir buletin REVISI capaian Universal Coverage Jamsostek (UCJ) bulan ${month}: data bulan ini telah diperbaiki, dan buletin ini menggantikan yang dikirim sebelumnya.`
    : `Terlampir buletin capaian Universal Coverage Jamsostek (UCJ) bulan ${month}.`;
  const closing = 'Buletin ini dibuat otomatis dari data unggahan kantor wilayah. Balas surel ini bila ada pertanyaan.';
  const links = options.links ?? [];
  const linkIntro = 'Buletin terlalu besar untuk dilampirkan. Unduh melalui tautan berikut (berlaku 7 hari):';
  const text = [
    greeting, '', intro, '', ...lines.map((l) => `- ${l}`), '',
    ...(links.length > 0 ? [linkIntro, ...links.map((l) => `- ${l.fileName}: ${l.url}`), ''] : []),
    closing, '',
  ].join('\n');
  const html = [
    `<p>${escapeHtml(greeting)}</p>`,
    `<p>${escapeHtml(intro)}</p>`,
    `<ul>${lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`,
    ...(links.length > 0
      ? [`<p>${escapeHtml(linkIntro)}</p>`, `<ul>${links.map((l) => `<li><a href="${escapeHtml(l.url)}">${escapeHtml(l.fileName)}</a></li>`).join('')}</ul>`]
      : []),
    `<p>${escapeHtml(closing)}</p>`,
  ].join('\n');
  return buildMime({
    from: options.from,
    to: message.email,
    replyTo: options.replyTo,
    subject: bulletinSubject(message),
    text,
    html,
    period: options.period,
    attachments: attachments.map((a) => ({ fileName: a.fileName, content: a.content, contentType: 'application/pdf' })),
  });
}
