import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey, KEY_ID_LENGTH } from '../../src/auth/api-keys.js';
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
    await expect(runAdmin(undefined, {}, db.store, NOW)).rejects.toThrow(/create-key, list-keys or revoke-key/);
    await expect(runAdmin('delete-everything', {}, db.store, NOW)).rejects.toThrow(/unknown admin command 'delete-everything'/);
  });
});

describe('nas admin list-keys and revoke-key', () => {
  const app = () => createApp({ store: db.store, events: new RecordingEvents(), benchmarks: new BenchmarkCatalog(BENCHMARKS_DIR), clock: () => new Date() });
  const statusWith = async (key: string) => (await app().request('/v1/searches', { headers: { authorization: `Bearer ${key}` } })).status;
  const created = (tenant: string, name: string, at: string) => runAdmin('create-key', { tenant, name }, db.store, new Date(at)).then((result) => result.text);

  it("lists a tenant's keys oldest first by id, name and creation time, and never the keys", async () => {
    const laptop = await created('team-list', 'laptop', '2026-11-29T10:00:00Z');
    const ci = await created('team-list', 'ci', '2026-11-29T09:00:00Z');
    await created('team-elsewhere', 'not theirs', '2026-11-29T08:00:00Z');

    const { text, data } = await runAdmin('list-keys', { tenant: 'team-list' }, db.store, NOW);
    const keys = [
      { id: hashApiKey(ci).slice(0, KEY_ID_LENGTH), name: 'ci', createdAt: '2026-11-29T09:00:00.000Z' },
      { id: hashApiKey(laptop).slice(0, KEY_ID_LENGTH), name: 'laptop', createdAt: '2026-11-29T10:00:00.000Z' },
    ];
    expect(data).toEqual({ tenantId: 'team-list', keys });
    expect(text.split('\n')).toEqual([
      expect.stringMatching(/^id +created +name$/),
      `${keys[0]!.id}  2026-11-29T09:00:00.000Z  ci`,
      `${keys[1]!.id}  2026-11-29T10:00:00.000Z  laptop`,
    ]);
    expect(text).not.toContain(ci);
    expect((await runAdmin('list-keys', { tenant: 'team-nobody' }, db.store, NOW)).text).toBe("tenant 'team-nobody' has no API keys");
  });

  it('revokes the key with the id list-keys shows: it stops working at once, and the others keep working', async () => {
    const doomed = await created('team-revoke', 'leaked', '2026-11-29T10:00:00Z');
    const kept = await created('team-revoke', 'kept', '2026-11-29T11:00:00Z');
    expect(await statusWith(doomed)).toBe(200);
    const id = hashApiKey(doomed).slice(0, KEY_ID_LENGTH);

    const { text, data } = await runAdmin('revoke-key', { tenant: 'team-revoke', id: id.toUpperCase() }, db.store, NOW);

    expect(text).toBe(`revoked API key 'leaked' (${id}) of tenant 'team-revoke'`);
    expect(data).toEqual({ tenantId: 'team-revoke', revoked: { id, name: 'leaked', createdAt: '2026-11-29T10:00:00.000Z' } });
    expect(await statusWith(doomed)).toBe(401);
    expect(await statusWith(kept)).toBe(200);
    expect((await runAdmin('list-keys', { tenant: 'team-revoke' }, db.store, NOW)).data).toMatchObject({ keys: [{ name: 'kept' }] });
  });

  it("refuses an id of another tenant's key, an unknown id and a malformed one, revoking nothing", async () => {
    const other = await created('team-owner', 'owned', '2026-11-29T10:00:00Z');
    const id = hashApiKey(other).slice(0, KEY_ID_LENGTH);
    await expect(runAdmin('revoke-key', { tenant: 'team-intruder', id }, db.store, NOW)).rejects.toThrow(/tenant 'team-intruder' has no API key with id/);
    await expect(runAdmin('revoke-key', { tenant: 'team-owner', id: '0000000000ff' }, db.store, NOW)).rejects.toBeInstanceOf(UsageError);
    await expect(runAdmin('revoke-key', { tenant: 'team-owner', id: 'nas_secret' }, db.store, NOW)).rejects.toThrow(/8-64 hex digits/);
    await expect(runAdmin('revoke-key', { tenant: 'team-owner' }, db.store, NOW)).rejects.toThrow(/revoke-key <id> --tenant team-owner/);
    expect(await statusWith(other)).toBe(200);
  });

  it('asks for more of an id that matches several keys', async () => {
    // Registered directly: two random keys sharing 8 hex digits of hash would take a long search to find.
    const at = NOW.toISOString();
    await db.store.putApiKey({ keyHash: `abcdef01${'1'.repeat(56)}`, tenantId: 'team-twins', name: 'one', createdAt: at });
    await db.store.putApiKey({ keyHash: `abcdef01${'2'.repeat(56)}`, tenantId: 'team-twins', name: 'two', createdAt: at });
    await expect(runAdmin('revoke-key', { tenant: 'team-twins', id: 'abcdef01' }, db.store, NOW)).rejects.toThrow(/matches 2 keys .*give more of it/);
    await runAdmin('revoke-key', { tenant: 'team-twins', id: `abcdef01${'2'.repeat(8)}` }, db.store, NOW);
    expect((await db.store.listApiKeys('team-twins')).map((key) => key.name)).toEqual(['one']);
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

  it('lists and revokes keys from the shell, the id as the argument after the command', async () => {
    const { stdout: key } = await nas(['create-key', '--tenant', 'team-c', '--name', 'shell']);
    const id = hashApiKey(key.trim()).slice(0, 12);
    const { stdout: listed } = await nas(['list-keys', '--tenant', 'team-c', '--json']);
    expect(JSON.parse(listed)).toEqual({ tenantId: 'team-c', keys: [expect.objectContaining({ id, name: 'shell' })] });
    const { stdout: revoked } = await nas(['revoke-key', id, '--tenant', 'team-c']);
    expect(revoked.trim()).toBe(`revoked API key 'shell' (${id}) of tenant 'team-c'`);
    expect(await db.store.getApiKey(hashApiKey(key.trim()))).toBeUndefined();
  });

  it('exits with 2 and the usage on a command-line mistake', async () => {
    const failed = await nas(['create-key', '--name', 'x']).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toMatch(/--tenant[\s\S]*usage: nas/);
  });
});
