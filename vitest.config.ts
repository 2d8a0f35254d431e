import { defineConfig } from 'vitest/config';
import { workspaceAliases } from './vitest.shared.js';

// Unit tests: beside each package, no external processes.
export default defineConfig({
  resolve: { alias: workspaceAliases() },
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
