/**
 * Properties of the month's numbers (docs/architecture.md, "The numbers"), for any input rather than chosen ones:
 * aggregation sums numerators and denominators; `ucj compute` does not care how rows are spread over files
 * or in which dialect they are written; a past month never looks at later months; more participants never
 * make a status worse.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeMonth, groupCode, type PastFigures, type ReportedFigures, type TargetFigures } from '../../lib/domain/compute.ts';
import { addMonths } from '../../lib/domain/period.ts';
import { smallRegions } from './compute-fixtures.ts';
import { buildRegionIndex, loadRegionIndex, type RegionIndex } from '../../lib/domain/regions.ts';
import type { Period, RegionFigures, Status } from '../../lib/domain/types.ts';
import { computeFromFiles, type InputFile } from '../../lib/jobs/compute-files.ts';

const small = smallRegions;

let real: RegionIndex;
/** Three real provinces with all their regencies: real codes, and a month computes in well under a millisecond. */
let three: RegionIndex;
beforeAll(async () => {
  real = await loadRegionIndex();
  const provinces = real.provinces.filter((p) => ['18', '51', '64'].includes(p.code));
  three = buildRegionIndex(
    provinces,
    provinces.flatMap((p) => real.regenciesOf(p.code).map((r) => ({ code: r.code, province_code: p.code, name: r.name }))),
  );
});

const codesOf = (index: RegionIndex) => [...index.provinces, ...index.regencies].map((r) => r.code);
/** Province codes and the codes of their first few regencies: rows that meet in the same province. */
const focusCodes = (index: RegionIndex, provinces: string[], perProvince: number) =>
  provinces.flatMap((p) => [p, ...index.regenciesOf(p).slice(0, perProvince).map((r) => r.code)]);

const count = fc.oneof(fc.nat(999), fc.nat(5_000_000));
const positive = fc.oneof(fc.integer({ min: 1, max: 999 }), fc.integer({ min: 1, max: 5_000_000 }));

interface GeneratedRow {
  code: string;
  active: number;
  eligible: number | null;
}
interface GeneratedPast {
  code: string;
  back: number;
  active: number;
  eligible: number;
  /** How many months before its own month the snapshot's denominator was counted (0: its own). */
  carriedBack: number;
}

const reportedMap = (list: readonly GeneratedRow[]) =>
  new Map<string, ReportedFigures>(list.map((r) => [r.code, { code: r.code, active: r.active, eligible: r.eligible }]));

function historyMap(period: Period, list: readonly GeneratedPast[]): Map<Period, Map<string, PastFigures>> {
  const history = new Map<Period, Map<string, PastFigures>>();
  for (const p of list) {
    const month = addMonths(period, -p.back);
    const byCode = history.get(month) ?? new Map<string, PastFigures>();
    byCode.set(p.code, { active: p.active, eligible: p.eligible, eligibleFrom: p.carriedBack === 0 ? null : addMonths(month, -p.carriedBack) });
    history.set(month, byCode);
  }
  return history;
}

const allFigures = (m: { national: RegionFigures; provinces: RegionFigures[]; regencies: RegionFigures[]; groups: RegionFigures[] }) => [
  m.national,
  ...m.provinces,
  ...m.regencies,
  ...m.groups,
];

/** Coverage as the E-weighted mean of the parts' coverage: what an aggregate must equal. */
const weightedCoverage = (parts: readonly RegionFigures[]) =>
  parts.reduce((sum, p) => sum + p.coveragePct! * p.eligible!, 0) / parts.reduce((sum, p) => sum + p.eligible!, 0);
const sum = (parts: readonly RegionFigures[], key: 'active' | 'eligible') => parts.reduce((s, p) => s + p[key]!, 0);

