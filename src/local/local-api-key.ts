import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newApiKey, registerApiKey } from '../auth/api-keys.js';
import type { Store } from '../store/store.js';

export const LOCAL_TENANT = 'local';
export const API_KEY_FILE = 'api-key';

/**
 * The embedded default's own API key, for tenant `local`: `NAS_API_KEY` if set, else the one kept in
 * `<dataDir>/api-key` (readable by its owner only), else a new one written there. The CLI reads the same
 * file, so on one machine nobody has to copy the key around.
 */
export async function ensureLocalApiKey(store: Store, dataDir: string, env: NodeJS.ProcessEnv, now: Date): Promise<string> {
  const file = join(dataDir, API_KEY_FILE);
  let key = env.NAS_API_KEY?.trim() || (await readFile(file, 'utf8').catch(() => '')).trim();
  if (!key) {
    key = newApiKey();
    await writeFile(file, `${key}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
  }
  await registerApiKey(store, key, LOCAL_TENANT, 'local default', now);
  return key;
}
