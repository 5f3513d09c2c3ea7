import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { PREDICT_PATH } from './page-paths.js';

export const STYLESHEET_PATH = '/assets/dashboard.css';
export const SCRIPT_PATH = '/assets/dashboard.js';

/** The frame of every dashboard page: the stylesheet, the script and the top bar. */
export function Layout(props: { title: string; signedIn: boolean; children: Child }) {
  return (
    <>
      {raw('<!doctype html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{props.title} · serverless-nas</title>
          <link rel="stylesheet" href={STYLESHEET_PATH} />
          <script type="module" src={SCRIPT_PATH}></script>
        </head>
        <body>
          <header class="topbar">
            <a class="brand" href="/">
              serverless-nas
            </a>
            {props.signedIn && (
              <nav>
                <a href="/">Searches</a>
                <a href={PREDICT_PATH}>Predict</a>
                <a href="/openapi.json">API</a>
                <form method="post" action="/sign-out">
                  <button class="link" type="submit">
                    Sign out
                  </button>
                </form>
              </nav>
            )}
          </header>
          <main>{props.children}</main>
        </body>
      </html>
    </>
  );
}
