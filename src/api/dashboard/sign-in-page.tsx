import { Layout } from './layout.js';

/** Asks for an API key; the local service keeps its own in `<NAS_DATA_DIR>/api-key`. */
export function SignInPage({ next, error }: { next: string; error?: string }) {
  return (
    <Layout title="Sign in" signedIn={false}>
      <section class="card sign-in">
        <h1>Sign in</h1>
        <p>
          Paste an API key. The local service keeps its own in <code>.nas-data/api-key</code> (or wherever{' '}
          <code>NAS_DATA_DIR</code> points).
        </p>
        <form method="post" action="/sign-in">
          <input type="hidden" name="next" value={next} />
          <div class="field">
            <label for="key">API key</label>
            <input id="key" name="key" type="password" autocomplete="current-password" placeholder="nas_..." required aria-invalid={error ? 'true' : undefined} />
            {error && <p class="field-error">{error}</p>}
          </div>
          <button type="submit">Sign in</button>
        </form>
      </section>
    </Layout>
  );
}
