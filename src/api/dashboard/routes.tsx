import { Hono, type Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import { endSession, startSession } from '../../auth/sessions.js';
import { NotFound } from '../../errors.js';
import { describeSpaces, resolveSpace } from '../../spaces/registry.js';
import { STRATEGY_NAMES } from '../../strategies/registry.js';
import { SESSION_COOKIE } from '../auth.js';
import type { ApiDeps, ApiEnv } from '../deps.js';
import { errorToProblem, problemResponse } from '../problem.js';
import { SearchIdParamSchema } from '../router.js';
import { BROWSER_SCRIPT } from './browser-script.js';
import { Layout, SCRIPT_PATH, STYLESHEET_PATH } from './layout.js';
import { SearchesPage } from './searches-page.js';
import { LiveSearch, SearchPage, type SearchPageData } from './search-page.js';
import { PREDICT_PATH } from './page-paths.js';
import { PredictPage } from './predict-page.js';
import { forgetSession, rememberSession, requireSignIn, safeNextPath } from './session.js';
import { SignInPage } from './sign-in-page.js';
import { STYLESHEET } from './stylesheet.js';
import { parseTrialOrder } from './trial-order.js';
import { LiveTrial, TrialPage, type TrialPageData } from './trial-page.js';
import { windowAround, windowNumbers, windowUpTo } from './trial-window.js';

const SEARCHES_PER_PAGE = 25;
/** Searches the predictor form offers to start from, newest first. */
const PREDICT_SEARCH_CHOICES = 50;

/** Pages run our own script and stylesheet only, load nothing from elsewhere and cannot be framed. */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** A rendered page (JSX renders to an escaped string). */
function page(c: Context, element: string | Promise<string>, status: 200 | 401 | 404 = 200) {
  return c.html(element, status, { 'content-security-policy': CONTENT_SECURITY_POLICY, 'cache-control': 'no-store' });
}

async function loadSearch(deps: ApiDeps, tenantId: string, id: string) {
  const search = SearchIdParamSchema.shape.id.safeParse(id).success ? await deps.store.getSearch(tenantId, id) : undefined;
  if (!search) throw new NotFound('search', id);
  return search;
}

async function loadSearchPage(deps: ApiDeps, c: Context<ApiEnv>): Promise<SearchPageData> {
  const id = c.req.param('id')!;
  const tenantId = c.get('tenantId');
  const search = await loadSearch(deps, tenantId, id);
  const window = windowUpTo(search.trialCount, c.req.query('upTo'));
  const trials = await deps.store.getTrials(tenantId, id, windowNumbers(window));
  const order = parseTrialOrder(c.req.query());
  if (!search.best) return { search, trials, window, order };
  const space = resolveSpace(search.spec.space, search.spec.spaceConfig);
  return { search, trials, window, order, bestGraph: space.graph(space.parse(search.best.arch)) };
}

async function loadTrialPage(deps: ApiDeps, c: Context<ApiEnv>): Promise<TrialPageData> {
  const id = c.req.param('id')!;
  const number = c.req.param('number')!;
  const tenantId = c.get('tenantId');
  const search = await loadSearch(deps, tenantId, id);
  const trial = /^[1-9]\d{0,8}$/.test(number) ? await deps.store.getTrial(tenantId, id, Number(number)) : undefined;
  if (!trial) throw new NotFound('trial', `${id}/${number}`);
  const trials = await deps.store.getTrials(tenantId, id, windowNumbers(windowAround(Math.max(search.trialCount, trial.number), trial.number)));
  const space = resolveSpace(search.spec.space, search.spec.spaceConfig);
  return { search, trial, trials, graph: space.graph(space.parse(trial.arch)) };
}

/**
 * The web dashboard: server-rendered pages over the same store the API reads, signed in with an API key.
 * Mounted at `/`; its paths (`/`, `/searches/*`, `/predict`, `/sign-in`, `/sign-out`, `/assets/*`) leave `/v1` alone.
 */
export function dashboardRoutes(deps: ApiDeps) {
  const signedIn = requireSignIn(deps);
  // Another site must not sign a reader in (to its attacker's key) or out: form posts come from our pages only.
  const sameOrigin = csrf();
  return new Hono<ApiEnv>()
    .get(STYLESHEET_PATH, (c) => c.body(STYLESHEET, 200, { 'content-type': 'text/css; charset=utf-8' }))
    .get(SCRIPT_PATH, (c) => c.body(BROWSER_SCRIPT, 200, { 'content-type': 'text/javascript; charset=utf-8' }))
    .get('/sign-in', (c) => page(c, <SignInPage next={safeNextPath(c.req.query('next'), new URL(c.req.url).origin)} />))
    .post('/sign-in', sameOrigin, async (c) => {
      const form = await c.req.parseBody();
      const key = typeof form.key === 'string' ? form.key.trim() : '';
      const next = safeNextPath(typeof form.next === 'string' ? form.next : undefined, new URL(c.req.url).origin);
      const sessionId = key ? await startSession(deps.store, key, deps.clock()) : undefined;
      if (!sessionId) return page(c, <SignInPage next={next} error="This API key is not known here." />, 401);
      rememberSession(c, sessionId);
      return c.redirect(next, 303);
    })
    .post('/sign-out', sameOrigin, async (c) => {
      await endSession(deps.store, getCookie(c, SESSION_COOKIE));
      forgetSession(c);
      return c.redirect('/sign-in', 303);
    })
    .get('/', signedIn, async (c) => {
      const after = c.req.query('after');
      const [listing, benchmarks] = await Promise.all([
        deps.store.listSearches(c.get('tenantId'), { limit: SEARCHES_PER_PAGE, ...(after ? { nextToken: after } : {}) }),
        deps.benchmarks.list(),
      ]);
      const spaces = describeSpaces().filter((s) => !s.needsSpaceConfig).map((s) => s.name);
      return page(c, <SearchesPage searches={listing.items} olderPage={listing.nextToken} catalog={{ spaces, strategies: STRATEGY_NAMES, benchmarks }} />);
    })
    .get('/searches/:id', signedIn, async (c) => page(c, <SearchPage {...await loadSearchPage(deps, c)} />))
    .get('/searches/:id/live', signedIn, async (c) => page(c, <LiveSearch {...await loadSearchPage(deps, c)} />))
    .get('/searches/:id/trials/:number', signedIn, async (c) => page(c, <TrialPage {...await loadTrialPage(deps, c)} />))
    .get('/searches/:id/trials/:number/live', signedIn, async (c) => page(c, <LiveTrial {...await loadTrialPage(deps, c)} />))
    .get(PREDICT_PATH, signedIn, async (c) => {
      const tenantId = c.get('tenantId');
      const wanted = c.req.query('search');
      const [listing, selected] = await Promise.all([
        deps.store.listSearches(tenantId, { limit: PREDICT_SEARCH_CHOICES }),
        wanted ? loadSearch(deps, tenantId, wanted) : undefined,
      ]);
      const spaces = describeSpaces().filter((s) => !s.needsSpaceConfig).map((s) => s.name);
      return page(c, <PredictPage searches={listing.items} selected={selected} spaces={spaces} />);
    })
    .onError((error, c) => {
      if (!(error instanceof NotFound)) return problemResponse(errorToProblem(error, c));
      return page(
        c,
        <Layout title="Not found" signedIn>
          <h1>Not found</h1>
          <p>
            {error.message}. <a href="/">All searches</a>
          </p>
        </Layout>,
        404,
      );
    });
}
