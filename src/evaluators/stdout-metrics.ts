import type { MetricDefinition } from '../search/container-spec.js';
import type { EpochObservation } from '../search/records.js';

/**
 * Longest line the regexes are tried on: a user's regex runs over a user's output on the service's
 * machine, so a pathological pair (catastrophic backtracking) must not meet an unbounded input.
 */
export const MAX_METRIC_LINE_CHARS = 4096;

/** One step of the learning curve as far as it is known: the n-th value of each metric that has n. */
export interface CurveStep {
  readonly step: number;
  readonly metrics: Readonly<Record<string, number>>;
}

/**
 * Reads metrics from a training command's standard output, SageMaker AMT style: every line is tried
 * against every definition, and a match's first capture group that reads as a finite number is an
 * observation. The last observation of each metric is the trial's result; the n-th observation of each
 * metric is step n of the learning curve (so print each epoch's metrics once per epoch).
 */
export class StdoutMetrics {
  private readonly patterns: readonly { readonly name: string; readonly regex: RegExp }[];
  private readonly observed = new Map<string, number[]>();

  constructor(definitions: readonly MetricDefinition[]) {
    // The spec was checked when the search was created (container-spec.ts): every regex compiles and captures.
    this.patterns = definitions.map(({ name, regex }) => ({ name, regex: new RegExp(regex) }));
  }

  /** Reads one line; answers the curve steps it added to or changed, in step order. */
  read(line: string): CurveStep[] {
    const text = line.length > MAX_METRIC_LINE_CHARS ? line.slice(0, MAX_METRIC_LINE_CHARS) : line;
    const touched = new Set<number>();
    for (const { name, regex } of this.patterns) {
      const captured = regex.exec(text)?.slice(1).find((group) => group !== undefined)?.trim();
      const value = Number(captured);
      if (!captured || !Number.isFinite(value)) continue;
      const values = this.observed.get(name) ?? [];
      values.push(value);
      this.observed.set(name, values);
      touched.add(values.length);
    }
    return [...touched].sort((a, b) => a - b).map((step) => this.stepAt(step));
  }

  /** The last value of each metric observed at all. */
  final(): Record<string, number> {
    return Object.fromEntries([...this.observed].map(([name, values]) => [name, values.at(-1)!]));
  }

  /** The metrics among `wanted` that no line has given a value. */
  missing(wanted: readonly string[]): string[] {
    return wanted.filter((name) => !this.observed.has(name));
  }

  private stepAt(step: number): CurveStep {
    const metrics = Object.fromEntries([...this.observed].flatMap(([name, values]) => (values.length >= step ? [[name, values[step - 1]!]] : [])));
    return { step, metrics };
  }
}

/** A curve step as the trial records it: the step is the epoch, with the seconds the command had run. */
export function observationOf(step: CurveStep, seconds: number): EpochObservation {
  return { epoch: step.step, metrics: step.metrics, seconds };
}

/**
 * A container trial's result: each metric's last value its code reported over the API (the trial's curve),
 * overridden by what it printed last, its own last word.
 */
export function containerResult(reported: readonly EpochObservation[], printed: Readonly<Record<string, number>>): Record<string, number> {
  return Object.assign({}, ...reported.map((observation) => observation.metrics), printed);
}
