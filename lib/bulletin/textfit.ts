/**
 * Line breaking for bulletin paragraphs, pure, from Roboto's advance widths.
 *
 * pdfmake wraps a paragraph by splitting it into one text run per word, and measures and draws each word
 * on its own: a bulletin's notes alone were a third of its rendering time. Breaking the lines here, once,
 * turns each line into a single unwrapped run. Widths are the sum of the glyphs' advance widths, which
 * never falls short of pdfkit's (kerning only narrows Roboto's text); the test checks the tables against
 * the font files and every broken line against pdfkit's own measure.
 */

/** Advance widths (font units, 2048 per em) of U+0020–U+007E and then of EXTRA, per face. */
const ASCII_AND_EXTRA = {
  regular: [
    508, 528, 656, 1261, 1151, 1500, 1274, 358, 701, 713, 882, 1162, 403, 566, 540, 845, 1151, 1151, 1151, 1151, 1151, 1151, 1151, 1151,
    1151, 1151, 496, 433, 1041, 1124, 1071, 968, 1839, 1336, 1276, 1333, 1344, 1164, 1132, 1395, 1461, 557, 1130, 1285, 1103, 1788, 1461,
    1409, 1292, 1409, 1262, 1216, 1222, 1328, 1304, 1817, 1284, 1230, 1227, 543, 841, 543, 856, 924, 633, 1114, 1150, 1072, 1155, 1086,
    712, 1150, 1128, 498, 490, 1038, 498, 1796, 1131, 1168, 1150, 1164, 694, 1057, 670, 1129, 992, 1539, 1016, 969, 1016, 693, 500, 693,
    1393, 1344, 1171, 1599, 535, 1170, 1093, 1071, 1041, 1237, 492, 1370, 410, 1086,
  ],
  bold: [
    509, 542, 654, 1235, 1164, 1508, 1313, 343, 709, 716, 908, 1137, 458, 696, 569, 799, 1164, 1164, 1164, 1164, 1164, 1164, 1164, 1164,
    1164, 1164, 540, 491, 1042, 1152, 1064, 996, 1837, 1358, 1293, 1337, 1337, 1157, 1128, 1395, 1453, 580, 1138, 1294, 1106, 1791, 1453,
    1411, 1307, 1411, 1289, 1240, 1248, 1340, 1322, 1803, 1293, 1251, 1235, 556, 853, 556, 878, 917, 656, 1104, 1151, 1069, 1154, 1097,
    723, 1161, 1138, 522, 514, 1068, 522, 1784, 1140, 1162, 1151, 1159, 724, 1054, 682, 1139, 1016, 1520, 1030, 1003, 1030, 683, 509, 683,
    1357, 1315, 1152, 1578, 580, 1169, 1090, 1064, 1042, 1237, 504, 1450, 442, 1097,
  ],
} as const;

/**
 * The non-ASCII characters bulletins use, in the order of their widths above. Also the end of the glyph
 * repertoire every font subset starts with (pdf-engine-patches.ts): a change here changes the PDFs' bytes.
 */
export const EXTRA_CHARACTERS = '–−—·÷×≥≤■¦…’é';

const UNITS_PER_EM = 2048;
/** Any other character is taken as wide as Roboto's widest common glyph (`W`, `@`), so a line never overflows. */
const UNKNOWN_WIDTH = 1840;

function table(face: 'regular' | 'bold'): Map<number, number> {
  const widths = ASCII_AND_EXTRA[face];
  const map = new Map<number, number>();
  for (let i = 0; i < 95; i += 1) map.set(32 + i, widths[i]!);
  [...EXTRA_CHARACTERS].forEach((c, i) => map.set(c.codePointAt(0)!, widths[95 + i]!));
  return map;
}

const WIDTHS = { regular: table('regular'), bold: table('bold') };

/** The width in points of `text` at `fontSize`: an upper bound of what pdfkit lays out. */
export function textWidth(text: string, fontSize: number, bold = false): number {
  const widths = bold ? WIDTHS.bold : WIDTHS.regular;
  let units = 0;
  for (const char of text) units += widths.get(char.codePointAt(0)!) ?? UNKNOWN_WIDTH;
  return (units * fontSize) / UNITS_PER_EM;
}

/** A run of text in one style. `sup` is drawn at 58% size, as pdfmake does. */
export interface Run {
  text: string;
  bold?: boolean;
  sup?: boolean;
  color?: string;
}

function sameStyle(a: Run, b: Run): boolean {
  return a.bold === b.bold && a.sup === b.sup && a.color === b.color;
}

/**
 * Breaks runs into lines no wider than `width` at `fontSize`, at spaces (a space ending a line is dropped).
 * A word wider than a line stands on a line of its own. Each line's adjacent runs of one style are merged.
 */
export function breakRuns(runs: readonly Run[], width: number, fontSize: number): Run[][] {
  // Words keep their trailing space: "Cakupan " then "= ".
  const words: Run[] = [];
  for (const run of runs) {
    for (const match of run.text.matchAll(/[^ ]+ *| +/g)) words.push({ ...run, text: match[0] });
  }
  const lines: Run[][] = [];
  let line: Run[] = [];
  let used = 0;
  const size = (w: Run) => (w.sup ? fontSize * 0.58 : fontSize);
  for (const word of words) {
    const trimmed = word.text.replace(/ +$/, '');
    const full = textWidth(word.text, size(word), word.bold);
    const visible = textWidth(trimmed, size(word), word.bold);
    if (line.length > 0 && used + visible > width) {
      lines.push(line);
      line = [];
      used = 0;
    }
    if (line.length === 0 && trimmed === '') continue;
    const last = line[line.length - 1];
    if (last !== undefined && sameStyle(last, word)) last.text += word.text;
    else line.push({ ...word });
    used += full;
  }
  if (line.length > 0) lines.push(line);
  for (const l of lines) {
    const last = l[l.length - 1]!;
    last.text = last.text.replace(/ +$/, '');
  }
  return lines;
}
