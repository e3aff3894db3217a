/**
 * Seeded pseudo-random numbers, for the sample dataset and for injected faults. Every stream is keyed by the seed and a label
 * (a region code, a year, a month…), so a region's figures for a month do not depend on which other
 * months or regions were generated: the same options always give byte-identical files.
 */

/** mulberry32: a small, fast 32-bit generator; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over the UTF-16 code units of `text`, finished with a murmur3-style mix. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number;
  /** Normal with the given mean and standard deviation (Box–Muller). */
  normal(mean?: number, sd?: number): number;
  /** An integer in [0, n). */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
}

/** A generator for the stream named by `seed` and `labels`. */
export function randomFor(seed: number, ...labels: Array<string | number>): Random {
  const next = mulberry32(hash32(`${seed}|${labels.join('|')}`));
  // Let the first outputs of nearby seeds drift apart.
  next();
  next();
  const random: Random = {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    normal: (mean = 0, sd = 1) => {
      const u = 1 - next(); // (0, 1]
      const v = next();
      return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    int: (n) => Math.floor(next() * n),
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
  };
  return random;
}
