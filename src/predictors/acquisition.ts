/**
 * Acquisition functions over a predictor's ensemble mean and spread, for a BANANAS-style strategy
 * (White, Neiswanger, Savani, "BANANAS: Bayesian Optimization with Neural Architectures for Neural
 * Architecture Search", AAAI 2021). Both assume larger is better: pass scores oriented that way (a
 * strategy's history scores already are).
 */
import type { Rng } from '../random/rng.js';
import type { Prediction } from './predictor.js';

/** A standard normal draw (Box-Muller); `1 - u` keeps the logarithm away from 0. */
function standardNormal(rng: Rng): number {
  const u = 1 - rng.float();
  const v = rng.float();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * Independent Thompson sampling, BANANAS's best acquisition: one draw per candidate from N(mean, std²),
 * each independently of the others. A strategy proposes the candidates with the largest draws; unlike a
 * greedy pick, a batch of proposals then spreads over candidates the ensemble is unsure about.
 */
export function independentThompson(predictions: readonly Prediction[], rng: Rng): number[] {
  return predictions.map(({ mean, std }) => mean + std * standardNormal(rng));
}

/** Upper confidence bound: optimism in proportion to the ensemble's disagreement; `beta = 0` is greedy. */
export function ucb(mean: number, std: number, beta: number): number {
  return mean + beta * std;
}
