import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { PROJECT_ROOT } from '../../src/config.js';

/**
 * The API app listening on a free local port, for tests that run the real `nas` command against it (or
 * talk plain HTTP to it). `close` also cuts open connections, such as event streams of running searches.
 */
export async function serveApi(app: { fetch: (request: Request) => Response | Promise<Response> }): Promise<{ url: string; close(): Promise<void> }> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

/** What a run of the `nas` command printed and how it exited. */
export interface NasRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The real `nas` command against the service at `url` as the holder of `key`, with `stdin` as its input. */
export function runNas(args: readonly string[], { url, key }: { url: string; key: string }, stdin = ''): Promise<NasRun> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [join(PROJECT_ROOT, 'bin', 'nas.mjs'), ...args, '--url', url, '--api-key', key],
      { cwd: PROJECT_ROOT },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
    child.stdin!.end(stdin);
  });
}
