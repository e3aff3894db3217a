/**
 * A region's monthly bulletin as a pdfmake document definition: plain data from computed figures, pure.
 * This file assembles the sections (sections/, one module each) in reading order; render.ts turns the
 * definition into bytes.
 *
 * Every name and key that came from reference data or an upload reaches pdfmake only as a plain `text`
 * string: never in SVG, markup, a style name or an image/URL field. Charts are pdfmake canvas vectors
 * whose geometry comes from charts.ts; their labels are text nodes placed with `relativePosition`.
 *
 * Kept lean on purpose, because pdfmake measures and draws every text run on its own and wraps a
 * paragraph word by word: text is unwrapped by default (`noWrap`: a label is one run), paragraphs are
 * broken into lines before pdfmake sees them (textfit.ts: a line is one run), each chart is one canvas,
 * and the tables are grids (blocks.ts: one canvas and a text per cell) rather than pdfmake tables.
 */
import { parsePeriod, periodNameId } from '../domain/period.ts';
import { displayName } from '../domain/regions.ts';
import { parseInstant } from './format.ts';
import type { BulletinInput } from './input.ts';
import { segmentView } from './insights.ts';
import type { Content, DocDefinition } from './pdfmake-types.ts';
import { BULLETIN_TITLE, COLORS, PAGE_MARGINS, t, type BulletinContext } from './sections/common.ts';
import { header } from './sections/header.ts';
import { headlineSummary } from './sections/headline.ts';
import { moversSection } from './sections/movers.ts';
import { notesSection } from './sections/notes.ts';
import { rankedBarsSection } from './sections/ranked-bars.ts';
import { markersFor, noMarks, subLevelOf, subRegionRows } from './sections/rows.ts';
import { segmentSection } from './sections/segments.ts';
import { subRegionTableSection } from './sections/sub-region-table.ts';
import { trendSection } from './sections/trend.ts';

export type { BulletinInput } from './input.ts';
export { BULLETIN_TITLE, CONTENT_WIDTH, shortName } from './sections/common.ts';

export function bulletinDefinition(input: BulletinInput): DocDefinition {
  const { region } = input;
  const context: BulletinContext = {
    input,
    name: displayName(region),
    month: periodNameId(input.period),
    year: parsePeriod(input.period).year,
    sub: subLevelOf(region.level),
  };
  const { name, month } = context;
  const created = parseInstant(input.generatedAt);

  // The region's own markers first: they take the first footnote numbers.
  const marks = noMarks();
  const parentMarkers = markersFor(region, name, marks);
  const { rows, missingNames } = subRegionRows(input, context.sub.level, marks);

  const reported = input.subRegions.filter((r) => r.source !== 'missing').length;
  const content: Content[] = [header(context, reported, rows.length)];
  if (rows.length === 0) {
    // A regency has no rows below it: a plain-language summary uses the room.
    content.push(headlineSummary(context));
  }
  const trend = trendSection(input);
  if (trend !== null) content.push(trend);
  if (rows.length > 0) {
    content.push(rankedBarsSection(context, rows));
    const movers = moversSection(context);
    if (movers !== null) content.push(movers);
  }
  // The region's own breakdown before the reference table of sub-regions.
  const segments = segmentView(region.details, region.active);
  if (segments !== null) content.push(segmentSection(segments));
  if (rows.length > 0) content.push(subRegionTableSection(context, rows, parentMarkers));
  // The notes close the bulletin together: a page of its own holds both rather than the definitions alone.
  content.push(notesSection(context, marks, missingNames));

  const edition = input.revision ? `${month} (Revisi)` : month;
  const footerText = `Buletin UCJ · ${name} · ${edition}`;

  return {
    pageSize: 'A4',
    pageOrientation: 'portrait',
    pageMargins: PAGE_MARGINS,
    language: 'id-ID',
    info: {
      title: `${BULLETIN_TITLE}: ${name}, ${edition}`,
      subject: `Cakupan peserta aktif BPJS Ketenagakerjaan ${name}, ${month}`,
      creator: 'ucj-bulletin',
      producer: 'ucj-bulletin (pdfmake)',
      creationDate: created,
      modDate: created,
    },
    content,
    styles: {
      th: { fontSize: 6.5, bold: true, color: COLORS.navy, noWrap: false },
    },
    // Unwrapped by default: one text run per label instead of one per word (see the file comment).
    defaultStyle: { font: 'Roboto', fontSize: 9, color: COLORS.ink, lineHeight: 1.1, noWrap: true },
    footer: (currentPage, pageCount) => ({
      columns: [
        t(footerText, { width: '*' }),
        t(`Halaman ${currentPage} dari ${pageCount}`, { width: 'auto', alignment: 'right' }),
      ],
      fontSize: 7,
      color: COLORS.muted,
      margin: [PAGE_MARGINS[0], 16, PAGE_MARGINS[2], 0],
    }),
  };
}
