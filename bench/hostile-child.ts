/**
 * Runs in its own process so its peak RSS is one validation's alone: reads one upload file, validates it
 * as validate-upload would, and prints the time, peak memory and error codes as JSON.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { loadRegionIndex } from '../lib/domain/regions.ts';
import { validateFigures } from '../lib/inputs/figures.ts';

const [file, period] = process.argv.slice(2) as [string, string | undefined];
const regions = await loadRegionIndex();
const started = performance.now();
const bytes = await readFile(file);
const result = await validateFigures(bytes, { fileName: basename(file), period, regions });
const seconds = (performance.now() - started) / 1000;
process.stdout.write(
  JSON.stringify({
    seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    ok: result.ok,
    rows: result.rowCount,
    codes: [...new Set(result.errors.map((error) => error.code))],
  }),
);
