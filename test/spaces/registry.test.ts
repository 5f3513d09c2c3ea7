import { describe, expect, it } from 'vitest';
import { InvalidRequest } from '../../src/errors.js';
import { fixedSpaces, resolveSpace } from '../../src/spaces/registry.js';
import { describeSpaceContract } from './space-contract.js';

for (const space of fixedSpaces()) describeSpaceContract(space);

describe('space registry', () => {
  const declaration = { decisions: { op: { options: ['conv3', 'conv5', 'skip'] }, width: { options: [16, 32] } } };

  it('builds a declared space from spaceConfig and runs it like any other', () => {
    expect(resolveSpace('choices', declaration).name).toBe('choices');
  });

  it.each([
    ['nb201', {}, 'spaceConfig'],
    ['choices', undefined, 'spaceConfig'],
    ['choices', { decisions: { op: { options: [] } } }, 'spaceConfig.decisions.op.options'],
    ['resnet', undefined, 'space'],
  ])('refuses %s with spaceConfig %j, naming %s', (name, config, field) => {
    let thrown: unknown;
    try {
      resolveSpace(name, config);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidRequest);
    expect((thrown as InvalidRequest).field).toBe(field);
  });
});
