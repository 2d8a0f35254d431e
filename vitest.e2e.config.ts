import { defineConfig } from 'vitest/config';
import { workspaceAliases } from './vitest.shared.js';

// Cross-package and end-to-end tests against a real Collector and Prometheus, which
// test/support starts on free loopback ports. The global setup builds the Collector when
// the cached binary is missing.
export default defineConfig({
  resolve: { alias: workspaceAliases() },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The machines have two cores; end-to-end files each start several processes.
    fileParallelism: false,
  },
});
