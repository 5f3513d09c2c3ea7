import { describe, expect, it } from 'vitest';
import { cachedCredentialReads, credentialsEnded, MAX_CACHED_CREDENTIALS, type CredentialReads } from '../../src/auth/credential-cache.js';
import type { ApiKeyRecord, SessionRecord } from '../../src/store/store.js';

const record = (keyHash: string): ApiKeyRecord => ({ keyHash, tenantId: `tenant-of-${keyHash}`, name: 'k', createdAt: '2026-12-01T00:00:00.000Z' });

/** A store of API keys and sessions in a map, counting its reads, whose reads can be held open. */
function countingStore(keys: string[] = []) {
  const known = new Map(keys.map((hash) => [hash, record(hash)]));
  const sessions = new Map<string, SessionRecord>();
  const reads: string[] = [];
  let hold: Promise<void> | undefined;
  const store: CredentialReads = {
    async getApiKey(keyHash) {
      reads.push(keyHash);
      const found = known.get(keyHash);
      await hold;
      return found;
    },
    async getSession(sessionHash) {
      reads.push(`session:${sessionHash}`);
      return sessions.get(sessionHash);
    },
  };
  return { store, known, sessions, reads, holdReads: (until: Promise<void>) => (hold = until) };
}

function movableClock(start = Date.parse('2026-12-01T12:00:00Z')) {
  let now = start;
  return { clock: () => new Date(now), advance: (ms: number) => (now += ms) };
}

describe('cached credential reads', () => {
  it('reads a found key once within the TTL, and again once it has passed', async () => {
    const { store, reads } = countingStore(['a']);
    const { clock, advance } = movableClock();
    const cached = cachedCredentialReads(store, 5, clock);

    expect(await cached.getApiKey('a')).toEqual(record('a'));
    advance(4_999);
    expect(await cached.getApiKey('a')).toEqual(record('a'));
    expect(reads).toEqual(['a']);
    advance(1);
    await cached.getApiKey('a');
    expect(reads).toEqual(['a', 'a']);
  });

  it('bounds how long another process\'s revocation goes unseen: the TTL after the read that found the key', async () => {
    const { store, known } = countingStore(['a']);
    const { clock, advance } = movableClock();
    const cached = cachedCredentialReads(store, 5, clock);
    await cached.getApiKey('a');
    // Deleted behind this process's back, as `nas admin` in another process or another Lambda does.
    known.delete('a');
    advance(4_000);
    expect(await cached.getApiKey('a')).toBeDefined();
    advance(1_000);
    expect(await cached.getApiKey('a')).toBeUndefined();
  });

  it('never remembers an unknown key: one created a moment later works on its first request', async () => {
    const { store, known, reads } = countingStore();
    const cached = cachedCredentialReads(store, 5, movableClock().clock);
    expect(await cached.getApiKey('new')).toBeUndefined();
    expect(await cached.getApiKey('new')).toBeUndefined();
    known.set('new', record('new'));
    expect(await cached.getApiKey('new')).toEqual(record('new'));
    expect(reads).toEqual(['new', 'new', 'new']);
  });

  it('forgets everything it found when this process deletes a key or a session', async () => {
    const { store, known, reads } = countingStore(['a', 'b']);
    const cached = cachedCredentialReads(store, 5, movableClock().clock);
    await cached.getApiKey('a');
    await cached.getApiKey('b');
    known.delete('a');
    credentialsEnded();
    expect(await cached.getApiKey('a')).toBeUndefined();
    expect(await cached.getApiKey('b')).toBeDefined();
    expect(reads).toEqual(['a', 'b', 'a', 'b']);
  });

  it('does not keep what a read found when a delete overtook the read', async () => {
    const { store, known, reads, holdReads } = countingStore(['a']);
    const cached = cachedCredentialReads(store, 5, movableClock().clock);
    let release!: () => void;
    holdReads(new Promise((resolve) => (release = resolve)));
    // The read found the key, then the key was revoked here before the read came back.
    const reading = cached.getApiKey('a');
    known.delete('a');
    credentialsEnded();
    release();
    expect(await reading).toBeDefined();
    expect(await cached.getApiKey('a')).toBeUndefined();
    expect(reads).toEqual(['a', 'a']);
  });

  it('reads again when the clock went back, rather than trusting an entry longer', async () => {
    const { store, reads } = countingStore(['a']);
    const { clock, advance } = movableClock();
    const cached = cachedCredentialReads(store, 5, clock);
    await cached.getApiKey('a');
    advance(-1);
    await cached.getApiKey('a');
    expect(reads).toEqual(['a', 'a']);
  });

  it(`keeps at most ${MAX_CACHED_CREDENTIALS} keys, dropping the least recently used`, async () => {
    const hashes = Array.from({ length: MAX_CACHED_CREDENTIALS + 1 }, (_, i) => `k${i}`);
    const { store, reads } = countingStore(hashes);
    const cached = cachedCredentialReads(store, 5, movableClock().clock);
    for (const hash of hashes.slice(0, MAX_CACHED_CREDENTIALS)) await cached.getApiKey(hash);
    await cached.getApiKey('k0'); // used again: k1 is now the least recently used
    await cached.getApiKey(hashes.at(-1)!);
    reads.length = 0;
    await cached.getApiKey('k0');
    await cached.getApiKey('k1');
    expect(reads).toEqual(['k1']);
  });

  it('caches sessions apart from keys, and reads every time with 0 seconds', async () => {
    const { store, sessions, reads } = countingStore(['a']);
    sessions.set('s', { sessionHash: 's', tenantId: 'tenant-of-a', keyHash: 'a', createdAt: '2026-12-01T00:00:00.000Z', expiresAt: '2026-12-31T00:00:00.000Z' });
    const cached = cachedCredentialReads(store, 5, movableClock().clock);
    await cached.getSession('s');
    await cached.getSession('s');
    expect(reads).toEqual(['session:s']);
    expect(cachedCredentialReads(store, 0, movableClock().clock)).toBe(store);
  });
});
