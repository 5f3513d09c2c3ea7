import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** The browser tests drive Debian's chromium package; Playwright never downloads a browser here. */
const CHROMIUM_PATH = '/usr/bin/chromium';

/** Headless Chromium that stays off the network: no sync, updates, QUIC or first-run pages. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} is missing: the dashboard tests need Debian's chromium ` +
        '(apt-get install -y --no-install-recommends chromium; .ci/run installs it)',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
