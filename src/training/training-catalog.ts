import { InvalidRequest } from '../errors.js';
import type { TrainEvaluatorSpec } from '../search/training-spec.js';
import { issueFields } from '../search/issue-fields.js';
import { checkUserDataset, type DatasetAccess } from './datasets/dataset-access.js';
import { parseDatasetRef } from './datasets/registry.js';
import type { ModelSettings } from './models/model-builder.js';
import { modelBuilderFor } from './models/registry.js';

/** The spec path each training module's own field names live under. */
const SPEC_PATHS: readonly (readonly [string, string])[] = [
  ['modelSettings', 'evaluator.model'],
  ['datasetOptions', 'evaluator.datasetOptions'],
  ['dataset', 'evaluator.dataset'],
];

/** An `InvalidRequest` from a training module with its field as a path in the search spec. */
function inSpecError(error: unknown): unknown {
  if (!(error instanceof InvalidRequest)) return error;
  const [from, to] = SPEC_PATHS.find(([prefix]) => error.field === prefix || error.field.startsWith(`${prefix}.`)) ?? ['', ''];
  return from ? new InvalidRequest(to + error.field.slice(from.length), error.message) : error;
}

function inSpec<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    throw inSpecError(error);
  }
}

async function inSpecAsync<T>(check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    throw inSpecError(error);
  }
}

/**
 * What the API checks of a `train` evaluator before accepting a search: the space has a model builder that
 * accepts the model settings, and the dataset exists with valid options, and is one the tenant may read
 * (`datasets`; without it only built-ins are accepted). Returns the settings with their defaults, so the
 * stored spec says exactly what every trial builds. (The job reads and checks a user dataset's shards.)
 */
export async function checkTrainingTask(space: string, evaluator: TrainEvaluatorSpec, datasets?: DatasetAccess): Promise<ModelSettings> {
  const settings = inSpec(() => modelBuilderFor(space).settings(evaluator.model));
  const ref = inSpec(() => parseDatasetRef(evaluator.dataset));
  if (ref.kind === 'builtin') {
    const options = ref.dataset.optionsSchema.safeParse(evaluator.datasetOptions);
    if (!options.success) {
      const [first] = issueFields(options.error, ['evaluator', 'datasetOptions']);
      throw new InvalidRequest(first!.field, first!.message);
    }
    return settings;
  }
  if (Object.keys(evaluator.datasetOptions).length > 0) {
    throw new InvalidRequest('evaluator.datasetOptions', `user datasets take no options: ${evaluator.dataset} is described by its manifest`);
  }
  if (!datasets) throw new InvalidRequest('evaluator.dataset', `${evaluator.dataset} is a user dataset, and nothing here says whose: only built-in datasets are accepted`);
  await inSpecAsync(() => checkUserDataset(ref, evaluator.dataset, datasets));
  return settings;
}
