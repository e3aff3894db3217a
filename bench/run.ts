/** `npm run bench`: every figure the issues name, one JSON line each. Benchmarks report; they never fail tests. */
import { benchValidate } from './validate.ts';
import { benchNumbers } from './numbers.ts';
import { benchBulletin } from './bulletin.ts';
import { benchDelivery } from './delivery.ts';
import { benchInfra } from './infra.ts';
import { benchFaults } from './faults.ts';
import { benchScale } from './scale.ts';
import { benchHostile } from './hostile.ts';
import { benchUpload } from './upload.ts';

const benches: Array<[string, () => Promise<void>]> = [
  ['validate', benchValidate],
  ['numbers', benchNumbers],
  ['bulletin', benchBulletin],
  ['delivery', benchDelivery],
  ['infra', benchInfra],
  ['faults', benchFaults],
  ['scale', benchScale],
  ['hostile', benchHostile],
  ['upload', benchUpload],
];

const only = process.argv.slice(2);
for (const [name, bench] of benches) {
  if (only.length > 0 && !only.includes(name)) continue;
  await bench();
}
