import { InvalidRequest } from '../errors.js';
import type { ArtifactStore } from './artifact-store.js';

/**
 * Whether `path` is a plain relative key: `/`-separated names, none empty, `.` or `..`, no backslash or
 * control character. Only such a key stays under the prefix it is appended to, in S3 and on disk alike.
 */
export function isRelativeKey(path: string): boolean {
  if (path === '' || /[\\\u0000-\u001f\u007f]/.test(path)) return false;
  return path.split('/').every((segment, i, all) => (segment !== '' || i === all.length - 1) && segment !== '.' && segment !== '..');
}

/**
 * A view of another store confined to one prefix: every key is taken relative to it and must be a plain
 * relative key (`isRelativeKey`), so nothing reached through the view lies outside the prefix. A tenant's
 * references (`artifacts:<path>` datasets) are read through such a view of `tenants/<t>/`.
 */
export class PrefixedArtifactStore implements ArtifactStore {
  constructor(
    private readonly inner: ArtifactStore,
    private readonly prefix: string,
  ) {}

  private keyOf(key: string): string {
    if (key !== '' && !isRelativeKey(key)) throw new InvalidRequest('key', `not a relative key: ${JSON.stringify(key)}`);
    return this.prefix + key;
  }

  put(key: string, body: Uint8Array | string): Promise<void> {
    return this.inner.put(this.keyOf(key), body);
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.inner.get(this.keyOf(key));
  }

  async list(prefix: string): Promise<string[]> {
    return (await this.inner.list(this.keyOf(prefix))).map((key) => key.slice(this.prefix.length));
  }

  deletePrefix(prefix: string): Promise<void> {
    if (prefix === '') throw new Error('refusing to delete everything under the prefix: give a non-empty one');
    return this.inner.deletePrefix(this.keyOf(prefix));
  }
}