describe('aggregation', () => {
  it('sums numerators and denominators at every level, and every coverage is 100 × A / E (small and real index)', () => {
    const scenario = fc
      .record({ which: fc.constantFrom('small', 'real'), month: fc.integer({ min: 1, max: 12 }) })
      .chain(({ which, month }) => {
        const index = which === 'small' ? small : real;
        const focus = which === 'small' ? codesOf(small) : focusCodes(real, ['18', '51', '64', '91'], 5);
        const code = fc.oneof(fc.constantFrom(...focus), fc.constantFrom(...codesOf(index)));
        return fc.record({
          which: fc.constant(which),
          period: fc.constant(`2025-${String(month).padStart(2, '0')}`),
          rows: fc.uniqueArray(fc.record({ code, active: count, eligible: fc.option(positive, { nil: null, freq: 3 }) }), {
            selector: (r) => r.code,
            maxLength: 60,
          }),
          past: fc.uniqueArray(
            fc.record({ code, back: fc.integer({ min: 1, max: 14 }), active: count, eligible: positive, carriedBack: fc.oneof(fc.constant(0), fc.nat(12)) }),
            { selector: (p) => `${p.code}|${p.back}`, maxLength: 20 },
          ),
          groups: fc.array(fc.subarray(index.provinces.slice(0, 6).map((p) => p.code)), { maxLength: 3 }),
        });
      });
    fc.assert(
      fc.property(scenario, ({ which, period, rows, past, groups }) => {
        const index = which === 'small' ? small : real;
        // Prepare
        const reported = reportedMap(rows);
        const history = historyMap(period, past);
        const groupMap = new Map(groups.map((members, i) => [`Kelompok ${i + 1}`, members]));
        // Act
        const month = computeMonth({ period, regions: index, reported, targets: new Map(), history, groups: groupMap });
        // Assess
        const byCode = new Map(allFigures(month).map((f) => [f.code, f]));
        // Where a region's denominator should come from: its row, else the latest snapshot within 12 months
        // whose figure was counted no more than 12 months before.
        const expectedEligible = (code: string): { eligible: number; from: Period | null } | undefined => {
          const row = reported.get(code)!;
          if (row.eligible !== null) return { eligible: row.eligible, from: null };
          for (let back = 1; back <= 12; back += 1) {
            const earlier = addMonths(period, -back);
            const snapshot = history.get(earlier)?.get(code);
            if (snapshot && (snapshot.eligibleFrom ?? earlier) >= addMonths(period, -12)) return { eligible: snapshot.eligible, from: snapshot.eligibleFrom ?? earlier };
          }
          return undefined;
        };
        for (const f of byCode.values()) {
          if (f.active === null) {
            expect([f.eligible, f.coveragePct, f.source]).toEqual([null, null, 'missing']);
          } else {
            expect(f.coveragePct).toBe((100 * f.active) / f.eligible!);
          }
        }
        for (const regency of index.regencies) {
          const f = byCode.get(regency.code)!;
          const own = reported.has(regency.code) ? expectedEligible(regency.code) : undefined;
          if (own) expect([f.active, f.eligible, f.eligibleFrom, f.source]).toEqual([reported.get(regency.code)!.active, own.eligible, own.from, 'reported']);
          else expect(f.source).toBe('missing');
        }
        for (const province of index.provinces) {
          const f = byCode.get(province.code)!;
          const parts = index.regenciesOf(province.code).map((r) => byCode.get(r.code)!).filter((r) => r.active !== null);
          const own = reported.has(province.code) ? expectedEligible(province.code) : undefined;
          if (own) {
            expect([f.active, f.eligible, f.source]).toEqual([reported.get(province.code)!.active, own.eligible, 'reported']);
          } else if (parts.length > 0) {
            expect([f.active, f.eligible, f.source]).toEqual([sum(parts, 'active'), sum(parts, 'eligible'), 'aggregated']);
            expect(f.coveragePct).toBeCloseTo(weightedCoverage(parts), 8);
            // Missing: each regency without figures in a province reported by its regencies.
            for (const r of index.regenciesOf(province.code)) expect(month.missing.includes(r.code)).toBe(byCode.get(r.code)!.active === null);
          } else {
            expect(f.source).toBe('missing');
            expect(month.missing).toContain(province.code);
          }
        }
        const provinces = month.provinces.filter((p) => p.active !== null);
        if (provinces.length === 0) {
          expect(month.national.active).toBeNull();
        } else {
          expect([month.national.active, month.national.eligible]).toEqual([sum(provinces, 'active'), sum(provinces, 'eligible')]);
          expect(month.national.coveragePct).toBeCloseTo(weightedCoverage(provinces), 8);
        }
        for (const [name, members] of groupMap) {
          const f = byCode.get(groupCode(name))!;
          const parts = members.map((code) => byCode.get(code)!).filter((p) => p.active !== null);
          if (parts.length === 0) expect(f.active).toBeNull();
          else expect([f.active, f.eligible]).toEqual([sum(parts, 'active'), sum(parts, 'eligible')]);
        }
      }),
      { numRuns: 150 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// `ucj compute` from files

interface FileRow {
  code: string;
  month: Period;
  active: number;
  eligible: number | null;
  /** Which of up to four files the row goes to. */
  file: number;
}

interface Dialect {
  kind: 'csv' | 'json';
  delimiter: ',' | ';' | '\t';
  grouping: 'plain' | 'dot' | 'comma' | 'space';
  encoding: 'utf8' | 'utf8-bom' | 'utf16le-bom';
  crlf: boolean;
  /** Alias index and letter case for each header. */
  aliases: [number, number, number, number];
  headerCase: 'lower' | 'upper' | 'title';
  /** Columns written in reverse order, with an ignored name column. */
  reversed: boolean;
  /** JSON: counts as numbers (else as grouped text), and a missing denominator as null (else left out). */
  jsonNumbers: boolean;
  jsonNull: boolean;
}

const ALIASES = {
  code: ['kode_wilayah', 'kode', 'kode_kemendagri', 'kode wilayah'],
  period: ['periode', 'bulan', 'periode', 'bulan'],
  eligible: ['pekerja', 'jumlah_pekerja', 'penduduk_bekerja', 'jumlah pekerja'],
  active: ['peserta_aktif', 'peserta', 'peserta aktif', 'peserta_aktif'],
} as const;

const dialect: fc.Arbitrary<Dialect> = fc.record({
  kind: fc.constantFrom('csv', 'csv', 'json'),
  delimiter: fc.constantFrom(',', ';', '\t'),
  grouping: fc.constantFrom('plain', 'dot', 'comma', 'space'),
  encoding: fc.constantFrom('utf8', 'utf8-bom', 'utf16le-bom'),
  crlf: fc.boolean(),
  aliases: fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3), fc.nat(3)),
  headerCase: fc.constantFrom('lower', 'upper', 'title'),
  reversed: fc.boolean(),
  jsonNumbers: fc.boolean(),
  jsonNull: fc.boolean(),
});

const PLAIN: Dialect = {
  kind: 'csv', delimiter: ',', grouping: 'plain', encoding: 'utf8', crlf: false, aliases: [0, 0, 0, 0],
  headerCase: 'lower', reversed: false, jsonNumbers: true, jsonNull: true,
};

function formatCount(n: number, grouping: Dialect['grouping']): string {
  const separator = { plain: '', dot: '.', comma: ',', space: ' ' }[grouping];
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, separator);
}

function header(name: string, style: Dialect['headerCase']): string {
  if (style === 'upper') return name.toUpperCase();
  if (style === 'title') return name.replace(/(^|[ _])([a-z])/g, (_, sep: string, c: string) => sep + c.toUpperCase());
  return name;
}

function encode(text: string, encoding: Dialect['encoding']): Uint8Array {
  if (encoding === 'utf8') return new TextEncoder().encode(text);
  if (encoding === 'utf8-bom') return new TextEncoder().encode(`\uFEFF${text}`);
  return new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
}

function writeFile(rows: readonly FileRow[], d: Dialect, name: string): InputFile {
  const h = {
    code: header(ALIASES.code[d.aliases[0]]!, d.headerCase),
    period: header(ALIASES.period[d.aliases[1]]!, d.headerCase),
    eligible: header(ALIASES.eligible[d.aliases[2]]!, d.headerCase),
    active: header(ALIASES.active[d.aliases[3]]!, d.headerCase),
  };
  if (d.kind === 'json') {
    const value = (n: number) => (d.jsonNumbers ? n : formatCount(n, d.grouping));
    const objects = rows.map((r) => {
      const o: Record<string, unknown> = { [h.code]: r.code, [h.period]: r.month, [h.active]: value(r.active) };
      if (r.eligible !== null) o[h.eligible] = value(r.eligible);
      else if (d.jsonNull) o[h.eligible] = null;
      if (d.reversed) o.nama_wilayah = `wilayah ${r.code}`;
      return o;
    });
    return { name: `${name}.json`, bytes: encode(JSON.stringify(d.reversed ? objects.reverse() : objects, null, d.crlf ? 2 : 0), d.encoding) };
  }
  const cell = (text: string) => (text.includes(d.delimiter) || text.includes('"') ? `"${text.replace(/"/g, '""')}"` : text);
  type Column = [title: string, value: (r: FileRow) => string];
  let columns: Column[] = [
    [h.code, (r) => r.code],
    [h.period, (r) => r.month],
    [h.eligible, (r) => (r.eligible === null ? '' : formatCount(r.eligible, d.grouping))],
    [h.active, (r) => formatCount(r.active, d.grouping)],
  ];
  if (d.reversed) columns = [['nama_wilayah', (r: FileRow) => `wilayah ${r.code}`] as Column, ...columns].reverse();
  const lines = [columns.map(([title]) => cell(title)), ...rows.map((r) => columns.map(([, value]) => cell(value(r))))];
  const eol = d.crlf ? '\r\n' : '\n';
  return { name: `${name}.csv`, bytes: encode(lines.map((line) => line.join(d.delimiter)).join(eol) + eol, d.encoding) };
}

/** The rows split over files by each row's `file`, in the given file order, each file in its own dialect. */
function splitFiles(rows: readonly FileRow[], dialects: readonly Dialect[], order: readonly number[]): InputFile[] {
  return order.flatMap((file) => {
    const mine = rows.filter((r) => r.file === file);
    return mine.length === 0 ? [] : [writeFile(mine, dialects[file]!, `angka-${file}`)];
  });
}

const MONTHS = ['2024-10', '2024-11', '2024-12', '2025-01', '2025-02', '2025-03'];
const TARGETS = [
  'kode_wilayah;tahun;target_persen;target_peserta',
  'nasional;2025;40,5;',
  '18;2025;38,39;1.149.447',
  '51;2025;67,28;',
  '64;2025;45;',
  '18.01;2025;35;',
  '51;2024;60;',
  '64.71;2024;50;',
].join('\n');
const GROUPS = 'kelompok,kode_wilayah\nSumbagsel,18\nGabungan,18\nGabungan,51\nGabungan,64\n';
const textFile = (name: string, text: string): InputFile => ({ name, bytes: new TextEncoder().encode(text) });

/** Rows of several months for a few provinces' regencies (and Bali's own row), no (region, month) twice. */
const fileRows = () =>
  fc.uniqueArray(
    fc.record({
      code: fc.constantFrom(...focusCodes(three, ['18', '51', '64'], 4).filter((c) => c !== '18' && c !== '64')),
      month: fc.constantFrom(...MONTHS),
      active: count,
      eligible: fc.option(positive, { nil: null, freq: 3 }),
      file: fc.nat(3),
    }),
    { selector: (r) => `${r.code}|${r.month}`, minLength: 1, maxLength: 40 },
  );
/** An order of the four files. */
const fileOrder = fc.array(fc.double({ noNaN: true }), { minLength: 4, maxLength: 4 }).map((keys) => [0, 1, 2, 3].sort((a, b) => keys[a]! - keys[b]! || a - b));

async function computeJson(period: Period, files: InputFile[]): Promise<string> {
  const result = await computeFromFiles({
    period,
    files,
    targets: textFile('targets.csv', TARGETS),
    groups: textFile('groups.csv', GROUPS),
    regions: three,
  });
  if (!result.ok) throw new Error(`files rejected: ${JSON.stringify(result.fileErrors)}`);
  return JSON.stringify(result);
}

describe('computeFromFiles', () => {
  it('gives the same result whatever the order of the files, the split of rows over them and their dialect', async () => {
    await fc.assert(
      fc.asyncProperty(fileRows(), fc.array(dialect, { minLength: 4, maxLength: 4 }), fileOrder, async (rows, dialects, order) => {
        // Prepare: the reference is one plain CSV, rows sorted by month and code.
        const sorted = [...rows].sort((a, b) => a.month.localeCompare(b.month) || a.code.localeCompare(b.code));
        const reference = await computeJson('2025-03', [writeFile(sorted, PLAIN, 'semua')]);
        // Act
        const split = await computeJson('2025-03', splitFiles(rows, dialects, order));
        // Assess
        expect(split).toBe(reference);
      }),
      { numRuns: 100 },
    );
  });

  it('computes a past month from that month and earlier ones only', async () => {
    await fc.assert(
      fc.asyncProperty(fileRows(), fc.constantFrom(...MONTHS), fc.array(dialect, { minLength: 4, maxLength: 4 }), fileOrder, async (rows, period, dialects, order) => {
        // Prepare
        const upToPeriod = rows.filter((r) => r.month <= period);
        // Act
        const withLater = await computeJson(period, splitFiles(rows, dialects, order));
        const without = await computeJson(period, splitFiles(upToPeriod, dialects, order));
        // Assess
        expect(withLater).toBe(without);
      }),
      { numRuns: 100 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// Status

const STATUS_ORDER: Record<Exclude<Status, 'no_target'>, number> = { off_track: 0, at_risk: 1, on_track: 2, achieved: 3 };

describe('status', () => {
  it('never gets worse when a region has more active participants, all else equal', () => {
    const codes = [...codesOf(small), 'nasional'];
    const groups = new Map([['Gabungan', ['18', '51']]]);
    // Two-decimal targets, some near the coverage the counts below give.
    const target = fc.record({
      targetPct: fc.integer({ min: 0, max: 10_000 }).map((n) => n / 100),
      targetActive: fc.option(fc.nat(2_000), { nil: null }),
    });
    const scenario = fc.record({
      month: fc.integer({ min: 1, max: 12 }),
      rows: fc.uniqueArray(fc.record({ code: fc.constantFrom(...codesOf(small)), active: fc.nat(2_000), eligible: fc.option(fc.integer({ min: 1, max: 2_000 }), { nil: null, freq: 4 }) }), {
        selector: (r) => r.code,
        minLength: 1,
      }),
      past: fc.uniqueArray(
        fc.record({ code: fc.constantFrom(...codes, groupCode('Gabungan')), back: fc.constantFrom(1, 2, 3, 12), active: fc.nat(2_000), eligible: fc.integer({ min: 1, max: 2_000 }), carriedBack: fc.constant(0) }),
        { selector: (p) => `${p.code}|${p.back}` },
      ),
      targets: fc.dictionary(fc.constantFrom(...codes), target),
      pick: fc.nat(),
      raise: fc.integer({ min: 1, max: 500 }),
    });
    fc.assert(
      fc.property(scenario, ({ month, rows, past, targets, pick, raise }) => {
        // Prepare
        const period = `2025-${String(month).padStart(2, '0')}`;
        const history = historyMap(period, past);
        const targetMap = new Map<string, TargetFigures>(Object.entries(targets));
        const raised = rows.map((r, i) => (i === pick % rows.length ? { ...r, active: r.active + raise } : r));
        // Act
        const before = computeMonth({ period, regions: small, reported: reportedMap(rows), targets: targetMap, history, groups });
        const after = computeMonth({ period, regions: small, reported: reportedMap(raised), targets: targetMap, history, groups });
        // Assess: every region, the raised one and every total it is part of.
        const afterByCode = new Map(allFigures(after).map((f) => [f.code, f.status]));
        for (const f of allFigures(before)) {
          const later = afterByCode.get(f.code)!;
          // A region without figures (status null) or without a target has no order to compare.
          if (f.status === null || later === null || f.status === 'no_target' || later === 'no_target') expect(later).toBe(f.status);
          else expect(STATUS_ORDER[later]).toBeGreaterThanOrEqual(STATUS_ORDER[f.status]);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('agrees with exact arithmetic at the thresholds (two-decimal targets, whole counts)', () => {
    // The exact rules, in integers: coverage and projection in hundredths of a percent, times the common
    // denominator. projectedActive = A + (A − T) × m / k, so 100 × 100 × (kA + (A − T)m) ≥ n × kE means projected ≥ n / 100 %.
    const scenario = fc
      .record({
        month: fc.integer({ min: 1, max: 12 }),
        eligible: fc.constantFrom(100, 200, 400, 500, 1000, 2000, 2500, 5000, 10_000, 20_000),
        back: fc.constantFrom(1, 2, 3),
        anchor: fc.constantFrom('coverage', 'projected', 'projected+2', 'random'),
        nudge: fc.constantFrom(-1, 0, 0, 0, 1),
        random: fc.integer({ min: 0, max: 10_000 }),
      })
      .chain((s) =>
        fc.record({ active: fc.nat(s.eligible), then: fc.nat(s.eligible) }).map((counts) => ({ ...s, ...counts })),
      );
    fc.assert(
      fc.property(scenario, ({ month, eligible: e, back: k, anchor, nudge, random, active: a, then: t }) => {
        // Prepare
        const period = `2025-${String(month).padStart(2, '0')}`;
        const m = 12 - month;
        const projectedScaled = 10_000 * (k * a + (a - t) * m); // compare with n × k × E
        const hundredths = {
          coverage: Math.floor((10_000 * a) / e),
          projected: Math.floor(projectedScaled / (k * e)),
          'projected+2': Math.floor(projectedScaled / (k * e)) + 200,
          random,
        }[anchor];
        const n = Math.min(10_000, Math.max(0, hundredths + nudge));
        const expected: Status =
          10_000 * a >= n * e ? 'achieved'
          : projectedScaled >= n * k * e ? 'on_track'
          : projectedScaled >= (n - 200) * k * e ? 'at_risk'
          : 'off_track';
        // Act
        const result = computeMonth({
          period,
          regions: small,
          reported: reportedMap([{ code: '64', active: a, eligible: e }]),
          targets: new Map([['64', { targetPct: n / 100, targetActive: null }]]),
          history: historyMap(period, [{ code: '64', back: k, active: t, eligible: e, carriedBack: 0 }]),
        });
        // Assess
        expect(result.provinces.find((p) => p.code === '64')!.status).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });
});
