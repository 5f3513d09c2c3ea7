import { formatDuration } from '../api/dashboard/format.js';
import type { CostEstimateView, SearchView, TrialView } from '../api/views.js';

/** Plain-text tables for people; every command also has `--json` for scripts. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}

export function formatValue(value: number | undefined): string {
  return value === undefined ? '-' : String(Math.round(value * 10_000) / 10_000);
}

export function searchesTable(searches: readonly SearchView[]): string {
  return table([
    ['ID', 'STATUS', 'SPACE', 'STRATEGY', 'TRIALS', 'BEST', 'CREATED'],
    ...searches.map((s) => [
      s.id,
      s.status,
      s.spec.space,
      s.spec.strategy.name,
      `${s.trialStatusCounters.succeeded}/${s.spec.budget.maxTrialCount}`,
      formatValue(s.best?.value),
      s.createdAt,
    ]),
  ]);
}

export function trialsTable(trials: readonly TrialView[]): string {
  return table([
    ['#', 'STATUS', 'METRICS', 'ARCH'],
    ...trials.map((t) => [
      String(t.number),
      t.status,
      Object.entries(t.metrics ?? {}).map(([name, value]) => `${name}=${formatValue(value)}`).join(' ') || (t.error?.message ?? '-'),
      t.arch,
    ]),
  ]);
}

export function searchSummary(search: SearchView): string {
  const counters = Object.entries(search.trialStatusCounters)
    .filter(([, count]) => count > 0)
    .map(([state, count]) => `${state} ${count}`)
    .join(', ');
  const objective = search.spec.objectives[0]!;
  return [
    `search ${search.id}: ${search.status}${search.reason ? ` (${search.reason})` : ''}${search.message ? `: ${search.message}` : ''}`,
    `  trials: ${search.trialCount}/${search.spec.budget.maxTrialCount} (${counters || 'none yet'})`,
    `  best ${objective.metric} (${objective.direction}): ${search.best ? `${formatValue(search.best.value)} by trial ${search.best.trialNumber}` : '-'}`,
    ...(search.best ? [`  best arch: ${search.best.arch}`] : []),
    `  simulated/training time: ${Math.round(search.elapsedSeconds)} s elapsed, ${Math.round(search.trainingSeconds)} s of training`,
  ].join('\n');
}

/**
 * What `nas search` prints when the service accepted a search: its id and what it would cost in the cloud.
 * `estimate` is optional only because a service from before it was added answers without one.
 */
export function searchStarted(created: SearchView & { readonly estimate?: CostEstimateView }): string {
  const lines = [`started search ${created.id}`];
  const estimate = created.estimate;
  if (estimate) {
    const { maxTrialCount, parallelTrialCount } = created.spec.budget;
    lines.push(
      `estimated cost in the cloud: $${estimate.usd.toFixed(2)} (${maxTrialCount} trials at $${estimate.usdPerTrial.toFixed(4)} on ${estimate.instance}; ` +
        `about ${formatDuration(estimate.wallClockSeconds)} at ${parallelTrialCount} at a time; ${estimate.basis})`,
    );
  }
  return lines.join('\n');
}
