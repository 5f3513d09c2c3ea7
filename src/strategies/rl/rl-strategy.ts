import { z } from 'zod';
import { InvalidRequest } from '../../errors.js';
import { Rng } from '../../random/rng.js';
import type { SearchSpace } from '../../spaces/space.js';
import { SeenCanonicals } from '../history.js';
import { predictorGuided } from '../predictor-guided.js';
import type { ProposeInput, Strategy } from '../strategy.js';
import { observationLayout } from './observation.js';
import { OnlineOptionsSchema } from './online-options.js';
import type { RlState } from './policy-walk.js';
import { POLICY_NAME, type LoadedPolicy, type PolicyRegistry } from './policy-registry.js';

/**
 * The `rl` strategy: a trained search policy (`nas agent train`, see docs/strategies.md#rl) walks the
 * space by edit actions, greedy in its Q-values with a small epsilon, from a random start, restarting
 * after the episode length it was trained with or when every legal move leads somewhere already
 * evaluated (moves to evaluated architectures are masked, so nothing is proposed twice).
 *
 * The policy is looked up by name in the search's artifact store (`policies/<space>/<name>/`), then among
 * the policies shipped in the repository. Scores in the policy's context are z-scores over the search's
 * own finished trials, so a policy trained on one dataset reads another's accuracies on the same scale.
 *
 * Without a policy (none named and no `default` for the space, or `policy: null`) the agent learns during
 * the search from the search's own trials, Dyna-style (`online-agent.ts`, options in `online`); with one
 * and `handOverAfter`, it does so (or runs `predictor-guided`, `handOverTo`) once that many trials have finished.
 */
const params = z.strictObject({
  /**
   * A policy of the search's space, by name; a named policy that does not exist is refused at creation.
   * Absent: the space's `default` policy where there is one, else learning during the search. `null`:
   * always learn during the search.
   */
  policy: z.string().regex(POLICY_NAME).nullable().optional(),
  /** Learning during the search (no policy): see `OnlineOptionsSchema`. */
  online: OnlineOptionsSchema.prefault({}),
  /**
   * With a policy: once this many trials have finished, the policy having found the search its first
   * data, the search goes on from its own trials instead. A policy trained on a cheaper proxy (a lower
   * fidelity) finds good regions fast; the search's own answers then say more. Absent: the policy throughout.
   */
  handOverAfter: z.int().min(1).max(100_000).optional(),
  /**
   * What the search goes on with after `handOverAfter`: `online`, the agent learning during the search (as
   * without a policy), or `predictor-guided` with its defaults, which needs a fraction of its CPU. @default 'online'
   */
  handOverTo: z.enum(['online', 'predictor-guided']).default('online'),
  /** Probability of a random legal move instead of the greedy one. @default 0.05 */
  epsilon: z.number().min(0).max(1).default(0.05),
  /** Moves before a restart; the policy's training episode length when absent. */
  episodeLength: z.number().int().min(1).max(10_000).optional(),
});
type RlParams = z.infer<typeof params>;

const PREDICTOR_GUIDED_DEFAULTS = predictorGuided.params.parse({});
/** The policy an `rl` search runs when it names none, where the space has one. */
const DEFAULT_POLICY = 'default';
/** Episode length of policies whose manifest does not record one. */
const DEFAULT_EPISODE_LENGTH = 20;

// Restoring a network costs far more than reading its manifest: each store keeps the policies it loaded,
// keyed by their creation time, so a policy retrained under the same name is picked up by the next proposal.
const loaded = new WeakMap<object, Map<string, Promise<LoadedPolicy | undefined>>>();

async function loadFrom(registry: PolicyRegistry, space: string, name: string): Promise<LoadedPolicy | undefined> {
  const manifest = await registry.manifest(space, name);
  if (!manifest) return undefined;
  let byKey = loaded.get(registry.store);
  if (!byKey) loaded.set(registry.store, (byKey = new Map()));
  const key = `${space}/${name}@${manifest.created}`;
  let policy = byKey.get(key);
  if (!policy) {
    policy = registry.get(space, name);
    policy.catch(() => byKey.delete(key));
    byKey.set(key, policy);
  }
  return policy;
}

