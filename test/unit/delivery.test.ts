import { describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { composeBulletinEmail, bulletinSubject } from '../../lib/delivery/email.ts';
import { deliveryLedgerKey, type DeliveryMessage } from '../../lib/delivery/message.ts';
import { mimeHeader } from '../../tools/local/ses-outbox.ts';
import { decodeS3Key, encodeS3EventKey } from '../../lib/storage/keys.ts';

const message: DeliveryMessage = {
  period: '2025-10',
  email: 'gubernur.18@pemprov.example',
  name: 'Ani <script>alert(1)</script>',
  title: 'Gubernur Lampung',
  runKey: 'RUN#2025-11-05T00:00:00.000Z#test',
  bulletins: [
    {
      key: 'bulletins/2025-10/provinsi/18-lampung.pdf',
      fileName: '18-lampung.pdf',
      regionCode: '18',
      regionName: 'Lampung',
      coveragePct: 38.3912,
      targetPct: 38.39,
      active: 1_149_447,
      status: 'achieved',
      revision: 1,
    },
  ],
};

describe('the bulletin email', () => {
  it('has the subject, figures, escaped HTML and the PDF attached', async () => {
    const pdf = Buffer.from('%PDF-1.7 test bytes %%EOF');
    const raw = await composeBulletinEmail(message, [{ fileName: '18-lampung.pdf', content: pdf }], {
      from: 'buletin@ucj.example',
      replyTo: 'ucj@bpjsketenagakerjaan.example',
      period: '2025-10',
    });
    const mail = await simpleParser(raw);
    expect(mail.subject).toBe('Buletin UCJ Lampung — Oktober 2025');
    expect(bulletinSubject(message)).toBe(mail.subject);
    expect(mail.text).toContain('cakupan 38,39% dari target 38,39%, 1.149.447 peserta aktif, status Tercapai');
    expect(mail.html).toContain('Ani &lt;script&gt;');
    expect(mail.html).not.toContain('<script>');
    expect(mail.replyTo?.text).toBe('ucj@bpjsketenagakerjaan.example');
    expect(mail.attachments).toHaveLength(1);
    expect(mail.attachments[0]!.filename).toBe('18-lampung.pdf');
    expect(Buffer.compare(mail.attachments[0]!.content, pdf)).toBe(0);
    expect(mimeHeader(raw, 'X-UCJ-Period')).toBe('2025-10');
  });
});

describe('a revised edition', () => {
  it('is a new ledger key, and its email says it replaces the earlier one', async () => {
    const revised: DeliveryMessage = { ...message, bulletins: message.bulletins.map((b) => ({ ...b, revision: 2 })) };
    expect(deliveryLedgerKey(message)).toBe('gubernur.18@pemprov.example#v1');
    expect(deliveryLedgerKey(revised)).toBe('gubernur.18@pemprov.example#v2');
    const mail = await simpleParser(await composeBulletinEmail(revised, [], { from: 'buletin@ucj.example', period: '2025-10' }));
    expect(mail.subject).toBe('Buletin UCJ Lampung — Oktober 2025 (Revisi)');
    expect(mail.text).toContain('menggantikan yang dikirim sebelumnya');
  });
});

describe('S3 event keys', () => {
  it('round-trip spaces, plus signs and non-ASCII names as S3 encodes them', () => {
    for (const key of ['uploads/2025-10/data lampung.csv', 'uploads/2025-10/a+b (1).csv', 'uploads/2025-10/kab/Ñusa.csv']) {
      const encoded = encodeS3EventKey(key);
      expect(encoded).not.toContain(' ');
      expect(decodeS3Key(encoded)).toBe(key);
    }
  });
});
