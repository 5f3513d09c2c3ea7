/** Builds a Q-network of either kind, fresh from a seed or from saved parameters. */
import type { Rng } from '../../random/rng.js';
import { mlpBody } from './mlp-q.js';
import type { ObservationLayout } from './observation.js';
import { initialValues, QNetwork, type QBody, type QNetworkConfig } from './q-network.js';
import { transformerBody } from './transformer-q.js';

function body(config: QNetworkConfig, layout: ObservationLayout): QBody {
  return config.kind === 'transformer' ? transformerBody(config, layout) : mlpBody(config.hidden, layout);
}

export function createQNetwork(config: QNetworkConfig, layout: ObservationLayout, rng: Rng): QNetwork {
  const b = body(config, layout);
  return QNetwork.create(config, layout, b, initialValues(b.parameters, rng));
}

/** Throws `RangeError` when the values do not fit the configuration's parameter shapes. */
export function restoreQNetwork(config: QNetworkConfig, layout: ObservationLayout, values: readonly Float32Array[]): QNetwork {
  return QNetwork.create(config, layout, body(config, layout), values);
}