/** The first of `registries` that has the named policy for the space, checked to fit it. */
async function findPolicy(space: SearchSpace<unknown>, name: string, registries: readonly PolicyRegistry[]): Promise<LoadedPolicy> {
  const policy = await lookUpPolicy(space, name, registries);
  if (!policy) throw new InvalidRequest('strategy.params.policy', `no policy '${name}' for space '${space.name}' (train one with 'nas agent train')`);
  if (!fits(space, policy)) {
    throw new InvalidRequest('strategy.params.policy', `policy '${name}' does not fit space '${space.name}' (layout ${JSON.stringify(policy.weights.layout)})`);
  }
  return policy;
}

async function lookUpPolicy(space: SearchSpace<unknown>, name: string, registries: readonly PolicyRegistry[]): Promise<LoadedPolicy | undefined> {
  for (const registry of registries) {
    const policy = await loadFrom(registry, space.name, name);
    if (policy) return policy;
  }
  return undefined;
}

/** The policy the params name, the space's default when they name none, or `undefined`: learn during the search. */
async function policyFor(space: SearchSpace<unknown>, params: RlParams, registries: readonly PolicyRegistry[]): Promise<LoadedPolicy | undefined> {
  if (params.policy === null) return undefined;
  if (params.policy !== undefined) return findPolicy(space, params.policy, registries);
  const fallback = await lookUpPolicy(space, DEFAULT_POLICY, registries);
  // A default that does not fit this space's declaration (a `choices` space declared otherwise) is no default.
  return fallback && fits(space, fallback) ? fallback : undefined;
}

function fits(space: SearchSpace<unknown>, policy: LoadedPolicy): boolean {
  const expected = observationLayout(space);
  const { layout } = policy.weights;
  return layout.tokens === expected.tokens && layout.tokenWidth === expected.tokenWidth && layout.actions === expected.actions;
}

function episodeLengthOf(policy: LoadedPolicy): number {
  const recorded = policy.manifest.hyperparameters.episodeLength;
  return typeof recorded === 'number' ? recorded : DEFAULT_EPISODE_LENGTH;
}

export const rlStrategy: Strategy<RlParams, RlState> = {
  name: 'rl',
  description: 'A learned search policy (Ape-X DQN over edit actions) walking the space greedily, with restarts',
  params,
  init: (_params, seed) => ({ rng: Rng.fromSeed(seed).state(), episode: [] }),
  async check({ space, params, policies }) {
    // A named policy must exist where the registries can be consulted; without a name the search may learn.
    if (policies !== undefined && typeof params.policy === 'string') await findPolicy(space as SearchSpace<unknown>, params.policy, policies);
  },
  async propose<A>({ space, params, state, history, proposed, count, policies = [] }: ProposeInput<A, RlParams, RlState>) {
    const handedOver = params.handOverAfter !== undefined && history.filter((entry) => entry.score !== undefined).length >= params.handOverAfter;
    if (handedOver && params.handOverTo === 'predictor-guided') {
      const proposal = await predictorGuided.propose({ space, params: PREDICTOR_GUIDED_DEFAULTS, state: { rng: state.rng }, history, proposed, count });
      return { ...proposal, state: { rng: proposal.state.rng, episode: [] } };
    }
    const policy = handedOver ? undefined : await policyFor(space as SearchSpace<unknown>, params, policies);
    if (!policy) {
      const rng = Rng.fromState(state.rng);
      const { proposeOnline } = await import('./online-agent.js');
      const candidates = await proposeOnline(space, history, SeenCanonicals.of({ history, proposed }), count, params.online, rng);
      return { state: { rng: rng.state(), episode: [] }, candidates };
    }
    // TensorFlow.js loads with the first walk of a policy, not with every process that registers strategies (the API).
    const { walkWithPolicy } = await import('./policy-walk.js');
    return walkWithPolicy({ space, policy, episodeLength: params.episodeLength ?? episodeLengthOf(policy), epsilon: params.epsilon, state, history, proposed, count });
  },
};
