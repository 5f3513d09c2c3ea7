import { getSpace, SPACE_NAMES } from '../../src/spaces/registry.js';
import { describeSpaceContract } from './space-contract.js';

for (const name of SPACE_NAMES) describeSpaceContract(getSpace(name));
