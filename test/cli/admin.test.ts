import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/auth/api-keys.js';
import { runAdmin } from '../../src/cli/admin.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { createApp } from '../../src/api/app.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { RecordingEvents } from '../helpers/recording-events.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

let db: TestStore;
beforeAll(async () => {
  db = await startTestStore();
});
afterAll(() => db.close());

const NOW = new Date('2026-11-29T12:00:00Z');

describe('nas admin create-key', () => {
  it("stores only the key's hash, for the tenant and name given, and the key opens that tenant's API", async () => {
    const { text: key, data } = await runAdmin('create-key', { tenant: 'team-a', name: 'ci runner' }, db.store, NOW);
    expect(key).toMatch(/^nas_[\w-]{20,}$/);
    expect(data).toEqual({ tenantId: 'team-a', name: 'ci runner', key, createdAt: NOW.toISOString() });
    expect(await db.store.getApiKey(hashApiKey(key))).toEqual({ keyHash: hashApiKey(key), tenantId: 'team-a', name: 'ci runner', createdAt: NOW.toISOString() });

    const app = createApp({ store: db.store, events: new RecordingEvents(), benchmarks: new BenchmarkCatalog(BENCHMARKS_DIR), clock: () => new Date() });
    const response = await app.request('/v1/searches', { headers: { authorization: `Bearer ${key}` } });
    expect(response.status).toBe(200);
  });

  it('makes a new key every time', async () => {
    const first = await runAdmin('create-key', { tenant: 'team-a', name: 'laptop' }, db.store, NOW);
    const second = await runAdmin('create-key', { tenant: 'team-a', name: 'laptop' }, db.store, NOW);
    expect(first.text).not.toBe(second.text);
  });

  it.each([
    ['no tenant', { name: 'n' }, /--tenant/],
    ['a tenant that would break record keys', { tenant: 'a#b', name: 'n' }, /--tenant/],
    ['no name', { tenant: 'team-a' }, /--name/],
    ['a blank name', { tenant: 'team-a', name: '   ' }, /--name/],
  ])('refuses %s as a usage error, storing nothing', async (_case, options, message) => {
    await expect(runAdmin('create-key', options, db.store, NOW)).rejects.toThrow(message);
    await expect(runAdmin('create-key', options, db.store, NOW)).rejects.toBeInstanceOf(UsageError);
  });

  it('names the commands it knows', async () => {
    await expect(runAdmin(undefined, {}, db.store, NOW)).rejects.toThrow(/create-key/);
    await expect(runAdmin('delete-everything', {}, db.store, NOW)).rejects.toThrow(/unknown admin command 'delete-everything'/);
  });
});

describe('the nas command', () => {
  const nas = (args: string[]) =>
    promisify(execFile)(process.execPath, [join(PROJECT_ROOT, 'bin', 'nas.mjs'), 'admin', ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, NAS_DYNAMODB_ENDPOINT: db.dynamo.endpoint, NAS_TABLE: 'nas' },
    });

  it('prints only the key on stdout (the note goes to stderr) and writes it to the table the environment names', async () => {
    const { stdout, stderr } = await nas(['create-key', '--tenant', 'team-b', '--name', 'from the shell']);
    const key = stdout.trim();
    expect(key).toMatch(/^nas_\S+$/);
    expect(stderr).toContain("tenant 'team-b'");
    expect((await db.store.getApiKey(hashApiKey(key)))?.tenantId).toBe('team-b');
  });

  it('exits with 2 and the usage on a command-line mistake', async () => {
    const failed = await nas(['create-key', '--name', 'x']).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toMatch(/--tenant[\s\S]*usage: nas/);
  });
});
