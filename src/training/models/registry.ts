import { InvalidRequest } from '../../errors.js';
import { cnnBuilder } from './cnn-builder.js';
import { dartsBuilder } from './darts-builder.js';
import type { ModelBuilder } from './model-builder.js';
import { mlpBuilder } from './mlp-builder.js';
import { nb201Builder } from './nb201-builder.js';
import { rnnBuilder } from './rnn-builder.js';

/** Builders by space name; architectures are opaque to the code that routes them (as in `spaces/registry`). */
const BUILDERS: Record<string, ModelBuilder<unknown>> = Object.fromEntries(
  [mlpBuilder, cnnBuilder, nb201Builder, dartsBuilder, rnnBuilder].map((builder) => [builder.space, builder as ModelBuilder<unknown>]),
);

/** Spaces that can be trained, for error messages and the catalog. */
export const TRAINABLE_SPACES: readonly string[] = Object.keys(BUILDERS);

/**
 * The model builder of `space`. Throws `InvalidRequest` (field `space`) for a space without one: `nb101`
 * (its benchmark table is the only evaluator) and `choices` (its decisions mean nothing to a network).
 */
export function modelBuilderFor(space: string): ModelBuilder<unknown> {
  const builder = BUILDERS[space];
  if (!builder) {
    throw new InvalidRequest('space', `space '${space}' cannot be trained (trainable spaces: ${TRAINABLE_SPACES.join(', ')})`);
  }
  return builder;
}
