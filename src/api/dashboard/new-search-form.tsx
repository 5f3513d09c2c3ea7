import type { Child } from 'hono/jsx';
import type { BenchmarkInfo } from '../../evaluators/benchmarks.js';
import { EXAMPLE_SEARCH_SPEC, MAX_PARALLEL_TRIALS, MAX_TRIAL_COUNT } from '../../search/spec.js';

export interface FormCatalog {
  /** Spaces the form can start: those declared in `spaceConfig` need the API or the CLI. */
  readonly spaces: readonly string[];
  readonly strategies: readonly string[];
  readonly benchmarks: readonly BenchmarkInfo[];
}

/**
 * One labelled input. `fields` lists the spec fields whose problem+json errors the page script shows
 * under this input (the most specific match wins; unmatched errors go to the end of the form).
 */
export function Field(props: { label: string; fields: string; hint?: string; children: Child }) {
  return (
    <div class="field" data-fields={props.fields}>
      <label>
        {props.label}
        {props.hint && <span class="hint"> {props.hint}</span>}
        {props.children}
      </label>
    </div>
  );
}

/** The form the page script turns into `POST /v1/searches`; the API validates it, not the browser. */
export function NewSearchForm({ catalog }: { catalog: FormCatalog }) {
  const example = EXAMPLE_SEARCH_SPEC;
  const objective = example.objectives[0];
  return (
    <form id="new-search" class="card" novalidate>
      <h2>Start a search</h2>
      <div class="fields">
        <Field label="Name" hint="(optional)" fields="name">
          <input name="name" maxlength={200} />
        </Field>
        <Field label="Space" fields="space spaceConfig">
          <select name="space">
            {catalog.spaces.map((space) => (
              <option selected={space === example.space}>{space}</option>
            ))}
          </select>
        </Field>
        <Field label="Benchmark" fields="evaluator">
          <select name="benchmark">
            {catalog.benchmarks.map((b) => (
              <option selected={b.name === example.evaluator.benchmark}>{b.name}</option>
            ))}
          </select>
        </Field>
        <Field label="Metric" fields="objectives evaluator.metric">
          <input name="metric" value={objective.metric} list={`metrics-${example.evaluator.benchmark}`} autocomplete="off" />
        </Field>
        <Field label="Direction" fields="objectives[0].direction">
          <select name="direction">
            {['maximize', 'minimize'].map((direction) => (
              <option selected={direction === objective.direction}>{direction}</option>
            ))}
          </select>
        </Field>
        <Field label="Strategy" fields="strategy">
          <select name="strategy">
            {catalog.strategies.map((strategy) => (
              <option selected={strategy === example.strategy.name}>{strategy}</option>
            ))}
          </select>
        </Field>
        <Field label="Trials" fields="budget budget.maxTrialCount">
          <input name="trials" type="number" min={1} max={MAX_TRIAL_COUNT} value={example.budget.maxTrialCount} />
        </Field>
        <Field label="Parallel" fields="budget.parallelTrialCount">
          <input name="parallel" type="number" min={1} max={MAX_PARALLEL_TRIALS} value={example.budget.parallelTrialCount} />
        </Field>
        <Field label="Seed" hint="(optional)" fields="seed">
          <input name="seed" type="number" min={0} />
        </Field>
        <div class="submit">
          <button type="submit">Start search</button>
        </div>
      </div>
      {catalog.benchmarks.map((b) => (
        <datalist id={`metrics-${b.name}`}>
          {b.metrics.map((metric) => (
            <option value={metric} />
          ))}
        </datalist>
      ))}
      <div class="form-errors" role="alert"></div>
    </form>
  );
}
