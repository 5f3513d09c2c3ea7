/**
 * Trained policies as artifacts: `<prefix><space>/<name>/weights.json` (see `policy-codec.ts`) and
 * `<prefix><space>/<name>/manifest.json`, the registry record below. A search's artifact store keeps them
 * under `policies/`; the policies shipped with the product live in the repository folder `policies/`,
 * read through a registry over that folder (prefix ''; `shippedPolicies` in src/local/shipped-policies.ts).
 *
 * Contract: `get` of an unknown policy resolves `undefined`; `put` overwrites; `list` returns every
 * manifest (of one space, when given), sorted by space then name.
 */
import { z } from 'zod';
import type { ArtifactStore } from '../../artifacts/artifact-store.js';
import { InvalidRequest } from '../../errors.js';
import { issueFields } from '../../search/issue-fields.js';
import type { PolicyWeights } from './policy-codec.js';
import type { QNetwork } from './q-network.js';

export const POLICY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

export const PolicyManifestSchema = z.strictObject({
  name: z.string().regex(POLICY_NAME),
  space: z.string(),
  benchmark: z.string(),
  metric: z.string(),
  /** Learner steps, including those of the policy it was fine-tuned from. */
  steps: z.number().int().nonnegative(),
  /** Environment steps (transitions) collected, over all actors. */
  envSteps: z.number().int().nonnegative(),
  hyperparameters: z.record(z.string(), z.unknown()),
  /** The policy this one was fine-tuned from, as `<space>/<name>`. */
  fineTunedFrom: z.string().optional(),
  /** Measured quality: mean best raw score of the greedy actor's last training episodes. */
  score: z.strictObject({ measure: z.string(), value: z.number() }).nullable(),
  seed: z.number().int(),
  trainingSeconds: z.number().nonnegative(),
  created: z.string(),
});
export type PolicyManifest = z.output<typeof PolicyManifestSchema>;

export interface LoadedPolicy {
  readonly manifest: PolicyManifest;
  readonly weights: PolicyWeights;
  readonly network: QNetwork;
}

const decoder = new TextDecoder();

function parseJson<T>(bytes: Uint8Array, schema: z.ZodType<T>, field: string): T {
  const result = schema.safeParse(JSON.parse(decoder.decode(bytes)));
  if (!result.success) {
    const [first] = issueFields(result.error, [field]);
    throw new InvalidRequest(first!.field, first!.message);
  }
  return result.data;
}

export class PolicyRegistry {
  constructor(
    readonly store: ArtifactStore,
    readonly prefix = 'policies/',
  ) {}

  key(space: string, name: string, file: string): string {
    return `${this.prefix}${space}/${name}/${file}`;
  }

  async put(manifest: PolicyManifest, weights: PolicyWeights): Promise<void> {
    const checked = PolicyManifestSchema.parse(manifest);
    // Weights first: a manifest never names weights that are not there yet.
    await this.store.put(this.key(checked.space, checked.name, 'weights.json'), JSON.stringify(weights));
    await this.store.put(this.key(checked.space, checked.name, 'manifest.json'), `${JSON.stringify(checked, null, 2)}\n`);
  }

  async manifest(space: string, name: string): Promise<PolicyManifest | undefined> {
    const bytes = await this.store.get(this.key(space, name, 'manifest.json'));
    return bytes && parseJson(bytes, PolicyManifestSchema, 'manifest');
  }

  /** The policy with its network restored, or undefined when there is none by that name. */
  async get(space: string, name: string): Promise<LoadedPolicy | undefined> {
    const manifest = await this.manifest(space, name);
    const bytes = manifest && (await this.store.get(this.key(space, name, 'weights.json')));
    if (!manifest || !bytes) return undefined;
    // TensorFlow.js loads with the first policy restored, not with every process that lists policies (the API).
    const { policyNetwork } = await import('./policy-codec.js');
    const { weights, network } = policyNetwork(JSON.parse(decoder.decode(bytes)));
    return { manifest, weights, network };
  }

  async list(space?: string): Promise<PolicyManifest[]> {
    const keys = await this.store.list(space === undefined ? this.prefix : `${this.prefix}${space}/`);
    const manifests = keys.filter((key) => key.endsWith('/manifest.json'));
    const loaded = await Promise.all(manifests.map(async (key) => parseJson((await this.store.get(key))!, PolicyManifestSchema, 'manifest')));
    return loaded.sort((a, b) => a.space.localeCompare(b.space) || a.name.localeCompare(b.name));
  }
}
