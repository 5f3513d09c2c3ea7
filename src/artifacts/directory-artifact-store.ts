import { mkdir, readFile, readdir, rm, writeFile, rename } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { DatasetFolders } from '../training/datasets/dataset-access.js';
import type { ArtifactStore } from './artifact-store.js';

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** The local ArtifactStore: one file per key under a root directory (the embedded default of S3). */
export class DirectoryArtifactStore implements ArtifactStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The file behind a key; refuses keys that would leave the root (`..`, absolute paths). */
  private pathOf(key: string): string {
    const path = resolve(this.root, key);
    if (!path.startsWith(this.root + sep)) throw new Error(`artifact key ${JSON.stringify(key)} leaves the store`);
    return path;
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    // Write then rename, so a reader (or a job killed mid-write) never sees half a checkpoint.
    const partial = `${path}.${process.pid}.partial`;
    await writeFile(partial, body);
    await rename(partial, path);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.pathOf(key)));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    // Only the folder the prefix reaches into is read, not the whole root.
    const slash = prefix.lastIndexOf('/');
    const folder = slash > 0 ? this.pathOf(prefix.slice(0, slash)) : this.root;
    try {
      const entries = await readdir(folder, { recursive: true, withFileTypes: true });
      return entries
        .filter((entry) => entry.isFile() && !entry.name.endsWith('.partial'))
        .map((entry) => relative(this.root, join(entry.parentPath, entry.name)).split(sep).join('/'))
        .filter((key) => key.startsWith(prefix))
        .sort();
    } catch (error) {
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
      throw error;
    }
  }

  async deletePrefix(prefix: string): Promise<void> {
    if (prefix === '') throw new Error('refusing to delete every artifact: give a non-empty prefix');
    await Promise.all((await this.list(prefix)).map((key) => rm(this.pathOf(key), { force: true })));
  }
}

/** The operator's folder of `dir:` datasets at `root`, each read as a directory store. */
export function datasetFoldersAt(root: string): DatasetFolders {
  return { root, open: (folder) => new DirectoryArtifactStore(folder) };
}
