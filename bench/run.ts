/**
 * `npm run bench`: every figure the issues name, one JSON line each. Benchmarks report; they never fail tests.
 * Each group is loaded when it runs, so a group measures a process holding only what it needs (the
 * local stack's emulators are a large module graph, and its heap slowed `computeMonth` by a sixth).
 */

const benches: Array<[string, () => Promise<void>]> = [
  ['validate', async () => (await import('./validate.ts')).benchValidate()],
  ['numbers', async () => (await import('./numbers.ts')).benchNumbers()],
  ['bulletin', async () => (await import('./bulletin.ts')).benchBulletin()],
  ['delivery', async () => (await import('./delivery.ts')).benchDelivery()],
  ['infra', async () => (await import('./infra.ts')).benchInfra()],
  ['faults', async () => (await import('./faults.ts')).benchFaults()],
  ['scale', async () => (await import('./scale.ts')).benchScale()],
  ['hostile', async () => (await import('./hostile.ts')).benchHostile()],
  ['upload', async () => (await import('./upload.ts')).benchUpload()],
  ['portal', async () => (await import('./portal.ts')).benchPortal()],
];

const only = process.argv.slice(2);
for (const [name, bench] of benches) {
  if (only.length > 0 && !only.includes(name)) continue;
  await bench();
}
