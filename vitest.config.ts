import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The secret-leak check: fails any test that prints a test secret or an Authorization value.
    setupFiles: ['test/leak-check/setup.ts'],
    env: { AWS_REGION: 'eu-west-1', POWERTOOLS_DEV: 'false' },
  },
});
