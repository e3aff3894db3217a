// A bulletin worker thread's entry. Plain JavaScript so that Node can start it from a checkout: it
// registers tsx (a project dependency) for the TypeScript it then imports. See pool.ts.
import { register } from 'tsx/esm/api';

register();
await import('./pool-worker.ts');
