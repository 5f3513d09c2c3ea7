import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Integration and end-to-end tests start dynalite, job workers and HTTP servers.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
