import { SingleBar } from 'cli-progress';
import type { SearchView } from '../api/views.js';
import type { NasClient } from '../client/index.js';
import { formatValue } from './format.js';

const POLL_MS = 500;
/** Without a terminal (CI logs, pipes), print a progress line this often instead of redrawing a bar. */
const PLAIN_LINE_MS = 5_000;

function isFinished(search: SearchView): boolean {
  return ['SUCCEEDED', 'FAILED', 'STOPPED'].includes(search.status);
}

/** Polls a search until it finishes, drawing a live bar with counts by state, the best so far and an ETA. */
export async function followSearch(client: NasClient, searchId: string, out: NodeJS.WriteStream = process.stderr): Promise<SearchView> {
  let search = await client.getSearch(searchId);
  const total = search.spec.budget.maxTrialCount;
  const payload = (s: SearchView) => ({
    running: s.trialStatusCounters.running + s.trialStatusCounters.pending,
    failed: s.trialStatusCounters.failed,
    best: formatValue(s.best?.value),
  });
  const finishedCount = (s: SearchView) => s.trialCount - payload(s).running;
  if (out.isTTY) {
    const bar = new SingleBar({
      stream: out,
      format: 'trials {bar} {value}/{total} | running {running} | failed {failed} | best {best} | ETA {eta_formatted}',
      hideCursor: true,
    });
    bar.start(total, finishedCount(search), payload(search));
    while (!isFinished(search)) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      search = await client.getSearch(searchId);
      bar.update(finishedCount(search), payload(search));
    }
    bar.stop();
  } else {
    let lastLine = 0;
    while (!isFinished(search)) {
      if (Date.now() - lastLine >= PLAIN_LINE_MS) {
        const p = payload(search);
        out.write(`trials ${finishedCount(search)}/${total} | running ${p.running} | failed ${p.failed} | best ${p.best}\n`);
        lastLine = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      search = await client.getSearch(searchId);
    }
  }
  return search;
}
