/**
 * Injected into every Lambda bundle by esbuild: CommonJS dependencies bundled into an ES module
 * (pdfmake's virtual file system, for one) still read `__dirname` and `__filename`, which ESM does
 * not define. esbuild replaces each such free variable with these, renaming to avoid collisions,
 * which a banner could not. In the bundle `import.meta.url` is the bundle's own file: /var/task/index.mjs.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const bundleFile = fileURLToPath(import.meta.url);
const bundleDir = dirname(bundleFile);

export { bundleDir as __dirname, bundleFile as __filename };
