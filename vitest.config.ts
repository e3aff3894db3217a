import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start real protocol servers and render PDFs. These limits only stop a hung test:
    // on a shared 2-core machine with two CPU-bound neighbours a month's setup takes minutes (the faults
    // test's two months took over two), and no test may fail for being slow.
    testTimeout: 600_000,
    // Vitest's default (one worker per core but one) runs the files one by one on a 2-core machine, though
    // much of an integration test's time is waiting on its servers and children: two at once took the
    // suite from about 14 to 10 minutes here, and from 26 to 16 with two CPU burners beside it.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    hookTimeout: 600_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
