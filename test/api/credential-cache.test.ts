import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { SESSION_COOKIE } from '../../src/api/auth.js';
import { hashApiKey, issueApiKey, KEY_ID_LENGTH } from '../../src/auth/api-keys.js';
import { startSession } from '../../src/auth/sessions.js';
import { runAdmin } from '../../src/cli/admin.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { RecordingEvents } from '../helpers/recording-events.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

let db: TestStore;
beforeAll(async () => {
  db = await startTestStore();
});
afterAll(() => db.close());

/** One app, as the local service runs it for its whole life, on a clock the test moves; its cache trusts a key 5 s. */
function serviceApp() {
  let now = Date.parse('2026-12-01T12:00:00Z');
  const app = createApp({ store: db.store, events: new RecordingEvents(), benchmarks: new BenchmarkCatalog(BENCHMARKS_DIR), clock: () => new Date(now), credentialCacheSeconds: 5 });
  const status = async (key: string) => (await app.request('/v1/searches', { headers: { authorization: `Bearer ${key}` } })).status;
  const statusOfSession = async (session: string) => (await app.request('/v1/searches', { headers: { cookie: `${SESSION_COOKIE}=${session}` } })).status;
  return { app, status, statusOfSession, advance: (ms: number) => (now += ms) };
}

describe('the API key cache of a running service', () => {
  it('reads a key from the store once while it is trusted, not on every request', async () => {
    const key = await issueApiKey(db.store, 'cache-reads', 'k', new Date());
    const { status } = serviceApp();
    const reads = vi.spyOn(db.store, 'getApiKey');
    try {
      for (let i = 0; i < 5; i++) expect(await status(key)).toBe(200);
      expect(reads).toHaveBeenCalledTimes(1);
    } finally {
      reads.mockRestore();
    }
  });

  it('refuses a key revoked in this process on the very next request, cached as it was', async () => {
    const doomed = await issueApiKey(db.store, 'cache-revoke', 'doomed', new Date());
    const kept = await issueApiKey(db.store, 'cache-revoke', 'kept', new Date());
    const { status } = serviceApp();
    expect(await status(doomed)).toBe(200);
    expect(await status(kept)).toBe(200);

    await runAdmin('revoke-key', { tenant: 'cache-revoke', id: hashApiKey(doomed).slice(0, KEY_ID_LENGTH) }, db.store, new Date());

    expect(await status(doomed)).toBe(401);
    expect(await status(kept)).toBe(200);
  });

  it('refuses a key deleted through any store of this process at once, not only through nas admin', async () => {
    const key = await issueApiKey(db.store, 'cache-delete', 'k', new Date());
    const { status } = serviceApp();
    expect(await status(key)).toBe(200);
    expect(await db.store.deleteApiKey('cache-delete', hashApiKey(key))).toBe(true);
    expect(await status(key)).toBe(401);
  });

  it('ends a session on the very next request after sign-out or after its key is revoked', async () => {
    const key = await issueApiKey(db.store, 'cache-session', 'k', new Date());
    const { app, statusOfSession } = serviceApp();
    const signedOut = (await startSession(db.store, key, new Date()))!;
    const revoked = (await startSession(db.store, key, new Date()))!;
    expect(await statusOfSession(signedOut)).toBe(200);
    expect(await statusOfSession(revoked)).toBe(200);

    const out = await app.request('/sign-out', { method: 'POST', headers: { cookie: `${SESSION_COOKIE}=${signedOut}`, origin: 'http://localhost' } });
    expect(out.status).toBe(303);
    expect(await statusOfSession(signedOut)).toBe(401);
    expect(await statusOfSession(revoked)).toBe(200);

    await db.store.deleteApiKey('cache-session', hashApiKey(key));
    expect(await statusOfSession(revoked)).toBe(401);
  });

  it('lets a key in on its first request right after it was refused as unknown', async () => {
    const { status } = serviceApp();
    const key = 'nas_created-just-after-a-refusal-0123456789';
    expect(await status(key)).toBe(401);
    expect(await db.store.putApiKey({ keyHash: hashApiKey(key), tenantId: 'cache-new', name: 'late', createdAt: new Date().toISOString() })).toBe(true);
    expect(await status(key)).toBe(200);
  });

  it('refuses a key that nas admin revoked from another process within the cache time, 5 s', async () => {
    const key = await issueApiKey(db.store, 'cache-elsewhere', 'k', new Date());
    const { status, advance } = serviceApp();
    expect(await status(key)).toBe(200);

    const nas = join(PROJECT_ROOT, 'bin', 'nas.mjs');
    const { stderr } = await promisify(execFile)(process.execPath, [nas, 'admin', 'revoke-key', hashApiKey(key).slice(0, KEY_ID_LENGTH), '--tenant', 'cache-elsewhere'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, NAS_DYNAMODB_ENDPOINT: db.dynamo.endpoint, NAS_TABLE: 'nas' },
    });
    expect(stderr).toContain('NAS_CREDENTIAL_CACHE_SECONDS');

    // This process did not see the delete: the key it found stays trusted until 5 s after that read.
    advance(4_999);
    expect(await status(key)).toBe(200);
    advance(1);
    expect(await status(key)).toBe(401);
  });
});
