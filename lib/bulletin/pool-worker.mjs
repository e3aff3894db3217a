// A bulletin worker thread's entry. Plain JavaScript so that Node can start it from a checkout: it
// registers tsx (a project dependency) for the TypeScript it then re-exports to piscina. See pool.ts.
import { register } from 'tsx/esm/api';

register();
const worker = await import('./pool-worker.ts');
export default worker.default;
