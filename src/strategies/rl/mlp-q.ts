/** The MLP variant of the Q-network: ReLU layers over the flat features (tokens and context), dueling head. */
import * as tf from '@tensorflow/tfjs';
import type { ObservationLayout } from './observation.js';
import { dense, duelingHead, duelingHeadSpecs, type ParameterSpec, type QBody } from './q-network.js';

export function mlpBody(hidden: readonly number[], layout: ObservationLayout): QBody {
  const sizes = [layout.tokens * layout.tokenWidth + layout.contextSize, ...hidden];
  const layers: ParameterSpec[] = sizes.slice(1).flatMap((out, l) => [
    { shape: [sizes[l]!, out], init: 'glorot' as const },
    { shape: [out], init: 'zeros' as const },
  ]);
  return {
    parameters: [...layers, ...duelingHeadSpecs(hidden.at(-1)!, layout.actions)],
    forward(features, p) {
      let h = features;
      for (let l = 0; l < hidden.length; l++) h = tf.relu(dense(h, p[2 * l]!, p[2 * l + 1]!));
      return duelingHead(h, p.slice(2 * hidden.length));
    },
  };
}
