import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOWNLOAD_URL_SECONDS } from '../../src/api/routes/models.js';
import { createClient } from '../../src/client/index.js';
import { exportModel } from '../../src/cli/export.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { authorizedApp } from '../helpers/authorized-app.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { RecordingEvents } from '../helpers/recording-events.js';
import { newSearch, newTrial, TEST_TENANT } from '../helpers/records.js';
import { startTestStore, type TestStore } from '../helpers/store.js';
import { directoryStoreFixture, s3StoreFixture, type ArtifactStoreFixture } from './store-fixtures.js';

/** Above the 6 MB a buffered Lambda response may carry. */
const WEIGHTS = new Uint8Array(randomBytes(7 * 1024 * 1024));
const MODEL_JSON = JSON.stringify({ format: 'layers-model', weightsManifest: [{ paths: ['weights.bin'], weights: [] }] });
const MODEL_KEY = 'searches/S-export/trials/1/model/';
/** Compared by digest: a deep equality of 7 M elements would take the test's whole time. */
const sha256 = (bytes: Uint8Array | ArrayBuffer) => createHash('sha256').update(new Uint8Array(bytes)).digest('hex');

describe.each([
  ['the directory store', directoryStoreFixture, 200],
  ['S3', s3StoreFixture, 307],
])('GIVEN a trained trial whose model is in %s, served over HTTP', (_name, makeStore, fileStatus) => {
  let db: TestStore;
  let artifacts: ArtifactStoreFixture;
  let server: ServerType;
  let url: string;
  let key: string;
  let folder: string;
  beforeAll(async () => {
    db = await startTestStore();
    artifacts = await makeStore();
    await db.store.createSearch(newSearch('S-export'));
    await db.store.createTrial(newTrial('S-export', 1, { status: 'SUCCEEDED', modelKey: MODEL_KEY }));
    await artifacts.store.put(`${MODEL_KEY}weights.bin`, WEIGHTS);
    await artifacts.store.put(`${MODEL_KEY}model.json`, MODEL_JSON);
    const deps = { store: db.store, events: new RecordingEvents(), benchmarks: new BenchmarkCatalog(BENCHMARKS_DIR), clock: () => new Date(), artifacts: artifacts.store };
    const authorized = await authorizedApp(deps, TEST_TENANT);
    key = authorized.key;
    server = await new Promise<ServerType>((resolve) => {
      const started = serve({ fetch: authorized.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    folder = await mkdtemp(join(tmpdir(), 'nas-exported-'));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await artifacts.close();
    await db.close();
    await rm(folder, { recursive: true, force: true });
  });

  const fileUrl = (file: string) => `${url}/v1/searches/S-export/trials/1/model/${file}`;

  it(`WHEN a file is asked for THEN the API answers ${fileStatus}, and the bytes it leads to are the stored ones`, async () => {
    const response = await fetch(fileUrl('weights.bin'), { headers: { authorization: `Bearer ${key}` }, redirect: 'manual' });
    expect(response.status).toBe(fileStatus);
    if (fileStatus === 307) {
      await response.body?.cancel();
      const location = new URL(response.headers.get('location')!);
      expect(location.searchParams.get('X-Amz-Expires')).toBe(String(DOWNLOAD_URL_SECONDS));
      expect(response.headers.get('cache-control')).toBe('no-store');
      // The presigned URL needs no credentials of ours.
      const download = await fetch(location);
      expect(download.status).toBe(200);
      expect(sha256(await download.arrayBuffer())).toBe(sha256(WEIGHTS));
    } else {
      expect(sha256(await response.arrayBuffer())).toBe(sha256(WEIGHTS));
    }
  });

  it('WHEN the caller has no key, or another tenant asks THEN nothing is handed out', async () => {
    expect((await fetch(fileUrl('weights.bin'), { redirect: 'manual' })).status).toBe(401);
    const stranger = await authorizedApp({ store: db.store, events: new RecordingEvents(), benchmarks: new BenchmarkCatalog(BENCHMARKS_DIR), clock: () => new Date() }, 'tenant-b');
    const response = await fetch(fileUrl('weights.bin'), { headers: { authorization: `Bearer ${stranger.key}` }, redirect: 'manual' });
    expect(response.status).toBe(404);
    expect(response.headers.get('location')).toBeNull();
  });

  it('WHEN nas export runs THEN it writes both files byte for byte', async () => {
    const exported = await exportModel(createClient({ baseUrl: url, apiKey: key }), 'S-export', 1, folder);
    expect(exported.files.map((file) => file.name)).toEqual(['model.json', 'weights.bin']);
    expect(sha256(await readFile(join(folder, 'weights.bin')))).toBe(sha256(WEIGHTS));
    expect(await readFile(join(folder, 'model.json'), 'utf8')).toBe(MODEL_JSON);
  });
});
