import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NasClient } from '../client/index.js';
import { table } from './format.js';
import { UsageError } from './usage-error.js';

export const DATASETS_USAGE = `  datasets upload <dir> [--name N]
                                upload a dataset folder (manifest.json and its shards, docs/datasets.md) into your own
                                artifacts, check it whole and print the reference a search names (artifacts:datasets/<name>)
  datasets list                 your uploaded datasets and registered S3 dataset sources
  datasets delete <name>        delete an uploaded dataset
  datasets add-source <s3-uri>  let your searches read s3:// datasets under s3://<bucket>/<prefix>
  datasets remove-source <s3-uri>`;

export interface DatasetsResult {
  readonly text: string;
  readonly data: unknown;
}

/** The shard files a manifest names, beside it (the API takes one folder level per dataset). */
function shardFiles(manifest: unknown, dir: string): string[] {
  const splits = (manifest as { splits?: Record<string, { x?: unknown; y?: unknown; mask?: unknown }[]> }).splits ?? {};
  const files = Object.values(splits).flatMap((shards) => (Array.isArray(shards) ? shards : []).flatMap((shard) => [shard.x, shard.y, shard.mask]));
  const named = files.filter((file): file is string => typeof file === 'string');
  const nested = named.find((file) => file.includes('/'));
  if (nested) throw new UsageError(`${join(dir, 'manifest.json')} names ${nested}: upload takes shard files beside the manifest, not in subfolders`);
  return [...new Set(named)];
}

/** Uploads the shards first and the manifest last, so that a reader never finds a manifest whose shards are missing. */
async function upload(client: NasClient, dir: string | undefined, name: string | undefined): Promise<DatasetsResult> {
  if (!dir) throw new UsageError("'nas datasets upload' needs the dataset's folder");
  const manifestBytes = await readFile(join(dir, 'manifest.json')).catch(() => {
    throw new UsageError(`${dir} has no manifest.json (docs/datasets.md describes the format)`);
  });
  let manifest: unknown;
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8'));
  } catch (error) {
    throw new UsageError(`${join(dir, 'manifest.json')} is not JSON: ${(error as Error).message}`);
  }
  const datasetName = name ?? (manifest as { name?: unknown }).name;
  if (typeof datasetName !== 'string') throw new UsageError('give the dataset a name: --name N (or a "name" in its manifest)');
  for (const file of shardFiles(manifest, dir)) {
    await client.uploadDatasetFile(datasetName, file, new Uint8Array(await readFile(join(dir, file))));
  }
  await client.uploadDatasetFile(datasetName, 'manifest.json', new Uint8Array(manifestBytes));
  const described = await client.dataset(datasetName);
  const { train, validation, test } = described.samples;
  return {
    text: `uploaded ${described.name}: ${train} / ${validation} / ${test} samples, ${described.classes} classes\nuse it as: "dataset": "${described.ref}"`,
    data: described,
  };
}

/** Runs `nas datasets <subcommand>` against the API. */
export async function runDatasetsCommand(client: NasClient, subcommand: string | undefined, argument: string | undefined, options: { name?: string }): Promise<DatasetsResult> {
  switch (subcommand) {
    case 'upload':
      return upload(client, argument, options.name);
    case 'list': {
      const { items, sources } = await client.datasets();
      const rows = [['NAME', 'REFERENCE'], ...items.map((item) => [item.name, item.ref]), ...sources.map((source) => ['(s3 source)', source.uri])];
      return { text: table(rows), data: { items, sources } };
    }
    case 'delete':
      if (!argument) throw new UsageError("'nas datasets delete' needs the dataset's name");
      await client.deleteDataset(argument);
      return { text: `deleted ${argument}`, data: { deleted: argument } };
    case 'add-source': {
      if (!argument) throw new UsageError("'nas datasets add-source' needs an s3://<bucket>/<prefix>");
      const source = await client.addDatasetSource(argument);
      return { text: `registered ${source.uri}: searches may now name s3:// datasets under it`, data: source };
    }
    case 'remove-source':
      if (!argument) throw new UsageError("'nas datasets remove-source' needs an s3://<bucket>/<prefix>");
      await client.removeDatasetSource(argument);
      return { text: `removed ${argument}`, data: { removed: argument } };
    default:
      throw new UsageError(`'nas datasets' takes upload, list, delete, add-source or remove-source, not '${subcommand ?? ''}'`);
  }
}
