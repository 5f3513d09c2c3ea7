import { createHash, randomBytes } from 'node:crypto';
import type { Store } from '../store/store.js';
import { hashApiKey } from './api-keys.js';
import type { CredentialReads } from './credential-cache.js';

/** How long a dashboard sign-in lasts. */
export const SESSION_DAYS = 30;

/** 256 random bits, base64url: what a session id always looks like, checked before any lookup. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/** Only this hash is stored, like an API key's: a leaked table does not hand out sessions. */
function hashSessionId(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex');
}

/**
 * Signs the dashboard in with `key`: a new random session id, stored hashed with the tenant and the key it
 * came from. Returns the id (the only time it is seen), or `undefined` for a key the service does not know.
 */
export async function startSession(store: Store, key: string, now: Date): Promise<string | undefined> {
  const keyHash = hashApiKey(key);
  const apiKey = await store.getApiKey(keyHash);
  if (!apiKey) return undefined;
  const sessionId = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + SESSION_DAYS * 86_400_000);
  await store.putSession({ sessionHash: hashSessionId(sessionId), tenantId: apiKey.tenantId, keyHash, createdAt: now.toISOString(), expiresAt: expiresAt.toISOString() });
  return sessionId;
}

/**
 * The tenant a session id signs in; `undefined` for none, an unknown, ended or expired one, or one whose
 * API key was revoked since: the key is looked up with the session, so revoking it ends its sessions too
 * (through a cache, src/auth/credential-cache.ts: at once in this process, within the cache's seconds
 * elsewhere). The expiry is checked against `now` whatever was cached.
 */
export async function tenantOfSession(store: CredentialReads, sessionId: string | undefined, now: Date): Promise<string | undefined> {
  if (!sessionId || !SESSION_ID.test(sessionId)) return undefined;
  const session = await store.getSession(hashSessionId(sessionId));
  if (!session || Date.parse(session.expiresAt) <= now.getTime()) return undefined;
  const apiKey = await store.getApiKey(session.keyHash);
  return apiKey?.tenantId === session.tenantId ? session.tenantId : undefined;
}

/** Signs a session out: its id stops working everywhere, not only in this browser. */
export async function endSession(store: Store, sessionId: string | undefined): Promise<void> {
  if (sessionId && SESSION_ID.test(sessionId)) await store.deleteSession(hashSessionId(sessionId));
}
