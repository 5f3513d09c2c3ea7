import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArchitecture } from '../../src/errors.js';
import { fixedSpaces } from '../../src/spaces/registry.js';

/** Arbitrary input to `parse` either fails with the typed error or yields a member that round-trips. */
describe.each(fixedSpaces().map((space) => [space.name, space] as const))('fuzzing %s.parse', (_name, space) => {
  it('throws only InvalidArchitecture, and what it accepts round-trips', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.string(), fc.array(fc.string())), (value) => {
        let arch: unknown;
        try {
          arch = space.parse(value);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidArchitecture);
          return;
        }
        expect(space.parse(space.format(arch))).toEqual(arch);
      }),
      { numRuns: 300, seed: 1 },
    );
  });
});
