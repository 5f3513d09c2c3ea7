import { InvalidRequest } from '../errors.js';
import { nb201Space } from './nb201.js';
import type { SearchSpace } from './space.js';

/** Architectures are opaque to code that only routes them between a space and a strategy. */
export type AnySpace = SearchSpace<unknown>;

/** Every search space a search may name, by its `space` field. */
const SPACES = {
  nb201: nb201Space as unknown as AnySpace,
} satisfies Record<string, AnySpace>;

export type SpaceName = keyof typeof SPACES;
export const SPACE_NAMES = Object.keys(SPACES) as [SpaceName, ...SpaceName[]];

export function getSpace(name: string): AnySpace {
  const space = (SPACES as Record<string, AnySpace>)[name];
  if (!space) throw new InvalidRequest('space', `unknown space '${name}' (one of ${SPACE_NAMES.join(', ')})`);
  return space;
}

/**
 * The space a search or table names, built with its declaration where the space needs one. Spaces with
 * a fixed definition refuse a `spaceConfig`, so that a stray one is never silently ignored.
 */
export function resolveSpace(name: string, config?: unknown): AnySpace {
  const space = getSpace(name);
  if (config !== undefined) throw new InvalidRequest('spaceConfig', `space '${name}' is fixed and takes no spaceConfig`);
  return space;
}
