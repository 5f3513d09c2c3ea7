import { InvalidRequest } from '../errors.js';
import { evolution } from './evolution.js';
import { localSearch } from './local-search.js';
import { nsga2 } from './nsga2.js';
import { predictorGuided } from './predictor-guided.js';
import { randomSearch } from './random-search.js';
import { randomWalk } from './random-walk.js';
import { rlStrategy } from './rl/rl-strategy.js';
import { STRATEGY_NAMES, type StrategyName } from '../search/names.js';
import type { Strategy } from './strategy.js';

// Strategies differ in their params and state types; the controller only passes them through as JSON.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStrategy = Strategy<any, any>;

const STRATEGIES = {
  random: randomSearch,
  'random-walk': randomWalk,
  'local-search': localSearch,
  evolution,
  nsga2,
  'predictor-guided': predictorGuided,
  rl: rlStrategy,
} satisfies Record<StrategyName, AnyStrategy>;

export { STRATEGY_NAMES, type StrategyName };

export function getStrategy(name: string): AnyStrategy {
  const strategy = (STRATEGIES as Record<string, AnyStrategy>)[name];
  if (!strategy) throw new InvalidRequest('strategy.name', `unknown strategy '${name}' (one of ${STRATEGY_NAMES.join(', ')})`);
  return strategy;
}
