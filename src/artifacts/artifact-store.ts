/**
 * Blobs too big for a record: training checkpoints, trained weights, RL policies, predictors, exported
 * models, user datasets. Keys are `/`-separated paths (`tenants/<t>/searches/<id>/trials/7/checkpoint/model.json`);
 * a "folder" is just a key prefix.
 *
 * Contract: `get` of an unknown key resolves `undefined` (never throws); `put` overwrites; `list` returns
 * every key under `prefix`, sorted; `deletePrefix` of an empty prefix is refused (it would empty the store).
 */
export interface ArtifactStore {
  put(key: string, body: Uint8Array | string): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
  list(prefix: string): Promise<string[]>;
  deletePrefix(prefix: string): Promise<void>;
  /**
   * A URL from which anyone holding it can GET `key` for the next `expiresInSeconds`, without other
   * credentials, so that large blobs bypass whoever hands the URL out. Only stores that can sign one
   * (S3) have it; elsewhere the bytes are served through `get`.
   */
  downloadUrl?(key: string, expiresInSeconds: number): Promise<string>;
}
