import type * as tf from '@tensorflow/tfjs';
import { rnnMorphismBetween } from '../spaces/rnn.js';
import type { RnnCell } from '../spaces/rnn-cell.js';
import type { SearchSpace } from '../spaces/space.js';
import { inheritRnnWeights } from './rnn-weight-inheritance.js';

/** How much of a child's starting point came from its parent. */
export interface Inheritance {
  /** Weight tensors the child took from its parent (the rest keep their fresh initialisation). */
  readonly inherited: number;
  readonly total: number;
  /** The child computes exactly what the trained parent computed (an exact network morphism). */
  readonly functionPreserving: boolean;
}

/**
 * Starts `child` from its trained `parent` (Booysen & Bosman 2024: children inherit their parents'
 * weights). An `rnn` child made by one morphism gets the morphism's plan, exact where the morphism is;
 * any other pair takes every weight tensor whose position and shape agree, in model order, up to the first
 * disagreement: the layers before the edit carry over, the rest train from scratch.
 */
export function inheritWeights<A>(space: SearchSpace<A>, parent: { arch: A; model: tf.LayersModel }, child: { arch: A; model: tf.LayersModel }): Inheritance {
  const total = child.model.getWeights().length;
  if (space.name === 'rnn') {
    const morphism = rnnMorphismBetween(parent.arch as RnnCell, child.arch as RnnCell);
    if (morphism) {
      inheritRnnWeights(parent.model, child.model, morphism.inheritance);
      return { inherited: total, total, functionPreserving: morphism.change.functionPreserving };
    }
  }
  const from = parent.model.getWeights();
  const to = child.model.getWeights();
  let matching = 0;
  while (matching < Math.min(from.length, to.length) && from[matching]!.shape.join() === to[matching]!.shape.join()) matching++;
  child.model.setWeights([...from.slice(0, matching), ...to.slice(matching)]);
  return { inherited: matching, total, functionPreserving: false };
}
