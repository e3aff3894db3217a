/**
 * The upload corpus: real files as admins' tools write them (test/fixtures/uploads/good|bad), each with the
 * exact result it must give in expected.json (errors as [row, column, code], row = 1-based file line).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRegionIndex, type RegionIndex } from '../../lib/domain/regions.ts';
import type { Period } from '../../lib/domain/types.ts';
import { validateFigures } from '../../lib/inputs/figures.ts';
import type { ValidationIssue } from '../../lib/inputs/issues.ts';

type Triple = [number | null, string | null, string];
interface Expected {
  period: Period | null;
  ok: boolean;
  rows?: number;
  errors: Triple[];
  warnings?: Triple[];
}

const root = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/uploads');
const expected = JSON.parse(readFileSync(join(root, 'expected.json'), 'utf8')) as Record<string, Expected>;
const onDisk = ['good', 'bad'].flatMap((folder) => readdirSync(join(root, folder)).map((name) => `${folder}/${name}`)).sort();

let regions: RegionIndex;
beforeAll(async () => {
  regions = await loadRegionIndex();
});

const triples = (issues: ValidationIssue[]): Triple[] => issues.map((issue) => [issue.row, issue.column, issue.code]);

/** English words that must not appear in a message meant for Indonesian admins. */
const ENGLISH = /\b(invalid|error|errors|missing|empty|unknown|expected|must|should|not|the|column|row|file|value|number|duplicate|negative)\b/i;
/** Every message speaks of the file in Indonesian. */
const INDONESIAN = /\b(berkas|kolom|baris|kode|wilayah|nilai|periode|jumlah|tidak|bukan|desa|peserta|pekerja|cakupan|sel|larik)\b/i;

describe('upload corpus', () => {
  it('has at least 10 good and 30 bad files, each with exactly one entry in expected.json', () => {
    expect(onDisk.filter((file) => file.startsWith('good/')).length).toBeGreaterThanOrEqual(10);
    expect(onDisk.filter((file) => file.startsWith('bad/')).length).toBeGreaterThanOrEqual(30);
    expect(Object.keys(expected).sort()).toEqual(onDisk);
    for (const [file, entry] of Object.entries(expected)) {
      expect(entry.ok, file).toBe(file.startsWith('good/'));
      expect(entry.ok ? entry.errors.length === 0 : entry.errors.length > 0, file).toBe(true);
    }
  });

  for (const [file, entry] of Object.entries(expected)) {
    it(file, async () => {
      const bytes = readFileSync(join(root, file));
      const result = await validateFigures(bytes, { fileName: file.split('/').pop()!, period: entry.period ?? undefined, regions });
      expect(triples(result.errors)).toEqual(entry.errors);
      expect(triples(result.warnings)).toEqual(entry.warnings ?? []);
      expect(result.ok).toBe(entry.ok);
      if (entry.ok) {
        expect(result.rows).toHaveLength(entry.rows!);
        expect(result.rowCount).toBe(entry.rows);
      } else {
        expect(result.rows).toEqual([]);
      }
      for (const issue of [...result.errors, ...result.warnings]) {
        expect(issue.message.trim().length, issue.code).toBeGreaterThan(10);
        // Quoted text is the admin's own cell (`"#VALUE!"`), which may well be English.
        const words = issue.message.replace(/"[^"]*"/g, '');
        expect(words, issue.code).not.toMatch(ENGLISH);
        expect(words, issue.code).toMatch(INDONESIAN);
      }
    });
  }
});
