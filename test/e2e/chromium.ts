import { existsSync } from 'node:fs';
import sparticuzChromium from '@sparticuz/chromium';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium package, used instead of the npm one where it is installed. */
const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/**
 * The browser the dashboard tests drive: Debian's chromium if the machine has it, else the Chromium that
 * `@sparticuz/chromium` ships inside its npm package (inflated to the temp folder on first use), so a fresh
 * `npm install && npm test` needs no apt step. Playwright never downloads a browser here.
 */
async function chromiumPath(): Promise<string> {
  if (existsSync(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  // Without WebGL the package skips inflating its software GPU (swiftshader): the dashboard draws SVG.
  sparticuzChromium.setGraphicsMode = false;
  return sparticuzChromium.executablePath();
}

/** Headless Chromium that stays off the network: no sync, updates, QUIC or first-run pages. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: await chromiumPath(),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
