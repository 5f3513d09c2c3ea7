import { createHash, randomBytes } from 'node:crypto';
import type { Store } from '../store/store.js';

/** Keys are recognisable in logs and secret scanners by their prefix. */
export const API_KEY_PREFIX = 'nas_';

/** Only this hash is stored; a leaked table does not leak usable keys. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function newApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(24).toString('base64url')}`;
}

/** Registers `key` for `tenantId` (idempotent for the same key); returns whether it was new. */
export async function registerApiKey(store: Store, key: string, tenantId: string, name: string, now: Date): Promise<boolean> {
  return store.putApiKey({ keyHash: hashApiKey(key), tenantId, name, createdAt: now.toISOString() });
}

/** Creates a fresh key for a tenant and returns it: the only time the plain key is ever seen. */
export async function issueApiKey(store: Store, tenantId: string, name: string, now: Date): Promise<string> {
  const key = newApiKey();
  await registerApiKey(store, key, tenantId, name, now);
  return key;
}

/** The key a request presents, from `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(headers: { authorization?: string; apiKey?: string }): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
  return bearer ?? (headers.apiKey?.trim() || undefined);
}
