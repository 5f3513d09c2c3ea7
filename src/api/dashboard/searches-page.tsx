import type { SearchRecord } from '../../search/records.js';
import { formatDuration, formatMetric, formatTimestamp } from './format.js';
import { Layout } from './layout.js';
import { NewSearchForm, type FormCatalog } from './new-search-form.js';
import { StatusBadge } from './status-badge.js';

function SearchRow({ search }: { search: SearchRecord }) {
  const { spec } = search;
  const objective = spec.objectives[0]!;
  const max = spec.budget.maxTrialCount;
  return (
    <tr>
      <td>
        <a href={`/searches/${encodeURIComponent(search.id)}`}>{spec.name ?? search.id}</a>
        {spec.name && <div class="id">{search.id}</div>}
      </td>
      <td>
        <StatusBadge status={search.status} />
      </td>
      <td>{spec.space}</td>
      <td>{spec.strategy.name}</td>
      <td class="num">
        {search.trialStatusCounters.succeeded}/{max}
        <progress max={max} value={search.trialStatusCounters.succeeded} />
      </td>
      <td class="num">
        {search.best ? formatMetric(search.best.value) : '–'}
        <div class="id">{objective.metric}</div>
      </td>
      <td>{formatTimestamp(search.createdAt)}</td>
      <td class="num">
        {formatDuration(search.elapsedSeconds)}
        <div class="id">{formatDuration(search.trainingSeconds)} training</div>
      </td>
    </tr>
  );
}

/** `/`: the form to start a search, and the tenant's searches, newest first. */
export function SearchesPage(props: { searches: readonly SearchRecord[]; olderPage?: string; catalog: FormCatalog }) {
  return (
    <Layout title="Searches" signedIn>
      <NewSearchForm catalog={props.catalog} />
      <h1>Searches</h1>
      {props.searches.length === 0 ? (
        <p class="card empty">No searches yet: start one with the form above.</p>
      ) : (
        <table class="searches">
          <thead>
            <tr>
              <th>Search</th>
              <th>Status</th>
              <th>Space</th>
              <th>Strategy</th>
              <th class="num">Trials</th>
              <th class="num">Best</th>
              <th>Created</th>
              <th class="num" title="Elapsed search time (simulated for benchmark trials) and training time">
                Spend
              </th>
            </tr>
          </thead>
          <tbody>
            {props.searches.map((search) => (
              <SearchRow search={search} />
            ))}
          </tbody>
        </table>
      )}
      {props.olderPage && (
        <p>
          <a href={`/?after=${encodeURIComponent(props.olderPage)}`}>Older searches →</a>
        </p>
      )}
    </Layout>
  );
}
