import { Worker } from 'node:worker_threads';

/**
 * Deals `runs` round-robin to `workers` threads running the TypeScript `entry` (through ts-worker.mjs,
 * since threads do not inherit tsx), each receiving `{ ...shared, runs }` as workerData and posting one
 * message per finished run; resolves with every message. `onResult` sees each message as it arrives.
 */
export async function runInWorkers<Run, Result>(
  entry: URL,
  runs: readonly Run[],
  workers: number,
  shared: object,
  onResult: (result: Result) => void = () => {},
): Promise<Result[]> {
  const count = Math.max(1, Math.min(workers, runs.length));
  const perWorker = await Promise.all(
    Array.from({ length: count }, (_, w) => {
      const workerData = { ...shared, runs: runs.filter((_, i) => i % count === w), entry: entry.href };
      return new Promise<Result[]>((resolve, reject) => {
        const collected: Result[] = [];
        const worker = new Worker(new URL('./ts-worker.mjs', import.meta.url), { workerData });
        worker.on('message', (result: Result) => {
          collected.push(result);
          onResult(result);
        });
        worker.on('error', reject);
        worker.on('exit', (code) => (code === 0 ? resolve(collected) : reject(new Error(`worker exited with ${code}`))));
      });
    }),
  );
  return perWorker.flat();
}
