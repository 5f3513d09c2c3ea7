/**
 * `nas predict` and `nas predictors`: what the tenant's performance predictors (POST /v1/predictions,
 * GET /v1/predictors, docs/predictors.md) expect of architectures before anyone pays to train them.
 */
import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import type { PredictionRequest, PredictionResponse } from '../api/routes/predictions.js';
import type { PredictorList } from '../api/routes/predictors.js';
import { formatValue, table } from './format.js';
import { UsageError } from './usage-error.js';

export const PREDICT_USAGE = `  predict <arch> ...  or  predict --file FILE|-
                                predict a metric (mean ± uncertainty) of up to 1,000 architectures (--file: a JSON
                                array or one per line, - for stdin) from your finished trials with that evaluator
      --space nb201  --evaluator JSON|@FILE  [--metric M (default: the evaluator's)]  [--space-config JSON|@FILE]
      e.g. --evaluator '{"kind":"benchmark","benchmark":"nb201"}' --metric cifar10_valid_12
  predictors [--space S]        your performance predictors: task, training-set size, held-out rank correlation, version`;

/** Widest architecture the prediction table shows whole; the rest keep their start and end. */
const ARCH_WIDTH = 48;

/** `nas predict`'s options, JSON ones already parsed; `architectures` are its positional arguments. */
export interface PredictOptions {
  readonly space?: string;
  readonly spaceConfig?: unknown;
  readonly evaluator?: unknown;
  readonly metric?: string;
  readonly file?: string;
  readonly architectures: readonly string[];
}

/**
 * The body of POST /v1/predictions. Refuses, as usage errors, only what the command line must supply;
 * the service validates every value and names the field it rejects.
 */
export async function predictionRequest(options: PredictOptions): Promise<PredictionRequest> {
  if (!options.space) throw new UsageError("'nas predict' needs --space: the space the architectures belong to (nas catalog lists them)");
  if (options.evaluator === undefined) {
    throw new UsageError(`'nas predict' needs --evaluator: the evaluator of the searches to learn from, e.g. '{"kind":"benchmark","benchmark":"nb201"}'`);
  }
  const metric = options.metric ?? evaluatorMetric(options.evaluator);
  if (!metric) throw new UsageError("'nas predict' needs --metric, or an evaluator that names its metric");
  if (options.file !== undefined && options.architectures.length > 0) {
    throw new UsageError("'nas predict' takes architectures as arguments or from --file, not both");
  }
  const architectures = options.file === undefined ? [...options.architectures] : await architecturesFromFile(options.file);
  if (architectures.length === 0) throw new UsageError("'nas predict' needs architectures: as arguments, or --file FILE (- for stdin)");
  return {
    space: options.space as PredictionRequest['space'],
    ...(options.spaceConfig === undefined ? {} : { spaceConfig: options.spaceConfig }),
    evaluator: options.evaluator as PredictionRequest['evaluator'],
    metric,
    architectures,
  };
}

function evaluatorMetric(evaluator: unknown): string | undefined {
  const metric = typeof evaluator === 'object' && evaluator !== null ? (evaluator as { metric?: unknown }).metric : undefined;
  return typeof metric === 'string' ? metric : undefined;
}

/** Compact architecture strings hold no `[` at their start, so a file that opens with one is a JSON array. */
async function architecturesFromFile(path: string): Promise<string[]> {
  let content: string;
  try {
    content = path === '-' ? await text(process.stdin) : await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--file: cannot read '${path}': ${(error as Error).message}`);
  }
  if (!content.trimStart().startsWith('[')) return content.split('\n').map((line) => line.trim()).filter(Boolean);
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch (error) {
    throw new UsageError(`--file: '${path}' starts like a JSON array but is not one: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed) || !parsed.every((arch) => typeof arch === 'string')) {
    throw new UsageError(`--file: '${path}' must be a JSON array of architecture strings, or one architecture per line`);
  }
  return parsed;
}

function shortened(arch: string): string {
  if (arch.length <= ARCH_WIDTH) return arch;
  const tail = Math.floor(ARCH_WIDTH / 3);
  return `${arch.slice(0, ARCH_WIDTH - tail - 1)}…${arch.slice(-tail)}`;
}

type HeldOut = PredictionResponse['predictor']['heldOut'];

const heldOutSpearman = (heldOut: HeldOut) => (heldOut?.spearman == null ? '-' : `${formatValue(heldOut.spearman)} (${heldOut.size})`);

/** What `nas predict` prints: the predictor that answered, then one row per architecture in request order. */
export function predictionsText(metric: string, response: PredictionResponse): string {
  const { predictor, items } = response;
  const invalid = items.filter((item) => 'error' in item).length;
  return [
    `predicted ${metric} with predictor ${predictor.version}: learnt from ${predictor.trainingSize} architectures, ` +
      `held-out Spearman ${heldOutSpearman(predictor.heldOut)}, updated ${predictor.updatedAt}`,
    table([
      ['#', 'ARCH', 'MEAN', '±'],
      ...items.map((item) =>
        'error' in item
          ? [String(item.index), shortened(item.arch), 'invalid', item.error.message]
          : [String(item.index), shortened(item.arch), formatValue(item.mean), formatValue(item.std)],
      ),
    ]),
    ...(invalid > 0 ? [`${invalid} of ${items.length} architectures invalid`] : []),
  ].join('\n');
}

/** `benchmark nb201`, `train mnist schedule={"epochs":10}`: the evaluator's kind and source, then its other settings. */
function describeEvaluator(evaluator: Record<string, unknown>): string {
  const { kind, benchmark, dataset, ...settings } = evaluator;
  const setting = ([name, value]: [string, unknown]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`;
  return [kind, benchmark ?? dataset, ...Object.entries(settings).map(setting)].filter((part) => part !== undefined).join(' ');
}

export function predictorsTable({ items }: PredictorList): string {
  if (items.length === 0) return 'no predictors yet: nas predict (or a search with strategy.prescreen) trains one from your finished trials';
  return table([
    ['SPACE', 'EVALUATOR', 'METRIC', 'TRAINED ON', 'HELD-OUT SPEARMAN', 'VERSION', 'UPDATED'],
    ...items.map((p) => [p.space, describeEvaluator(p.task.evaluator), p.task.metric, String(p.trainingSize), heldOutSpearman(p.heldOut), p.version, p.updatedAt]),
  ]);
}
