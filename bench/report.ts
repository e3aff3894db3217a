/** One benchmark figure, printed as one JSON line (docs/architecture.md, "Benchmarks"). */
export type Unit = 'ms' | 's' | 'mb' | 'kb' | 'count';

export function report(metric: string, value: number, unit: Unit, detail: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ metric, value: Number(value.toFixed(3)), unit, ...detail })}\n`);
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
