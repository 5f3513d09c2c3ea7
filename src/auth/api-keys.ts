import { createHash, randomBytes } from 'node:crypto';
import type { ApiKeyRecord, Store } from '../store/store.js';

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

/** How operators name a key: the start of its hash, which is stored anyway and reveals nothing of the key. */
export const KEY_ID_LENGTH = 12;

/** A key as an operator sees it: its id, name and creation time, never the key. */
export interface ApiKeyListing {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
}

export function keyListing(record: ApiKeyRecord): ApiKeyListing {
  return { id: record.keyHash.slice(0, KEY_ID_LENGTH), name: record.name, createdAt: record.createdAt };
}

/** A tenant's keys, oldest first. */
export async function listApiKeys(store: Store, tenantId: string): Promise<ApiKeyListing[]> {
  return (await store.listApiKeys(tenantId)).map(keyListing);
}

/**
 * The tenant's keys whose id starts with `id` (an id as `listApiKeys` shows it, or a longer part of the
 * hash): the caller revokes one only when exactly one matches.
 */
export async function keysMatching(store: Store, tenantId: string, id: string): Promise<ApiKeyRecord[]> {
  return (await store.listApiKeys(tenantId)).filter((record) => record.keyHash.startsWith(id));
}

/** The key a request presents, from `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(headers: { authorization?: string; apiKey?: string }): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
  return bearer ?? (headers.apiKey?.trim() || undefined);
}
