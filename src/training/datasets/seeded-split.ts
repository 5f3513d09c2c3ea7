import { Rng } from '../../random/rng.js';
import type { SplitName } from './dataset.js';

/**
 * Sample indices 0..count-1 in a seeded random order, cut into consecutive train, validation and test
 * parts of the given sizes. The same seed always gives the same parts, so every trial of every search
 * trains and is selected on the same samples.
 */
export function splitIndices(count: number, sizes: Readonly<Record<SplitName, number>>, seed: number): Record<SplitName, number[]> {
  const total = sizes.train + sizes.validation + sizes.test;
  if (total > count) throw new RangeError(`splits of ${total} samples need more than the ${count} there are`);
  const order = Rng.fromSeed(seed).shuffle(Array.from({ length: count }, (_, index) => index));
  return {
    train: order.slice(0, sizes.train),
    validation: order.slice(sizes.train, sizes.train + sizes.validation),
    test: order.slice(sizes.train + sizes.validation, total),
  };
}

/** The rows `indices` of a row-major [n, rowSize] array, as a new [indices.length, rowSize] array. */
export function gatherRows<T extends Float32Array | Int32Array>(source: T, rowSize: number, indices: readonly number[]): T {
  const rows = new (source.constructor as new (length: number) => T)(indices.length * rowSize);
  indices.forEach((index, row) => rows.set(source.subarray(index * rowSize, (index + 1) * rowSize), row * rowSize));
  return rows;
}
