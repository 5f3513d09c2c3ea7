import { InvalidRequest } from '../errors.js';
import type { TrainEvaluatorSpec } from '../search/training-spec.js';
import { issueFields } from '../search/issue-fields.js';
import { parseDatasetRef } from './datasets/registry.js';
import type { ModelSettings } from './models/model-builder.js';
import { modelBuilderFor } from './models/registry.js';

/** The spec path each training module's own field names live under. */
const SPEC_PATHS: readonly (readonly [string, string])[] = [
  ['modelSettings', 'evaluator.model'],
  ['datasetOptions', 'evaluator.datasetOptions'],
  ['dataset', 'evaluator.dataset'],
];

/** Re-throws an `InvalidRequest` from a training module with its field as a path in the search spec. */
function inSpec<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof InvalidRequest)) throw error;
    const [from, to] = SPEC_PATHS.find(([prefix]) => error.field === prefix || error.field.startsWith(`${prefix}.`)) ?? ['', ''];
    throw from ? new InvalidRequest(to + error.field.slice(from.length), error.message) : error;
  }
}

/**
 * What the API checks of a `train` evaluator before accepting a search: the space has a model builder that
 * accepts the model settings, and the dataset exists with valid options. Returns the settings with their
 * defaults, so the stored spec says exactly what every trial builds. (User datasets are read by the job:
 * their files may not be readable from the API, and the job reports every problem in them.)
 */
export function checkTrainingTask(space: string, evaluator: TrainEvaluatorSpec): ModelSettings {
  const settings = inSpec(() => modelBuilderFor(space).settings(evaluator.model));
  const ref = inSpec(() => parseDatasetRef(evaluator.dataset));
  if (ref.kind === 'builtin') {
    const options = ref.dataset.optionsSchema.safeParse(evaluator.datasetOptions);
    if (!options.success) {
      const [first] = issueFields(options.error, ['evaluator', 'datasetOptions']);
      throw new InvalidRequest(first!.field, first!.message);
    }
  } else if (Object.keys(evaluator.datasetOptions).length > 0) {
    throw new InvalidRequest('evaluator.datasetOptions', `user datasets take no options: ${evaluator.dataset} is described by its manifest`);
  }
  return settings;
}
