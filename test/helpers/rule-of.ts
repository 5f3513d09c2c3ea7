import { InvalidArchitecture } from '../../src/errors.js';
import type { SearchSpace } from '../../src/spaces/space.js';

/** The rule `space.parse(value)` reports as violated, or undefined when the value is valid. */
export function ruleOf<A>(space: SearchSpace<A>, value: unknown): string | undefined {
  try {
    space.parse(value);
  } catch (error) {
    if (error instanceof InvalidArchitecture) return error.rule;
    throw error;
  }
  return undefined;
}
