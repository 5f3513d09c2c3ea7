import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../src/api/app.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { serveApi } from '../cli/served-api.js';
import { authorizedApp } from '../helpers/authorized-app.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { RecordingEvents } from '../helpers/recording-events.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

let db: TestStore;
let api: { url: string; close(): Promise<void> };
let key: string;
beforeAll(async () => {
  db = await startTestStore();
  const served = await authorizedApp({ store: db.store, events: new RecordingEvents(), benchmarks: new BenchmarkCatalog(BENCHMARKS_DIR), clock: () => new Date() });
  key = served.key;
  api = await serveApi(served.app);
});
afterAll(async () => {
  await api?.close();
  await db?.close();
});

/** A request over a real socket with a JSON body, sent with a Content-Length or chunked; resolves with the status. */
function sendWithBody(method: string, path: string, body: string, framing: 'content-length' | 'chunked'): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    if (framing === 'content-length') headers['content-length'] = String(Buffer.byteLength(body));
    else headers['transfer-encoding'] = 'chunked';
    const sent = httpRequest(`${api.url}${path}`, { method, headers }, (response) => {
      response.resume();
      resolve(response.statusCode!);
    });
    sent.on('error', reject);
    sent.end(body);
  });
}

describe('reads over HTTP skip the body limit (issue #18)', () => {
  const oversized = JSON.stringify({ padding: 'x'.repeat(MAX_BODY_BYTES + 1) });

  it('never reads the body a client sends with a read, however large or whatever it holds', async () => {
    expect(await sendWithBody('GET', '/v1/searches', oversized, 'content-length')).toBe(200);
    expect(await sendWithBody('GET', '/v1/searches', oversized, 'chunked')).toBe(200);
    // The JSON guard would refuse this body (400) if anything read it.
    expect(await sendWithBody('GET', '/v1/searches', '{"__proto__": {"polluted": true}}', 'content-length')).toBe(200);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
