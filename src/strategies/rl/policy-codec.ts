/**
 * A trained policy as plain JSON: the Q-network's configuration, the observation layout it reads and its
 * parameters (little-endian float32, base64, one string per tensor). Greedy action choice needs nothing
 * else: score normalisation at search time comes from the search's own history.
 */
import { z } from 'zod';
import { InvalidRequest } from '../../errors.js';
import { base64ToFloat32, float32ToBase64 } from '../../predictors/predictor-artifact.js';
import { issueFields } from '../../search/issue-fields.js';
import { restoreQNetwork } from './networks.js';
import type { ObservationLayout } from './observation.js';
import { QNetworkConfigSchema, type QNetwork, type QNetworkConfig } from './q-network.js';

export const POLICY_FORMAT = 'serverless-nas/rl-policy';

const LayoutSchema = z.strictObject({
  tokens: z.number().int().positive(),
  tokenWidth: z.number().int().positive(),
  contextSize: z.number().int().positive(),
  actions: z.number().int().positive(),
});

export const PolicyWeightsSchema = z.strictObject({
  format: z.literal(POLICY_FORMAT),
  version: z.literal(1),
  space: z.string(),
  network: QNetworkConfigSchema,
  layout: LayoutSchema,
  parameters: z.array(z.string()),
});
export type PolicyWeights = z.output<typeof PolicyWeightsSchema>;

export function encodeParameters(values: readonly Float32Array[]): string[] {
  return values.map(float32ToBase64);
}

export function decodeParameters(texts: readonly string[], field: string): Float32Array[] {
  return texts.map((text, k) => {
    const values = base64ToFloat32(text);
    if (!values) throw new InvalidRequest(`${field}.${k}`, 'not a whole number of float32 values');
    return values;
  });
}

export function policyWeights(space: string, network: QNetwork): PolicyWeights {
  return encodedPolicyWeights(space, network.config, network.layout, encodeParameters(network.parameterValues()));
}

/** The same from parameters already encoded (a training checkpoint's). */
export function encodedPolicyWeights(space: string, network: QNetworkConfig, layout: ObservationLayout, parameters: readonly string[]): PolicyWeights {
  return { format: POLICY_FORMAT, version: 1, space, network, layout: { ...layout }, parameters: [...parameters] };
}

/** Parses and restores a policy's network; throws `InvalidRequest` naming the field for a malformed file. */
export function policyNetwork(json: unknown): { weights: PolicyWeights; network: QNetwork } {
  const result = PolicyWeightsSchema.safeParse(json);
  if (!result.success) {
    const [first] = issueFields(result.error, ['policy']);
    throw new InvalidRequest(first!.field, first!.message);
  }
  const weights = result.data;
  try {
    return { weights, network: restoreQNetwork(weights.network, weights.layout, decodeParameters(weights.parameters, 'policy.parameters')) };
  } catch (error) {
    if (error instanceof RangeError) throw new InvalidRequest('policy.parameters', error.message);
    throw error;
  }
}
