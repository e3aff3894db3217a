/**
 * A cheap structural sanity check of rendered bulletin bytes. It does NOT read the page text: `expect`
 * names what a later, text-extracting check will look for, and is only checked for being non-empty here.
 */

export interface BulletinCheck {
  ok: boolean;
  reason?: string;
}

const PDF_HEADER = Buffer.from('%PDF-', 'latin1');
const EOF_MARKER = Buffer.from('%%EOF', 'latin1');
/** `/Type /Page` not followed by `s` (which would be the page tree, `/Type /Pages`). */
const PAGE_OBJECT = /\/Type\s*\/Page(?![A-Za-z])/;

/**
 * Checks that the bytes are a PDF: they start with `%PDF-`, end (bar trailing whitespace) with `%%EOF`, and
 * hold at least one page object in uncompressed object syntax (pdfkit writes its page dictionaries plain).
 */
export function checkBulletinPdf(pdf: Buffer, expect: { name: string; coverageText: string }): BulletinCheck {
  if (expect.name.trim() === '' || expect.coverageText.trim() === '') {
    return { ok: false, reason: 'expected region name and coverage text must not be empty' };
  }
  if (pdf.length < 64) return { ok: false, reason: `too short for a PDF: ${pdf.length} bytes` };
  if (!pdf.subarray(0, PDF_HEADER.length).equals(PDF_HEADER)) return { ok: false, reason: 'does not start with %PDF-' };
  const tail = pdf.subarray(Math.max(0, pdf.length - 1024));
  if (tail.lastIndexOf(EOF_MARKER) === -1) return { ok: false, reason: 'no %%EOF marker at the end' };
  if (!PAGE_OBJECT.test(pdf.toString('latin1'))) return { ok: false, reason: 'no /Type /Page object' };
  return { ok: true };
}
