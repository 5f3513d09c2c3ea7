import { endianness } from 'node:os';
import { z } from 'zod';
import { Unavailable } from '../../errors.js';

/**
 * The user dataset format (docs/datasets.md): under one prefix of an artifact store, a `manifest.json`
 * and, per split, shards of raw little-endian arrays (what numpy's `astype('<f4').tofile(...)` writes):
 * `x` float32 or int32 [count, ...inputShape], `y` int32 [count, ...targetShape], optional `mask` float32
 * with the layout of `y`. Raw arrays need no parser and no dependency on either side; the manifest
 * carries the shapes and counts that make every byte length checkable.
 */
export const MANIFEST_FILE = 'manifest.json';

const shardFile = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/, 'expected a relative path of letters, digits, _ . - and /')
  .refine((path) => !path.split('/').some((part) => part === '.' || part === '..'), 'no . or .. in shard paths');

export const ShardSchema = z.strictObject({
  count: z.int().min(1),
  x: shardFile,
  y: shardFile,
  mask: shardFile.optional(),
});
export type Shard = z.output<typeof ShardSchema>;

const shards = z.array(ShardSchema).min(1, 'a split needs at least one shard');

export const DatasetManifestSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'letters, digits, _ . - only (1-100)'),
    description: z.string().max(2000).default(''),
    inputShape: z.array(z.int().min(1)).min(1).max(4),
    inputType: z.enum(['float32', 'int32']),
    targetShape: z.array(z.int().min(1)).max(1, 'expected [] (one label per sample) or [steps]'),
    classes: z.int().min(2).max(1_000_000),
    vocabulary: z.array(z.string()).optional(),
    splits: z.strictObject({ train: shards, validation: shards, test: shards }),
  })
  .superRefine(
    (manifest, context) => {
      if (manifest.vocabulary && manifest.vocabulary.length !== manifest.classes)
        context.addIssue({ code: 'custom', path: ['vocabulary'], message: `expected ${manifest.classes} tokens (classes), got ${manifest.vocabulary.length}` });
    },
    // Also when other fields are broken, so that one read reports every problem.
    { when: ({ value }) => typeof value === 'object' && value !== null && 'vocabulary' in value && Array.isArray(value.vocabulary) && 'classes' in value && Number.isInteger(value.classes) },
  );
export type DatasetManifest = z.output<typeof DatasetManifestSchema>;

/** Bytes per value of every shard array: float32 and int32 alike. */
export const BYTES_PER_VALUE = 4;

/** Typed arrays use the platform's byte order; shards are little-endian, which is every platform Node supports but s390x. */
export function requireLittleEndian(): void {
  if (endianness() !== 'LE') throw new Unavailable('user dataset shards are little-endian arrays; this platform is big-endian');
}

/** A prefix as a key stem: '' (the store's root) or ending in '/'. */
export function prefixStem(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}
