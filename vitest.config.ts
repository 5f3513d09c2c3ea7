import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { quietSdkNoticeOnNode20 } from './src/aws/node-20-notice.js';

// Test files and the services, job workers and commands they start inherit it.
quietSdkNoticeOnNode20();

/** Files that need a fresh process, not one that ran other files before (see `projects`). */
const ISOLATED = ['test/training/**/*.test.ts'];

export default defineConfig({
  test: {
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
    projects: [
      {
        // Most files share their worker's process with the files it ran before: the modules it already loaded
        // (TensorFlow.js, the AWS SDK, Hono, zod, the src graph) are not imported again for every file, which
        // had cost ~90 s of the suite's file time. On 2 cores 48 unit and API files took 40 s instead of 84 s,
        // 26 controller, use-case, evaluator and job files 68 s instead of 98 s. A test must therefore leave
        // no state behind that another file could see: it restores its spies and stubbed variables
        // (vi.restoreAllMocks, vi.unstubAllEnvs) and whatever global it changed.
        extends: true,
        test: { name: 'shared', include: ['test/**/*.test.ts'], exclude: ISOLATED, isolate: false },
      },
      {
        // A process of their own for each: TensorFlow.js keeps its backends, kernels and gradients per
        // process, and these tests compare the stock kernels with the ones training supplies (once supplied,
        // a kernel stays for the life of the process), switch backends and register fake ones.
        extends: true,
        test: { name: 'isolated', include: ISOLATED, isolate: true },
      },
    ],
  },
});
