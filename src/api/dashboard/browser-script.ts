import { ACTIVE_SEARCH_STATUSES } from '../../search/states.js';

/** How long to wait before following a search's events again after the browser gave up on the stream. */
const RECONNECT_MS = 2000;

/**
 * The dashboard's only script, served as a file (no inline script, no CDN). It starts searches from the
 * form and shows the API's field errors, follows a search or trial page's events and swaps in its
 * re-rendered live part on every change, sorts the trial table, opens a trial from its row, stops a search,
 * and asks `POST /v1/predictions` from the predictor form and shows its table. It never sees the API key: its `/v1`
 * calls and its `EventSource` carry the HttpOnly session cookie, which the API accepts from this origin.
 */
export const BROWSER_SCRIPT = `
const ACTIVE_SEARCH_STATUSES = ${JSON.stringify(ACTIVE_SEARCH_STATUSES)};
const RECONNECT_MS = ${RECONNECT_MS};

// ---- the new-search form

/** The field whose data-fields name the error's field most specifically, if any. */
function fieldFor(form, errorField) {
  let best;
  let bestLength = -1;
  for (const field of form.querySelectorAll('[data-fields]')) {
    for (const name of field.dataset.fields.split(' ')) {
      const matches = errorField === name || errorField.startsWith(name + '.') || errorField.startsWith(name + '[');
      if (matches && name.length > bestLength) [best, bestLength] = [field, name.length];
    }
  }
  return best;
}

function showErrors(form, errors) {
  form.querySelectorAll('.field-error').forEach((element) => element.remove());
  form.querySelectorAll('[aria-invalid]').forEach((element) => element.removeAttribute('aria-invalid'));
  const general = form.querySelector('.form-errors');
  general.replaceChildren();
  for (const error of errors) {
    const message = document.createElement('p');
    message.className = 'field-error';
    const field = fieldFor(form, error.field || '');
    if (field) {
      const input = field.querySelector('input, select, textarea');
      input.setAttribute('aria-invalid', 'true');
      message.dataset.errorFor = input.name;
      message.textContent = error.message;
      field.append(message);
    } else {
      message.textContent = (error.field ? error.field + ': ' : '') + error.message;
      general.append(message);
    }
  }
}

function specFrom(form) {
  const values = new FormData(form);
  const text = (name) => String(values.get(name) ?? '').trim();
  // An empty number stays out of the spec, so that the API names the missing field.
  const number = (name) => (text(name) === '' ? undefined : Number(text(name)));
  return {
    name: text('name') || undefined,
    space: text('space'),
    objectives: [{ metric: text('metric'), direction: text('direction') }],
    strategy: { name: text('strategy') },
    evaluator: { kind: 'benchmark', benchmark: text('benchmark') },
    budget: { maxTrialCount: number('trials'), parallelTrialCount: number('parallel') },
    seed: number('seed'),
  };
}

async function startSearch(form) {
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  showErrors(form, []);
  try {
    const response = await fetch('/v1/searches', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(specFrom(form)),
    });
    const body = await response.json();
    if (response.ok) return location.assign('/searches/' + encodeURIComponent(body.id));
    showErrors(form, body.errors?.length ? body.errors : [{ field: '', message: body.detail ?? body.title }]);
  } catch (error) {
    showErrors(form, [{ field: '', message: 'the service did not answer (' + error.message + ')' }]);
  } finally {
    button.disabled = false;
  }
}

const form = document.getElementById('new-search');
if (form) {
  const benchmark = form.elements.namedItem('benchmark');
  const metric = form.elements.namedItem('metric');
  // Suggest the metrics of the chosen benchmark only.
  benchmark.addEventListener('change', () => metric.setAttribute('list', 'metrics-' + benchmark.value));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    startSearch(form);
  });
}

// ---- the search page

/**
 * Calls onSearch with each search the events stream sends, until one is finished. EventSource reconnects
 * by itself when a stream drops; when it gives up (an error status such as 429 or 503, or signed out),
 * onGiveUp runs and, for a search still shown as active, the page follows again a little later.
 */
function followEvents(url, onSearch, onGiveUp) {
  const source = new EventSource(url);
  source.addEventListener('search', (event) => {
    const search = JSON.parse(event.data);
    if (!ACTIVE_SEARCH_STATUSES.includes(search.status)) source.close();
    onSearch(search);
  });
  source.addEventListener('error', async () => {
    if (source.readyState !== EventSource.CLOSED) return;
    if (await onGiveUp()) setTimeout(() => followEvents(url, onSearch, onGiveUp), RECONNECT_MS);
  });
}

function followSearchPage(live) {
  let loading = false;
  let again = false;
  const refresh = async () => {
    if (loading) return void (again = true);
    loading = true;
    try {
      const response = await fetch(live.dataset.liveUrl + location.search, { cache: 'no-store' });
      // Sent to sign in: let the page itself go there, so that sign-in returns to it.
      if (response.redirected) return location.reload();
      if (response.ok) live.innerHTML = await response.text();
    } catch {
      // The service did not answer: the next event or reconnection refreshes again.
    } finally {
      loading = false;
      if (again) {
        again = false;
        refresh();
      }
    }
  };
  const shown = () => live.querySelector('[data-updated-at]')?.dataset;
  followEvents(
    live.dataset.eventsUrl,
    (search) => {
      // A new epoch of a running trial changes only progressAt.
      if (search.updatedAt !== shown()?.updatedAt || (search.progressAt ?? '') !== shown()?.progressAt) refresh();
    },
    async () => {
      await refresh();
      return ACTIVE_SEARCH_STATUSES.includes(shown()?.status);
    },
  );

  live.addEventListener('click', async (event) => {
    const sort = event.target.closest('a[data-sort]');
    if (sort) {
      event.preventDefault();
      history.replaceState(null, '', sort.href);
      refresh();
    }
    // A trial row opens the trial's page, wherever in the row it was clicked (its links do so themselves).
    const row = event.target.closest('tr[data-href]');
    if (row && !event.target.closest('a, button')) location.assign(row.dataset.href);
    const stop = event.target.closest('button[data-stop-url]');
    if (stop) {
      stop.disabled = true;
      const response = await fetch(stop.dataset.stopUrl, { method: 'POST' });
      const problem = response.ok ? undefined : await response.json();
      await refresh();
      if (problem) {
        const message = document.createElement('span');
        message.className = 'field-error';
        message.textContent = problem.detail ?? problem.title;
        live.querySelector('.status-line')?.append(message);
      }
    }
  });
}

const live = document.getElementById('live');
if (live) followSearchPage(live);

// ---- the predictor form

/** An element with text content (never markup: architectures and errors are the user's text). */
function element(tag, text, className) {
  const created = document.createElement(tag);
  if (text !== undefined) created.textContent = text;
  if (className) created.className = className;
  return created;
}

/** As the server writes metrics (format.ts formatMetric): at most 4 decimals. */
const formatMetric = (value) => value.toLocaleString('en-US', { maximumFractionDigits: 4 });

function showPredictions(target, lines, metric, { predictor, items }) {
  const heldOut = predictor.heldOut;
  const quality = heldOut && heldOut.spearman !== null
    ? '; on ' + heldOut.size + ' held-out trials it ranked with Spearman ρ ' + heldOut.spearman.toFixed(2)
    : '';
  const table = element('table');
  table.id = 'prediction-table';
  const head = table.createTHead().insertRow();
  head.append(element('th', 'Line', 'num'), element('th', 'Architecture'), element('th', metric + ' (mean ± std)', 'num'));
  const body = table.createTBody();
  for (const item of items) {
    const row = body.insertRow();
    const arch = element('td', item.arch, 'arch');
    arch.title = item.arch;
    row.append(element('td', String(lines[item.index]), 'num'), arch);
    if (item.error) {
      row.className = 'prediction-error';
      row.append(element('td', item.error.message, 'field-error'));
    } else {
      const cell = element('td', formatMetric(item.mean) + ' ± ' + formatMetric(item.std), 'num prediction');
      cell.dataset.mean = item.mean;
      cell.dataset.std = item.std;
      row.append(cell);
    }
  }
  const note = element('p', 'Predictor ' + predictor.version.slice(0, 12) + ' learned from ' + predictor.trainingSize + ' of your trials' + quality + '.', 'note');
  target.replaceChildren(element('h2', 'Predictions'), note, table);
}

async function predict(form, target) {
  const button = form.querySelector('button[type=submit]');
  const values = new FormData(form);
  // Blank lines are skipped; each prediction keeps the number of the line it came from.
  const lines = [];
  const architectures = [];
  String(values.get('architectures')).split(/\\r?\\n/).forEach((text, i) => {
    if (!text.trim()) return;
    lines.push(i + 1);
    architectures.push(text.trim());
  });
  let evaluator;
  try {
    evaluator = JSON.parse(String(values.get('evaluator')));
  } catch (error) {
    return showErrors(form, [{ field: 'evaluator', message: 'not JSON: ' + error.message }]);
  }
  const metric = String(values.get('metric')).trim();
  button.disabled = true;
  showErrors(form, []);
  try {
    const response = await fetch('/v1/predictions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ space: values.get('space'), evaluator, metric, architectures }),
    });
    const body = await response.json();
    if (response.ok) return showPredictions(target, lines, metric, body);
    target.replaceChildren();
    // An error about one architecture names its line rather than its index among the non-blank lines.
    const errors = (body.errors?.length ? body.errors : [{ field: '', message: body.detail ?? body.title }]).map((error) => {
      const index = /^architectures\\[(\\d+)\\]/.exec(error.field || '');
      return index ? { field: 'architectures', message: 'line ' + lines[Number(index[1])] + ': ' + error.message } : error;
    });
    showErrors(form, errors);
  } catch (error) {
    showErrors(form, [{ field: '', message: 'the service did not answer (' + error.message + ')' }]);
  } finally {
    button.disabled = false;
  }
}

const predictForm = document.getElementById('predict');
if (predictForm) {
  const fields = predictForm.elements;
  // Starting from another search fills in its space, evaluator and metric.
  fields.namedItem('search')?.addEventListener('change', (event) => {
    const chosen = event.target.selectedOptions[0]?.dataset;
    if (!chosen) return;
    fields.namedItem('space').value = chosen.space;
    fields.namedItem('evaluator').value = chosen.evaluator;
    fields.namedItem('metric').value = chosen.metric;
  });
  predictForm.addEventListener('submit', (event) => {
    event.preventDefault();
    predict(predictForm, document.getElementById('predictions'));
  });
}
`;
