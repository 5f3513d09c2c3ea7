import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { quietSdkNoticeOnNode20 } from './src/aws/node-20-notice.js';

// Test files and the services, job workers and commands they start inherit it.
quietSdkNoticeOnNode20();

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Forks, not threads: the CDK test bundles with esbuild through spawnSync(stdio: process.stderr), which a
    // worker thread cannot hand over.
    pool: 'forks',
    // Vitest's default on 2 cores is one worker (cores - 1), which runs every file in turn while it waits on
    // child processes, browsers and timers. Two cut a 65-file subset from 166 s to 115 s on 2 cores; three
    // were slower there (the whole suite in 236 s against 196 s), so at least two, and cores - 1 beyond.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Integration and end-to-end tests start dynalite, job workers and HTTP servers.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
