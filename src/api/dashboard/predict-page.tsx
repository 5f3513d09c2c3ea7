import type { SearchRecord } from '../../search/records.js';
import { EXAMPLE_SEARCH_SPEC } from '../../search/spec.js';
import { formatTimestamp } from './format.js';
import { Layout } from './layout.js';
import { Field } from './new-search-form.js';

/** What the form starts from: a search's space, evaluator and selection metric. */
interface PredictionTask {
  readonly space: string;
  readonly evaluator: string;
  readonly metric: string;
}

function taskOf(search: SearchRecord): PredictionTask {
  const { spec } = search;
  return { space: spec.space, evaluator: JSON.stringify(spec.evaluator), metric: spec.evaluator.metric ?? spec.objectives[0]!.metric };
}

/** Without searches to start from: the example search's task. */
const EXAMPLE_TASK: PredictionTask = {
  space: EXAMPLE_SEARCH_SPEC.space,
  evaluator: JSON.stringify(EXAMPLE_SEARCH_SPEC.evaluator),
  metric: EXAMPLE_SEARCH_SPEC.objectives[0].metric,
};

function describeSearch(search: SearchRecord): string {
  const { spec } = search;
  const evaluator =
    spec.evaluator.kind === 'benchmark' ? spec.evaluator.benchmark : spec.evaluator.kind === 'train' ? `training on ${spec.evaluator.dataset}` : 'trained by your workers';
  return `${spec.name ?? search.id} (${spec.space}, ${evaluator}, ${search.trialStatusCounters.succeeded} succeeded, ${formatTimestamp(search.createdAt)})`;
}

/**
 * `/predict`: the form the page script turns into `POST /v1/predictions`, prefilled from one of the
 * tenant's searches, and the place its predictions table appears.
 */
export function PredictPage(props: { searches: readonly SearchRecord[]; selected?: SearchRecord; spaces: readonly string[] }) {
  const selected = props.selected ?? props.searches[0];
  const task = selected ? taskOf(selected) : EXAMPLE_TASK;
  const offered = selected && !props.searches.some((s) => s.id === selected.id) ? [selected, ...props.searches] : props.searches;
  return (
    <Layout title="Predict" signedIn>
      <h1>Predict architectures</h1>
      <p class="note">
        Before paying to train or look up architectures, ask how they would score: a predictor learns from your finished trials of the same
        space and evaluator (at least 10) and answers with a mean and its uncertainty for each. Pick a search to start from, then paste
        architectures in the space's string form, one per line.
      </p>
      <form id="predict" class="card" novalidate>
        <div class="predict-fields">
          <Field label="Like the trials of" fields="search">
            <select name="search">
              {offered.map((search) => (
                <option value={search.id} selected={search.id === selected?.id} data-space={search.spec.space} data-evaluator={taskOf(search).evaluator} data-metric={taskOf(search).metric}>
                  {describeSearch(search)}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Space" fields="space spaceConfig">
            <select name="space">
              {props.spaces.map((space) => (
                <option selected={space === task.space}>{space}</option>
              ))}
            </select>
          </Field>
          <Field label="Metric" fields="metric">
            <input name="metric" value={task.metric} autocomplete="off" />
          </Field>
          <Field label="Evaluator" hint="(as in a search spec)" fields="evaluator">
            <textarea name="evaluator" rows={2} spellcheck={false}>
              {task.evaluator}
            </textarea>
          </Field>
          <Field label="Architectures" hint="(one per line, at most 1,000)" fields="architectures">
            <textarea name="architectures" rows={8} spellcheck={false} placeholder={selected?.best?.arch ?? ''}></textarea>
          </Field>
        </div>
        <button type="submit">Predict</button>
        <div class="form-errors" role="alert"></div>
      </form>
      <section id="predictions" aria-live="polite"></section>
    </Layout>
  );
}
