/**
 * The names a search spec may give for its space and its strategy. They live in the kernel, apart from the
 * implementations, so that validating a spec loads no space or strategy code (and so no TensorFlow.js);
 * the registries in src/spaces/ and src/strategies/ are typed against these lists, so neither can drift.
 */
export const FIXED_SPACE_NAMES = ['nb201', 'nb101', 'darts', 'mlp', 'cnn', 'rnn'] as const;
/** Spaces declared in the request itself (`spaceConfig` holds the declaration). */
export const DECLARED_SPACE_NAMES = ['choices'] as const;
export const SPACE_NAMES = [...FIXED_SPACE_NAMES, ...DECLARED_SPACE_NAMES] as const;
export type FixedSpaceName = (typeof FIXED_SPACE_NAMES)[number];
export type DeclaredSpaceName = (typeof DECLARED_SPACE_NAMES)[number];

export const STRATEGY_NAMES = ['random', 'random-walk', 'local-search', 'evolution', 'nsga2', 'predictor-guided', 'rl'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/**
 * Not a strategy but a request for one: the service picks a strategy for the space and budget from what
 * `npm run bench:search` measured (src/usecases/choose-strategy.ts) and records its choice on the search.
 * A spec that names no strategy asks for it.
 */
export const AUTO_STRATEGY = 'auto';
export const REQUESTABLE_STRATEGY_NAMES = [...STRATEGY_NAMES, AUTO_STRATEGY] as const;
