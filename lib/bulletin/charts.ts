/**
 * Chart geometry for bulletins, pure: scales, ticks and the points of lines and bars, in PDF points.
 * The sections (sections/) turn these into pdfmake canvas elements (vector drawing, no SVG) and detached text labels.
 *
 * Coordinates are rounded to two decimals so that content streams stay short and identical inputs give
 * identical bytes.
 */

export interface Point {
  x: number;
  y: number;
}

/** Rounds to two decimals (0.01 pt is far below what a printer or screen resolves). */
export function r2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** A linear map from `domain` onto `range`; values outside the domain are clamped to it. */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]): (value: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  if (!(d1 > d0)) throw new Error(`empty scale domain [${d0}, ${d1}]`);
  const k = (r1 - r0) / (d1 - d0);
  return (value) => r2(r0 + (Math.min(Math.max(value, d0), d1) - d0) * k);
}

/** The step of "nice" ticks (1, 2, 2.5 or 5 times a power of ten) giving at most `maxTicks` intervals over `span`. */
export function niceStep(span: number, maxTicks: number): number {
  if (!(span > 0) || !(maxTicks >= 1)) throw new Error(`niceStep needs a positive span and tick count, got ${span}, ${maxTicks}`);
  const raw = span / maxTicks;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) {
    // A hair of tolerance so that e.g. 0.3/3 is taken as 0.1 despite floating point.
    if (m * power >= raw * (1 - 1e-9)) return m * power;
  }
  return 10 * power;
}

export interface Axis {
  min: number;
  max: number;
  step: number;
  ticks: number[];
}

/**
 * A value axis covering `values` (nulls ignored) with nice ticks. `floor` and `ceiling` keep the axis from
 * rounding out past a bound (0 and 100 for percentages) unless the data itself does; `includeZero` starts
 * it at zero (bar charts, where bar length must be honest).
 * Values all equal still give a usable axis around them.
 */
export function valueAxis(
  values: ReadonlyArray<number | null>,
  options: { maxTicks?: number; includeZero?: boolean; floor?: number; ceiling?: number } = {},
): Axis {
  const maxTicks = options.maxTicks ?? 5;
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  let lo = present.length > 0 ? Math.min(...present) : 0;
  let hi = present.length > 0 ? Math.max(...present) : 1;
  if (options.includeZero) lo = Math.min(lo, 0);
  if (hi - lo < 1e-9) {
    // A flat series: give it some room either side.
    const pad = Math.max(Math.abs(hi) * 0.05, 1);
    lo -= pad;
    hi += pad;
  }
  let step = niceStep(hi - lo, maxTicks);
  // Rounding the ends out to whole steps can add an interval: then take the next nice step.
  while (Math.ceil(hi / step - 1e-9) - Math.floor(lo / step + 1e-9) > maxTicks) step = niceStep(step * 1.01, 1);
  let min = Math.floor(lo / step + 1e-9) * step;
  let max = Math.ceil(hi / step - 1e-9) * step;
  // Floor and ceiling stop the rounding out, never cut data: a coverage over 100% still shows where it is.
  if (options.floor !== undefined && min < options.floor && lo >= options.floor) min = options.floor;
  if (options.ceiling !== undefined && max > options.ceiling && hi <= options.ceiling) max = options.ceiling;
  if (max <= min) max = min + step;
  const ticks: number[] = [];
  // Built from integer multiples so that 0.1 + 0.2 never shows up as a tick.
  for (let i = Math.round(min / step); i * step <= max + step * 1e-9; i += 1) ticks.push(Number((i * step).toPrecision(12)));
  return { min, max, step, ticks };
}

/**
 * The runs of a series with gaps: each run is the points of consecutive non-null values. A run of one point
 * is kept (drawn as a dot), so that an isolated month is not lost.
 */
export function seriesRuns(values: ReadonlyArray<number | null>, x: (index: number) => number, y: (value: number) => number): Point[][] {
  const runs: Point[][] = [];
  let current: Point[] | null = null;
  values.forEach((value, index) => {
    if (value === null || !Number.isFinite(value)) {
      current = null;
      return;
    }
    if (current === null) {
      current = [];
      runs.push(current);
    }
    current.push({ x: x(index), y: y(value) });
  });
  return runs;
}

export interface StepSegment {
  value: number;
  x1: number;
  x2: number;
  y: number;
}

/**
 * A stepped line for a value that holds over runs of months (an annual target): one horizontal segment per
 * run of equal, non-null values, reaching half a slot either side of the run's first and last points and
 * clamped to [left, right].
 */
export function stepSegments(
  values: ReadonlyArray<number | null>,
  x: (index: number) => number,
  y: (value: number) => number,
  slot: number,
  bounds: { left: number; right: number },
): StepSegment[] {
  const segments: StepSegment[] = [];
  let start = -1;
  for (let i = 0; i <= values.length; i += 1) {
    const value = i < values.length ? values[i]! : null;
    const open = start >= 0 ? values[start]! : null;
    if (open !== null && value === open) continue;
    if (open !== null) {
      segments.push({
        value: open,
        x1: r2(Math.max(bounds.left, x(start) - slot / 2)),
        x2: r2(Math.min(bounds.right, x(i - 1) + slot / 2)),
        y: y(open),
      });
    }
    start = value === null ? -1 : i;
  }
  return segments;
}

/**
 * Index positions of `count` evenly spread slots across [left, right], first and last at the edges (a line
 * chart's months).
 */
export function slotPositions(count: number, left: number, right: number): (index: number) => number {
  if (count < 1) throw new Error('slotPositions needs at least one slot');
  if (count === 1) return () => r2((left + right) / 2);
  const step = (right - left) / (count - 1);
  return (index) => r2(left + index * step);
}

/**
 * Which of `count` slots get a label: every `every`-th slot counted back from the last, so that the newest
 * month is always labelled.
 */
export function labelledSlots(count: number, every: number): number[] {
  const slots: number[] = [];
  for (let i = count - 1; i >= 0; i -= every) slots.unshift(i);
  return slots;
}

export interface Bar {
  /** Bar length from the axis origin, at least `minLength` for a value that is present. */
  length: number;
  /** Where the marker (target) sits, or null. */
  marker: number | null;
}

/** Horizontal bars from 0 on `scale`; a present but tiny value still shows as a sliver. */
export function bars(
  rows: ReadonlyArray<{ value: number | null; marker: number | null }>,
  scale: (value: number) => number,
  minLength = 0.5,
): Array<Bar | null> {
  return rows.map((row) =>
    row.value === null ? null : { length: Math.max(scale(row.value) - scale(0), minLength), marker: row.marker === null ? null : scale(row.marker) },
  );
}

/** Shares of a whole, for a stacked bar: each part's offset and width across `width`, nulls and zeros dropped. */
export function stackedParts<K extends string>(
  parts: ReadonlyArray<{ key: K; value: number | null }>,
  width: number,
): Array<{ key: K; x: number; w: number; share: number }> {
  const present = parts.filter((p): p is { key: K; value: number } => p.value !== null && p.value > 0);
  const total = present.reduce((sum, p) => sum + p.value, 0);
  if (total <= 0) return [];
  let offset = 0;
  return present.map((p) => {
    const share = p.value / total;
    const x = r2(offset * width);
    offset += share;
    return { key: p.key, x, w: r2(offset * width) - x, share };
  });
}
