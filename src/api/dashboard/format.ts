/** How the dashboard writes numbers and times: compact, and the same on every page. */

/** A metric value with at most 4 decimals, e.g. `93.95`, `1,234,567`. */
export function formatMetric(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 4 });
}

/** An axis tick: large values in compact form (`886K`, `1.2M`) so that they fit beside the plot; others as `formatMetric`. */
export function formatTick(value: number): string {
  if (Math.abs(value) < 10_000) return formatMetric(value);
  return value.toLocaleString('en-US', { notation: 'compact', maximumFractionDigits: 1 });
}

/** Seconds in the largest unit that keeps the number readable: `42 s`, `12.5 min`, `11.9 h`, `3.2 d`. */
export function formatDuration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 2 * 3600) return `${(seconds / 60).toFixed(1)} min`;
  if (seconds < 2 * 86_400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

/** An ISO timestamp as `2026-11-23 20:36 UTC`: the server renders pages, so it cannot know the reader's zone. */
export function formatTimestamp(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
