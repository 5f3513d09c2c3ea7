import { ACTIVE_SEARCH_STATUSES } from '../../search/records.js';
import { API_KEY_COOKIE } from './session.js';

/** How long to wait before following a search's events again after the connection dropped. */
const RECONNECT_MS = 2000;

/**
 * The dashboard's only script, served as a file (no inline script, no CDN). It starts searches from the
 * form and shows the API's field errors, follows a search page's events and swaps in its re-rendered live
 * part on every change, sorts the trial table and stops a search. Events are read with fetch rather than
 * EventSource because EventSource cannot send the `Authorization` header the `/v1` API requires.
 */
export const BROWSER_SCRIPT = `
const API_KEY_COOKIE = ${JSON.stringify(API_KEY_COOKIE)};
const ACTIVE_SEARCH_STATUSES = ${JSON.stringify(ACTIVE_SEARCH_STATUSES)};
const RECONNECT_MS = ${RECONNECT_MS};

function apiHeaders(extra) {
  const cookie = document.cookie.split('; ').find((c) => c.startsWith(API_KEY_COOKIE + '='));
  const key = cookie ? decodeURIComponent(cookie.slice(API_KEY_COOKIE.length + 1)) : '';
  return { authorization: 'Bearer ' + key, ...extra };
}

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
      const input = field.querySelector('input, select');
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
      headers: apiHeaders({ 'content-type': 'application/json' }),
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

/** Calls onSearch with each search the events stream sends, reconnecting until one is finished. */
async function followEvents(url, onSearch) {
  for (;;) {
    let finished = false;
    try {
      const response = await fetch(url, { headers: apiHeaders(), cache: 'no-store' });
      // Signed out or no such search: nothing to follow. Anything else (429, 503) is worth another try.
      if (response.status === 401 || response.status === 404) return;
      if (!response.ok) throw new Error(response.statusText);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replaceAll('\\r\\n', '\\n');
        for (let end = buffer.indexOf('\\n\\n'); end >= 0; end = buffer.indexOf('\\n\\n')) {
          const data = buffer.slice(0, end).split('\\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trimStart()).join('\\n');
          buffer = buffer.slice(end + 2);
          if (!data) continue;
          const search = JSON.parse(data);
          finished = !ACTIVE_SEARCH_STATUSES.includes(search.status);
          onSearch(search);
        }
      }
    } catch {
      // The connection dropped: follow again below.
    }
    if (finished) return;
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
  }
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
    } finally {
      loading = false;
      if (again) {
        again = false;
        refresh();
      }
    }
  };
  const shownUpdatedAt = () => live.querySelector('[data-updated-at]')?.dataset.updatedAt;
  followEvents(live.dataset.eventsUrl, (search) => {
    if (search.updatedAt !== shownUpdatedAt()) refresh();
  });

  live.addEventListener('click', async (event) => {
    const sort = event.target.closest('a[data-sort]');
    if (sort) {
      event.preventDefault();
      history.replaceState(null, '', sort.href);
      refresh();
    }
    const stop = event.target.closest('button[data-stop-url]');
    if (stop) {
      stop.disabled = true;
      const response = await fetch(stop.dataset.stopUrl, { method: 'POST', headers: apiHeaders() });
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
`;
