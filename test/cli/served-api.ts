import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';

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
