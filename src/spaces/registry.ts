import { InvalidRequest } from '../errors.js';
import { createChoicesSpace } from './choices.js';
import { cnnSpace } from './cnn.js';
import { dartsSpace } from './darts.js';
import { mlpSpace } from './mlp.js';
import { nb101Space } from './nb101.js';
import { nb201Space } from './nb201.js';
import { rnnSpace } from './rnn.js';
import { SPACE_NAMES, type DeclaredSpaceName, type FixedSpaceName } from '../search/names.js';
import type { SearchSpace } from './space.js';

/** Architectures are opaque to code that only routes them between a space and a strategy. */
export type AnySpace = SearchSpace<unknown>;

/** Spaces with a fixed definition, by the name a search spec gives in `space`. */
const FIXED_SPACES: Record<FixedSpaceName, AnySpace> = {
  nb201: nb201Space as unknown as AnySpace,
  nb101: nb101Space as unknown as AnySpace,
  darts: dartsSpace as unknown as AnySpace,
  mlp: mlpSpace as unknown as AnySpace,
  cnn: cnnSpace as unknown as AnySpace,
  rnn: rnnSpace as unknown as AnySpace,
};

/** Spaces declared in the request itself: `spaceConfig` holds the declaration. */
const DECLARED_SPACES: Record<DeclaredSpaceName, { description: string; create: (config: unknown) => AnySpace }> = {
  choices: {
    description: 'named categorical decisions declared in spaceConfig, optionally conditional on each other',
    create: (config) => createChoicesSpace(config as Parameters<typeof createChoicesSpace>[0]) as unknown as AnySpace,
  },
};

export { SPACE_NAMES };

/** What a user can pick from, for the catalog. */
export function describeSpaces(): { name: string; description: string; needsSpaceConfig: boolean }[] {
  return [
    ...Object.entries(FIXED_SPACES).map(([name, space]) => ({ name, description: space.description, needsSpaceConfig: false })),
    ...Object.entries(DECLARED_SPACES).map(([name, { description }]) => ({ name, description, needsSpaceConfig: true })),
  ];
}

/** The fixed spaces, e.g. to run the space contract over each. */
export function fixedSpaces(): AnySpace[] {
  return Object.values(FIXED_SPACES);
}

/**
 * The space a search or table names, built from its declaration where the space is declared in the
 * request. Fixed spaces refuse a `spaceConfig` so that a stray one is never silently ignored; errors
 * name `space` or the offending `spaceConfig.*` field.
 */
export function resolveSpace(name: string, config?: unknown): AnySpace {
  const fixed = (FIXED_SPACES as Record<string, AnySpace | undefined>)[name];
  if (fixed) {
    if (config !== undefined) throw new InvalidRequest('spaceConfig', `space '${name}' is fixed and takes no spaceConfig`);
    return fixed;
  }
  const declared = (DECLARED_SPACES as Record<string, (typeof DECLARED_SPACES)[DeclaredSpaceName] | undefined>)[name];
  if (!declared) throw new InvalidRequest('space', `unknown space '${name}' (one of ${SPACE_NAMES.join(', ')})`);
  if (config === undefined) throw new InvalidRequest('spaceConfig', `space '${name}' needs its declaration in spaceConfig`);
  try {
    return declared.create(config);
  } catch (error) {
    if (error instanceof InvalidRequest) throw new InvalidRequest(`spaceConfig.${error.field}`, error.message);
    throw error;
  }
}
